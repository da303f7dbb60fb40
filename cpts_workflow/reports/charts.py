"""Inline SVG charts drawn here, from the figures, with no library and no script.

Why hand-made SVG: the HTML report must be one file that opens offline and prints well;
a charting library would mean shipping (and trusting) kilobytes of JavaScript for two
bar charts, while SVG written here is small, sharp at any zoom, printable, and testable
as text. Every label is escaped; every chart has a <title> for screen readers.
"""

from __future__ import annotations

from html import escape

from .. import french
from .views import StageCount, StageDuration

STAGE_COLOURS = ("#9fc5e8", "#6fa8dc", "#3d85c6", "#2f6fab", "#1f5a94", "#17487a", "#0b3560")
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"


def _svg(width: int, height: int, title: str, body: list[str], css_class: str) -> str:
    return (
        f'<svg class="chart {css_class}" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'style="{_FONT};max-width:{width}px">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def funnel_svg(counts: list[StageCount], width: int = 640) -> str:
    """A centred funnel: one band per stage, as wide as its share of the largest stage."""
    label_w, row_h, gap = 235, 34, 6
    bar_space = width - label_w - 60
    biggest = max((c.count for c in counts), default=0) or 1
    body = []
    for i, c in enumerate(counts):
        y = i * (row_h + gap)
        w = max(2.0, bar_space * c.count / biggest) if c.count else 0
        x = label_w + (bar_space - w) / 2
        colour = STAGE_COLOURS[i % len(STAGE_COLOURS)]
        body.append(f'<text x="{label_w - 10}" y="{y + row_h / 2 + 5}" text-anchor="end" '
                    f'font-size="14" fill="#222">{escape(c.label)}</text>')
        body.append(f'<rect x="{label_w}" y="{y}" width="{bar_space}" height="{row_h}" '
                    f'fill="#f2f4f7" rx="4"/>')
        if w:
            body.append(f'<rect class="bar" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h}" '
                        f'fill="{colour}" rx="4"><title>{escape(c.label)} : '
                        f'{french.plural(c.count, "projet")}</title></rect>')
        paused = f" (dont {c.paused} en pause)" if c.paused else ""
        body.append(f'<text x="{label_w + bar_space + 10}" y="{y + row_h / 2 + 5}" font-size="14" '
                    f'font-weight="600" fill="#222">{c.count}<tspan font-weight="400" '
                    f'font-size="11" fill="#666">{escape(paused)}</tspan></text>')
    height = len(counts) * (row_h + gap)
    return _svg(width + 60, height, "Entonnoir : projets par étape", body, "funnel")


def durations_svg(durations: list[StageDuration], width: int = 640) -> str:
    """Horizontal bars: median days per stage, with how many projects it rests on."""
    label_w, row_h, gap, axis_h = 235, 26, 10, 4
    bar_space = width - label_w - 170
    longest = max((d.median_days or 0 for d in durations), default=0) or 1
    body = []
    for i, d in enumerate(durations):
        y = i * (row_h + gap)
        body.append(f'<text x="{label_w - 10}" y="{y + row_h / 2 + 5}" text-anchor="end" '
                    f'font-size="14" fill="#222">{escape(d.label)}</text>')
        if d.median_days is None:
            body.append(f'<text x="{label_w}" y="{y + row_h / 2 + 5}" font-size="12" '
                        f'fill="#888">aucune étape terminée</text>')
            continue
        w = max(2.0, bar_space * d.median_days / longest)
        body.append(f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{row_h}" '
                    f'fill="{STAGE_COLOURS[i % len(STAGE_COLOURS)]}" rx="3"/>')
        body.append(f'<text x="{label_w + w + 8:.1f}" y="{y + row_h / 2 + 5}" font-size="13" '
                    f'fill="#222"><tspan font-weight="600">{french.number(d.median_days)} j'
                    f'</tspan><tspan fill="#666" font-size="11"> (n = {d.finished})</tspan>'
                    f'<title>Médiane sur {french.plural(d.finished, "projet")}</title></text>')
    height = len(durations) * (row_h + gap) + axis_h
    return _svg(width + 60, height, "Durée médiane des étapes terminées, en jours", body,
                "durations")


def progress_bar_svg(done: int, total: int, width: int = 90) -> str:
    """A small bar for a checklist's progress (7/12), used in tables."""
    share = done / total if total else 0
    return (f'<svg class="minibar" viewBox="0 0 {width} 8" width="{width}" height="8" '
            f'aria-hidden="true" xmlns="http://www.w3.org/2000/svg">'
            f'<rect width="{width}" height="8" rx="4" fill="#e3e8ef"/>'
            f'<rect width="{width * share:.1f}" height="8" rx="4" fill="#3d85c6"/></svg>')
