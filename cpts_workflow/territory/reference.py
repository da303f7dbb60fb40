"""The communes reference: every commune and municipal arrondissement with its population.

The shipped file (`data/communes_france.tsv.gz`, built by `scripts/build_reference.py`
from the INSEE Code officiel géographique 2026 and the populations légales 2023) is the
default vintage; a complete INSEE file imported by a user (`reference_vintages` +
`reference_communes`) replaces it, a partial one updates the communes it lists. Many
commands need it, so each vintage is read once per process and kept.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from ..bulk import collector_paused
from ..errors import BadInput
from ..resources import data_dir

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SHIPPED_LABEL = "populations légales 2023 (en vigueur au 1er janvier 2026)"
SHIPPED_SOURCE = (
    "INSEE, Code officiel géographique 2026 et populations légales 2023 (Mayotte : "
    "recensement de 2017), paquet @etalab/decoupage-administratif 6.0.0 ; Licence Ouverte"
)
COLUMNS = (
    "insee",
    "type",
    "nom",
    "departement",
    "region",
    "epci_siren",
    "epci_nom",
    "commune_parent",
    "population",
)
INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


class Commune(NamedTuple):
    insee: str
    type: str  # COM | ARM
    nom: str
    departement: str
    region: str
    epci_siren: str | None
    epci_nom: str | None
    commune_parent: str | None
    population: int | None


class Department(NamedTuple):
    code: str
    nom: str
    region: str
    region_nom: str


# « Nom (13) », « Nom (2A) », « Nom (974) »: a commune named with its department.
_WITH_DEPARTMENT = re.compile(r"^(.+?)\s*\((\d[\dABab]|\d{3})\)$")


def normalise_name(text: str) -> str:
    """`Saint Zacharie`, `saint-zacharie`, `SAINT-ZACHARIE` → `saint zacharie`."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.split(r"[^a-z0-9]+", text)).strip()


def looks_like_code(text: str) -> bool:
    return bool(INSEE_CODE.match(text.strip().upper()))


@dataclass
class Reference:
    """One vintage of the communes reference, indexed for the territory commands."""

    label: str
    communes: dict[str, Commune]
    vintage_id: int | None = None  # None: the shipped file
    source: str | None = None

    @cached_property
    def arrondissements(self) -> dict[str, tuple[str, ...]]:
        """Parent commune → its arrondissements (Paris, Lyon, Marseille)."""
        found: dict[str, list[str]] = defaultdict(list)
        for c in self.communes.values():
            if c.type == "ARM" and c.commune_parent:
                found[c.commune_parent].append(c.insee)
        return {parent: tuple(sorted(codes)) for parent, codes in found.items()}

    @cached_property
    def _names(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = defaultdict(list)
        for c in self.communes.values():
            index[normalise_name(c.nom)].append(c.insee)
        return index

    def get(self, code: str) -> Commune | None:
        return self.communes.get(code.strip().upper())

    def atoms(self, code: str) -> tuple[str, ...]:
        """The smallest units a code covers: a split commune is its arrondissements."""
        return self.arrondissements.get(code, (code,))

    def population(self, codes: Iterable[str]) -> tuple[int, list[str]]:
        """Population of a set of codes, each inhabitant once, and the codes without figure.

        An arrondissement whose commune is also in the set is already counted by it.
        """
        chosen = set(codes)
        total, missing = 0, []
        for code in chosen:
            commune = self.communes.get(code)
            if commune is None:
                continue
            if commune.type == "ARM" and commune.commune_parent in chosen:
                continue
            if commune.population is None:
                missing.append(code)
            else:
                total += commune.population
        return total, sorted(missing)

    def in_area(self, department: str | None = None, region: str | None = None) -> list[Commune]:
        """Communes (not arrondissements) of a department, a region, or all France."""
        return [
            c
            for c in self.communes.values()
            if c.type == "COM"
            and (department is None or c.departement == department)
            and (region is None or c.region == region)
        ]

    @cached_property
    def _by_epci(self) -> dict[str, list[Commune]]:
        # Indexed once: a territory's neighbours ask for dozens of EPCI, and a scan of the
        # 35 000 communes for each took most of `cpts territory show`.
        index: dict[str, list[Commune]] = defaultdict(list)
        for c in self.communes.values():
            if c.type == "COM" and c.epci_siren:
                index[c.epci_siren].append(c)
        return index

    def in_epci(self, siren: str) -> list[Commune]:
        return list(self._by_epci.get(siren, ()))

    def resolve(self, spec: str) -> str:
        """A code, or an exact name (accents, case and hyphens ignored), to one INSEE code."""
        text = spec.strip()
        if looks_like_code(text):
            code = text.upper()
            if code in self.communes:
                return code
            raise BadInput(
                f"Le code INSEE « {text} » n'existe pas dans la référence ({self.label}).",
                "Cherchez la commune par son nom.",
                topic="unknown_commune",
            )
        matches = self._names.get(normalise_name(text), [])
        if not matches and (named := _WITH_DEPARTMENT.match(text)):
            # « Saint-Martin (32) »: a name made unique by its department.
            name, department = named.group(1), named.group(2).upper()
            everywhere = self._names.get(normalise_name(name), [])
            matches = [m for m in everywhere if self.communes[m].departement == department]
            if everywhere and not matches:
                raise BadInput(
                    f"Aucune commune « {name.strip()} » dans le département {department}.",
                    "Donnez son code INSEE, ou vérifiez le numéro du département.",
                    topic="unknown_commune",
                )
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            candidates = ", ".join(
                f"{c.nom} ({c.insee}, {c.departement})"
                for c in sorted((self.communes[m] for m in matches), key=lambda c: c.insee)
            )
            first = self.communes[min(matches)]
            raise BadInput(
                f"Le nom « {text} » désigne plusieurs communes : {candidates}.",
                "Donnez le code INSEE de celle que vous voulez, ou son département : "
                f"« {first.nom} ({first.departement}) ».",
            )
        close = self.close_names(text)
        hint = (
            f"Vouliez-vous dire : {', '.join(close)} ?"
            if close
            else "Cherchez la commune par son nom."
        )
        raise BadInput(f"Aucune commune ne s'appelle « {text} ».", hint,
                       topic=None if close else "unknown_commune")

    def close_names(self, text: str, n: int = 3) -> list[str]:
        key = normalise_name(text)
        # Comparing with names of the same first letter keeps difflib fast on 35 000 names.
        pool = [k for k in self._names if k[:1] == key[:1]]
        return [
            f"{self.communes[self._names[k][0]].nom} ({self._names[k][0]})"
            for k in difflib.get_close_matches(key, pool, n=n, cutoff=0.75)
        ]

    def search(self, text: str, department: str | None = None, limit: int = 20) -> list[Commune]:
        """Communes whose code is `text` or whose name contains it; best matches first."""
        query = text.strip()
        if looks_like_code(query):
            found = self.get(query)
            return [found] if found else []
        key = normalise_name(query)
        if not key:
            return []
        ranked = []
        for name, codes in self._names.items():
            if key not in name:
                continue
            rank = 0 if name == key else 1 if name.startswith(key) else 2
            for code in codes:
                commune = self.communes[code]
                if department is None or commune.departement == department:
                    ranked.append((rank, len(name), commune.nom, code))
        ranked.sort()
        results = [self.communes[r[3]] for r in ranked[:limit]]
        if not results:
            pool = [
                (name, code)
                for name, codes in self._names.items()
                for code in codes
                if department is None or self.communes[code].departement == department
            ]
            close = difflib.get_close_matches(key, [p[0] for p in pool], n=limit, cutoff=0.75)
            codes_by_name = defaultdict(list)
            for name, code in pool:
                codes_by_name[name].append(code)
            results = [self.communes[c] for name in close for c in codes_by_name[name]][:limit]
        return results


def communes_from_rows(rows: Iterable[list[str]]) -> dict[str, Commune]:
    """Rows already validated, in `COLUMNS` order, to communes keyed by code."""
    # `tuple.__new__` skips the NamedTuple's Python-level `__new__`: a national report
    # reads all 35 000 communes at every run, and that call was half of the reading.
    new = tuple.__new__
    return {
        code: new(Commune, (code, kind, nom, dep, region, siren or None, epci or None,
                            parent or None, int(population) if population else None))
        for code, kind, nom, dep, region, siren, epci, parent, population in rows
    }


# Building a reference takes a tenth of a second: threads of a server asking at once wait
# for the first one instead of each building its own.
_BUILDING = threading.Lock()


def shipped_reference() -> Reference:
    """The reference shipped in the package (read once per process, thread-safe)."""
    if _read_shipped.cache_info().currsize:
        return _read_shipped()
    with _BUILDING:
        return _read_shipped()


@lru_cache(maxsize=1)
def _read_shipped() -> Reference:
    # Tab-separated, no quoting: `str.split` reads it several times faster than `csv`.
    lines = gzip.decompress((data_dir() / "communes_france.tsv.gz").read_bytes()).decode()
    rows = (line.split("\t") for line in lines.splitlines())
    assert tuple(next(rows)) == COLUMNS
    with collector_paused():
        return Reference(SHIPPED_LABEL, communes_from_rows(rows), None, SHIPPED_SOURCE)


shipped_reference.cache_clear = _read_shipped.cache_clear  # type: ignore[attr-defined]


class MergedCommune(NamedTuple):
    """A former commune, now part of a commune nouvelle (or associated with a commune)."""

    insee: str
    nom: str  # empty when the COG keeps only the code
    commune: str  # the commune it belongs to now
    link: str  # deleguee | associee | ancien


@lru_cache(maxsize=1)
def merged_communes() -> dict[str, MergedCommune]:
    """Former code → the commune it now belongs to (COG 2026: communes déléguées and
    associées, and the former codes of each commune)."""
    text = gzip.decompress((data_dir() / "communes_merged.tsv.gz").read_bytes()).decode()
    lines = text.splitlines()
    return {
        parts[0]: MergedCommune(*parts) for parts in (line.split("\t") for line in lines[1:])
    }


@lru_cache(maxsize=1)
def departments() -> dict[str, Department]:
    """Department code → department (with its region)."""
    text = (data_dir() / "departements.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    return {
        r["code"]: Department(r["code"], r["nom"], r["region"], r["region_nom"]) for r in reader
    }


def regions() -> dict[str, str]:
    """Region code → region name."""
    return {d.region: d.region_nom for d in departments().values()}


def check_department(code: str) -> str:
    code = code.strip().upper()
    if len(code) == 1 and code.isdigit():
        code = "0" + code
    if code not in departments():
        raise BadInput(
            f"Le département « {code} » n'existe pas.",
            "Donnez son code : 13, 2A, 974…",
        )
    return code


def check_region(code: str) -> str:
    code = code.strip()
    if code not in regions():
        known = ", ".join(f"{c} {n}" for c, n in sorted(regions().items()))
        raise BadInput(f"La région « {code} » n'existe pas.", f"Régions (code INSEE) : {known}.")
    return code


# A partial vintage (an overlay updating the communes it lists) is told apart by its source,
# which keeps the schema unchanged.
PARTIAL_MARK = "partiel : "

# Imported vintages, keyed by (database URL, ids of the vintages in use): a stored vintage
# never changes, so the combination is read once per process.
_LOADED: dict[tuple[str, tuple[int, ...]], Reference] = {}


def vintages_in_use(rows: Sequence[Any]) -> list[Any]:
    """Of the imported vintages (oldest first): the newest complete one and the partial ones
    imported after it; none complete means the shipped reference is the base."""
    chosen: list = []
    for row in rows:
        if (row.source or "").startswith(PARTIAL_MARK):
            chosen.append(row)
        else:
            chosen = [row]
    return chosen


def forget_vintage(url: str, vintage_id: int) -> None:
    """Drop the references of base `url` built with a vintage that is being removed."""
    for key in [k for k in _LOADED if k[0] == url and vintage_id in k[1]]:
        del _LOADED[key]


def reference_for(session: Session) -> Reference:
    """The current reference of a base: its newest complete vintage (else the shipped one),
    updated by the partial vintages imported since."""
    from sqlalchemy import select

    from ..store.models import ReferenceCommune, ReferenceVintage

    rows = session.execute(
        select(ReferenceVintage.id, ReferenceVintage.label, ReferenceVintage.source).order_by(
            ReferenceVintage.id
        )
    ).all()
    used = vintages_in_use(rows)
    if not used:
        return shipped_reference()
    key = (str(session.get_bind().engine.url), tuple(v.id for v in used))
    if key not in _LOADED:
        with _BUILDING:  # server threads asking at once build it once
            if key not in _LOADED:
                columns = [getattr(ReferenceCommune, c) for c in COLUMNS]
                partial = (used[0].source or "").startswith(PARTIAL_MARK)
                communes = dict(shipped_reference().communes) if partial else {}
                for vintage in used:
                    found = session.execute(
                        select(*columns).where(ReferenceCommune.vintage_id == vintage.id))
                    communes.update((r[0], Commune(*r)) for r in found)
                labels = [v.label for v in used]
                if partial:
                    labels.insert(0, SHIPPED_LABEL)
                last = used[-1]
                _LOADED[key] = Reference(" + ".join(labels), communes, last.id, last.source)
    return _LOADED[key]
