"""Page latency of the web app under a bounded load (not part of pytest).

Generates a base (`--size smoke|full`), serves it with `cpts serve --workers N` on
127.0.0.1, signs an officer in (`--anonymous`: no account, the local operator), then sends
a fixed number of requests from a fixed number of concurrent clients to three pages: the
health endpoint (the baseline), one project's page, and the portfolio's first page (50
rows). Prints p50/p95 and each page's throughput as a share of the health endpoint's,
measured by the same server, after one uncounted round that warms every worker up.

    python -m benchmarks.web_latency --size smoke --requests 200 --postgresql
    CPTS_TEST_POSTGRES_URL=postgresql+psycopg://cpts:cpts@localhost/postgres \
        python -m benchmarks.web_latency --size full --postgresql --workers 2

`--postgresql` creates (then drops) a `cpts_web_bench` database through
`CPTS_TEST_POSTGRES_URL`; without it the base is a SQLite file, whose one writer at a
time makes concurrent readers wait (a team serves PostgreSQL, see docs/serveur.md).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

PASSWORD = "mot de passe du banc de mesure"
TARGETS = {"project": (0.40, 150.0), "portfolio": (0.20, None)}  # share of health, p95 ms


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _load(url: str, requests: int, clients: int,
          cookies: httpx.Cookies | None = None) -> tuple[list[float], float, float]:
    """Latencies (ms) of `requests` GETs from `clients` threads, the wall time (s), and the
    first request's latency (ms): the page computed on a fresh server, not counted.

    One round of `clients` requests warms every worker up before the clock starts: the
    figures are those of a server that has been up for a while, as a team's is.
    """
    def one(_: int) -> float:
        started = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return (time.perf_counter() - started) * 1000

    with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=clients), cookies=cookies) as client:
        first = one(0)
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(one, range(clients)))
            started = time.perf_counter()
            latencies = list(pool.map(one, range(requests)))
        return latencies, time.perf_counter() - started, first


def _sign_in(root: str, url: str) -> httpx.Cookies:
    """The cookies of an officer signed in through the login form, as a browser is."""
    from cpts_workflow import accounts
    from cpts_workflow.workspace import Workspace

    ws = Workspace(url, actor="banc")
    accounts.add_account(ws, "banc", name="Chargée de mission du banc", role="officer", password=PASSWORD)
    ws.db.dispose()
    with httpx.Client(base_url=root) as client:
        client.get("/connexion")
        answer = client.post("/connexion", data={"login": "banc", "password": PASSWORD, "suite": "/",
                                                 "csrf": client.cookies.get("cpts_csrf") or ""})
        assert answer.status_code == 303, answer.text
        return client.cookies


@contextmanager
def _database(postgresql: bool, folder: Path) -> Iterator[str]:
    if not postgresql:
        yield f"sqlite:///{folder / 'web.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = os.environ["CPTS_TEST_POSTGRES_URL"]
    name = "cpts_web_bench"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="smoke", choices=["smoke", "full"])
    parser.add_argument("--postgresql", action="store_true", help="serve a PostgreSQL base")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--anonymous", action="store_true",
                        help="base without accounts, pages served to the local operator")
    args = parser.parse_args(argv)

    from .generate import SIZES, build

    with tempfile.TemporaryDirectory() as folder, _database(args.postgresql, Path(folder)) as url:
        base = build(url, SIZES[args.size])
        port = _free_port()
        env = {**os.environ, "CPTS_DATABASE_URL": url}
        server = subprocess.Popen(
            [sys.executable, "-c", "from cpts_cli.main import main; main()", "serve", "--port", str(port),
             "--workers", str(args.workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            root = f"http://127.0.0.1:{port}"
            deadline = time.time() + 60
            while True:
                try:
                    httpx.get(f"{root}/sante", timeout=2)
                    break
                except httpx.HTTPError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.2)
            # A team signs in: each page then also reads its session (the health check does not).
            cookies = None if args.anonymous else _sign_in(root, url)
            pages = {"health": "/sante", "project": f"/projets/{base.sample_slug}", "portfolio": "/"}
            results = {name: _load(root + path, args.requests, args.clients, cookies)
                       for name, path in pages.items()}
        finally:
            server.terminate()
            server.wait(20)
    health_rate = args.requests / results["health"][1]
    print("| page | 1re requête (ms) | p50 (ms) | p95 (ms) | req/s | part de /sante | cible |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, (latencies, wall, first) in results.items():
        cuts = statistics.quantiles(latencies, n=20)
        rate = args.requests / wall
        target = TARGETS.get(name)
        goal = "—" if not target else f"≥ {target[0]:.0%}" + (f", p95 ≤ {target[1]:.0f} ms" if target[1] else "")
        print(f"| {name} | {first:.0f} | {statistics.median(latencies):.0f} | {cuts[18]:.0f} | {rate:.0f} | "
              f"{rate / health_rate:.0%} | {goal} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
