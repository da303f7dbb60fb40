"""`cpts audit`: the base's own journal (reference data, accounts)."""

from __future__ import annotations

import click

from .context import AppContext, pass_app
from .output import emit_listing, listing_options


@click.command("audit")
@click.option("--limit", type=click.IntRange(1, 100_000), default=None, metavar="N",
              help="Seulement les N dernières lignes.")
@listing_options()
@pass_app
def audit(app: AppContext, limit: int | None, fmt: str) -> None:
    """Journal de la base : données de référence importées ou retirées, comptes.

    Les changements d'un projet sont dans son historique (cpts history) ; ici, ce qui
    touche la base entière : millésimes des communes, grilles de financement, et, pour un
    compte administrateur ou l'opérateur local, les comptes. Du plus récent au plus ancien.
    """
    from cpts_workflow import french
    from cpts_workflow.base_journal import base_journal

    entries = base_journal(app.workspace, limit=limit)
    columns = [("when", "Date"), ("actor", "Qui"), ("kind_label", "Quoi"), ("subject", "Sur")]
    emit_listing(
        fmt,
        [e.to_dict() for e in entries],
        columns,
        lambda: [{**e.to_dict(), "when": french.short_datetime(e.at)} for e in entries],
        empty="Rien n'a encore été fait à la base elle-même (référence, comptes).",
    )


COMMANDS = [audit]
