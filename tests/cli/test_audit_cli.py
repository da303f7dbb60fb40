"""`cpts audit`: the base's journal as a table and as JSON; refused to a reader."""

from __future__ import annotations

import json

from ..test_funding import GOOD


def test_audit_lists_reference_changes_and_accounts(cpts, tmp_path):
    assert cpts("init").exit_code == 0
    assert cpts("audit").stdout == "Rien n'a encore été fait à la base elle-même (référence, comptes).\n"
    grid = tmp_path / "grille.yaml"
    grid.write_text(GOOD, encoding="utf-8")
    assert cpts(f"funding import {grid}").exit_code == 0
    assert cpts(f"funding import {grid} --replace").exit_code == 0
    table = cpts("audit").stdout.splitlines()
    assert table[0].split() == ["Date", "Qui", "Quoi", "Sur"]
    assert "Grille de financement remplacée" in table[1] and "mon_contrat" in table[1]
    assert "Grille de financement importée" in table[2]
    data = json.loads(cpts("audit --json --limit 1").stdout)
    assert [(e["kind"], e["subject"], e["payload"]["file"]) for e in data] == [
        ("grid_replaced", "mon_contrat", "grille.yaml")]
    assert cpts("user add lea --name Léa --role reader --password-stdin",
                input="un mot de passe solide\n").exit_code == 0
    refused = cpts("--as lea audit")
    assert refused.exit_code != 0 and "Traceback" not in refused.stderr
    assert "importer des données de référence" in refused.stderr
