"""Jinja2 rendering in a sandbox: a template can read its context, nothing more.

`StrictUndefined` makes a missing answer an error naming it rather than a blank in a
legal document; the sandbox refuses attribute tricks such as `''.__class__`.
"""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import date, datetime
from typing import Any

from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from .. import french
from ..errors import BadInput, Refused
from .markdown import (
    Markdown,
    MarkdownCodeGenerator,
    escape_markdown,
    join_filter,
    md,
    rebind_escaping,
)
from .templates import TemplateMeta

_NAMED = re.compile(r"'([^']+)'(?: is undefined| has no attribute)?")


class ArticleCounter:
    """`{{ article("Objet") }}` → `Article 3 – Objet`: numbering follows the text."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, title: str) -> str:
        self.count += 1
        return f"Article {self.count} – {title}"


class Placeholders:
    """`{{ placeholder("Budget à compléter.") }}` prints the text in italics and remembers
    it: a document holding one is a skeleton, which never ticks its checklist item."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def __call__(self, text: str) -> Markdown:
        self.found.append(str(text))
        return Markdown(f"*{escape_markdown(text)}*")


class MissingAnswer(Exception):
    """Raised by `require(value, "question")` in a template when an answer is needed."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def require(value: Any, name: str) -> Any:
    """`{{ require(answers.x, "x") }}`: the value, or an error naming question `x`."""
    if value is None or value == "":
        raise MissingAnswer(name)
    return value


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return french.parse_date(value)
    return value


def add_months(value: Any, months: int) -> date:
    """The same day `months` later (clamped to the month's end)."""
    import calendar

    start = _as_date(value)
    month0 = start.month - 1 + int(months)
    year, month = start.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def long_date_fr(value: Any) -> str:
    """`1er mars 2027`, `15 janvier 2027`: the first of the month is written « 1er »."""
    day = _as_date(value)
    text = french.long_date(day)
    return f"1er{text[1:]}" if day.day == 1 else text


# French typography: no line break between a guillemet or a high punctuation mark and
# its word (a lone « » » at the start of a line looks careless in a legal text).
_SPACING = (
    ("« ", "«\u00a0"),
    (" »", "\u00a0»"),
    (" :", "\u00a0:"),
    (" ;", "\u00a0;"),
    (" ?", "\u00a0?"),
    (" !", "\u00a0!"),
)


def french_spacing(text: str) -> str:
    for plain, tied in _SPACING:
        text = text.replace(plain, tied)
    return text


def euros(value: Any) -> str:
    """`10 €`, `12,50 €`: cents are shown when there are any (a cotisation of 12,50 €)."""
    if value is None:
        return "—"
    cents = round(float(value) * 100)
    return f"{french.number(cents / 100, 0 if cents % 100 == 0 else 2)} €"


def join_fr(values: Any) -> str:
    """`a`, `a et b`, `a, b et c`."""
    items = [str(v) for v in values if v]
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} et {items[-1]}"


# A template given by a user may try to run forever or fill the memory: it is stopped
# after this many steps of its own code, and sizes built by `*` and `**` are bounded.
MAX_RENDER_STEPS = 2_000_000
MAX_BUILT_SIZE = 1_000_000


class TooCostly(Exception):
    """A template that would run too long or build too large a value."""


# Widths and precisions in `%` formats (`'%999999999d' % 1`), star ones taken from the values.
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d+|\*)?(?:\.(\d+|\*))?")
# str methods whose integer argument is the length of the text they build.
_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


def _bounded_sizes(*values: Any) -> None:
    """Refuse an integer, among what a template passes to a text builder, that would build
    more than `MAX_BUILT_SIZE` characters (a width, a padding, an indent)."""
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_BUILT_SIZE:
            raise TooCostly("largeur de texte trop grande")


def _bounded_format(pattern: str, *values: Any) -> None:
    """`'{:>999999999}'.format(x)` and `'%999999999d' % x`: every width and precision of the
    pattern, and the values a nested or star width may take, are bounded."""
    from string import Formatter

    specs: list[str] = []
    with suppress(ValueError):  # not a `{}` pattern: Python will say so when it is used
        specs = [spec for _, _, spec, _ in Formatter().parse(pattern) if spec]
    specs += [m.group(0) for m in _PERCENT_SPEC.finditer(pattern)]
    _bounded_sizes(*(int(n) for spec in specs for n in re.findall(r"\d+", spec)), *values)


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, with `*`, `**`, `%`, `str.format` and padding checked before they build
    a huge value."""

    intercepted_binops = frozenset(["*", "**", "%"])

    def wrap_str_format(self, value: Any) -> Any:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None

        def bounded(*args: Any, **kwargs: Any) -> str:
            mapping = args[0] if value.__name__ == "format_map" and args else kwargs
            _bounded_format(value.__self__, *args, *getattr(mapping, "values", dict)())
            return wrapped(*args, **kwargs)

        return bounded

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        if getattr(__obj, "__name__", None) in _PADDING_METHODS and isinstance(
                getattr(__obj, "__self__", None), str):
            _bounded_sizes(*args, *kwargs.values())
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(left, int | float) and isinstance(right, int | float):
            import math

            if abs(left) > 1 and right * math.log10(abs(left)) > 1000:
                raise TooCostly("puissance trop grande")
        if operator == "%" and isinstance(left, str):
            _bounded_format(left, *(right if isinstance(right, tuple) else
                                    right.values() if isinstance(right, dict) else (right,)))
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and (
                        len(seq) * times > MAX_BUILT_SIZE):
                    raise TooCostly("répétition d'un texte ou d'une liste trop grande")
        return super().call_binop(context, operator, left, right)


def _render_bounded(template: Any, context: dict[str, Any]) -> str:
    """`template.render(**context)`, stopped after `MAX_RENDER_STEPS` lines of template code."""
    import sys

    steps = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal steps
        if event == "line":
            steps += 1
            if steps > MAX_RENDER_STEPS:
                raise TooCostly("boucle trop longue")
        return local

    def calls(frame: Any, event: str, arg: Any) -> Any:
        name = frame.f_code.co_filename
        return local if name.endswith(".j2") or name == "<template>" else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        return template.render(**context)
    finally:
        sys.settrace(previous)


_UNSAFE = re.compile(r"access to attribute '([^']+)' of '([^']+)' object is unsafe")


def _forbidden(meta: TemplateMeta, text: str) -> Refused:
    found = _UNSAFE.search(text)
    what = f"accès à « {found.group(1)} »" if found else "opération non permise"
    return Refused(
        f"Le modèle « {meta.id} » tente une opération interdite ({what}).",
        "Un modèle ne peut que lire les données du projet ; corrigez-le.",
    )


def join_fr_markdown(values: Any) -> Markdown:
    """`join_fr` in a template: each item escaped for Markdown, the « et » left plain."""
    return Markdown(join_fr(escape_markdown(v) for v in values if v))


def nobreak(value: Any) -> Markdown:
    """A short text kept on one line (a sigle): its spaces made non-breaking."""
    return Markdown(str(escape_markdown(value)).replace(" ", "\u00a0"))


class MarkdownEnvironment(BoundedEnvironment):
    """The bounded sandbox, printing every value escaped for Markdown (see `markdown.py`)."""

    code_generator_class = MarkdownCodeGenerator

    def _generate(self, source: Any, name: Any, filename: Any, defer_init: bool = False) -> str:
        return rebind_escaping(super()._generate(source, name, filename, defer_init))


def _bounded_filter(builtin: Any, formats: bool) -> Any:
    def bounded(value: Any, *args: Any, **kwargs: Any) -> Any:
        if formats:
            _bounded_format(str(value), *args, *kwargs.values())
        else:
            _bounded_sizes(*args, *kwargs.values())
        return builtin(value, *args, **kwargs)

    return bounded


def environment(meta: TemplateMeta) -> SandboxedEnvironment:
    env = MarkdownEnvironment(
        loader=FileSystemLoader([str(meta.folder), str(meta.folder.parent / "_commun")]),
        undefined=StrictUndefined,
        # Autoescape with the escape function rebound to Markdown's: no template can
        # forget to escape a value, and macros and blocks are not escaped twice.
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        long_date=long_date_fr,
        short_date=lambda v: french.short_date(_as_date(v)),
        number=french.number,
        euros=euros,
        join_fr=join_fr_markdown,
        join=join_filter,
        md=md,
        nobreak=nobreak,
    )
    for name in ("center", "indent", "format"):  # filters that pad or format: bounded too
        env.filters[name] = _bounded_filter(env.filters[name], name == "format")
    env.globals.update(add_months=add_months, require=require)
    return env


def render_markdown(meta: TemplateMeta, context: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """The template's Markdown and the placeholders it holds, or a French error naming
    what is missing or forbidden."""
    env = environment(meta)
    placeholders = Placeholders()
    try:
        template = env.get_template("template.md.j2")
        text = _render_bounded(template, {**context, "article": ArticleCounter(),
                                          "placeholder": placeholders})
        return french_spacing(str(text)), tuple(placeholders.found)
    except (TooCostly, OverflowError, MemoryError, RecursionError) as exc:
        # OverflowError: the sandbox's own `range` refuses more than 100 000 values.
        why = str(exc) if isinstance(exc, TooCostly) else "calcul trop grand"
        raise Refused(
            f"Le modèle « {meta.id} » demande trop de calcul ({why}) : il a été arrêté.",
            "Un modèle ne peut pas boucler sans fin ni construire d'énormes textes ; corrigez-le.",
        ) from None
    except SecurityError as exc:
        raise _forbidden(meta, str(exc)) from None
    except MissingAnswer as exc:
        raise _missing(meta, exc.name) from None
    except UndefinedError as exc:
        text = str(exc)
        if "unsafe" in text:
            raise _forbidden(meta, text) from None
        names = _NAMED.findall(text)
        raise _missing(meta, names[-1] if names else text) from None
    except TemplateSyntaxError as exc:  # Jinja words it in English: the line says where
        raise BadInput(f"{exc.filename or meta.source}:{exc.lineno}: syntaxe du modèle "
                       "incorrecte (balise {% %} ou {{ }} mal fermée ?).",
                       "Le détail technique s'affiche en mode débogage.") from None
    except TemplateError:
        raise BadInput(f"Le modèle « {meta.id} » est incorrect.",
                       "Le détail technique s'affiche en mode débogage.") from None
    except (TypeError, ValueError, ZeroDivisionError, LookupError):
        raise BadInput(f"Le modèle « {meta.id} » a échoué sur une valeur (calcul impossible).",
                       "Corrigez le modèle ; le détail technique s'affiche en mode débogage.") from None


def _missing(meta: TemplateMeta, name: str) -> BadInput:
    question = meta.question(name)
    if question is not None:
        return BadInput(
            f"Le document « {meta.title} » ne peut pas être produit : la question "
            f"« {question.label} » ({name}) n'a pas de réponse.",
            "Répondez d'abord à cette question.",
            topic="unanswered",
            details={"template": meta.id},
        )
    return BadInput(
        f"Le modèle « {meta.id} » utilise « {name} », qui n'a pas de valeur.",
        "Ajoutez la question correspondante dans meta.yaml ou corrigez le modèle.",
    )
