"""Entry point of `cpts`: global options, the command list, and error handling.

Command modules import the library inside their functions, never at the top, so that
`cpts --help` loads click alone.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import click

from . import i18n
from .context import AppContext

i18n.install()

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# Each top-level command and the module that defines it: a command imports its own module
# only (`cpts show` need not build the 60 other commands); `--help` lists them all.
COMMAND_MODULES = {
    **dict.fromkeys(["init", "new", "list", "show", "checklist", "check", "uncheck", "skip",
                     "advance", "back", "pause", "resume", "abandon", "history"], "projects"),
    **dict.fromkeys(["export", "import", "doctor"], "backup"),
    **dict.fromkeys(["deadlines", "due", "objection"], "deadlines"),
    **dict.fromkeys(["communes", "territory"], "territory"),
    "workflow": "workflow",
    "member": "members",
    "doc": "documents",
    "funding": "funding",
    "aci": "aci",
    "contract": "contract",
    "report": "reports",
    "demo": "demo",
    "serve": "serve",
    "user": "users",
    **dict.fromkeys(["edit", "delete", "search"], "editing"),
    **dict.fromkeys(["note", "journal", "contact", "partner"], "follow_up"),
    "bulk": "bulk",
    "import-sheet": "sheets",
    "audit": "audit",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMAND_MODULES:
            return None
        from importlib import import_module

        module = import_module(f"{__package__}.{COMMAND_MODULES[name]}")
        return next(c for c in module.COMMANDS if c.name == name)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as exc:  # click suggests from loaded commands only
            raise click.exceptions.NoSuchCommand(exc.command_name, possibilities=COMMAND_MODULES,
                                                 ctx=ctx) from None


@click.group(cls=LazyGroup, context_settings=CONTEXT)
@click.option("--db", "db_url", metavar="URL", envvar="CPTS_DATABASE_URL",
              help="Base de données (sqlite:///chemin.db ou postgresql+psycopg://…). "
                   "Par défaut : CPTS_DATABASE_URL, sinon une base SQLite dans le dossier de données.")
@click.option("--actor", envvar="CPTS_ACTOR", metavar="NOM",
              help="Qui agit, inscrit dans l'historique (par défaut : CPTS_ACTOR, sinon l'utilisateur du système).")
@click.option("--as", "as_login", envvar="CPTS_AS", metavar="IDENTIFIANT",
              help="Agit avec les droits de ce compte (par défaut : tous les droits, ceux de qui "
                   "accède directement à la base) ; l'historique inscrit le compte.")
@click.option("--workflow-file", "workflow_files", multiple=True, metavar="FICHIER",
              type=click.Path(path_type=Path), help="Fichier de workflow supplémentaire (répétable).")
@click.option("--debug", is_flag=True, help="Affiche le détail technique des erreurs.")
@click.version_option(package_name="cpts-workflow", prog_name="cpts")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, actor: str | None, as_login: str | None,
        workflow_files: tuple[Path, ...], debug: bool) -> None:
    """Accompagner la création d'une CPTS, étape par étape.

    Un projet de CPTS avance par étapes (initiative, diagnostic, projet de santé,
    association et statuts, contrat ACI, recrutement du coordinateur, fonctionnement),
    chacune avec sa checklist. Chaque modification est tracée dans l'historique.

    Un projet se désigne par son identifiant court (slug) ou son numéro.
    """
    ctx.obj = AppContext(db_url=db_url, actor=actor, as_login=as_login, debug=debug,
                         workflow_files=list(workflow_files))


def main(argv: list[str] | None = None) -> None:
    """Run `cpts`; map errors to one French sentence and an exit code (0, 1, 2)."""
    args = argv if argv is not None else sys.argv[1:]
    debug = "--debug" in args
    # A command lives a second and builds many objects without cycles (imported modules,
    # rows): at the default threshold the collector walked the whole heap hundreds of times,
    # about 10 % of a national report. Collected 300 times less often, as mypy does.
    gc.set_threshold(200_000, 30, 30)
    try:
        # Without standalone mode, click returns (not raises) the code of `ctx.exit(n)` /
        # `raise click.exceptions.Exit(n)`: keep it, or `cpts doctor` would exit 0 on failure.
        code = cli.main(args=argv, prog_name="cpts", standalone_mode=False)
        if isinstance(code, int) and not isinstance(code, bool) and code:
            sys.exit(code)
    except click.exceptions.Abort:
        click.echo("Abandon.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code or 1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrompu.", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the one place that turns errors into sentences
        sys.exit(report_error(exc, debug, _database_urls(argv if argv is not None else sys.argv[1:]),
                              as_json="--json" in args))
    sys.exit(0)


def report_error(exc: BaseException, debug: bool, urls: list[str] | None = None, *,
                 as_json: bool = False) -> int:
    """Print an error for a person (or, with `--json`, the JSON error body), on standard
    error; the traceback only with --debug.

    Whatever is printed goes through `_mask_secrets`: no password of `urls` (the bases of
    this run) nor of any database URL written in the text is shown.
    """
    from cpts_workflow.errors import CptsError

    from .hints import cli_hint, error_body

    if debug:
        import traceback

        text = "".join(traceback.format_exception(exc))
        click.echo(_mask_secrets(text, urls), err=True)
    if isinstance(exc, CptsError):
        # Library messages show URLs through `mask_url` already; re-rendering any URL they
        # hold is enough (blanking the password everywhere would also blank a short one
        # wherever it appears, « cpts » in « cpts-workflow »).
        if as_json:
            from .output import json_text

            click.echo(_mask_secrets(json_text(error_body(exc))), err=True)
        else:
            extra = cli_hint(exc)
            click.echo(_mask_secrets(f"Erreur : {exc}" + (f"\n{extra}" if extra else "")), err=True)
        return exc.exit_code
    if isinstance(exc, OSError):  # a file the command read or wrote, outside the library's care
        from cpts_workflow.files import os_reason

        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        click.echo(f"Erreur : opération impossible sur le fichier{where} ({os_reason(exc)}).\n"
                   "Vérifiez le chemin, les droits et la place libre sur le disque.", err=True)
        return 1
    if isinstance(exc, MemoryError | RecursionError):
        click.echo("Erreur : donnée trop volumineuse ou trop imbriquée pour être traitée ; rien "
                   "n'a été enregistré.", err=True)
        return 2
    message = f"Erreur inattendue ({exc.__class__.__name__}). Rien n'a été enregistré."
    hint = "Relancez avec --debug pour le détail et signalez-le à l'équipe cpts-workflow."
    if as_json:
        from .output import json_text

        body = {"error": {"code": "internal", "message": message, "hint": hint}}
        click.echo(json_text(body), err=True)
    else:
        click.echo(f"{message}\n{hint}", err=True)
    return 1


def _mask_secrets(text: str, urls: list[str] | None = None) -> str:
    """`text` through the library's `redact`: URLs re-rendered by SQLAlchemy with their
    password hidden, and the passwords of `urls` blanked wherever a driver quoted them."""
    from cpts_workflow.store.database import redact

    return redact(text, urls or [])


def _database_urls(argv: list[str]) -> list[str]:
    """The database URLs of this run (`--db`, wherever given, and CPTS_DATABASE_URL)."""
    import os

    urls = [os.environ.get("CPTS_DATABASE_URL", "")]
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            urls.append(argv[i + 1])
        elif arg.startswith("--db="):
            urls.append(arg.removeprefix("--db="))
    return [u for u in urls if u]


if __name__ == "__main__":  # pragma: no cover
    main()
