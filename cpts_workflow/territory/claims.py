"""Who holds which commune: the claims of active projects, read in aggregated queries.

A split commune (Paris, Lyon, Marseille) is handled through its arrondissements: holding
the commune holds all of them, so « Marseille » in one project and « Marseille 1er » in
another overlap, and a territory is never counted twice.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import ColumnElement, distinct, func, select, text
from sqlalchemy.orm import Session

from ..aci.taille import taille
from ..store.models import Project, ProjectCommune
from .reference import Reference, normalise_name
from .views import Claim, CommuneRow

if TYPE_CHECKING:
    from ..workflow.definition import WorkflowDefinition
    from ..workspace import Workspace

CHUNK = 500  # codes per IN (...) list, well under every backend's parameter limit
# First key of the PostgreSQL advisory locks on communes ("CPTS" in ASCII); the second
# is a hash of the commune's code.
CLAIM_LOCK_SPACE = 0x43505453
_LOCK_CLAIMS = text(
    "SELECT count(pg_advisory_xact_lock(:space, k)) "
    "FROM (SELECT DISTINCT unnest(CAST(:keys AS integer[])) AS k ORDER BY k) AS keys"
)


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


def _holdings(session: Session, inactive: set[str],
              visible: ColumnElement[bool] | None = None) -> Sequence[tuple[int, str]]:
    """(project id, code) of every active claim: two narrow columns, for national passes.

    `visible`: the account's visibility clause on `Project.id` (None: every project)."""
    query = select(ProjectCommune.project_id, ProjectCommune.insee).join(
        Project, Project.id == ProjectCommune.project_id
    )
    if inactive:
        query = query.where(Project.stage.not_in(sorted(inactive)))
    if visible is not None:
        query = query.where(visible)
    # On the connection: Core rows, without the ORM's per-row loading (≈ 30 000 rows in France).
    return session.connection().execute(query).all()


def covered_codes(session: Session, inactive: set[str],
                  visible: ColumnElement[bool] | None = None) -> set[str]:
    """Codes held by at least one active project (that the account sees)."""
    return {code for _, code in _holdings(session, inactive, visible)}


def shared_claims(session: Session, reference: Reference, inactive: set[str],
                  visible: ColumnElement[bool] | None = None) -> list[ClaimRow]:
    """The claims on communes held by two active projects or more, and only those.

    Nationally a few dozen communes are shared out of tens of thousands held: the base finds
    the codes held twice (GROUP BY), Python looks only at the claims on split communes (a
    commune and its arrondissements overlap under different codes), and the full rows of
    those codes alone are read: no row is built for each claim of France.
    """
    def active(query):
        if inactive:
            query = query.where(Project.stage.not_in(sorted(inactive)))
        return query if visible is None else query.where(visible)

    connection = session.connection()  # Core rows, without the ORM's per-row loading
    held_twice = active(
        select(ProjectCommune.insee).join(Project, Project.id == ProjectCommune.project_id)
    ).group_by(ProjectCommune.insee).having(func.count(distinct(ProjectCommune.project_id)) > 1)
    codes = set(connection.execute(held_twice).scalars())
    split = reference.arrondissements
    if split:
        split_codes = sorted({*split, *(a for parts in split.values() for a in parts)})
        holders: dict[str, set[tuple[int, str]]] = defaultdict(set)
        for start in range(0, len(split_codes), CHUNK):
            pairs = active(
                select(ProjectCommune.project_id, ProjectCommune.insee)
                .join(Project, Project.id == ProjectCommune.project_id)
                .where(ProjectCommune.insee.in_(split_codes[start : start + CHUNK]))
            )
            for project_id, code in connection.execute(pairs):
                for atom in split.get(code, (code,)):
                    holders[atom].add((project_id, code))
        for pairs_on_atom in holders.values():
            if len({project_id for project_id, _ in pairs_on_atom}) > 1:
                codes.update(code for _, code in pairs_on_atom)
    # Every holder of such a code shares it: each of their claims is wanted.
    ordered = sorted(codes)
    found: list[ClaimRow] = []
    for start in range(0, len(ordered), CHUNK):
        query = active(_claims_query(set())).where(ProjectCommune.insee.in_(ordered[start : start + CHUNK]))
        found.extend(ClaimRow(*row) for row in connection.execute(query))
    return found


def related_codes(reference: Reference, codes: Iterable[str]) -> set[str]:
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
    related = sorted(related_codes(reference, codes))
    found: list[ClaimRow] = []
    for start in range(0, len(related), CHUNK):
        query = _claims_query(inactive).where(
            ProjectCommune.insee.in_(related[start : start + CHUNK]), Project.id != project_id
        )
        found.extend(ClaimRow(*row) for row in session.execute(query))
    return found


def lock_claims(session: Session, reference: Reference, codes: Iterable[str]) -> None:
    """Make claims on overlapping communes wait for each other until the transaction ends.

    The overlap check then sees the claims committed by whoever came first, so two projects
    adding the same commune at the same moment cannot both pass it. On PostgreSQL, one
    advisory lock per elementary commune (a split commune locks its arrondissements), taken
    in key order so that two claims never wait on each other in a cycle; SQLite needs none,
    its write transactions run one at a time (`BEGIN IMMEDIATE`).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    atoms = {atom for code in codes for atom in reference.atoms(code)}
    keys = sorted({zlib.crc32(atom.encode()) - (1 << 31) for atom in atoms})
    session.execute(_LOCK_CLAIMS, {"space": CLAIM_LOCK_SPACE, "keys": keys})


def holders_overlapping(
    reference: Reference, code: str, claims: Sequence[ClaimRow]
) -> list[ClaimRow]:
    """The claims among `claims` that overlap `code`."""
    atoms = set(reference.atoms(code))
    return [c for c in claims if atoms.intersection(reference.atoms(c.insee))]


def project_codes(session: Session, project_id: int) -> dict[str, str | None]:
    rows = session.execute(
        select(ProjectCommune.insee, ProjectCommune.forced_reason).where(
            ProjectCommune.project_id == project_id
        )
    )
    return {code: reason for code, reason in rows}


def commune_row(reference: Reference, code: str, forced_reason: str | None = None) -> CommuneRow:
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


def taille_or_none(codes: Iterable[str], population: int) -> int | None:
    return taille(population) if any(True for _ in codes) else None


@lru_cache(maxsize=65_536)  # names repeat from call to call: France has ≈ 35 000
def _name_order(name: str) -> tuple[str | int, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", normalise_name(name)))


def reading_order(row: CommuneRow) -> tuple:
    """Department, then name with numbers in order (« Marseille 2e » before « 10e »)."""
    return (row.departement, _name_order(row.nom), row.insee)


class StageLabels:
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


def inactive_for(ws: Workspace) -> set[str]:
    return inactive_stages(ws.catalog.all())
