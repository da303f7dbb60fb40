"""Territory on the real shipped reference: population, taille, overlaps, gaps, import, guard."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from cpts_workflow.errors import BadInput, Refused
from cpts_workflow.store.models import Event, ProjectCommune, ReferenceCommune, ReferenceVintage
from cpts_workflow.territory import project_population, taille
from cpts_workflow.territory.changes import add_communes, remove_communes
from cpts_workflow.territory.coverage import gaps, overlaps, territory
from cpts_workflow.territory.reference import SHIPPED_LABEL, normalise_name, shipped_reference

from .conftest import complete_stage

MARSEILLE_ARM = [f"132{i:02d}" for i in range(1, 17)]


@pytest.mark.parametrize(
    ("population", "expected"),
    [(0, 1), (39_999, 1), (40_000, 2), (79_999, 2), (80_000, 3), (175_000, 3), (175_001, 4)],
)
def test_taille_boundaries(population, expected):
    assert taille(population) == expected


def test_taille_refuses_negative():
    with pytest.raises(BadInput):
        taille(-1)


def test_shipped_reference_is_complete_and_fast():
    shipped_reference.cache_clear()
    start = time.perf_counter()
    ref = shipped_reference()
    elapsed = time.perf_counter() - start
    assert len(ref.communes) == 34_920
    assert ref.communes["2A004"].nom == "Ajaccio"
    assert ref.communes["13201"].commune_parent == "13055"
    assert ref.communes["97611"].population == 71_437  # Mayotte: census of 2017 (the source says so)
    assert all(c.population is not None for c in ref.communes.values())
    assert elapsed < 2.0
    start = time.perf_counter()
    assert shipped_reference() is ref  # cached per process
    assert time.perf_counter() - start < 0.01


@pytest.mark.parametrize("text", ["evenos", "Évenos", "EVENOS"])
def test_search_ignores_accents_and_case(text):
    assert [c.insee for c in shipped_reference().search(text)] == ["83053"]


def test_search_by_spaced_name_code_and_department():
    ref = shipped_reference()
    assert ref.search("Saint Zacharie")[0].nom == "Saint-Zacharie"
    assert [c.nom for c in ref.search("13001")] == ["Aix-en-Provence"]
    assert all(c.departement == "13" for c in ref.search("saint", department="13"))
    assert normalise_name("Œuilly") == "oeuilly"


def test_resolve_refuses_ambiguous_names_with_candidates():
    with pytest.raises(BadInput) as err:
        shipped_reference().resolve("Saint-Martin")
    assert "32389" in err.value.message and "67426" in err.value.message


def test_aix_alone_is_taille_3(ws):
    project = ws.create_project("CPTS du Pays d'Aix").slug
    change = add_communes(ws, project, ["Aix-en-Provence"])
    assert change.population == 149_695 and change.taille == 3
    with ws.session() as session:
        pid = ws.get_project(session, project).id
        assert project_population(session, pid) == (149_695, SHIPPED_LABEL)
    assert project_population(ws, pid) == (149_695, SHIPPED_LABEL)


def test_marseille_arrondissements_are_counted_once(ws):
    project = ws.create_project("CPTS Marseille").slug
    add_communes(ws, project, MARSEILLE_ARM)
    assert territory(ws, project).population == 886_040
    add_communes(ws, project, ["13055"])  # the commune too: still counted once
    view = territory(ws, project)
    assert view.population == 886_040 and view.commune_count == 17 and view.taille == 4


def test_add_and_remove_are_audited(ws):
    project = ws.create_project("CPTS Val de Durance").slug
    add_communes(ws, project, ["13001", "Venelles"])
    remove_communes(ws, project, ["Venelles"])
    events = [
        (e.kind, e.payload["codes"]) for e in ws.history(project) if e.kind.startswith("territory")
    ]
    assert events == [("territory_added", ["13001", "13113"]), ("territory_removed", ["13113"])]
    with pytest.raises(BadInput, match="Pas dans le territoire"):
        remove_communes(ws, project, ["13113"])


def test_department_and_epci_with_exceptions(ws):
    project = ws.create_project("CPTS Bouches-du-Rhône").slug
    change = add_communes(ws, project, department="13", excluded=["13001", "Marseille"])
    assert len(change.codes) == 117 and "13001" not in change.codes
    other = ws.create_project("CPTS Métropole").slug
    with pytest.raises(Refused):
        add_communes(ws, other, epci="200054807")


def test_overlap_refused_naming_the_project_then_forced(ws):
    aix = ws.create_project("CPTS du Pays d'Aix").slug
    other = ws.create_project("CPTS Sainte-Victoire").slug
    add_communes(ws, aix, ["13001"])
    with pytest.raises(Refused) as err:
        add_communes(ws, other, ["13001", "13113"])
    assert "cpts-du-pays-d-aix" in str(err.value)
    assert territory(ws, other).commune_count == 0  # nothing half-added
    with pytest.raises(BadInput):
        add_communes(ws, other, ["13001"], force=True)  # a reason is required
    change = add_communes(ws, other, ["13001"], force=True, reason="accord du 20/11/2026")
    assert change.forced == {"13001": ["cpts-du-pays-d-aix"]}
    found = overlaps(ws).overlaps
    assert [(o.insee, o.resolved) for o in found] == [("13001", True)]
    event = [e for e in ws.history(other) if e.kind == "territory_added"][-1]
    assert event.comment == "accord du 20/11/2026" and event.payload["forced"]
    with ws.session() as session:
        row = session.scalar(
            select(ProjectCommune).where(
                ProjectCommune.insee == "13001", ProjectCommune.forced_reason.is_not(None)
            )
        )
        assert row.forced_reason == "accord du 20/11/2026"


def test_commune_and_its_arrondissement_overlap(ws):
    city = ws.create_project("CPTS Marseille").slug
    centre = ws.create_project("CPTS Marseille Centre").slug
    add_communes(ws, city, ["Marseille"])
    with pytest.raises(Refused, match="Marseille"):
        add_communes(ws, centre, ["13201"])


def test_abandoned_project_releases_its_communes(ws):
    old = ws.create_project("CPTS ancienne").slug
    add_communes(ws, old, ["13001"])
    ws.abandon(old, reason="projet fusionné")
    new = ws.create_project("CPTS nouvelle").slug
    assert add_communes(ws, new, ["13001"]).codes == ["13001"]
    assert overlaps(ws).overlaps == []


def test_gaps_plus_covered_equal_the_department(ws):
    ref = shipped_reference()
    department = {c.insee for c in ref.in_area(department="13")}
    a = ws.create_project("CPTS A").slug
    b = ws.create_project("CPTS B").slug
    add_communes(ws, a, ["13001", "13113", "13071"])
    add_communes(ws, b, MARSEILLE_ARM[:5])  # part of Marseille only
    view = gaps(ws, department="13")
    assert view.communes_total == len(department) == 119
    gap_codes = {g.insee for g in view.gaps}
    communes_in_gaps = {ref.communes[c].commune_parent or c for c in gap_codes}
    covered = {"13001", "13113", "13071"}
    assert view.covered_communes == 3
    assert communes_in_gaps | covered == department and not communes_in_gaps & covered
    assert view.partial == ["13055"]
    assert view.covered_population + view.gap_population == view.population_total == 2_087_658
    assert gaps(ws, region="93").communes_total == 946


def test_gaps_refuse_unknown_area(ws):
    with pytest.raises(BadInput):
        gaps(ws, department="99")
    with pytest.raises(BadInput):
        gaps(ws, region="12")


def test_neighbours_from_shared_borders(ws):
    aix = ws.create_project("CPTS du Pays d'Aix").slug
    venelles = ws.create_project("CPTS Venelles").slug
    add_communes(ws, aix, ["13001"])
    add_communes(ws, venelles, ["13113"])
    view = territory(ws, aix)
    assert [(n.project, n.communes) for n in view.neighbours] == [(venelles, ["13113"])]
    assert view.neighbour_basis == "outlines"


def _to_end_of_diagnostic(ws, project: str) -> None:
    complete_stage(ws, project)
    ws.advance(project)
    complete_stage(ws, project, guards=False)


def test_territory_valid_guard_protects_leaving_diagnostic(ws):
    project = ws.create_project("CPTS du Pays d'Aix").slug
    _to_end_of_diagnostic(ws, project)
    with pytest.raises(Refused) as err:
        ws.advance(project)
    assert any("aucune commune" in r for r in err.value.reasons)
    add_communes(ws, project, ["13001"])
    assert ws.advance(project).stage == "health_project"


def test_unresolved_overlap_blocks_the_guard(ws):
    """An overlap no one forced (two adds racing) keeps the project in diagnostic."""
    first = ws.create_project("CPTS A").slug
    second = ws.create_project("CPTS B").slug
    add_communes(ws, first, ["13001"])
    with ws.session() as session:  # as if both had added it at the same moment
        pid = ws.get_project(session, second).id
        session.add(
            ProjectCommune(project_id=pid, insee="13001", added_at=ws.now(), added_by="test")
        )
    _to_end_of_diagnostic(ws, second)
    with pytest.raises(Refused) as err:
        ws.advance(second)
    assert any("cpts-a" in r for r in err.value.reasons)
    assert [o.resolved for o in overlaps(ws).overlaps] == [False]


def _write(tmp_path, text, name="communes.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "insee,type,nom,departement,region,epci_siren,epci_nom,commune_parent,population\n"


def test_import_new_vintage_changes_populations(ws, tmp_path):
    from cpts_workflow.territory.importer import import_vintage, list_vintages

    project = ws.create_project("CPTS du Pays d'Aix").slug
    add_communes(ws, project, ["13001"])
    path = _write(
        tmp_path,
        HEADER + "13001,COM,Aix-en-Provence,13,93,200054807,Métropole,,145133\n"
        '2A004,COM,Ajaccio,2A,94,,,,"72 995"\n',
    )
    vintage = import_vintage(ws, path, "INSEE 2021", partial=True)  # two communes: an update
    assert vintage.rows == 2 and vintage.current
    view = territory(ws, project)
    assert (view.population, view.vintage) == (145_133, f"{SHIPPED_LABEL} + INSEE 2021")
    assert [v.label for v in list_vintages(ws)] == [SHIPPED_LABEL, "INSEE 2021"]
    with pytest.raises(BadInput, match="déjà"):
        import_vintage(ws, path, "INSEE 2021", partial=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            HEADER.replace("population", "pop") + "13001,COM,Aix,13,93,,,,1\n",
            "colonne « pop » inconnue",
        ),
        (
            HEADER + "13001,COM,Aix,13,93,,,,1\n1300,COM,X,13,93,,,,1\n",
            "ligne 3 : code INSEE « 1300 »",
        ),
        (
            HEADER + "13001,COM,Aix,13,93,,,,1\n13001,COM,Aix,13,93,,,,2\n",
            "ligne 3 : le code 13001 figure déjà ligne 2",
        ),
        (HEADER + "13001,COM,Aix,13,93,,,,beaucoup\n", "ligne 2 : population"),
        (HEADER + "13201,ARM,Marseille 1er,13,93,,,13055,1\n", "13055"),
        (HEADER, "aucune commune"),
    ],
)
def test_malformed_import_changes_nothing(ws, tmp_path, content, message):
    from cpts_workflow.territory.importer import import_vintage

    with pytest.raises(BadInput) as err:
        import_vintage(ws, _write(tmp_path, content), "mauvais")
    assert message in str(err.value)
    assert "rien n'a été modifié" in str(err.value) or "colonnes" in str(err.value)
    with ws.session() as session:
        assert session.scalar(select(func.count()).select_from(ReferenceVintage)) == 0
        assert session.scalar(select(func.count()).select_from(ReferenceCommune)) == 0
        assert session.scalar(select(func.count()).select_from(Event)) == 0


@given(st.sets(st.sampled_from(MARSEILLE_ARM)), st.booleans(), st.integers(0, 10_000_000))
def test_population_never_double_counts_and_taille_is_monotonic(arms, with_city, bump):
    ref = shipped_reference()
    codes = set(arms) | ({"13055"} if with_city else set())
    population, missing = ref.population(codes)
    expected = 886_040 if with_city else sum(ref.communes[a].population for a in arms)
    assert population == expected and missing == []
    assert taille(population) <= taille(population + bump)


def test_overlaps_found_in_the_base_are_those_of_every_claim(ws):
    """The national pass reads only shared codes: it must find what a pass over every claim finds,
    split communes included (a commune against its arrondissements, under other codes)."""
    from cpts_workflow.territory.claims import StageLabels, active_claims, inactive_for
    from cpts_workflow.territory.coverage import compute_overlaps

    city, centre, north, aix, pertuis = (ws.create_project(n).slug for n in (
        "CPTS Marseille", "CPTS Marseille Centre", "CPTS Marseille Nord", "CPTS Aix", "CPTS Pertuis"))
    add_communes(ws, city, ["13055", "13001"], force=True, reason="accord")
    add_communes(ws, centre, ["13201", "13202"], force=True, reason="accord")
    add_communes(ws, north, ["13215"], force=True, reason="accord")
    add_communes(ws, aix, ["13001", "13071"], force=True, reason="accord")
    add_communes(ws, pertuis, ["84089"])
    found = overlaps(ws).overlaps
    with ws.session() as session:
        reference = shipped_reference()
        every = compute_overlaps(reference, active_claims(session, inactive_for(ws)), StageLabels(ws))
    assert found == every
    assert {o.insee for o in found} == {"13001", "13201", "13202", "13215"}
