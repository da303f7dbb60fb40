"""The benchmark suite runs end to end at its smoke size (no timing asserted: CI machines
vary); the national base it generates is realistic; rows judge their targets right."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.generate import SIZES, build
from benchmarks.measures import MEASURES, Row

ROOT = Path(__file__).resolve().parent.parent


def test_smoke_run_measures_everything_or_says_why(tmp_path):
    out = tmp_path / "smoke.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--size", "smoke", "--repeats", "1", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["size"] == "smoke"
    rows = {r["key"]: r for r in result["rows"]}
    # Every measurement gave its row(s); the foundation's own are really measured.
    assert {"cli_help", "cli_show", "cli_list_json", "portfolio_list", "operations",
            "engine_memory"} <= set(rows)
    assert len(result["rows"]) >= len(MEASURES)
    for key in ("cli_help", "cli_show", "cli_list_json", "portfolio_list", "operations"):
        assert rows[key]["value"] > 0 and rows[key]["baseline"] > 0 and rows[key]["ratio"] > 0, key
    for row in result["rows"]:
        assert row["value"] is not None or row["status"].startswith("non mesuré"), row
    assert "1 machine(s) transitions" in rows["engine_memory"]["note"]
    # No N+1: listing the portfolio is one query (plus the schema check), whatever its size.
    assert rows["portfolio_list"]["queries"] <= 3
    assert "| mesure |" in done.stdout


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
        orphans = conn.scalar(text(
            "SELECT COUNT(*) FROM checklist_states c LEFT JOIN projects p ON p.id = c.project_id "
            "WHERE p.id IS NULL"))
    engine.dispose()
    assert stages == {"initiative", "diagnostic", "health_project", "statutes", "aci_contract",
                      "coordinator_hiring", "operating", "paused", "abandoned"}
    assert overlaps > 0 and covered < len(base.communes)  # overlaps and white zones exist
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


def test_a_plugged_feature_is_timed_and_an_absent_one_says_so(tmp_path):
    from benchmarks.features import Unplugged
    from benchmarks.measures import Bench, _feature_row

    base = build(f"sqlite:///{tmp_path / 'b.db'}", SIZES["smoke"])
    bench = Bench(base=base, repeats=1, workdir=tmp_path)
    [row] = _feature_row(bench, Row("f", "f", "b", target=2.0),
                         lambda ws: ws.list_projects, lambda: None)
    assert row.value > 0 and row.baseline > 0 and row.queries >= 1

    def absent(ws):
        raise Unplugged("non mesuré : fonctionnalité absente (cpts_workflow.x)")

    [row] = _feature_row(bench, Row("g", "g", "b", target=2.0), absent, lambda: None)
    assert row.value is None and row.status.endswith("(cpts_workflow.x)")


def test_an_adapter_calling_a_different_api_gives_a_row_not_a_crash(tmp_path):
    from benchmarks.measures import Bench, _feature_row

    base = build(f"sqlite:///{tmp_path / 'b.db'}", SIZES["smoke"])
    bench = Bench(base=base, repeats=1, workdir=tmp_path)

    def wrong_signature(ws):
        return lambda: ws.list_projects("unexpected positional argument")

    [row] = _feature_row(bench, Row("h", "h", "b", target=2.0), wrong_signature, lambda: None)
    assert row.value is None and "à brancher (TypeError" in row.status
