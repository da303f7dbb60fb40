"""Reading territories: population, a project's territory, overlaps, white zones, the guard.

Overlaps and gaps come from one aggregated query of every active claim and dictionaries,
never one query per project.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from ..aci.taille import TAILLE_LABELS
from ..store.models import Project
from ..workflow.guards import PROVIDERS, GuardContext, guard
from .claims import (
    ClaimRow,
    StageLabels,
    claims_touching,
    commune_row,
    covered_codes,
    holders_overlapping,
    inactive_for,
    inactive_stages,
    project_codes,
    reading_order,
    shared_claims,
    taille_or_none,
)
from .reference import (
    Reference,
    check_department,
    check_region,
    departments,
    reference_for,
    regions,
)
from .views import CommuneRow, GapsView, Neighbour, Overlap, OverlapReport, TerritoryView

if TYPE_CHECKING:
    from ..workflow.definition import WorkflowDefinition
    from ..workspace import Workspace


def project_population(session_or_ws: Session | Workspace, project_id: int) -> tuple[int, str]:
    """Population of a project's territory and the label of its vintage."""
    if isinstance(session_or_ws, Session):
        reference = reference_for(session_or_ws)
        population, _ = reference.population(project_codes(session_or_ws, project_id))
        return population, reference.label
    with session_or_ws.session(read_only=True) as session:
        return project_population(session, project_id)


def _neighbour_codes(reference: Reference, codes: set[str]) -> tuple[set[str], str]:
    """Communes touching a territory: shared borders in PACA, the same EPCI elsewhere."""
    from .geo import shared_borders

    borders = shared_borders()
    own = {a for c in codes for a in (c, *reference.atoms(c))}
    touching: set[str] = set()
    basis = "outlines"
    for code in codes:
        for unit in (code, *reference.atoms(code)):
            if unit in borders:
                touching |= borders[unit]
                continue
            commune = reference.communes.get(unit)
            if commune is not None and commune.epci_siren:
                basis = "epci"
                touching |= {c.insee for c in reference.in_epci(commune.epci_siren)}
    return touching - own, basis


def territory(ws: Workspace, ref: str | int) -> TerritoryView:
    """A project's communes, population, taille, overlaps and neighbouring projects."""
    labels = StageLabels(ws)
    with ws.session(read_only=True) as session:
        project = ws.get_project(session, ref)
        reference = reference_for(session)
        current = project_codes(session, project.id)
        rows = sorted((commune_row(reference, c, r) for c, r in current.items()), key=reading_order)
        population, missing = reference.population(current)
        inactive = inactive_for(ws)
        overlaps: list[Overlap] = []
        if current:
            others = claims_touching(session, reference, current, project.id, inactive)
            mine = [
                ClaimRow(
                    project.id,
                    project.slug,
                    project.name,
                    project.stage,
                    project.workflow_id,
                    project.workflow_version,
                    c,
                    r,
                )
                for c, r in current.items()
            ]
            overlaps = [
                o
                for o in compute_overlaps(reference, [*mine, *others], labels)
                if any(cl.project == project.slug for cl in o.claims)
            ]
        neighbours: list[Neighbour] = []
        basis = "outlines"
        if current:
            touching, basis = _neighbour_codes(reference, set(current))
            held: dict[int, tuple[ClaimRow, set[str]]] = {}
            for claim in claims_touching(session, reference, touching, project.id, inactive):
                entry = held.setdefault(claim.project_id, (claim, set()))
                entry[1].add(claim.insee)
            neighbours = [
                Neighbour(c.slug, c.name, labels(c), sorted(codes))
                for c, codes in sorted(held.values(), key=lambda v: v[0].name)
            ]
        stage_label = ws.definition_of(project).state_label(project.stage)
        size = taille_or_none(current, population)
        return TerritoryView(
            project.slug,
            project.name,
            project.stage,
            stage_label,
            rows,
            len(rows),
            population,
            size,
            TAILLE_LABELS.get(size) if size else None,
            reference.label,
            missing,
            overlaps,
            neighbours,
            basis,
        )


def compute_overlaps(
    reference: Reference, claims: Sequence[ClaimRow], labels: StageLabels
) -> list[Overlap]:
    """Communes held by two projects or more, from claims already loaded (no query)."""
    by_atom: dict[str, list[ClaimRow]] = defaultdict(list)
    for claim in claims:
        for atom in reference.atoms(claim.insee):
            by_atom[atom].append(claim)
    found: dict[tuple[str, frozenset[int]], Overlap] = {}
    for atom, holders in by_atom.items():
        projects = frozenset(h.project_id for h in holders)
        if len(projects) < 2:
            continue
        held_as = {h.insee for h in holders}
        # Two projects holding all of Marseille are one overlap, not sixteen.
        code = held_as.pop() if len(held_as) == 1 else atom
        key = (code, projects)
        if key in found:
            continue
        commune = reference.communes.get(code)
        found[key] = Overlap(
            code,
            commune.nom if commune else code,
            commune.population if commune else None,
            any(h.forced_reason for h in holders),
            [labels.claim(h) for h in sorted(holders, key=lambda h: (h.slug, h.insee))],
        )
    return sorted(found.values(), key=lambda o: o.insee)


def overlaps(ws: Workspace) -> OverlapReport:
    """Every commune held by two active projects or more, with who holds it and why."""
    with ws.session(read_only=True) as session:
        reference = reference_for(session)
        claims = shared_claims(session, reference, inactive_for(ws), ws.visible_clause(Project.id))
        return OverlapReport(reference.label, compute_overlaps(reference, claims, StageLabels(ws)))


def area_label(department: str | None, region: str | None) -> tuple[str, str | None, str]:
    """(kind, code, French label) of the area asked for."""
    if department:
        code = check_department(department)
        return "department", code, f"{departments()[code].nom} ({code})"
    if region:
        code = check_region(region)
        return "region", code, f"{regions()[code]} ({code})"
    return "france", None, "France entière"


def compute_gaps(
    reference: Reference, held: Iterable[str], department: str | None, region: str | None
) -> GapsView:
    """White zones of an area from the codes held by active projects (no query)."""
    kind, code, label = area_label(department, region)
    split = reference.arrondissements  # looked up once: most communes are whole
    covered_atoms = set(held)
    for parent in covered_atoms & split.keys():
        covered_atoms.update(split[parent])
    area = reference.in_area(
        code if kind == "department" else None, code if kind == "region" else None
    )
    total = covered = covered_population = 0
    gaps: list[CommuneRow] = []
    partial: list[str] = []
    for commune in area:
        population = commune.population or 0
        total += population
        atoms = split.get(commune.insee)
        if atoms is None:
            if commune.insee in covered_atoms:
                covered += 1
                covered_population += population
            else:
                gaps.append(commune_row(reference, commune.insee))
            continue
        open_ = [a for a in atoms if a not in covered_atoms]
        if not open_:
            covered += 1
            covered_population += population
        elif len(open_) == len(atoms):
            gaps.append(commune_row(reference, commune.insee))
        else:
            partial.append(commune.insee)
            gaps.extend(commune_row(reference, a) for a in open_)
            covered_population += sum(
                reference.communes[a].population or 0 for a in atoms if a in covered_atoms
            )
    gaps.sort(key=reading_order)
    return GapsView(
        kind,
        code,
        label,
        reference.label,
        len(area),
        total,
        covered,
        covered_population,
        sorted(partial),
        gaps,
        sum(g.population or 0 for g in gaps),
    )


def gaps(ws: Workspace, *, department: str | None = None, region: str | None = None) -> GapsView:
    """Communes of a department, a region (or all France) in no active project."""
    area_label(department, region)  # refuse a wrong code before opening the base
    with ws.session(read_only=True) as session:
        reference = reference_for(session)
        held = covered_codes(session, inactive_for(ws), ws.visible_clause(Project.id))
        return compute_gaps(reference, held, department, region)


# --- the guard -----------------------------------------------------------------------


def territory_problems(
    session: Session, project: Project, definition: WorkflowDefinition
) -> list[str]:
    """Why a territory is not ready: no commune, or an overlap no one forced with a reason."""
    current = project_codes(session, project.id)
    if not current:
        return ["Le territoire n'a aucune commune."]
    reference = reference_for(session)
    others = claims_touching(session, reference, current, project.id, inactive_stages([definition]))
    problems = []
    for code in sorted(current):
        if current[code]:
            continue
        holders = [h for h in holders_overlapping(reference, code, others) if not h.forced_reason]
        if holders:
            names = ", ".join(sorted({f"« {h.slug} »" for h in holders}))
            problems.append(
                f"{commune_row(reference, code).nom} ({code}) est aussi dans le territoire "
                f"de {names}, sans raison enregistrée."
            )
    return problems


@guard("territory_valid", PROVIDERS["territory_valid"][1])
def territory_valid(ctx: GuardContext) -> list[str]:
    """At least one commune, and no overlap with another active project left unexplained."""
    return territory_problems(ctx.session, ctx.project, ctx.definition)
