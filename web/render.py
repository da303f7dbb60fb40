"""Pages from Jinja2 templates, with French formats and every user string escaped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from cpts_workflow import french, permissions
from cpts_workflow.reports import charts
from cpts_workflow.reports.tabular import FLAG_LABELS, percent

if TYPE_CHECKING:
    from cpts_workflow.workspace import Workspace

TEMPLATES = Path(__file__).parent / "templates"
# Where a kept page gets each browser's own CSRF token: user text never holds a NUL
# (`limits.clean_text` refuses it), so the mark cannot come from a project's data.
CSRF_MARK = "\x00csrf\x00"
STATUS_LABELS = {"todo": "à faire", "done": "fait", "not_applicable": "sans objet"}
PROJECT_STATUS = {"active": "en cours", "paused": "en pause", "abandoned": "abandonné"}


def web_hint(hint: str | None) -> str | None:
    """A library hint, unless it names a command-line option (useless in a browser)."""
    if not hint or "cpts " in hint or "--" in hint:
        return None
    return hint


def _to_date(value: str) -> date | str:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return value


def _number_text(value: str) -> str:
    """A stored number (`142482`, `12.5`) written the French way; other text as it is."""
    try:
        number = float(value)
    except ValueError:
        return value
    return french.number(number, 0 if number.is_integer() else 2)


def _environment() -> Environment:
    # Autoescape on for every template: a project name or a note is never markup.
    # auto_reload off: templates ship with the package, and checking each included file's
    # date on every page cost a stat per include.
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, auto_reload=False,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(
        number=french.number, cents=french.cents, plural=french.plural, percent=percent, date=french.short_date,
        datetime=french.short_datetime, flag_labels=FLAG_LABELS, status_labels=STATUS_LABELS,
        project_status=PROJECT_STATUS, web_hint=web_hint, number_text=_number_text,
        item_role_labels=permissions.ITEM_ROLE_LABELS,
        minibar=lambda done, total: Markup(charts.progress_bar_svg(done, total)),
    )
    env.filters["todate"] = _to_date
    return env


ENV = _environment()


def render(request: Request, template: str, csrf: str | None = None, **context: Any) -> str:
    """A template rendered for this request (its account, CSRF token, htmx or not)."""
    state = request.state
    account = getattr(state, "account", None)
    return ENV.get_template(template).render(
        request=request,
        csrf=getattr(state, "csrf", "") if csrf is None else csrf,
        account=account,
        # What to offer on a page; the library still decides every action.
        can=lambda operation, project_id=None: permissions.allowed(account, operation, project_id),
        may_change_item=lambda role: permissions.may_change_item(account, role),
        settings=request.app.state.settings,
        htmx=request.headers.get("HX-Request") == "true",
        **context,
    )


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A whole page (or an htmx fragment) rendered for this request."""
    return HTMLResponse(render(request, template, **context), status_code=status_code)


def kept_page(request: Request, ws: Workspace, template: str,
              context: Callable[[], dict[str, Any]]) -> HTMLResponse:
    """`page`, rendered again only once the base has changed (see `Snapshots`) or for
    another address, account or htmx target: the hot pages cost a lookup between changes.

    Rendering a project page costs more than reading its data; a team opens the same pages
    many times between two changes. The page is kept with a mark where the CSRF token goes,
    and each browser gets its own token on the way out.
    """
    headers = request.headers
    account = getattr(request.state, "account", None)
    key = (template, request.url.path, request.url.query, headers.get("HX-Request"),
           headers.get("HX-Target"), getattr(account, "id", None))

    body = request.app.state.pages.get(
        ws, "page", key, lambda: render(request, template, csrf=CSRF_MARK, **context()))
    return HTMLResponse(body.replace(CSRF_MARK, str(escape(getattr(request.state, "csrf", "")))))
