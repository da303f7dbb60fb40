"""`cpts report`: the portfolio a mission officer opens every Monday, stalled projects,
one project's timeline; as a table, CSV, JSON or one self-contained HTML file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from .context import AppContext, pass_app
from .output import (
    FILE_FORMATS,
    emit_file,
    emit_json,
    emit_listing,
    emit_table,
    is_terminal,
    json_text,
    require_out,
    success,
    write_private,
)

FORMATS = ["table", "csv", "json", "html", "xlsx"]


def format_options(fn: Callable) -> Callable:
    """`--format`, its shortcuts `--json`/`--csv`, and `--out FILE`."""
    fn = click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FICHIER",
                      help="Écrit le rapport dans ce fichier (CSV : UTF-8 avec BOM ; XLSX : obligatoire).")(fn)
    fn = click.option("--csv", "as_csv", is_flag=True, help="Raccourci de --format csv.")(fn)
    fn = click.option("--json", "as_json", is_flag=True, help="Raccourci de --format json.")(fn)
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                        help="table (défaut), csv (séparateur « ; »), json, html (fichier autonome) "
                             "ou xlsx (classeur, avec --out).")(fn)


def resolve_format(fmt: str | None, as_json: bool, as_csv: bool, out: Path | None) -> str:
    chosen = {f for f in (fmt, "json" if as_json else None, "csv" if as_csv else None) if f}
    if len(chosen) > 1:
        raise click.UsageError("Choisissez un seul format (--format, --json ou --csv).")
    resolved = chosen.pop() if chosen else "table"
    require_out(resolved, out)
    return resolved


def write_text(text: str, out: Path | None, what: str) -> None:
    """To `out` (owner-readable only: reports name people), else to stdout."""
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    write_private(out, text.encode("utf-8"))
    success(f"{what} écrit dans {out}")


def default_html_path(prefix: str, day: date) -> Path | None:
    """On a terminal an HTML page goes to a file in the current folder; piped, to stdout."""
    return Path(f"{prefix}-{day.isoformat()}.html") if is_terminal() else None


def with_progress(job: Callable[[Callable[[str], None]], Any], steps: int) -> Any:
    """Run `job(progress)` under a rich progress bar on a terminal, silently otherwise."""
    if not is_terminal():
        return job(lambda _step: None)
    from rich.progress import BarColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), transient=True) as bar:
        task = bar.add_task("Rapport", total=steps)

        def advance(step: str) -> None:
            bar.update(task, description=f"Rapport : {step}", advance=1)

        return job(advance)


def portfolio_output(ws: Any, report: Any, fmt: str, out: Path | None) -> None:
    """Print or write a portfolio in the chosen format."""
    from cpts_workflow.reports import tabular

    if fmt == "json":
        if out:
            write_text(json_text(report) + "\n", out, "Rapport JSON")
        else:
            emit_json(report)
    elif fmt in FILE_FORMATS:
        emit_file(fmt, tabular.PORTFOLIO_CSV_COLUMNS, tabular.portfolio_rows(report, for_csv=True), out,
                  title=f"Portefeuille au {report.generated_at:%d-%m-%Y}")
        if out and fmt == "csv":
            success(f"Rapport CSV écrit dans {out}")
    elif fmt == "html":
        from cpts_workflow.reports import queries, render_html  # Jinja2: the page only

        order = {s: i for i, s in enumerate(ws.definition().stage_ids)}
        page = render_html.portfolio_html(report, order, queries.coverage_map(ws, report))
        write_text(page, out or default_html_path("rapport-cpts", report.generated_at.date()),
                   "Rapport HTML")
    else:
        if not report.projects:
            click.echo("Aucun projet ne correspond.")
            return
        emit_table(tabular.PORTFOLIO_COLUMNS, tabular.portfolio_rows(report),
                   title=f"Portefeuille au {report.generated_at:%d/%m/%Y}")
        click.echo("")
        for line in tabular.summary_lines(report):
            click.echo(line)


@click.group(invoke_without_command=True)
@click.option("--officer", metavar="NOM", help="Seulement les projets de ce·tte chargé·e de mission.")
@click.option("--department", metavar="CODE", help="Seulement les projets ayant une commune dans ce département (13, 2A…).")
@click.option("--stage", metavar="ETAPE", help="Seulement les projets à cette étape (ex. diagnostic, paused).")
@click.option("--since", metavar="DATE", help="Seulement les projets ayant eu une activité depuis cette date.")
@click.option("--stalled-days", type=click.IntRange(min=1), default=60, show_default=True,
              help="Jours sans événement au-delà desquels un projet est signalé bloqué.")
@format_options
@click.pass_context
def report(ctx: click.Context, officer: str | None, department: str | None, stage: str | None,
           since: str | None, stalled_days: int, fmt: str | None, as_json: bool, as_csv: bool,
           out: Path | None) -> None:
    """Portefeuille des projets : étape, durée, checklist, activité, territoire, signaux.

    Suivi des chiffres de synthèse : projets par étape, durée médiane des étapes,
    projets par chargé·e de mission, population couverte. « --format html » écrit une
    page autonome (graphiques, tableaux triables) qui s'ouvre sans connexion.
    """
    if ctx.invoked_subcommand is not None:
        return
    from cpts_workflow.reports import PORTFOLIO_STEPS, portfolio

    app = ctx.ensure_object(AppContext)
    chosen = resolve_format(fmt, as_json, as_csv, out)
    report_ = with_progress(
        lambda progress: portfolio(app.workspace, officer=officer, department=department,
                                   stage=stage, since=since, stalled_days=stalled_days,
                                   progress=progress),
        len(PORTFOLIO_STEPS))
    portfolio_output(app.workspace, report_, chosen, out)


@report.command()
@click.option("--days", type=click.IntRange(min=1), default=60, show_default=True,
              help="Jours sans aucun événement.")
@click.option("--officer", metavar="NOM", help="Seulement les projets de ce·tte chargé·e de mission.")
@click.option("--department", metavar="CODE", help="Seulement les projets de ce département.")
@format_options
@pass_app
def stalled(app: AppContext, days: int, officer: str | None, department: str | None,
            fmt: str | None, as_json: bool, as_csv: bool, out: Path | None) -> None:
    """Projets actifs sans activité depuis N jours, avec les éléments requis qui bloquent."""
    from cpts_workflow.reports import stalled as stalled_projects
    from cpts_workflow.reports import tabular

    chosen = resolve_format(fmt, as_json, as_csv, out)
    if chosen == "html":
        raise click.UsageError("Le format html est celui du portefeuille : « cpts report --format html ».")
    rows = stalled_projects(app.workspace, days=days, officer=officer, department=department)
    emit_listing(chosen, rows, tabular.STALLED_COLUMNS, lambda: tabular.stalled_rows(rows),
                 empty=f"Aucun projet actif sans activité depuis {days} jours.",
                 title=f"Projets sans activité depuis {days} jours ou plus", out=out)


@report.command("project")
@click.argument("project", metavar="PROJET")
@format_options
@pass_app
def project_(app: AppContext, project: str, fmt: str | None, as_json: bool, as_csv: bool,
             out: Path | None) -> None:
    """Un projet : son parcours d'étape en étape, son avancement et son historique."""
    from cpts_workflow import french
    from cpts_workflow.reports import project_report, render_html, tabular

    chosen = resolve_format(fmt, as_json, as_csv, out)
    data = project_report(app.workspace, project)
    if chosen == "json":
        emit_json(data)
    elif chosen in FILE_FORMATS:
        emit_file(chosen, tabular.TIMELINE_COLUMNS, tabular.timeline_rows(data), out, title="Parcours")
    elif chosen == "html":
        write_text(render_html.project_html(data, app.workspace.definition()),
                   out or default_html_path(f"rapport-{data.project.slug}", data.generated_at.date()),
                   "Rapport HTML")
    else:
        r = data.project
        click.echo(f"{r.name}  ({r.slug})")
        click.echo(f"Étape : {tabular.stage_text(r)} depuis {french.plural(r.days_in_stage, 'jour')}"
                   f", checklist {r.checklist_done}/{r.checklist_total}")
        if r.population is not None:
            click.echo(f"Territoire : {french.plural(r.communes, 'commune')}, "
                       f"{french.plural(r.population, 'habitant')}, taille {r.taille or '—'} "
                       f"({data.population_vintage})")
        if r.flags:
            click.echo(f"Signaux : {tabular.flags_text(r.flags)}")
        click.echo("")
        emit_table(tabular.TIMELINE_COLUMNS, tabular.timeline_rows(data), title="Parcours")
        click.echo("")
        recent = data.events[-10:]
        emit_table([("date", "Date"), ("actor", "Qui"), ("kind_label", "Quoi"), ("detail", "Détail")],
                   [{**e.to_dict(), "date": french.short_date(e.at),
                     "detail": tabular.event_detail(e, app.workspace.definition())}
                    for e in reversed(recent)],
                   title=f"Derniers événements ({len(recent)} sur {len(data.events)})")


COMMANDS = [report]
