"""The assemblée générale constitutive, shared by its convocation and its minutes: one
agenda, the body that elects the bureau, the quorum reached and each resolution's vote.

The statutes decide: who elects the bureau (`bureau_elu_par`; the shipped statutes give
it to the conseil d'administration), the quorum (`quorum_ago`) and the majority
(`majorite_ago`; the shipped statutes say « majorité des voix exprimées »). A resolution
is adopted or rejected from its numbers, never from a checkbox.
"""

from __future__ import annotations

import math
from typing import Any

from .. import french
from ..errors import BadInput

QUORUM = {"aucun": 0.0, "le quart": 1 / 4, "le tiers": 1 / 3, "la moitié": 1 / 2}

# Who elects the bureau, as the statutes may word it → "ag" or "ca".
BUREAU_BODIES = {
    "ag": "ag",
    "assemblée générale": "ag",
    "assemblee_generale": "ag",
    "ca": "ca",
    "conseil d'administration": "ca",
    "conseil_administration": "ca",
}
BUREAU_BODY_DEFAULT = "ca"  # « Le conseil d'administration élit parmi ses membres … un bureau »

# Majority rules: (share of the votes that must be « pour », which votes count, wording).
MAJORITIES = {
    "majorité des voix exprimées": (1 / 2, "exprimées", "à la majorité des voix exprimées"),
    "majorité des présents et représentés": (
        1 / 2, "votants", "à la majorité des membres présents et représentés"),
    "deux tiers des voix exprimées": (2 / 3, "exprimées", "à la majorité des deux tiers des "
                                                          "voix exprimées"),
}
MAJORITY_DEFAULT = "majorité des voix exprimées"

# The resolutions of the AG constitutive, in order; `bureau` only when the AG elects it.
RESOLUTIONS = (
    ("statuts", "Adoption des statuts"),
    ("cotisation", "Cotisation"),
    ("conseil", "Élection du conseil d'administration"),
    ("bureau", "Élection du bureau"),
    ("pouvoirs", "Pouvoirs pour les formalités"),
)
ORDINALS = ("Première", "Deuxième", "Troisième", "Quatrième", "Cinquième", "Sixième")


def bureau_body(statutes: dict[str, Any]) -> str:
    """`ag` or `ca`: the body the statutes name to elect the bureau."""
    named = str(statutes.get("bureau_elu_par") or "").strip().lower()
    return BUREAU_BODIES.get(named, BUREAU_BODY_DEFAULT)


def agenda(convocation: dict[str, Any], body: str) -> list[str]:
    """The AG constitutive's agenda, the same in the convocation and the minutes."""
    bureau = (
        "Élection du bureau (président, secrétaire, trésorier)"
        if body == "ag"
        else "Élection du bureau (président, secrétaire, trésorier) par le conseil "
        "d'administration, réuni à l'issue de l'assemblée"
    )
    items = [
        "Présentation du projet de CPTS et de son projet de santé",
        "Lecture, discussion et adoption des statuts",
        "Fixation du montant de la cotisation annuelle",
        "Élection des membres du premier conseil d'administration",
        bureau,
        "Mandat donné au président pour déclarer l'association et accomplir les formalités",
    ]
    extra = convocation.get("ordre_du_jour_complement")
    if extra:
        items += [line.strip(" ;.") for line in str(extra).splitlines() if line.strip(" ;.")]
    return [*items, "Questions diverses"]


def attending_text(count: int) -> str:
    """`1 membre présent ou représenté`, `12 membres présents ou représentés`."""
    s = "s" if count > 1 else ""
    return f"{french.number(count)} membre{s} présent{s} ou représenté{s}"


def quorum(statutes: dict[str, Any], members: int, presents: int, represented: int) -> dict:
    """The quorum the statutes fix, what it means in members and whether it is reached."""
    rule = str(statutes.get("quorum_ago") or "le quart")
    share = QUORUM.get(rule, 0.0)
    needed = math.ceil(share * members) if members else 0
    attending = presents + represented
    there = attending_text(attending)
    if share == 0:
        text = f"Les statuts ne fixent pas de quorum ; {there}."
    elif not members:
        text = f"Le quorum ne peut pas être calculé : aucun membre n'est enregistré ({there})."
    else:
        reached = "est atteint" if attending >= needed else "n'est pas atteint"
        text = (f"Le quorum fixé par les statuts ({rule} des {french.plural(members, 'membre')}"
                f", soit au moins {needed}) {reached} : {there}.")
    return {"rule": rule, "members": members, "needed": needed, "attending": attending,
            "reached": attending >= needed, "text": text}


def _vote(answers: dict[str, Any], rid: str) -> dict[str, int] | None:
    counts = {k: answers.get(f"vote_{rid}_{k}") for k in ("pour", "contre", "abstention")}
    if counts["pour"] is None:
        return None
    return {k: int(v or 0) for k, v in counts.items()}


def resolutions(
    answers: dict[str, Any], statutes: dict[str, Any], body: str
) -> list[dict[str, Any]]:
    """Each resolution with its vote (None: to fill in by hand) and whether it passed.

    `BadInput` when a vote counts more voices than members present and represented, or
    is recorded for a resolution the AG does not vote."""
    voters = int(answers.get("presents") or 0) + int(answers.get("representes") or 0)
    rule = str(statutes.get("majorite_ago") or MAJORITY_DEFAULT)
    share, counted, wording = MAJORITIES.get(rule, MAJORITIES[MAJORITY_DEFAULT])
    done = []
    for rid, label in RESOLUTIONS:
        given = [k for k in ("pour", "contre", "abstention")
                 if answers.get(f"vote_{rid}_{k}") is not None]
        if rid == "bureau" and body != "ag":
            if given:
                raise BadInput(
                    "Les statuts confient l'élection du bureau au conseil d'administration : "
                    "l'assemblée générale ne vote pas de résolution sur le bureau.",
                    "Retirez les votes de la résolution « Élection du bureau » (vote_bureau_…).",
                )
            continue
        vote = _vote(answers, rid)
        if vote is None and given:
            raise BadInput(
                f"Résolution « {label} » : le nombre de voix pour manque ; contre et "
                "abstentions seuls ne disent pas le résultat.",
                f"Donnez aussi vote_{rid}_pour (0 si personne n'a voté pour).",
            )
        adopted = None
        if vote is not None:
            total = vote["pour"] + vote["contre"] + vote["abstention"]
            if total > voters:
                raise BadInput(
                    f"Résolution « {label} » : {french.plural(total, 'voix', 'voix')} "
                    f"comptées ({vote['pour']} pour, {vote['contre']} contre, "
                    f"{french.plural(vote['abstention'], 'abstention')}) pour "
                    f"{attending_text(voters)}.",
                    "Le total des voix ne peut pas dépasser les présents et représentés ; "
                    "corrigez les nombres du vote.",
                )
            base = vote["pour"] + vote["contre"] if counted == "exprimées" else voters
            adopted = base > 0 and vote["pour"] > share * base
        done.append({"id": rid, "label": label, "vote": vote, "adopted": adopted,
                     "majority": wording})
    for n, item in enumerate(done):
        item["title"] = f"{ORDINALS[n]} résolution – {item['label']}"
    return done


def check_times(answers: dict[str, Any]) -> None:
    """The meeting closes after it opens (`19 h 30` → minutes)."""

    def minutes(text: str) -> int:
        hours, _, rest = text.partition(" h")
        return int(hours) * 60 + int(rest.strip() or 0)

    start, end = answers.get("heure_debut"), answers.get("heure_fin")
    if start and end and minutes(end) <= minutes(start):
        raise BadInput(
            f"La séance ne peut pas être levée à {end} si elle s'ouvre à {start}.",
            "Corrigez l'heure d'ouverture (heure_debut) ou de clôture (heure_fin).",
        )


def assembly_context(
    template_id: str, answers: dict[str, Any], context: dict[str, Any],
    stored: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """What the convocation and the minutes show of the AG: `agenda`, `bureau_body`, and
    for the minutes `quorum` and `resolutions` (validated here)."""
    statutes = stored.get("statuts", {})
    body = bureau_body(statutes)
    convocation = answers if template_id == "convocation_ag" else stored.get("convocation_ag", {})
    shown: dict[str, Any] = {"agenda": agenda(convocation, body), "bureau_body": body}
    if template_id == "pv_ag":
        check_times(answers)
        members = len([m for m in context["members"] if not m["erased"]])
        shown["quorum"] = quorum(statutes, members, int(answers.get("presents") or 0),
                                 int(answers.get("representes") or 0))
        shown["resolutions"] = resolutions(answers, statutes, body)
    return shown
