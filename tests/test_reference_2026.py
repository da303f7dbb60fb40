"""The shipped reference of 2026 against its source, merged communes, imports that never
shrink the reference, and a map for every region.

`data/cog2026_subset.json` is the unchanged records of six départements (01, 13, 2A, 69,
75, 976) from `@etalab/decoupage-administratif` 6.0.0, the file the reference is built from.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from html import escape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cpts_workflow.errors import BadInput
from cpts_workflow.resources import data_dir
from cpts_workflow.store.models import Event, ProjectCommune, ReferenceVintage
from cpts_workflow.territory.changes import add_communes
from cpts_workflow.territory.coverage import territory
from cpts_workflow.territory.coverage_map import OVERSEAS, map_svg
from cpts_workflow.territory.geo import france_outlines, region_outlines, shared_borders
from cpts_workflow.territory.importer import import_vintage, list_vintages, remove_vintage
from cpts_workflow.territory.reference import (
    COLUMNS,
    SHIPPED_LABEL,
    merged_communes,
    reference_for,
    regions,
    shipped_reference,
)
from cpts_workflow.territory.update import update_territories

COG = json.loads((Path(__file__).parent / "data" / "cog2026_subset.json").read_text("utf-8"))
CITIES = {"75056": "Paris", "69123": "Lyon", "13055": "Marseille"}


def test_label_says_the_vintage():
    assert SHIPPED_LABEL == "populations légales 2023 (en vigueur au 1er janvier 2026)"


@pytest.mark.parametrize("department", ["01", "13", "2A", "69", "75", "976"])
def test_counts_and_populations_per_department_match_the_cog(department):
    ref = shipped_reference()
    source = [c for c in COG if c["departement"] == department]
    communes = {c["code"]: c for c in source if c["type"] == "commune-actuelle"}
    arrondissements = {c["code"]: c for c in source if c["type"] == "arrondissement-municipal"}
    shipped = ref.in_area(department=department)
    assert len(shipped) == len(communes)
    for c in shipped:
        assert (c.nom, c.population) == (communes[c.insee]["nom"], communes[c.insee]["population"])
    for code, arm in arrondissements.items():
        assert ref.communes[code].commune_parent == arm["commune"]
        assert ref.communes[code].population == arm["population"]


def test_figures_of_the_reference():
    ref = shipped_reference()
    kinds = Counter(c.type for c in ref.communes.values())
    assert kinds == {"COM": 34_875, "ARM": 45}
    assert ref.communes["13001"].population == 149_695  # Aix-en-Provence (142 482 in 2017)
    in_cog = [c["population"] for c in COG if c["departement"] == "13" and c["type"] == "commune-actuelle"]
    assert sum(c.population for c in ref.in_area(department="13")) == sum(in_cog) == 2_087_658


@pytest.mark.parametrize("city", sorted(CITIES))
def test_the_three_arrondissement_cities_are_counted_once(ws, city):
    ref = shipped_reference()
    project = ws.create_project(f"CPTS {CITIES[city]}").slug
    add_communes(ws, project, list(ref.arrondissements[city]))
    whole = ref.communes[city].population
    assert territory(ws, project).population == whole
    add_communes(ws, project, [city])
    view = territory(ws, project)
    assert view.population == whole and view.commune_count == len(ref.arrondissements[city]) + 1
    assert sum(ref.communes[a].population for a in ref.arrondissements[city]) == whole


def test_merged_communes_come_from_the_cog():
    merged = merged_communes()
    # Saint-Bois, commune déléguée of Arboys en Bugey in the COG 2026.
    source = next(c for c in COG if c["code"] == "01340" and c["type"] == "commune-deleguee")
    assert merged["01340"].commune == source["chefLieu"] == "01015"
    assert merged["01340"].nom == "Saint-Bois"
    assert not set(merged) & set(shipped_reference().communes)  # no living code is "former"


def _hold(ws, project_id: int, code: str) -> None:
    """A code stored before its commune merged (the reference now refuses to add it)."""
    with ws.session() as session:
        session.add(ProjectCommune(project_id=project_id, insee=code, added_at=ws.now(),
                                   added_by="ancienne version"))


def test_merged_commune_migrated_with_events_and_dry_run(ws):
    bugey = ws.create_project("CPTS du Bugey")
    add_communes(ws, bugey.slug, ["01033"])  # Valserhône
    _hold(ws, bugey.id, "01340")  # Saint-Bois → Arboys en Bugey (01015)
    _hold(ws, bugey.id, "01126")  # a former code of Valserhône itself
    untouched = ws.create_project("CPTS d'Aix").slug
    add_communes(ws, untouched, ["13001"])

    plan = update_territories(ws, dry_run=True)
    assert plan.dry_run and [p.project for p in plan.projects] == ["cpts-du-bugey"]
    assert plan.projects[0].moved == {"01126": "01033", "01340": "01015"}
    assert territory(ws, bugey.slug).commune_count == 3  # nothing changed yet

    done = update_territories(ws)
    view = territory(ws, bugey.slug)
    assert [c.insee for c in view.communes] == ["01015", "01033"]
    assert view.population == 710 + 16_712
    events = [e for e in ws.history(bugey.slug) if e.kind == "territory_updated"]
    assert len(events) == 1 and events[0].payload["moved"] == done.projects[0].moved
    assert events[0].payload["vintage"] == SHIPPED_LABEL
    assert not any(e.kind == "territory_updated" for e in ws.history(untouched))
    assert update_territories(ws).projects == []  # nothing left to do


def test_taille_change_is_recorded(ws):
    project = ws.create_project("CPTS Ouest")
    add_communes(ws, project.slug, ["01033"])  # taille 1 recorded with the event
    for code in ("13001", "13113"):  # as if stored by an older version, without event
        _hold(ws, project.id, code)
    report = update_territories(ws)
    assert [(p.taille_before, p.taille) for p in report.projects] == [(1, 3)]
    event = [e for e in ws.history(project.slug) if e.kind == "taille_changed"][-1]
    assert (event.payload["from"], event.payload["to"]) == (1, 3)
    assert event.payload["population"] == 16_712 + 149_695 + 8_418


def _full_file(tmp_path: Path, change: dict[str, int], drop: set[str] = frozenset()) -> Path:
    rows = [",".join(COLUMNS)]
    for c in shipped_reference().communes.values():
        if c.insee in drop:
            continue
        population = change.get(c.insee, c.population)
        rows.append(",".join([c.insee, c.type, f'"{c.nom}"', c.departement, c.region,
                              c.epci_siren or "", f'"{c.epci_nom or ""}"', c.commune_parent or "",
                              str(population)]))
    path = tmp_path / "insee.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_one_line_file_is_refused_then_applied_as_partial(ws, tmp_path):
    path = tmp_path / "venelles.csv"
    path.write_text(",".join(COLUMNS) + "\n13113,COM,Venelles,13,93,,,,8500\n", encoding="utf-8")
    with pytest.raises(BadInput) as err:
        import_vintage(ws, path, "Venelles 2024")
    assert "34 919 communes manquent" in str(err.value) and "mise à jour partielle" in str(err.value)
    with ws.session() as session:
        assert session.scalar(select(func.count()).select_from(ReferenceVintage)) == 0
    vintage = import_vintage(ws, path, "Venelles 2024", partial=True)
    assert vintage.partial and vintage.current
    with ws.session() as session:
        ref = reference_for(session)
    assert len(ref.communes) == 34_920  # still all France
    assert ref.communes["13113"].population == 8_500 and ref.communes["13001"].population == 149_695
    assert ref.label == f"{SHIPPED_LABEL} + Venelles 2024"
    project = ws.create_project("CPTS du Pays d'Aix").slug
    add_communes(ws, project, ["Venelles"])  # a name still found (the bug it fixes)


def test_full_import_lists_what_is_missing_then_replaces(ws, tmp_path):
    with pytest.raises(BadInput) as err:
        import_vintage(ws, _full_file(tmp_path, {}, drop={"13113", "13060"}), "Incomplet")
    message = str(err.value)
    assert "2 communes manquent" in message and "Bouches-du-Rhône (13) : 2" in message
    assert "Venelles (13113)" in message
    vintage = import_vintage(ws, _full_file(tmp_path, {"13001": 150_000}), "INSEE 2024")
    assert vintage.current and not vintage.partial and vintage.rows == 34_920
    with ws.session() as session:
        ref = reference_for(session)
    assert (ref.label, ref.communes["13001"].population) == ("INSEE 2024", 150_000)
    listed = [(v.label, v.current) for v in list_vintages(ws)]
    assert listed == [(SHIPPED_LABEL, False), ("INSEE 2024", True)]
    remove_vintage(ws, "INSEE 2024")
    assert [(v.label, v.current) for v in list_vintages(ws)] == [(SHIPPED_LABEL, True)]
    with ws.session() as session:
        assert reference_for(session).communes["13001"].population == 149_695
        assert session.scalar(select(func.count()).select_from(Event)) == 0
    with pytest.raises(BadInput, match="livré"):
        remove_vintage(ws, SHIPPED_LABEL)


def test_outlines_of_every_commune_but_four_points():
    ref = shipped_reference()
    national = france_outlines()
    assert set(national) == set(ref.communes)
    points = sorted(code for code, o in national.items() if o.point)
    assert points == ["15031", "15035", "15047", "15171"]  # restored in 2025, no outline
    for region in regions():
        shapes = region_outlines(region)
        assert {ref.communes[c].region for c in shapes} == {region}
    borders = shared_borders()
    assert "13113" in borders["13001"] and "13201" not in borders["13055"]
    assert "15031" not in borders  # no outline: neighbours by intercommunality


def test_shipped_files_stay_small():
    sizes = {p.name: p.stat().st_size for p in data_dir().rglob("*") if p.is_file()}
    assert sum(sizes.values()) < 15_000_000
    with gzip.open(data_dir() / "communes_france.tsv.gz", "rt", encoding="utf-8") as fh:
        assert fh.readline().rstrip("\n").split("\t") == list(COLUMNS)


@pytest.mark.parametrize("region", sorted(regions()))
def test_a_map_for_every_region(ws, region):
    ref = shipped_reference()
    svg = map_svg(ws, region=region)
    drawn = set(re.findall(r'data-insee="([0-9AB]{5})"', svg))
    expected = {c.insee for c in ref.in_area(region=region)}
    split = {c for c in expected if c in ref.arrondissements}
    expected = (expected - split) | {a for c in split for a in ref.arrondissements[c]}
    assert drawn == expected
    assert escape(regions()[region]) in svg and "<script" not in svg
    assert len(svg) < 3_000_000  # a region's map stays light


def test_national_map_has_the_overseas_insets(ws):
    svg = map_svg(ws)
    for region in OVERSEAS:
        assert f">{regions()[region]}</text>" in svg
    assert svg.count('class="commune ') == len(shipped_reference().communes) - 3  # 3 split cities
