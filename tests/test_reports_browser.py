"""The HTML report in a real headless Chromium: no script error, charts and tables drawn,
sorting works; screenshots go to test-artifacts/."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cpts_workflow.demo import build_demo
from cpts_workflow.documents.convert import HEADLESS_FLAGS
from cpts_workflow.reports import portfolio, project_report, queries, render_html
from cpts_workflow.workspace import Workspace

from .conftest import FixedClock

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent"),
]

# Reports script errors into the DOM (read back with --dump-dom), then measures what a
# reader sees: the charts' size, the bars, the table rows, and the table after a sort.
PROBE_HEAD = """<script>window.onerror = function (message) {
  var root = document.documentElement;
  if (!root.hasAttribute("data-js-error")) { root.setAttribute("data-js-error", String(message)); }
};</script>"""
PROBE_END = """<script>window.addEventListener("load", function () {
  var root = document.documentElement;
  function size(sel) { var e = document.querySelector(sel); if (!e) { return "absent"; }
    var r = e.getBoundingClientRect(); return Math.round(r.width) + "x" + Math.round(r.height); }
  root.setAttribute("data-funnel-size", size("svg.funnel"));
  root.setAttribute("data-durations-size", size("svg.durations"));
  root.setAttribute("data-bars", document.querySelectorAll("svg.chart rect.bar").length);
  var table = document.querySelector("table#projects, table#timeline");
  if (!table) { return; }
  root.setAttribute("data-rows", table.tBodies[0].rows.length);
  var heads = table.tHead.rows[0].cells, target = null;
  for (var i = 0; i < heads.length; i++) { if (heads[i].textContent.indexOf("Jours") === 0) { target = i; } }
  if (target !== null) {
    heads[target].click();
    root.setAttribute("data-first-days", table.tBodies[0].rows[0].cells[target].getAttribute("data-sort"));
    heads[target].click();
    root.setAttribute("data-first-days-desc", table.tBodies[0].rows[0].cells[target].getAttribute("data-sort"));
  }
});</script>"""


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, *HEADLESS_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}", "--hide-scrollbars", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


def dump(tmp_path: Path, page: str) -> str:
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("<head>", "<head>" + PROBE_HEAD, 1)
                     .replace("</body>", PROBE_END + "</body>", 1), "utf-8")
    result = chromium(tmp_path, "--virtual-time-budget=3000", "--dump-dom", probe.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def attribute(dom: str, name: str) -> str | None:
    match = re.search(rf'{name}="([^"]*)"', dom)
    return match.group(1) if match else None


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    clock = FixedClock()
    build_demo(url, now=clock)
    ws = Workspace(url, actor="test", now=clock)
    report = portfolio(ws)
    order = {s: i for i, s in enumerate(ws.definition().stage_ids)}
    page = render_html.portfolio_html(report, order, queries.coverage_map(ws, report))
    project_page = render_html.project_html(project_report(ws, report.projects[0].slug),
                                             ws.definition())
    ws.db.dispose()
    return report, page, project_page


def test_probe_catches_script_errors(tmp_path):
    """The error probe itself works: a broken page is reported."""
    dom = dump(tmp_path, "<html><head></head><body><script>undefinedFunction();</script></body></html>")
    assert "undefinedFunction" in (attribute(dom, "data-js-error") or "")


def test_portfolio_page_renders_without_errors(tmp_path, demo):
    report, page, _ = demo
    dom = dump(tmp_path, page)
    assert attribute(dom, "data-js-error") is None
    assert attribute(dom, "data-sortable") == "ready"
    width, height = (int(v) for v in attribute(dom, "data-funnel-size").split("x"))
    assert width > 300 and height > 150
    assert attribute(dom, "data-durations-size") != "absent"
    nonzero_stages = sum(1 for c in report.funnel if c.count)
    finished = sum(1 for d in report.durations if d.median_days is not None)
    assert int(attribute(dom, "data-bars")) == nonzero_stages + finished
    assert int(attribute(dom, "data-rows")) == len(report.projects) == 12
    days = sorted(r.days_in_stage for r in report.projects)
    assert int(attribute(dom, "data-first-days")) == days[0]
    assert int(attribute(dom, "data-first-days-desc")) == days[-1]


def test_project_page_renders_without_errors(tmp_path, demo):
    _, _, page = demo
    dom = dump(tmp_path, page)
    assert attribute(dom, "data-js-error") is None
    assert attribute(dom, "data-sortable") == "ready"
    assert int(attribute(dom, "data-rows")) >= 2  # the timeline


def test_screenshots(tmp_path, demo):
    _, page, project_page = demo
    ARTIFACTS.mkdir(exist_ok=True)
    for name, html, height in (("report", page, 1900), ("report-project", project_page, 1400)):
        source = tmp_path / f"{name}.html"
        source.write_text(html, "utf-8")
        target = ARTIFACTS / f"{name}.png"
        target.unlink(missing_ok=True)
        result = chromium(tmp_path, f"--window-size=1300,{height}", f"--screenshot={target}",
                          source.as_uri())
        assert result.returncode == 0 and target.stat().st_size > 50_000, result.stderr[-2000:]
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = ARTIFACTS / "report.pdf"
    source = tmp_path / "report.html"
    result = chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", source.as_uri())
    assert result.returncode == 0 and pdf.read_bytes()[:5] == b"%PDF-"
