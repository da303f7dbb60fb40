"""Checks across a document's answers and across documents, before anything is produced.

Each answer's own range is declared in `meta.yaml` (`min`, `max`); what needs two answers,
or two documents, is checked here: a CA "de 30 à 3 membres", a convocation sent less than
the statutes' notice before the AG, a PV whose proxies, board or cotisation contradict the
statutes.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from .. import french
from ..errors import BadInput
from .assembly import QUORUM
from .statutes import check_rules, check_statutes, deliberative_college_ids

# The statutes' notice for an AG (« convoquée … au moins quinze jours à l'avance »).
NOTICE_DAYS = 15
STATUTES_DEFAULTS = {"ca_membres_min": 6, "ca_membres_max": 18, "procurations_max": 2}


def _refuse(message: str, hint: str) -> BadInput:
    return BadInput(message, hint)


def _short(iso: str) -> str:
    return french.short_date(date.fromisoformat(iso))


def _statutes(stored: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {**STATUTES_DEFAULTS, **stored.get("statuts", {})}


def check_convocation(answers: dict[str, Any], context: dict[str, Any]) -> None:
    when, today = date.fromisoformat(answers["date_ag"]), context["today"]
    if (when - today).days < NOTICE_DAYS:
        raise _refuse(
            f"La convocation datée du {french.short_date(today)} pour une assemblée le "
            f"{french.short_date(when)} ne respecte pas le délai de {NOTICE_DAYS} jours "
            "prévu par les statuts.",
            f"Fixez l'assemblée au plus tôt le "
            f"{french.short_date(today + timedelta(days=NOTICE_DAYS))}.",
        )


def check_pv(
    answers: dict[str, Any], context: dict[str, Any], stored: dict[str, dict[str, Any]]
) -> None:
    statutes = _statutes(stored)
    presents, represented = answers["presents"], answers["representes"]
    proxies = statutes["procurations_max"]
    if represented > presents * proxies:
        raise _refuse(
            f"{represented} membres représentés pour {presents} présents : les statuts "
            f"limitent chaque présent à {french.plural(proxies, 'pouvoir')}.",
            f"Au plus {presents * proxies} membres représentés ; corrigez « representes ».",
        )
    convened = stored.get("convocation_ag", {}).get("date_ag")
    if convened and convened != answers["date_ag"]:
        raise _refuse(
            f"Le procès-verbal est daté du {_short(answers['date_ag'])}, "
            f"la convocation du {_short(convened)}.",
            "Donnez la même date d'assemblée aux deux documents.",
        )
    for key, label in (("cotisation_montant", "la cotisation"), ("siege", "le siège")):
        if key in stored.get("statuts", {}) and statutes[key] != answers[key]:
            raise _refuse(
                f"Le procès-verbal et les statuts ne donnent pas {label} : "
                f"« {answers[key]} » et « {statutes[key]} ».",
                f"Donnez {label} adopté(e) dans les deux documents.",
            )
    members = [m for m in context["members"] if not m["erased"]]
    quorum = QUORUM.get(statutes.get("quorum_ago", "le quart"), 0.0)
    if members and presents + represented < quorum * len(members):
        raise _refuse(
            f"Quorum non atteint : {presents + represented} membres présents ou représentés "
            f"sur {len(members)}, les statuts en demandent {statutes.get('quorum_ago')}.",
            "Vérifiez les nombres de présents et de représentés.",
        )
    board = context["board"]
    low, high = statutes["ca_membres_min"], statutes["ca_membres_max"]
    if board and not low <= len(board) <= high:
        raise _refuse(
            f"{french.plural(len(board), 'administrateur')} {french.agree(len(board), 'élu')}, les statuts en prévoient "
            f"de {low} à {high}.",
            "Donnez un rôle au bureau ou au conseil aux membres élus, ou corrigez les statuts.",
        )
    voting = deliberative_college_ids(statutes, [c["id"] for c in context["colleges_used"]])
    missing = [
        c["label"]
        for c in context["colleges_used"]
        if c["id"] in voting and not any(m["college"] == c["id"] for m in board)
    ]
    if board and missing:
        raise _refuse(
            "Chaque collège à voix délibérative doit avoir un administrateur ; aucun pour : "
            + ", ".join(missing)
            + ".",
            "Élisez un membre de ce collège au conseil d'administration.",
        )


def check_letter(answers: dict[str, Any], context: dict[str, Any]) -> list[str]:
    """The letter's recipient: an ARS address the product could not confirm is to check."""
    ars = context.get("ars")
    if answers.get("adresse_ars") or not ars or ars.get("verified", True):
        return []
    return [f"Adresse à vérifier : l'adresse de l'{ars['name']} n'a pas pu être confirmée "
            "sur une source publique ; vérifiez-la sur le site de l'agence avant l'envoi, ou "
            "donnez-la dans la réponse « Adresse de l'ARS »."]


def check_document(
    template_id: str,
    answers: dict[str, Any],
    context: dict[str, Any],
    stored: dict[str, dict[str, Any]],
) -> list[str]:
    """`BadInput` when the answers contradict each other, the statutes or the convocation;
    else the warnings worth telling (choices a founder should reconsider).

    A custom template replacing a shipped one with other questions is not checked."""
    try:
        if template_id == "statuts":
            return check_statutes(answers, context, stored)
        if template_id == "reglement_interieur":
            return check_rules(answers, context)
        if template_id == "lettre_intention":
            return check_letter(answers, context)
        if template_id == "convocation_ag":
            check_convocation(answers, context)
        elif template_id == "pv_ag":
            check_pv(answers, context, stored)
    except (KeyError, TypeError, ValueError):
        return []
    return []
