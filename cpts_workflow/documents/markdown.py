"""User text is text: every value a template prints is escaped for pandoc's Markdown.

The templates are Markdown, so a member named `![x](/etc/passwd)`, a siège written
`[a](javascript:alert(1))`, a `|` inside a table cell or a line `---` would otherwise be
read as an image, a link, a cell border or a metadata block. Escaping is not left to each
template: the environment renders with Jinja's autoescape machinery, whose escape
function is rebound, in every compiled template, to `escape_markdown` (the way Jinja
escapes HTML, but for Markdown). Anything printed by `{{ … }}` is escaped unless it is
`Markdown` — text the template author wrote as Markdown on purpose (`{{ "*À compléter*" |
md }}`, a macro's output, a `{% set %}` block). Adding text to `Markdown` escapes the text,
as adding a string to `markupsafe.Markup` escapes it for HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import Markup

# Every ASCII punctuation mark pandoc may read as syntax (`all_symbols_escapable` lets a
# backslash escape any of them); quotes stay plain so that pandoc still curls apostrophes.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~^$@&:=%])")
_LINE_BREAKS = re.compile(r"\r\n?|[\n\v\f\u2028\u2029\x85]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


class Paragraphs(str):
    """A long answer whose line breaks are kept; any other value is one line."""

    __slots__ = ()


class Markdown(Markup):
    """Markdown written by a template author: printed as is. Text joined to it, formatted
    into it or concatenated with it is escaped for Markdown, never for HTML."""

    __slots__ = ()

    @classmethod
    def escape(cls, s: Any) -> Markdown:
        return escape_markdown(s)


def markdown_text(text: str, keep_lines: bool = False) -> str:
    """`text` as Markdown that pandoc reads back as exactly this text.

    Punctuation is backslash-escaped; tabs and runs of spaces become one space (four
    leading spaces would start a code block). Line breaks become spaces, so that a value
    never ends the heading, table row or list item it sits in; in `Paragraphs` they are
    kept as hard line breaks, blank lines dropped (a paragraph stays one paragraph).
    """
    text = _CONTROLS.sub("", text).replace("\t", " ")
    lines = [" ".join(line.split()) for line in _LINE_BREAKS.split(text)]
    joint = "\\\n" if keep_lines else " "
    return joint.join(_SPECIAL.sub(r"\\\1", line) for line in lines if line)


def escape_markdown(value: Any) -> Markdown:
    """What `{{ value }}` prints: `Markdown` (and `Markup`) as is, anything else escaped."""
    if hasattr(value, "__html__"):
        return Markdown(value.__html__())
    return Markdown(markdown_text(str(value), keep_lines=isinstance(value, Paragraphs)))


def markdown_join(seq: Iterable[Any]) -> Markdown:
    """The template operator `~`: its parts escaped, then joined."""
    return Markdown("").join(seq)


def join_filter(values: Iterable[Any], separator: str = "") -> Markdown:
    """`join`, escaping each item (Jinja's own would HTML-escape when one item is Markup);
    `map(attribute=…)` picks an attribute first."""
    return Markdown(separator).join(values)


def md(value: Any) -> Markdown:
    """`{{ "*À compléter.*" | md }}`: text the template author wrote as Markdown."""
    return value if isinstance(value, Markdown) else Markdown(str(value))


# The import line every compiled template starts with; the names that follow it rebind
# Jinja's HTML escaping to ours in the template's own namespace.
_RUNTIME_IMPORT = "from jinja2.runtime import "
_REBIND = (
    "from cpts_workflow.documents.markdown import Markdown as Markup, "
    "escape_markdown as escape, markdown_join as markup_join"
)


def rebind_escaping(source: str) -> str:
    """Compiled template source with `escape`, `Markup` and `~` meaning Markdown."""
    start = source.index(_RUNTIME_IMPORT)
    end = source.index("\n", start)
    return f"{source[: end + 1]}{_REBIND}\n{source[end + 1 :]}"


class MarkdownCodeGenerator(CodeGenerator):
    """Jinja's code generator, except that no printed expression is folded at compile time
    (folding would escape it with markupsafe's HTML escape instead of ours)."""

    def _output_child_to_const(self, node: nodes.Expr, frame: Frame, finalize: Any) -> str:
        if isinstance(node, nodes.TemplateData):
            return super()._output_child_to_const(node, frame, finalize)
        raise nodes.Impossible()
