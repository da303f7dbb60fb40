"""Timing tools: medians of repeats, whole commands in a fresh process, SQL counting, RSS."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from . import checkout

VENV_BIN = Path(sys.executable).parent


@lru_cache(maxsize=1)
def cpts_command() -> list[str]:
    """`cpts` of this checkout: the venv's script, as a user starts it, when the venv is an
    editable install of this checkout; else the same entry point through `checkout.py`
    (another worktree sharing the venv), which maps the packages to this checkout."""
    script = VENV_BIN / "cpts"
    if script.exists() and checkout.installed_from_here():
        return [str(script)]
    return [sys.executable, "-P", str(Path(checkout.__file__).resolve())]


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of `repeats` calls (one warm-up call first, not counted)."""
    fn()
    return statistics.median(_timed(fn) for _ in range(max(1, repeats)))


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def paired_medians(subject: Callable[[], object], baseline: Callable[[], object],
                   repeats: int, *, warmed: bool = False) -> tuple[float, float]:
    """Medians of subject and baseline timed alternately, so that both see the same noise
    of a shared machine (after one warm-up call of each, unless `warmed` says the caller
    already made them)."""
    if not warmed:
        subject(), baseline()
    subject_times, baseline_times = [], []
    for _ in range(max(1, repeats)):
        subject_times.append(_timed(subject))
        baseline_times.append(_timed(baseline))
    return statistics.median(subject_times), statistics.median(baseline_times)


def run_process(argv: list[str], env: dict[str, str] | None = None) -> Callable[[], None]:
    """A callable that runs a command to its end and fails loudly if it fails."""
    full_env = {**os.environ, **(env or {})}

    def run() -> None:
        done = subprocess.run(argv, env=full_env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} → {done.returncode}: {done.stderr.decode()[-500:]}")

    return run


def command_works(argv: list[str], env: dict[str, str]) -> tuple[bool, str]:
    done = subprocess.run(argv, env={**os.environ, **env}, capture_output=True, check=False)
    return done.returncode == 0, done.stderr.decode().strip().splitlines()[-1:][0] if done.stderr.strip() else ""


class QueryCounter:
    """Counts SQL statements run through a SQLAlchemy engine (to catch N+1 queries)."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args) -> None:
        self.count += 1
        self.statements.append(statement.split("\n", 1)[0][:120])


@contextmanager
def counting_queries(engine) -> Iterator[QueryCounter]:
    from sqlalchemy import event

    counter = QueryCounter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


def rss_bytes() -> int:
    """Resident set size of this process now (Linux /proc; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
