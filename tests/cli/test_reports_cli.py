"""`cpts report` and `cpts demo` as a user types them."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3

import pytest

from cpts_workflow.workspace import Workspace

from ..conftest import FixedClock
from ..reports_data import build


@pytest.fixture
def base(sqlite_url):
    """The fixed portfolio of reports_data, in the base the `cpts` fixture uses."""
    ws = Workspace(sqlite_url, actor="Claire Martin", now=FixedClock())
    build(ws, ws.now)
    ws.db.dispose()
    return sqlite_url


def test_portfolio_table_with_summary(cpts, base):
    result = cpts("report")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Portefeuille au 22/11/2026" in out
    line = next(x for x in out.splitlines() if x.startswith("epsilon"))
    assert "Initiative" in line and "200" in line and "0/9" in line and "bloqué" in line
    assert ("Projets par étape : Initiative 3 (dont 1 en pause) · Diagnostic territorial 2 · "
            "Projet de santé 1 · Association et statuts 0") in out
    assert "Initiative 40 j (n=3)" in out and "Diagnostic territorial 60 j (n=1)" in out
    assert "Claire 3 · Julien 2 · non attribué 1" in out
    assert "\x1b[" not in out  # piped: no colours, no progress bar


def test_portfolio_json_schema(cpts, base):
    data = json.loads(cpts("report --json").stdout)
    assert data["schema_version"] == 1
    assert set(data) >= {"generated_at", "filters", "projects", "funnel", "durations",
                         "officers", "coverage", "abandoned", "territory_available"}
    alpha = next(p for p in data["projects"] if p["slug"] == "alpha")
    assert alpha["days_in_stage"] == 60 and alpha["checklist_done"] == 1
    assert alpha["stage_entered_at"] == "2026-09-23T09:30:00+00:00"
    assert alpha["flags"] == ["overlap"] and alpha["departments"] == ["13"]
    assert data["filters"]["stalled_days"] == 60
    assert json.loads(cpts("report --format json --officer Julien").stdout)["filters"][
        "officer"] == "Julien"


def test_portfolio_csv_stdout_and_file_with_bom(cpts, base, tmp_path):
    rows = list(csv.reader(io.StringIO(cpts("report --csv").stdout), delimiter=";"))
    assert rows[0][:4] == ["N°", "Identifiant", "Nom", "Étape"]
    gamma = next(r for r in rows if r[1] == "gamma")
    assert gamma[3] == "Initiative (en pause)" and gamma[5] == "30"
    target = tmp_path / "portefeuille.csv"
    result = cpts(f"report --format csv --out {target}")
    assert result.exit_code == 0 and "écrit dans" in result.stdout
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "Chargé·e de mission".encode() in raw
    assert oct(target.stat().st_mode & 0o777) == "0o600"


def test_portfolio_html_file(cpts, base, tmp_path):
    target = tmp_path / "rapport.html"
    result = cpts(f"report --format html --out {target}")
    assert result.exit_code == 0, result.output
    page = target.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'class="chart funnel"' in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<link" not in page  # self-contained
    piped = cpts("report --format html")
    assert piped.stdout.startswith("<!DOCTYPE html>")


def test_stalled_command(cpts, base):
    result = cpts("report stalled --days 60")
    assert result.exit_code == 0
    assert "epsilon" in result.stdout and "alpha" not in result.stdout
    assert "Groupe de travail de professionnels volontaires constitué" in result.stdout
    data = json.loads(cpts("report stalled --days 30 --json").stdout)
    assert [d["project"]["slug"] for d in data] == ["epsilon", "alpha", "zeta"]
    assert cpts("report stalled --days 500").stdout.startswith("Aucun projet actif")
    assert cpts("report stalled --days 0").exit_code == 2


def test_project_command(cpts, base):
    result = cpts("report project zeta")
    assert result.exit_code == 0, result.output
    assert "Diagnostic territorial depuis 50 jours" in result.stdout
    assert "Parcours" in result.stdout and "Retour à l'étape précédente" in result.stdout
    data = json.loads(cpts("report project zeta --json").stdout)
    assert [v["days"] for v in data["timeline"]] == [10, 10, 30, 50]
    rows = list(csv.reader(io.StringIO(cpts("report project zeta --csv").stdout), delimiter=";"))
    assert rows[0] == ["Étape", "Entrée", "Sortie", "Jours"] and rows[-1][2] == "en cours"
    missing = cpts("report project omega")
    assert missing.exit_code == 1 and "introuvable" in missing.stderr


@pytest.mark.parametrize("args", ["report --json --csv", "report --format json --csv",
                                  "report --department 1", "report --stage fini",
                                  "report --since hier", "report --format pdf"])
def test_bad_input_exits_2(cpts, base, args):
    result = cpts(args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_empty_base(cpts):
    assert cpts("report").stdout.startswith("Aucun projet")


# --- demo ----------------------------------------------------------------------------


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    home = tmp_path / "data-home"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


def _projects(path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("select slug, created_by from projects order by slug").fetchall()


def test_demo_uses_its_own_base_and_rebuilds_it(cpts, data_home, sqlite_url):
    result = cpts("demo")
    assert result.exit_code == 0, result.output
    demo_db = data_home / "cpts-workflow" / "cpts-demo.db"
    html = data_home / "cpts-workflow" / "cpts-demo-rapport.html"
    assert demo_db.exists() and html.exists()
    assert "Portefeuille au" in result.stdout and f"Rapport HTML écrit dans {html}" in result.stdout
    projects = _projects(demo_db)
    assert len(projects) == 12
    assert "bloqué" in result.stdout and "en pause" in result.stdout
    assert "chevauchement" in result.stdout
    # The working base (CPTS_DATABASE_URL) was not created nor touched.
    assert not os.path.exists(sqlite_url.removeprefix("sqlite:///"))
    again = cpts("demo")
    assert again.exit_code == 0 and len(_projects(demo_db)) == 12


def test_demo_refuses_a_base_with_real_projects(cpts, tmp_path, data_home):
    real = tmp_path / "vraie.db"
    url = f"sqlite:///{real}"
    assert cpts(f"--db {url} new 'CPTS du Pays d Aix'").exit_code == 0
    refused = cpts(f"demo --db {url}")
    assert refused.exit_code == 1 and "ne vient pas de la démonstration" in refused.stderr
    assert len(_projects(real)) == 1
    forced = cpts(f"demo --db {url} --force --out {tmp_path / 'r.html'}")
    assert forced.exit_code == 0, forced.output
    slugs = [s for s, _ in _projects(real)]
    assert len(slugs) == 13 and "cpts-du-pays-d-aix" in slugs
    # A second forced run replaces the demo projects and keeps the real one.
    assert cpts(f"--db {url} demo --force --out {tmp_path / 'r.html'}").exit_code == 0
    assert len(_projects(real)) == 13


def test_demo_histories_span_two_years_at_every_stage(cpts, data_home):
    cpts("demo")
    data = json.loads(cpts(f"--db sqlite:///{data_home}/cpts-workflow/cpts-demo.db report --json").stdout)
    assert all(c["count"] >= 1 for c in data["funnel"])
    assert data["coverage"]["region"] == "93"
    first = min(p["stage_entered_at"] for p in data["projects"])
    assert first >= "2024-11-22"
    with sqlite3.connect(data_home / "cpts-workflow" / "cpts-demo.db") as conn:
        oldest = conn.execute("select min(at) from events").fetchone()[0]
        members = conn.execute("select count(*), count(distinct role) from members").fetchone()
    assert "2024-11-22" <= oldest < "2025-06-01"
    assert members[0] > 100 and members[1] == 3


def test_terminal_run_uses_the_progress_bar_and_rich_table(cpts, base, monkeypatch):
    from cpts_cli import output, reports

    steps: list[str] = []
    original = reports.with_progress

    def spy(job, total):
        def counting(progress):
            return job(lambda step: (steps.append(step), progress(step)))

        return original(counting, total)

    monkeypatch.setattr(reports, "is_terminal", lambda: True)
    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setattr(reports, "with_progress", spy)
    result = cpts("report")
    assert result.exit_code == 0, result.output
    assert "┃" in result.stdout and "Projets par étape : Initiative 3" in result.stdout
    from cpts_workflow.reports import PORTFOLIO_STEPS

    assert steps == list(PORTFOLIO_STEPS)
