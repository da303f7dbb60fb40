"""Project territories: adding and removing communes, population, overlaps and white zones.

One CPTS per territory: a commune already held by another active project (anything but
abandoned) is refused unless forced with a reason. Overlaps and gaps are computed from one
aggregated query of every active claim and dictionaries, never one query per project.

A split commune (Paris, Lyon, Marseille) is handled through its arrondissements: holding
the commune holds all of them, so « Marseille » in one project and « Marseille 1er » in
another is an overlap, and a territory is never counted twice.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import french
from ..errors import BadInput, Refused
from ..store.models import Project, ProjectCommune
from .reference import (
    Reference,
    check_department,
    check_region,
    departments,
    normalise_name,
    reference_for,
    regions,
)
from .size import TAILLE_LABELS, taille
from .views import (
    Claim,
    CommuneRow,
    GapsView,
    Neighbour,
    Overlap,
    TerritoryChange,
    TerritoryView,
)

if TYPE_CHECKING:
    from ..definition import WorkflowDefinition
    from ..workspace import Workspace

MAX_REASON = 2000
CHUNK = 500  # codes per IN (...) list, well under every backend's parameter limit


class ClaimRow(NamedTuple):
    project_id: int
    slug: str
    name: str
    stage: str
    workflow_id: str
    workflow_version: int
    insee: str
    forced_reason: str | None


def inactive_stages(definitions: Iterable[WorkflowDefinition]) -> set[str]:
    """Stages where a project no longer holds its territory (abandoned)."""
    return {end.id for d in definitions if (end := d.side_state("end")) is not None}


def _claims_query(inactive: set[str]):
    query = select(
        Project.id,
        Project.slug,
        Project.name,
        Project.stage,
        Project.workflow_id,
        Project.workflow_version,
        ProjectCommune.insee,
        ProjectCommune.forced_reason,
    ).join(Project, Project.id == ProjectCommune.project_id)
    if inactive:
        query = query.where(Project.stage.not_in(sorted(inactive)))
    return query


def active_claims(session: Session, inactive: set[str]) -> list[ClaimRow]:
    """Every commune held by an active project, in one query."""
    return [ClaimRow(*row) for row in session.execute(_claims_query(inactive))]


def _related_codes(reference: Reference, codes: Iterable[str]) -> set[str]:
    """Codes whose holder would overlap one of `codes`: itself, its arrondissements, its commune."""
    related = set()
    for code in codes:
        related.add(code)
        related.update(reference.atoms(code))
        commune = reference.communes.get(code)
        if commune is not None and commune.commune_parent:
            related.add(commune.commune_parent)
    return related


def claims_touching(
    session: Session,
    reference: Reference,
    codes: Iterable[str],
    project_id: int,
    inactive: set[str],
) -> list[ClaimRow]:
    """Claims of other active projects that overlap any of `codes`."""
    related = sorted(_related_codes(reference, codes))
    found = []
    for start in range(0, len(related), CHUNK):
        query = _claims_query(inactive).where(
            ProjectCommune.insee.in_(related[start : start + CHUNK]), Project.id != project_id
        )
        found.extend(ClaimRow(*row) for row in session.execute(query))
    return found


def _overlapping(reference: Reference, code: str, claims: Sequence[ClaimRow]) -> list[ClaimRow]:
    atoms = set(reference.atoms(code))
    return [c for c in claims if atoms.intersection(reference.atoms(c.insee))]


def _project_codes(session: Session, project_id: int) -> dict[str, str | None]:
    rows = session.execute(
        select(ProjectCommune.insee, ProjectCommune.forced_reason).where(
            ProjectCommune.project_id == project_id
        )
    )
    return {code: reason for code, reason in rows}


def _row(reference: Reference, code: str, forced_reason: str | None = None) -> CommuneRow:
    c = reference.communes.get(code)
    if c is None:  # a code dropped by a newer vintage stays visible
        return CommuneRow(
            code, "(absente de la référence)", "?", "", "", None, None, None, forced_reason
        )
    return CommuneRow(
        c.insee,
        c.nom,
        c.type,
        c.departement,
        c.region,
        c.epci_siren,
        c.epci_nom,
        c.population,
        forced_reason,
    )


def _taille_of(codes: Iterable[str], population: int) -> int | None:
    return taille(population) if any(True for _ in codes) else None


def _reading_order(row: CommuneRow) -> tuple:
    """Department, then name with numbers in order (« Marseille 2e » before « 10e »)."""
    parts = re.split(r"(\d+)", normalise_name(row.nom))
    return (row.departement, [int(p) if p.isdigit() else p for p in parts], row.insee)


class _Labels:
    """Stage labels of claims, one definition lookup per workflow version."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.cache: dict[tuple[str, int], Any] = {}

    def __call__(self, row: ClaimRow) -> str:
        key = (row.workflow_id, row.workflow_version)
        if key not in self.cache:
            try:
                self.cache[key] = self.ws.catalog.get(*key)
            except Exception:  # noqa: BLE001 - an unknown version still shows its raw stage
                self.cache[key] = None
        definition = self.cache[key]
        return definition.state_label(row.stage) if definition else row.stage

    def claim(self, row: ClaimRow) -> Claim:
        return Claim(row.slug, row.name, row.stage, self(row), row.insee, row.forced_reason)


def _inactive(ws: Workspace) -> set[str]:
    return inactive_stages(ws.catalog.all())


# --- changes -------------------------------------------------------------------------


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
    reason = (reason or "").strip() or None
    if force and not reason:
        raise BadInput(
            "Forcer un chevauchement demande une raison.",
            "Ajoutez --reason « accord entre les deux projets du … ».",
        )
    if reason and len(reason) > MAX_REASON:
        raise BadInput(f"La raison dépasse {french.number(MAX_REASON)} caractères.")
    with ws.changing(ref) as (session, project):
        reference = reference_for(session)
        codes = _resolve_all(reference, communes)
        if department:
            codes += [c.insee for c in reference.in_area(department=check_department(department))]
        if epci:
            members = reference.in_epci(epci.strip())
            if not members:
                raise BadInput(
                    f"Aucune commune n'appartient à l'EPCI « {epci} » ({reference.label}).",
                    "Donnez le SIREN de l'intercommunalité (9 chiffres), visible "
                    "dans : cpts communes search NOM --json.",
                )
            codes += [c.insee for c in members]
        drop = set(_resolve_all(reference, excluded))
        codes = [c for c in dict.fromkeys(codes) if c not in drop]
        if not codes:
            raise BadInput(
                "Aucune commune à ajouter.",
                "Donnez des codes INSEE ou des noms, ou --epci / --department.",
            )
        current = _project_codes(session, project.id)
        new = [c for c in codes if c not in current]
        unchanged = [c for c in codes if c in current]
        forced: dict[str, list[str]] = {}
        if new:
            others = claims_touching(session, reference, new, project.id, _inactive(ws))
            for code in new:
                holders = _overlapping(reference, code, others)
                if holders:
                    forced[code] = sorted({h.slug for h in holders})
            if forced and not force:
                lines = [
                    f"{_row(reference, code).nom} ({code}) : déjà dans "
                    + ", ".join(f"« {s} »" for s in slugs)
                    for code, slugs in forced.items()
                ]
                raise Refused(
                    f"{french.plural(len(forced), 'commune est', 'communes sont')} déjà dans "
                    "le territoire d'un autre projet actif (une seule CPTS par territoire) :",
                    "Retirez-les de la liste, ou, si les projets se sont accordés, ajoutez "
                    "--force --reason « … ». Rien n'a été ajouté.",
                    reasons=lines,
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
            payload: dict[str, Any] = {"codes": new, "vintage": reference.label}
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
            _taille_of(all_codes, population),
            reference.label,
        )


def remove_communes(ws: Workspace, ref: str | int, communes: Sequence[str]) -> TerritoryChange:
    """Take communes (codes or exact names) out of a project's territory."""
    with ws.changing(ref) as (session, project):
        reference = reference_for(session)
        current = _project_codes(session, project.id)
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
            names = ", ".join(f"{_row(reference, c).nom} ({c})" for c in absent)
            raise BadInput(
                f"Pas dans le territoire de « {project.slug} » : {names}. Rien n'a été retiré.",
                f"« cpts territory show {project.slug} » liste ses communes.",
            )
        for row in session.scalars(
            select(ProjectCommune).where(
                ProjectCommune.project_id == project.id, ProjectCommune.insee.in_(codes)
            )
        ):
            session.delete(row)
        ws.record_event(
            session,
            project,
            "territory_removed",
            payload={"codes": codes, "vintage": reference.label},
        )
        session.flush()
        left = set(current) - set(codes)
        population, _ = reference.population(left)
        return TerritoryChange(
            project.slug,
            "removed",
            codes,
            [],
            {},
            len(left),
            population,
            _taille_of(left, population),
            reference.label,
        )


# --- reading -------------------------------------------------------------------------


def project_population(session_or_ws: Session | Workspace, project_id: int) -> tuple[int, str]:
    """Population of a project's territory and the label of its vintage."""
    if isinstance(session_or_ws, Session):
        reference = reference_for(session_or_ws)
        population, _ = reference.population(_project_codes(session_or_ws, project_id))
        return population, reference.label
    with session_or_ws.session() as session:
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
    labels = _Labels(ws)
    with ws.session() as session:
        project = ws.get_project(session, ref)
        reference = reference_for(session)
        current = _project_codes(session, project.id)
        rows = sorted((_row(reference, c, r) for c, r in current.items()), key=_reading_order)
        population, missing = reference.population(current)
        inactive = _inactive(ws)
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
        size = _taille_of(current, population)
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
    reference: Reference, claims: Sequence[ClaimRow], labels: _Labels
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


def overlaps(ws: Workspace) -> list[Overlap]:
    """Every commune held by two active projects or more, with who holds it and why."""
    with ws.session() as session:
        reference = reference_for(session)
        claims = active_claims(session, _inactive(ws))
        return compute_overlaps(reference, claims, _Labels(ws))


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
    reference: Reference, claims: Iterable[ClaimRow], department: str | None, region: str | None
) -> GapsView:
    """White zones of an area from claims already loaded (no query)."""
    kind, code, label = area_label(department, region)
    covered_atoms = {a for claim in claims for a in reference.atoms(claim.insee)}
    area = reference.in_area(
        code if kind == "department" else None, code if kind == "region" else None
    )
    total = covered = covered_population = 0
    gaps: list[CommuneRow] = []
    partial: list[str] = []
    for commune in area:
        population = commune.population or 0
        total += population
        atoms = reference.atoms(commune.insee)
        open_ = [a for a in atoms if a not in covered_atoms]
        if not open_:
            covered += 1
            covered_population += population
        elif len(open_) == len(atoms):
            gaps.append(_row(reference, commune.insee))
        else:
            partial.append(commune.insee)
            gaps.extend(_row(reference, a) for a in open_)
            covered_population += sum(
                reference.communes[a].population or 0 for a in atoms if a in covered_atoms
            )
    gaps.sort(key=_reading_order)
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
    with ws.session() as session:
        reference = reference_for(session)
        return compute_gaps(reference, active_claims(session, _inactive(ws)), department, region)


# --- the guard -----------------------------------------------------------------------


def territory_problems(
    session: Session, project: Project, definition: WorkflowDefinition
) -> list[str]:
    """Why a territory is not ready: no commune, or an overlap no one forced with a reason."""
    current = _project_codes(session, project.id)
    if not current:
        return [f"Le territoire n'a aucune commune (cpts territory add {project.slug} …)."]
    reference = reference_for(session)
    others = claims_touching(session, reference, current, project.id, inactive_stages([definition]))
    problems = []
    for code in sorted(current):
        if current[code]:
            continue
        holders = [h for h in _overlapping(reference, code, others) if not h.forced_reason]
        if holders:
            names = ", ".join(sorted({f"« {h.slug} »" for h in holders}))
            problems.append(
                f"{_row(reference, code).nom} ({code}) est aussi dans le territoire de {names}, "
                "sans raison enregistrée."
            )
    return problems
