"""The founders' choices written into the statutes and the règlement intérieur, and the
checks that keep them coherent (URPS ML Occitanie's statutes guide, association law).

Both documents read the same answers (those of `statuts`): the collèges, each one's vote
and seats on the board, how the board is elected, where the territory is listed. The
checks here refuse what cannot be signed (a board whose seats do not add up, final
statutes without two named officers) and warn about what a founder should reconsider.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import french
from ..errors import BadInput

STATUTES = "statuts"
# Collèges whose place the founders choose (the guide: voting member, advisory member or
# partner by convention); libéraux and structures d'exercice coordonné always vote.
VOTE_QUESTIONS = {
    "etablissements": "voix_etablissements",
    "medico_social": "voix_medico_social",
    "usagers": "voix_usagers",
    "partenaires": "voix_partenaires",
}
VOTE_DEFAULTS = {"usagers": "consultative"}
DELIBERATIVE, CONSULTATIVE, CONVENTION = "délibérative", "consultative", "convention"
ELECTED_BY_COLLEGE = "par collège"
# Code de commerce, art. L612-4 and D612-5: above this total of public subsidies a year an
# association appoints a commissaire aux comptes and a substitute, and publishes its accounts.
AUDIT_THRESHOLD_EUROS = 153_000


def seat_question(college_id: str) -> str:
    return f"sieges_{college_id}"


def college_vote(statutes: dict[str, Any], college_id: str) -> str:
    """`délibérative`, `consultative` or `convention` (partners linked by a convention,
    not members); answers saved before the choice existed still count."""
    question = VOTE_QUESTIONS.get(college_id)
    if question is None:
        return DELIBERATIVE
    if statutes.get(question):
        return str(statutes[question])
    if college_id == "usagers" and "usagers_voix_deliberative" in statutes:
        return DELIBERATIVE if statutes["usagers_voix_deliberative"] else CONSULTATIVE
    return VOTE_DEFAULTS.get(college_id, DELIBERATIVE)


def deliberative_college_ids(statutes: dict[str, Any], college_ids: list[str]) -> list[str]:
    return [c for c in college_ids if college_vote(statutes, c) == DELIBERATIVE]


def seats(statutes: dict[str, Any]) -> dict[str, int] | None:
    """Board seats per collège, or None when the founders left the split open."""
    given = {
        key.removeprefix("sieges_"): int(value)
        for key, value in statutes.items()
        if key.startswith("sieges_") and value is not None
    }
    return given or None


def college_plan(statutes: dict[str, Any], colleges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The collèges the statutes name: those chosen plus every one that has members (none
    may vanish), each with its vote and its seats on the board."""
    chosen = set(statutes.get("colleges") or [])
    split = seats(statutes)
    return [
        {
            **c,
            "vote": college_vote(statutes, c["id"]),
            "seats": (split or {}).get(c["id"], 0) if split is not None else None,
            "active": [m for m in c["members"] if not m.get("erased")],
        }
        for c in colleges
        if c["id"] in chosen or c["members"]
    ]


def statutes_context(statutes: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """What the statutes and the règlement intérieur show of these choices."""
    plan = college_plan(statutes, context["colleges"])
    split = seats(statutes)
    return {
        "plan": plan,
        "members_plan": [c for c in plan if c["vote"] != CONVENTION],
        "partners_plan": [c for c in plan if c["vote"] == CONVENTION],
        "seats_total": sum(split.values()) if split else None,
        "audit_threshold": AUDIT_THRESHOLD_EUROS,
        "by_college": statutes.get("election_ca") == ELECTED_BY_COLLEGE,
    }


def _refuse(message: str, hint: str) -> BadInput:
    return BadInput(message, hint)


def _check_seats(answers: dict[str, Any], plan: list[dict[str, Any]]) -> None:
    split = seats(answers)
    if split is None:
        return
    shown = {c["id"]: c for c in plan}
    for cid, count in split.items():
        college = shown.get(cid)
        if college is None and count:
            raise _refuse(
                f"{french.plural(count, 'siège')} au conseil d'administration pour le collège "
                f"« {cid} », que les statuts ne retiennent pas.",
                "Ajoutez ce collège aux collèges de l'association ou retirez ses sièges.",
            )
        if college is not None and college["vote"] == CONVENTION and count:
            raise _refuse(
                f"Le collège « {college['label']} » est lié par convention (ses partenaires "
                "ne sont pas membres) : il ne peut pas avoir de siège au conseil "
                "d'administration.",
                "Retirez ses sièges ou donnez-lui voix délibérative ou consultative.",
            )
    for c in plan:
        if c["vote"] == DELIBERATIVE and not split.get(c["id"]):
            raise _refuse(
                f"Le collège « {c['label']} » a voix délibérative mais aucun siège au conseil "
                "d'administration.",
                "Donnez-lui au moins un siège (chaque collège délibératif est représenté).",
            )
    total, low, high = sum(split.values()), answers["ca_membres_min"], answers["ca_membres_max"]
    if not low <= total <= high:
        raise _refuse(
            f"Les sièges répartis entre les collèges font {total} administrateurs ; les "
            f"statuts prévoient un conseil de {low} à {high} membres.",
            "Ajustez les sièges par collège ou le nombre minimal et maximal d'administrateurs.",
        )
    if "liberaux" in shown:
        liberal = split.get("liberaux", 0)
        if liberal < 2:
            raise _refuse(
                f"{french.plural(liberal, 'siège')} pour les professionnels de santé libéraux : "
                "il en faut au moins deux pour que plusieurs professions de premier recours "
                "siègent au conseil d'administration.",
                "Donnez au moins deux sièges au collège des libéraux.",
            )
        if answers.get("liberaux_majoritaires") and liberal * 2 <= total:
            raise _refuse(
                f"Les statuts donnent la majorité des sièges aux libéraux, mais la répartition "
                f"leur en donne {liberal} sur {total}.",
                f"Donnez-leur au moins {total // 2 + 1} sièges, ou renoncez à cette majorité.",
            )


def check_signatories(context: dict[str, Any], title: str) -> None:
    """A final document is signed by the président·e and the secrétaire or trésorier·ère,
    named among the members."""
    bureau = context["bureau"]
    if not bureau.get("president"):
        raise _refuse(
            f"La version définitive {title} porte la signature de la présidente ou du "
            "président : aucun membre n'a ce rôle.",
            "Donnez le rôle de président·e au membre élu, puis produisez à nouveau le document.",
        )
    if not bureau.get("secretary") and not bureau.get("treasurer"):
        raise _refuse(
            f"La version définitive {title} porte la signature de deux membres du bureau : "
            "aucun membre n'est secrétaire ni trésorier·ère.",
            "Donnez le rôle de secrétaire ou de trésorier·ère au membre élu.",
        )


def _check_adoption_date(answers: dict[str, Any], stored: dict[str, dict[str, Any]]) -> None:
    adopted = answers.get("date_ag_constitutive")
    for template, label in (("pv_ag", "le procès-verbal"), ("convocation_ag", "la convocation")):
        held = stored.get(template, {}).get("date_ag")
        if adopted and held and held != adopted:
            raise _refuse(
                f"Les statuts sont adoptés le {french.short_date(date.fromisoformat(adopted))}, "
                f"mais {label} de l'assemblée générale constitutive porte la date du "
                f"{french.short_date(date.fromisoformat(held))}.",
                "Donnez la même date d'assemblée générale constitutive aux documents.",
            )


def _warnings(answers: dict[str, Any], plan: list[dict[str, Any]]) -> list[str]:
    said = []
    liberal = next((c for c in plan if c["id"] == "liberaux"), None)
    if liberal and liberal["active"]:
        professions = {
            (m.get("profession") or "").strip().lower() for m in liberal["active"]
        } - {""}
        if len(professions) < 2:
            which = f" ({next(iter(professions))})" if professions else ""
            said.append(
                "Les professionnels libéraux enregistrés n'exercent qu'une profession"
                f"{which} : le conseil d'administration d'une CPTS réunit d'ordinaire "
                "plusieurs professions de premier recours."
            )
    if answers.get("salaries_ca") and answers.get("indemnisation"):
        said.append(
            "Des salariés peuvent siéger au conseil et les membres être indemnisés : le "
            "règlement intérieur dit qui ne prend pas part aux votes qui le concernent."
        )
    return said


def check_statutes(
    answers: dict[str, Any], context: dict[str, Any], stored: dict[str, dict[str, Any]]
) -> list[str]:
    """`BadInput` for statutes that cannot be adopted as they stand; the warnings otherwise."""
    low, high = answers["ca_membres_min"], answers["ca_membres_max"]
    if low > high:
        raise _refuse(
            f"Le conseil d'administration ne peut pas compter « de {low} à {high} membres » : "
            "le minimum dépasse le maximum.",
            "Corrigez ca_membres_min ou ca_membres_max dans les réponses des statuts.",
        )
    plan = college_plan(answers, context["colleges"])
    _check_seats(answers, plan)
    if context.get("final"):
        check_signatories(context, "des statuts")
        _check_adoption_date(answers, stored)
    return _warnings(answers, plan)


def check_rules(answers: dict[str, Any], context: dict[str, Any]) -> list[str]:
    """The règlement intérieur: signed like the statutes when final."""
    if context.get("final"):
        check_signatories(context, "du règlement intérieur")
    return []
