"""Changing a project's territory: adding and removing communes, audited.

One CPTS per territory: a commune already held by another active project (anything but
abandoned) is refused unless forced with a reason, kept on the commune and in the event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .. import french, permissions
from ..errors import BadInput, Refused
from ..limits import clean_text
from ..store.models import ProjectCommune
from .claims import (
    claims_touching,
    commune_row,
    holders_overlapping,
    inactive_for,
    lock_claims,
    project_codes,
    taille_or_none,
)
from .reference import Reference, check_department, reference_for
from .views import TerritoryChange

if TYPE_CHECKING:
    from ..workspace import Workspace



def _resolve_all(reference: Reference, specs: Iterable[str]) -> list[str]:
    codes = [reference.resolve(spec) for spec in specs if spec.strip()]
    return list(dict.fromkeys(codes))


def add_communes(
    ws: Workspace,
    ref: str | int,
    communes: Sequence[str] = (),
    *,
    epci: str | None = None,
    department: str | None = None,
    excluded: Sequence[str] = (),
    force: bool = False,
    reason: str | None = None,
) -> TerritoryChange:
    """Add communes (codes or exact names), a whole EPCI or department, minus `excluded`.

    Refused, naming the other project, when a commune is already held by another active
    project — unless `force` with a `reason`, which is kept on the commune and audited.
    """
    reason = clean_text(reason, "La raison")
    if force and not reason:
        raise BadInput(
            "Forcer un chevauchement demande une raison.",
            "Donnez-la, par exemple « accord entre les deux projets du … ».",
            topic="overlap_reason",
        )
    with ws.changing(ref, "territory") as (session, project):
        if force:  # only those who arbitrate between projects may share a commune
            permissions.require(ws.account, "force_territory", project.id)
        reference = reference_for(session)
        codes = _resolve_all(reference, communes)
        if department:
            codes += [c.insee for c in reference.in_area(department=check_department(department))]
        if epci:
            members = reference.in_epci(epci.strip())
            if not members:
                raise BadInput(
                    f"Aucune commune n'appartient à l'EPCI « {epci} » ({reference.label}).",
                    "Donnez le SIREN de l'intercommunalité (9 chiffres), que donne la "
                    "recherche d'une de ses communes.",
                )
            codes += [c.insee for c in members]
        drop = set(_resolve_all(reference, excluded))
        codes = [c for c in dict.fromkeys(codes) if c not in drop]
        if not codes:
            raise BadInput(
                "Aucune commune à ajouter.",
                "Donnez des codes INSEE ou des noms, une intercommunalité ou un département.",
            )
        current = project_codes(session, project.id)
        new = [c for c in codes if c not in current]
        unchanged = [c for c in codes if c in current]
        forced: dict[str, list[str]] = {}
        if new:
            # Before reading the others' claims: a concurrent claim of the same communes
            # commits first or waits for this one, never slips between check and write.
            lock_claims(session, reference, new)
            others = claims_touching(session, reference, new, project.id, inactive_for(ws))
            for code in new:
                holders = holders_overlapping(reference, code, others)
                if holders:
                    forced[code] = sorted({h.slug for h in holders})
            if forced and not force:
                lines = [
                    f"{commune_row(reference, code).nom} ({code}) : déjà dans "
                    + ", ".join(f"« {s} »" for s in slugs)
                    for code, slugs in forced.items()
                ]
                raise Refused(
                    f"{french.plural(len(forced), 'commune est', 'communes sont')} déjà dans "
                    "le territoire d'un autre projet actif (une seule CPTS par territoire) :",
                    "Retirez-les de la liste, ou, si les projets se sont accordés, forcez "
                    "l'ajout avec une raison. Rien n'a été ajouté.",
                    reasons=lines,
                    topic="overlap",
                )
            now = ws.now()
            for code in new:
                session.add(
                    ProjectCommune(
                        project_id=project.id,
                        insee=code,
                        added_at=now,
                        added_by=ws.actor,
                        forced_reason=reason if code in forced else None,
                    )
                )
            everything = set(current) | set(new)
            population, _ = reference.population(everything)
            payload: dict[str, Any] = {
                "codes": new,
                "vintage": reference.label,
                # What the territory weighs now, so that `cpts communes update` sees a change.
                "population": population,
                "taille": taille_or_none(everything, population),
            }
            if forced:
                payload["forced"] = forced
            ws.record_event(
                session,
                project,
                "territory_added",
                comment=reason if forced else None,
                payload=payload,
            )
            session.flush()
        all_codes = set(current) | set(new)
        population, _ = reference.population(all_codes)
        return TerritoryChange(
            project.slug,
            "added",
            new,
            unchanged,
            forced,
            len(all_codes),
            population,
            taille_or_none(all_codes, population),
            reference.label,
        )


def remove_communes(ws: Workspace, ref: str | int, communes: Sequence[str]) -> TerritoryChange:
    """Take communes (codes or exact names) out of a project's territory."""
    with ws.changing(ref, "territory") as (session, project):
        reference = reference_for(session)
        current = project_codes(session, project.id)
        codes: list[str] = []
        for spec in communes:
            text = spec.strip().upper()
            # A code dropped by a newer vintage can still be removed.
            codes.append(text if text in current else reference.resolve(spec))
        codes = list(dict.fromkeys(codes))
        if not codes:
            raise BadInput("Aucune commune à retirer.", "Donnez des codes INSEE ou des noms.")
        absent = [c for c in codes if c not in current]
        if absent:
            names = ", ".join(f"{commune_row(reference, c).nom} ({c})" for c in absent)
            raise BadInput(
                f"Pas dans le territoire de « {project.slug} » : {names}. Rien n'a été retiré.",
                "Son territoire liste ses communes.",
            )
        for row in session.scalars(
            select(ProjectCommune).where(
                ProjectCommune.project_id == project.id, ProjectCommune.insee.in_(codes)
            )
        ):
            session.delete(row)
        left = set(current) - set(codes)
        population, _ = reference.population(left)
        ws.record_event(
            session,
            project,
            "territory_removed",
            payload={
                "codes": codes,
                "vintage": reference.label,
                "population": population,
                "taille": taille_or_none(left, population),
            },
        )
        session.flush()
        return TerritoryChange(
            project.slug,
            "removed",
            codes,
            [],
            {},
            len(left),
            population,
            taille_or_none(left, population),
            reference.label,
        )
