"""The wheel carries everything, and `cpts` works from another directory after install."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_cpts_help_imports_no_heavy_library():
    """`cpts --help` must stay fast: no SQLAlchemy, pydantic, transitions, pandoc."""
    code = (
        "import sys\n"
        "from cpts_cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('sqlalchemy', 'pydantic', 'transitions', 'pypandoc', 'alembic', 'jinja2', 'yaml')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out, out


def test_every_command_is_mapped_to_its_module_and_loaded_alone():
    """The lazy command list names every command of every module, and `cpts show` builds
    only the commands of its own module."""
    import importlib

    from cpts_cli.main import COMMAND_MODULES

    for module_name in set(COMMAND_MODULES.values()):
        module = importlib.import_module(f"cpts_cli.{module_name}")
        defined = {c.name for c in module.COMMANDS}
        assert defined == {n for n, m in COMMAND_MODULES.items() if m == module_name}, module_name
    code = (
        "import sys\n"
        "from cpts_cli.main import main\n"
        "try:\n    main(['show', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith('cpts_cli.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = {m.removeprefix("cpts_cli.") for m in out.split("LOADED", 1)[1].strip(" []\n'").split("', '")}
    assert "projects" in loaded and not loaded & {"aci", "documents", "territory", "reports", "funding"}, out


def _packages_in_checkout() -> set[str]:
    mapping = {"cpts_workflow": ROOT / "cpts_workflow", "cpts_cli": ROOT / "cli", "cpts_web": ROOT / "web"}
    found = set()
    for name, folder in mapping.items():
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder)
            found.add(".".join([name, *rel.parts]))
    return found


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                   check=True, cwd=tmp_path)
    [wheel] = dist.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for package in _packages_in_checkout():
        assert f"{package.replace('.', '/')}/__init__.py" in names, f"{package} missing from the wheel"
    assert "cpts_workflow/workflows/cpts_creation.yaml" in names
    assert any(n.startswith("cpts_workflow/store/migrations/versions/0001") for n in names)
    for path in (ROOT / "templates").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            assert f"cpts_workflow/templates/{path.relative_to(ROOT / 'templates').as_posix()}" in names
    # The web app's pages, stylesheet and vendored htmx (no CDN: it works on an intranet).
    for folder in ("templates", "static"):
        for path in (ROOT / "web" / folder).iterdir():
            assert f"cpts_web/{folder}/{path.name}" in names, f"web/{folder}/{path.name} missing"
    assert "cpts_web/static/htmx.min.js" in names and "cpts_web/static/htmx.LICENSE.txt" in names
    # A fresh venv holding the wheel alone; its dependencies come from this environment's
    # site-packages through a plain path entry (so this checkout's editable install stays out).
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "deps.pth").write_text("\n".join(deps) + "\n")
    # The entry point, as pip would write it.
    script = env_dir / "bin" / "cpts"
    script.write_text(f"#!{python}\nfrom cpts_cli.main import main\nmain()\n")
    script.chmod(0o755)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "CPTS_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}", "PYTHONPATH": ""}
    # The wheel's copy must win over an editable install of the checkout.
    check = subprocess.run([str(python), "-I", "-c", "import cpts_workflow, sys; print(cpts_workflow.__file__)"],
                           capture_output=True, text=True, cwd=elsewhere, env=env, check=True).stdout
    assert str(site) in check, check

    def run(*args: str) -> str:
        return subprocess.run([str(python), "-I", str(script), *args], capture_output=True, text=True,
                              cwd=elsewhere, env=env, check=True).stdout

    assert "Accompagner la création d'une CPTS" in run("--help")
    assert run("new", "CPTS Hors Dépôt").strip() == "cpts-hors-depot"
    assert "Initiative" in run("show", "cpts-hors-depot")
    # The web app runs from the wheel: its pages, stylesheet and htmx are there.
    web = subprocess.run(
        [str(python), "-I", "-c",
         "from fastapi.testclient import TestClient\nfrom cpts_web import create_app\nimport cpts_web\n"
         "c = TestClient(create_app())\nr = c.get('/projets/cpts-hors-depot')\n"
         "print(cpts_web.__file__, r.status_code, 'CPTS Hors Dépôt' in r.text,"
         " c.get('/static/htmx.min.js').status_code, c.get('/static/app.css').status_code)"],
        capture_output=True, text=True, cwd=elsewhere, env=env, check=True).stdout
    assert str(site) in web and web.split()[1:] == ["200", "True", "200", "200"], web
    # The README's first command: the demo data and the report templates are in the wheel.
    demo = run("demo", "--db", f"sqlite:///{tmp_path / 'demo.db'}", "--out", str(tmp_path / "demo.html"))
    assert "Rapport HTML écrit dans" in demo and (tmp_path / "demo.html").stat().st_size > 20_000
