"""What a template sees: the project, its members by collège and bureau, its territory,
the ACI missions, the answers and today's date in French."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..aci.missions import MISSIONS
from ..members import COLLEGES, ROLES, STRUCTURE_KINDS, project_members
from ..store.models import (
    Member,
    ProjectCommune,
    ProjectMission,
)
from .ars import ars_for
from .render import join_fr, long_date_fr

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..store.models import Project

def member_dict(m: Member) -> dict[str, Any]:
    if m.erased_at is not None:
        # An erased member still counts in its collège but is never named.
        return {
            "id": m.id,
            "name": "(membre effacé)",
            "legal": m.legal,
            "erased": True,
            "profession": None,
            "kind": None,
            "college": m.college,
            "role": m.role,
            "role_label": ROLES.get(m.role or "", "adhérent·e"),
            "description": "(membre effacé)",
        }
    kind = STRUCTURE_KINDS.get(m.structure_kind or "")
    detail = kind if m.legal else m.profession
    return {
        "id": m.id,
        "name": m.name,
        "legal": m.legal,
        "erased": False,
        "profession": m.profession,
        "kind": kind,
        "college": m.college,
        "role": m.role,
        "role_label": ROLES.get(m.role or "", "adhérent·e"),
        "rpps": m.rpps,
        "siret": m.siret,
        "finess": m.finess,
        "email": m.email,
        "description": f"{m.name} ({detail})" if detail else m.name,
    }


def members_context(session: Session, project: Project) -> dict[str, Any]:
    members = [member_dict(m) for m in project_members(session, project)]
    colleges = [
        {"id": cid, "label": label, "members": [m for m in members if m["college"] == cid]}
        for cid, label in COLLEGES.items()
    ]
    unassigned = [m for m in members if m["college"] not in COLLEGES]
    bureau = {
        role: next((m for m in members if m["role"] == role and not m["erased"]), None)
        for role in ROLES
    }
    return {
        "members": members,
        "colleges": colleges,
        "colleges_used": [c for c in colleges if c["members"]],
        "members_without_college": unassigned,
        "bureau": bureau,
        "board": [
            m
            for m in members
            if m["role"] in ("president", "vice_president", "treasurer", "secretary", "board")
        ],
        "founders": [
            m
            for m in members
            if m["role"] == "founder" or m["role"] in ("president", "treasurer", "secretary")
        ],
    }


# An article put after the name, as some lists write it: « Barben (La) » → « La Barben ».
_TRAILING_ARTICLE = re.compile(r"^(?P<name>.+?)\s*\((?P<article>L[ae]s?|L')\)$", re.IGNORECASE)


def commune_name(name: str) -> str:
    """A commune's name as written in French, its article first and kept whole."""
    found = _TRAILING_ARTICLE.match(name.strip())
    if not found:
        return name.strip()
    article = found.group("article").capitalize()
    joint = "" if article.endswith("'") else " "
    return f"{article}{joint}{found.group('name')}"


def territory_context(session: Session, project: Project) -> dict[str, Any]:
    """Communes of the territory with their names, its population and CPTS taille, from
    the base's communes reference (its newest imported vintage, else the shipped one).

    A code missing from the reference is listed by its INSEE code, and the population is
    then left unknown rather than understated.
    """
    from ..aci.taille import taille
    from ..territory.reference import reference_for

    codes = list(
        session.scalars(
            select(ProjectCommune.insee)
            .where(ProjectCommune.project_id == project.id)
            .order_by(ProjectCommune.insee)
        )
    )
    if not codes:
        return {
            "known": False,
            "communes": [],
            "count": 0,
            "population": None,
            "taille": None,
            "description": "territoire non renseigné",
            "region": None,
        }
    reference = reference_for(session)
    found = {c: reference.get(c) for c in codes}
    communes = [
        {
            "insee": c,
            "name": commune_name(commune.nom) if commune else None,
            "population": commune.population if commune else None,
            "label": f"{commune_name(commune.nom)} ({c})" if commune else f"commune INSEE {c}",
        }
        for c, commune in found.items()
    ]
    total, without_figure = reference.population(codes)
    population = None if without_figure or None in found.values() else total
    label = reference.label
    # The region most of the communes belong to (a CPTS sits in one region).
    regions = [c.region for c in found.values() if c is not None]
    region = max(sorted(set(regions)), key=regions.count) if regions else None
    return {
        "known": True,
        # Every population says its vintage: "(populations légales 2023, en vigueur au …)".
        "vintage": label,
        "vintage_note": "(" + label.replace(" (", ", ").replace(")", "") + ")",
        "communes": communes,
        "count": len(communes),
        "population": population,
        "taille": taille(population) if population else None,
        "description": join_fr([c["label"] for c in communes]),
        "region": region,
    }


def missions_context(session: Session, project: Project) -> list[dict[str, Any]]:
    rows = {
        r.mission: r
        for r in session.scalars(
            select(ProjectMission).where(ProjectMission.project_id == project.id)
        )
    }
    return [
        {
            "id": m.id,
            "label": m.label,
            "kind": "socle" if m.core else "complémentaire",
            "start_months": m.start_months,
            "deploy_months": m.deploy_months,
            "chosen": m.core or (m.id in rows and rows[m.id].chosen),
        }
        for m in MISSIONS
    ]


def build_context(
    session: Session, project: Project, stage_label: str, now: datetime, answers: dict[str, Any]
) -> dict[str, Any]:
    """Everything a template may use."""
    today = now.date()
    territory = territory_context(session, project)
    return {
        "project": {
            "name": project.name,
            "slug": project.slug,
            "officer": project.officer,
            "stage": project.stage,
            "stage_label": stage_label,
        },
        **members_context(session, project),
        "territory": territory,
        "missions": missions_context(session, project),
        "ars": ars_for(territory["region"]),
        "answers": answers,
        "today": today,
        "today_long": long_date_fr(today),
    }
