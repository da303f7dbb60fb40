"""ACI funding: the taille rule, grids as validated data, the simulator's totals."""

from __future__ import annotations

import pytest

from cpts_workflow.aci.grids import (
    DEFAULT_GRID,
    get_grid,
    import_grid,
    list_grids,
    parse_grid,
    shipped_grids,
)
from cpts_workflow.aci.simulator import simulate, simulate_project
from cpts_workflow.aci.taille import taille
from cpts_workflow.errors import BadInput, DefinitionError, NotFound, Refused


@pytest.mark.parametrize(
    ("population", "expected"),
    [
        (0, 1),
        (39_999, 1),
        (40_000, 2),
        (79_999, 2),
        (80_000, 3),
        (149_695, 3),
        (175_000, 3),
        (175_001, 4),
        (2_000_000, 4),
    ],
)
def test_taille_at_each_boundary(population: int, expected: int) -> None:
    assert taille(population) == expected


@pytest.mark.parametrize("bad", [-1, True, 4.5, "40000"])
def test_taille_refuses_what_is_not_a_population(bad) -> None:
    with pytest.raises(BadInput):
        taille(bad)


def test_taille_rule_lives_in_one_place() -> None:
    """No other module restates the 40 000 / 80 000 / 175 000 bounds."""
    from pathlib import Path

    import cpts_workflow

    root = Path(cpts_workflow.__file__).parent
    holders = [
        p.name
        for p in root.rglob("*.py")
        if "175_000" in p.read_text() or "175000" in p.read_text()
    ]
    assert holders == ["taille.py"]


def test_shipped_grids_are_valid_and_never_invent_mission_amounts() -> None:
    grids = shipped_grids()
    assert set(grids) == {"aci_2019", "aci_avenant_2", "exemple_cpts_annee_5"}
    official = grids["aci_avenant_2"]
    # The per-mission tables are unreadable in every source found: they stay unknown.
    for amounts in official.missions.values():
        for table in (amounts.fixed, amounts.variable):
            assert all(f.amount is None and f.status == "à confirmer" for f in table.values())
    assert official.figure(official.operating, 3).amount == 131_250
    assert official.figure(official.letter_of_intent, 3).amount is None  # sources conflict
    assert "crise" not in grids["aci_2019"].missions  # the mission came with avenant 2
    assert grids["exemple_cpts_annee_5"].kind == "example"
    for grid in grids.values():
        for table in (grid.operating, grid.maximum, grid.letter_of_intent):
            assert all(f.source for f in table.values())


GOOD = """\
id: mon_contrat
label: Mon contrat signé
text: Contrat ACI de la CPTS du Pays d'Aix, 2026
advance_percent: {amount: 75, status: confirmé, source: ACI art. 9.1}
operating:
  3: {amount: 131250, status: confirmé, source: contrat signé}
missions:
  acces:
    fixed: {3: {amount: 90000, status: confirmé, source: contrat signé}}
    variable: {3: {amount: null, status: à confirmer, source: indicateurs en négociation}}
"""


def test_grid_errors_name_each_wrong_line_in_french() -> None:
    bad = GOOD.replace(
        "status: confirmé, source: contrat signé}\nmissions",
        "status: validé, source: contrat signé}\nmissions",
    )
    bad = bad.replace("amount: 90000", "amount: -5").replace("  acces:", "  acess:")
    with pytest.raises(DefinitionError) as caught:
        parse_grid(bad, "grille.yaml")
    text = str(caught.value)
    assert "grille.yaml:6: statut « validé » inconnu" in text
    assert "grille.yaml:8: mission inconnue « acess »" in text
    assert "Traceback" not in text


def test_import_stores_nothing_when_a_line_is_wrong(ws, tmp_path) -> None:
    ws.init()
    path = tmp_path / "grille.yaml"
    path.write_text(GOOD.replace("amount: 90000", "amount: 90 000 €"), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"grille.yaml:9: montant « 90 000 € » invalide"):
        import_grid(ws, path)
    assert [g.id for g in list_grids(ws) if g.origin == "imported"] == []


def test_import_then_simulate_with_the_imported_grid(ws, tmp_path) -> None:
    ws.init()
    path = tmp_path / "grille.yaml"
    path.write_text(GOOD, encoding="utf-8")
    summary = import_grid(ws, path)
    assert (summary.id, summary.imported_by, summary.unknown_amounts) == (
        "mon_contrat",
        "Claire Martin",
        1,
    )
    with pytest.raises(Refused, match="déjà été importée"):
        import_grid(ws, path)
    import_grid(ws, path, replace=True)
    sim = simulate(get_grid(ws, "mon_contrat"), 149_695)
    assert sim.total == 131_250 + 90_000 and sim.total_partial
    assert sim.total_status == "confirmé"


def test_a_shipped_grid_cannot_be_overwritten(ws, tmp_path) -> None:
    ws.init()
    path = tmp_path / "g.yaml"
    path.write_text(GOOD.replace("id: mon_contrat", f"id: {DEFAULT_GRID}"), encoding="utf-8")
    with pytest.raises(Refused, match="livrée"):
        import_grid(ws, path)
    with pytest.raises(NotFound, match="inconnue_xyz"):
        get_grid(ws, "inconnue_xyz")


def test_simulation_leaves_unknown_parts_out_and_says_the_total_is_partial() -> None:
    grid = shipped_grids()["aci_avenant_2"]
    sim = simulate(grid, 149_695, ["acces", "parcours", "prevention", "crise", "qualite"])
    assert sim.taille == 3
    assert sim.operating.amount == 131_250 and sim.operating.status == "à confirmer"
    assert sim.total == 131_250 and sim.total_partial
    assert len(sim.unknown) == 10 and all(m.fixed.status == "inconnu" for m in sim.missions)
    assert sim.maximum.amount is None and sim.over_maximum is None


def test_simulation_with_the_example_grid_computes_advances() -> None:
    sim = simulate(shipped_grids()["exemple_cpts_annee_5"], 60_000)
    acces = next(m for m in sim.missions if m.mission == "acces")
    assert (acces.fixed.amount, acces.variable.amount, acces.advance.amount) == (
        90_000,
        35_000,
        67_500,
    )
    assert sim.total == 90_000 + 35_000 + 45_000 + 45_000 + 17_500 + 17_500 + 22_500 + 67_500
    assert sim.total_partial and sim.unknown == ["Fonctionnement"]
    crise = next(m for m in sim.missions if m.mission == "crise")
    assert "crise" in crise.variable.note


def test_2019_grid_has_a_maximum_and_no_crisis_mission() -> None:
    sim = simulate(shipped_grids()["aci_2019"], 30_000)
    assert sim.maximum.amount == 220_000 and sim.maximum.status == "confirmé"
    crise = next(m for m in sim.missions if m.mission == "crise")
    assert crise.fixed.amount is None and "absente" in crise.fixed.source
    assert sim.over_maximum is False


def test_core_missions_are_compulsory_in_a_simulation() -> None:
    with pytest.raises(Refused, match="crise"):
        simulate(shipped_grids()["aci_avenant_2"], 50_000, ["acces", "parcours", "prevention"])
    with pytest.raises(BadInput, match="Mission « sante » inconnue"):
        simulate(shipped_grids()["aci_avenant_2"], 50_000, ["sante"])


def test_project_simulation_uses_chosen_missions_and_asks_for_a_population(ws) -> None:
    from cpts_workflow.aci.calendar import set_missions

    ws.init()
    ws.create_project("CPTS du Pays d'Aix")
    set_missions(ws, "cpts-du-pays-d-aix", add=["accompagnement"])
    with pytest.raises(Refused, match="Population inconnue"):
        simulate_project(ws, "cpts-du-pays-d-aix")
    sim = simulate_project(ws, "cpts-du-pays-d-aix", population=45_000)
    assert [m.mission for m in sim.missions] == [
        "acces",
        "parcours",
        "prevention",
        "crise",
        "accompagnement",
    ]
    assert sim.taille == 2 and sim.operating.amount == 105_000


@pytest.mark.parametrize("amount", ["true", "12.5", '"90000"'])
def test_an_amount_must_be_a_whole_number_of_euros(amount: str) -> None:
    with pytest.raises(DefinitionError, match=r"g.yaml:9: montant .* invalide"):
        parse_grid(GOOD.replace("amount: 90000", f"amount: {amount}"), "g.yaml")


def test_project_simulation_takes_the_population_of_its_territory(ws) -> None:
    from cpts_workflow.territory.changes import add_communes

    ws.init()
    ws.create_project("CPTS du Pays d'Aix")
    add_communes(ws, "cpts-du-pays-d-aix", ["13001"])
    sim = simulate_project(ws, "cpts-du-pays-d-aix")
    assert sim.population == 149_695 and sim.taille == 3
    assert sim.project_slug == "cpts-du-pays-d-aix"
    assert simulate_project(ws, 1).population == 149_695  # by number as well as by slug
