"""The benchmark suite runs end to end at its smoke size (no timing asserted: CI machines
vary) and measures every row, the features' included; the national base it generates is
realistic; rows judge their targets right."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.generate import SIZES, build
from benchmarks.measures import MEASURES, Row

ROOT = Path(__file__).resolve().parent.parent


MEASURED = ("cli_help", "cli_show", "cli_list_json", "cli_report_json", "portfolio_list",
            "report_figures", "operations", "territory_france", "documents_docx",
            "workspace_per_request")


def test_smoke_run_measures_everything(tmp_path):
    out = tmp_path / "smoke.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--size", "smoke", "--repeats", "1", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["size"] == "smoke"
    assert Path(result["checkout"]) == ROOT
    rows = {r["key"]: r for r in result["rows"]}
    # Every measurement gave its row(s), and every row is really measured.
    assert set(MEASURED) | {"engine_memory"} <= set(rows)
    assert len(result["rows"]) >= len(MEASURES)
    for key in MEASURED:
        row = rows[key]
        assert row["value"] and row["value"] > 0 and row["baseline"] > 0 and row["ratio"] > 0, row
    for row in result["rows"]:
        assert row["value"] is not None, row
    assert "1 machine(s) transitions" in rows["engine_memory"]["note"]
    # No N+1: listing the portfolio is one query (plus the schema check), whatever its size;
    # the report runs its six queries (plus the schema check and the reference vintage), and
    # two for the follow-up columns (the journal's notes, the partners).
    assert rows["portfolio_list"]["queries"] <= 3
    assert rows["report_figures"]["queries"] <= 11
    templates = len(list((ROOT / "templates").glob("*/meta.yaml")))
    assert rows["documents_docx"]["note"] == f"{templates} documents"
    assert "| mesure |" in done.stdout


def test_the_code_measured_is_this_checkouts():
    """Even when the venv is an editable install of another worktree: the library, the CLI,
    the workflows and the templates, in the suite and in its `cpts` subprocesses."""
    from benchmarks import checkout
    from benchmarks.timing import VENV_BIN, cpts_command

    probe = ("import benchmarks, cpts_cli, cpts_workflow, cpts_workflow.resources as r; "
             "print(cpts_cli.__file__, cpts_workflow.__file__, r.templates_dir(), r.workflows_dir())")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    assert all(Path(p).resolve().is_relative_to(ROOT) for p in done.stdout.split()), done.stdout
    if checkout.installed_from_here():
        assert cpts_command() == [str(VENV_BIN / "cpts")]
        return
    script = ROOT / "benchmarks" / "checkout.py"
    assert cpts_command() == [sys.executable, "-P", str(script)]
    # `python -v` names the file each module comes from.
    done = subprocess.run([sys.executable, "-v", "-P", str(script), "--help"], capture_output=True,
                          text=True, check=True)
    loaded = [line for line in done.stderr.splitlines()
              if line.startswith("# code object from") and ("cli" in line or "cpts_workflow" in line)]
    assert any("main" in line for line in loaded), done.stderr[-2000:]
    assert all(str(ROOT) in line for line in loaded if "site-packages" not in line), loaded


def test_generated_base_is_realistic(tmp_path):
    base = build(f"sqlite:///{tmp_path / 'b.db'}", SIZES["smoke"])
    engine = create_engine(base.url)
    with engine.connect() as conn:
        stages = {s for (s,) in conn.execute(text("SELECT DISTINCT stage FROM projects"))}
        overlaps = conn.scalar(text(
            "SELECT COUNT(*) FROM (SELECT insee FROM project_communes GROUP BY insee "
            "HAVING COUNT(*) > 1) AS shared"))
        covered = conn.scalar(text("SELECT COUNT(DISTINCT insee) FROM project_communes"))
        events = conn.scalar(text("SELECT COUNT(*) FROM events"))
        codes = {c for (c,) in conn.execute(text("SELECT DISTINCT insee FROM project_communes"))}
        members = conn.execute(text(
            "SELECT DISTINCT college, role, structure_kind FROM members")).all()
        orphans = conn.scalar(text(
            "SELECT COUNT(*) FROM checklist_states c LEFT JOIN projects p ON p.id = c.project_id "
            "WHERE p.id IS NULL"))
    engine.dispose()
    assert stages == {"initiative", "diagnostic", "health_project", "statutes", "aci_contract",
                      "coordinator_hiring", "operating", "paused", "abandoned"}
    assert overlaps > 0 and covered < len(base.communes)  # overlaps and white zones exist
    # Territories are real communes of the shipped reference, arrondissements included.
    from cpts_workflow.members import COLLEGES, ROLES, STRUCTURE_KINDS
    from cpts_workflow.territory.reference import shipped_reference

    reference = shipped_reference().communes
    assert codes <= set(reference) and any(reference[c].type == "ARM" for c in codes)
    assert all(c.population for c in base.communes[:100])
    # Members use the library's ids, so that documents find the bureau and the collèges.
    assert {m.college for m in members} <= set(COLLEGES)
    assert {m.role for m in members} - {None} == {"president", "treasurer", "secretary"} <= set(ROLES)
    assert {m.structure_kind for m in members} - {None} <= set(STRUCTURE_KINDS)
    assert events == SIZES["smoke"].events and orphans == 0
    # The library reads the generated base as its own.
    from cpts_workflow.workspace import Workspace

    ws = Workspace(base.url, actor="Test")
    assert len(ws.list_projects()) == SIZES["smoke"].projects
    assert ws.detail(base.sample_slug).project.stage == "health_project"
    ws.db.dispose()


def test_rows_judge_targets():
    assert Row("a", "a", "b", value=3.0, baseline=1.0, target=2.0).status == "NON ATTEINT"
    assert Row("a", "a", "b", value=1.5, baseline=1.0, target=2.0).status == "atteint"
    assert Row("m", "m", "b", value=31.0, baseline=50.0, target=30.0, unit="Mo").status == "NON ATTEINT"
    absent = Row("t", "t", "b", target=2.0, note="non mesuré : fonctionnalité absente")
    assert absent.status == "non mesuré : fonctionnalité absente" and absent.ratio is None
