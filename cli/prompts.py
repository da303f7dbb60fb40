"""Questions asked at the terminal, answered in French: o/n, oui/non (y/yes too)."""

from __future__ import annotations

import click

YES = {"o", "oui", "y", "yes"}
NO = {"n", "non", "no"}


def confirm(question: str, *, default: bool = False, abort: bool = True) -> bool:
    """Ask `question` [o/N]; an empty answer is `default`. With `abort`, « non » stops the
    command (« Abandon. »)."""
    suffix = " [O/n] : " if default else " [o/N] : "
    while True:
        answer = click.prompt(question, default="", show_default=False, prompt_suffix=suffix)
        word = answer.strip().lower()
        if not word:
            result = default
        elif word in YES:
            result = True
        elif word in NO:
            result = False
        else:
            click.echo("Répondez o (oui) ou n (non).", err=True)
            continue
        if abort and not result:
            raise click.exceptions.Abort()
        return result
