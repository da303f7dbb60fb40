"""Run the benchmark suite: `python -m benchmarks [--size full|smoke] [--only NAME …]`.

Builds a base of the chosen size (or reuses `--db URL`), runs every measurement, prints
the table and writes `benchmarks/results/<size>-<date>.json`. Not part of `pytest`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from . import IMPORTED_ELSEWHERE, checkout
from .generate import SIZES, build
from .measures import MEASURES, OPTIONAL, Bench, Row
from .timing import cpts_command

RESULTS = Path(__file__).parent / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--repeats", type=int, help="répétitions par mesure (défaut : 7, 2 en smoke)")
    parser.add_argument("--only", nargs="*", choices=[*MEASURES, *OPTIONAL], help="seulement ces mesures")
    parser.add_argument("--postgresql", action="store_true",
                        help="mesure aussi list/show/report sur PostgreSQL (CPTS_TEST_POSTGRES_URL)")
    parser.add_argument("--out", type=Path, help="fichier JSON des résultats")
    return parser.parse_args(argv)


def machine() -> dict[str, str | int | None]:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}"}


def format_table(rows: list[Row]) -> str:
    """A Markdown table (pastes into the README as it is)."""
    lines = ["| mesure | temps | référence | rapport | cible | requêtes | état |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        if r.unit == "Mo":
            value = f"+{r.value:.1f} Mo" if r.value is not None else "—"
            base = f"{r.baseline:.0f} Mo" if r.baseline is not None else "—"
            target = f"≤ {r.target:.0f} Mo" if r.target is not None else "—"
        else:
            value = f"{r.value * 1000:.0f} ms" if r.value is not None else "—"
            base = f"{r.baseline * 1000:.0f} ms" if r.baseline is not None else "—"
            target = f"≤ {r.target:.1f}×" if r.target is not None else "—"
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        queries = str(r.queries) if r.queries is not None else "—"
        state = r.status if r.value is None else f"{r.status}{' — ' + r.note if r.note else ''}"
        lines.append(f"| {r.label} | {value} | {base} ({r.baseline_label}) | {ratio} | {target} "
                     f"| {queries} | {state} |")
    return "\n".join(lines)


PYCACHE = Path(tempfile.gettempdir()) / "cpts-bench-pycache"


@contextmanager
def cached_bytecode() -> Iterator[None]:
    """Child processes keep their compiled bytecode, as an installed `cpts` does: with
    PYTHONDONTWRITEBYTECODE set, every command would compile its own modules again
    (≈ 0.1 s) while the import floor reads site-packages' bytecode. The bytecode goes to a
    folder of its own (checked against the sources' dates, kept from one run to the next),
    never into the checkout or the venv."""
    saved = {k: os.environ.get(k) for k in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if IMPORTED_ELSEWHERE:
        print("Modules déjà importés depuis une autre copie du code : "
              + ", ".join(IMPORTED_ELSEWHERE), file=sys.stderr)
        return 2
    print(f"Code mesuré : {checkout.ROOT} (cpts : {' '.join(cpts_command())})", file=sys.stderr)
    size = SIZES[args.size]
    repeats = args.repeats or (2 if size.name == "smoke" else 7)
    names = args.only or list(MEASURES)
    if args.postgresql and "postgresql" not in names:
        names.append("postgresql")
    with tempfile.TemporaryDirectory(prefix="cpts-bench-") as tmp, cached_bytecode():
        workdir = Path(tmp)
        started = time.perf_counter()
        base = build(f"sqlite:///{workdir / 'national.db'}", size)
        built = time.perf_counter() - started
        print(f"Base {size.name} générée en {built:.1f} s : "
              + ", ".join(f"{k} {v}" for k, v in base.counts.items())
              + f" ; communes {base.communes_source}", file=sys.stderr)
        bench = Bench(base=base, repeats=repeats, workdir=workdir)
        rows: list[Row] = []
        for name in names:
            measured = time.perf_counter()
            rows.extend({**MEASURES, **OPTIONAL}[name](bench))
            print(f"… {name} ({time.perf_counter() - measured:.1f} s)", file=sys.stderr)
    table = format_table(rows)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    out = args.out or RESULTS / f"{size.name}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps({
        "size": size.name, "repeats": repeats, "machine": machine(), "checkout": checkout.ROOT,
        "cpts_command": cpts_command(), "base": base.counts,
        "communes_source": base.communes_source, "generated_in_s": round(built, 2),
        "rows": [r.to_dict() for r in rows],
    }, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"Résultats : {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
