"""Web fixtures: a small real base, the demo base (built once, copied per test), an HTTP
client that posts forms as a browser does (with the CSRF token of its cookie)."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cpts_web import create_app
from cpts_web.settings import Settings
from fastapi.testclient import TestClient

from cpts_workflow import accounts
from cpts_workflow.documents.service import Documents
from cpts_workflow.workspace import Workspace

from ..conftest import FIXED_NOW, FixedClock

INITIATIVE_REQUIRED = ["working_group", "porteur_named", "info_meeting", "territory_sketch",
                       "needs_sketch", "letter_of_intent_sent", "letter_of_intent_validated"]


class Site:
    """A TestClient that reads the CSRF token from its cookie and sends it with each form."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        client.get("/sante")
        client.get("/")  # receives the CSRF cookie

    @property
    def token(self) -> str:
        return self.client.cookies.get("cpts_csrf") or ""

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf", self.token)
        return self.client.post(path, data=form, follow_redirects=False, **kwargs)

    def version(self, slug: str) -> int:
        page = self.get(f"/projets/{slug}").text
        return int(re.search(r'name="version" value="(\d+)"', page).group(1))


@pytest.fixture
def web_url(tmp_path: Path, clock: FixedClock) -> Iterator[str]:
    """A base with two projects: one fresh, one with items done."""
    url = f"sqlite:///{tmp_path / 'web.db'}"
    ws = Workspace(url, actor="Claire Martin", now=clock)
    ws.init()
    ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin")
    ws.create_project("CPTS d'Eyguières et Alpilles", officer="Hugo Roux")
    ws.check("cpts-d-eyguieres-et-alpilles", "working_group", note="8 professionnels")
    ws.db.dispose()
    yield url


def make_app(url: str, clock: FixedClock | None = None, **settings):
    return create_app(url, now=clock or FixedClock(), settings=Settings(**settings))


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded one."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM)}


@contextmanager
def live_server(url: str, clock: FixedClock | None = None) -> Iterator[str]:
    """The app over `url` served by uvicorn on a free loopback port, in a thread."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(make_app(url, clock), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture
def site(web_url: str, clock: FixedClock) -> Iterator[Site]:
    with TestClient(make_app(web_url, clock), raise_server_exceptions=False) as client:
        yield Site(client)


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cpts_workflow.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(f"sqlite:///{path}", now=FixedClock(FIXED_NOW))
    return path


@pytest.fixture
def demo_url(demo_file: Path, tmp_path: Path) -> str:
    copy = tmp_path / "demo.db"
    shutil.copy(demo_file, copy)
    return f"sqlite:///{copy}"


# Four accounts on `web_url`: admin, officer, reader, and a porteur of Aix.
AIX = "cpts-du-pays-d-aix"
EYG = "cpts-d-eyguieres-et-alpilles"
PASSWORD = "un mot de passe solide"


@pytest.fixture
def people(web_url, clock) -> str:
    ws = Workspace(web_url, now=clock)
    for login, role in (("admin", "admin"), ("claire", "officer"), ("lea", "reader"), ("paul", "porteur")):
        accounts.add_account(ws, login, name=login.capitalize(), role=role, password=PASSWORD)
    accounts.attach(ws, "paul", AIX)
    # A document generated into a file (as on the command line): the matrix downloads it.
    folder = Path(web_url.removeprefix("sqlite:///")).parent / "documents"
    folder.mkdir()
    Documents(ws).generate(EYG, "bulletin_adhesion", "md",
                           sink=lambda name, data: str(_written(folder / name, data)))
    ws.db.dispose()
    return web_url


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def sign_contract(url: str, clock, slug: str) -> None:
    """T3 contract signed 15/04/2026: fonctionnement 131 250 €; accès aux soins started
    01/06/2026 (90 000 + 35 000 €) with one indicator."""
    from cpts_workflow.aci.amounts import set_amounts
    from cpts_workflow.aci.calendar import record_mission
    from cpts_workflow.aci.contract import set_contract
    from cpts_workflow.aci.indicators import define_indicator

    ws = Workspace(url, actor="Claire Martin", now=clock)
    ws.check(slug, "aci_signed", value="15/04/2026")
    set_contract(ws, slug, taille_=3, operating="131 250")
    set_amounts(ws, slug, "acces", fixed="90 000", variable="35 000")
    record_mission(ws, slug, "acces", started="01/06/2026")
    define_indicator(ws, slug, "acces", "patients_mt", label="Patients sans médecin traitant accompagnés",
                     target=1000, unit="patients", weight=100)
    ws.db.dispose()
