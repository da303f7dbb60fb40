"""Diagrams of a workflow: Mermaid (for the README and Markdown viewers) and Graphviz DOT."""

from __future__ import annotations

from .definition import WorkflowDefinition
from .guards import GUARD_LABELS


def _guard_text(guards: tuple[str, ...]) -> str:
    return ", ".join(GUARD_LABELS.get(g, g) for g in guards)


def mermaid(definition: WorkflowDefinition) -> str:
    """A `stateDiagram-v2` with stages, guarded advances, back, pause/resume and abandon."""
    d = definition
    lines = ["stateDiagram-v2", f"    %% {d.label} (version {d.version})"]
    for state in d.all_states:
        lines.append(f'    state "{state.label}" as {state.id}')
    lines.append(f"    [*] --> {d.initial}")
    for t in d.transitions:
        guard = f" : {t.trigger} [{_guard_text(t.guards)}]" if t.guards else f" : {t.trigger}"
        lines.append(f"    {t.source} --> {t.dest}{guard}")
        if t.trigger == "advance":
            lines.append(f"    {t.dest} --> {t.source} : back (commentaire)")
    pause, end = d.side_state("pause"), d.side_state("end")
    if pause:
        lines.append(f"    note right of {pause.id} : pause (raison) depuis toute étape, resume vers l'étape quittée")
    if end:
        lines.append(f"    note right of {end.id} : abandon (raison) depuis toute étape ou la pause")
        lines.append(f"    {end.id} --> [*]")
    last = d.stages[-1].id
    lines.append(f"    {last} --> [*]")
    return "\n".join(lines) + "\n"


def dot(definition: WorkflowDefinition) -> str:
    """Graphviz DOT of the same graph (render with `dot -Tsvg`)."""
    d = definition

    def q(text: str) -> str:
        return '"' + text.replace('"', '\\"') + '"'

    lines = [f"digraph {d.id} {{", "    rankdir=LR;", '    node [shape=box, style=rounded, fontname="Helvetica"];',
             f"    label={q(f'{d.label} (version {d.version})')};"]
    for stage in d.stages:
        lines.append(f"    {stage.id} [label={q(stage.label)}];")
    for side in d.side_states:
        lines.append(f"    {side.id} [label={q(side.label)}, style=dashed];")
    for t in d.transitions:
        label = t.trigger + (f"\\n[{_guard_text(t.guards)}]" if t.guards else "")
        lines.append(f"    {t.source} -> {t.dest} [label={q(label)}];")
        if t.trigger == "advance":
            lines.append(f'    {t.dest} -> {t.source} [label="back", style=dotted];')
    pause, end = d.side_state("pause"), d.side_state("end")
    for stage in d.stages:
        if pause:
            lines.append(f'    {stage.id} -> {pause.id} [style=dashed, color=gray, label="pause"];')
        if end:
            lines.append(f'    {stage.id} -> {end.id} [style=dashed, color=gray, label="abandon"];')
    if pause:
        lines.append(f'    {pause.id} -> {pause.id} [style=dashed, color=gray, label="resume → étape quittée"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def as_dict(definition: WorkflowDefinition) -> dict:
    """The JSON of `cpts workflow show`: id, version, stages in order with their items."""
    data = definition.model_dump(mode="json")
    data["initial"] = definition.initial
    return data


# --- SVG -------------------------------------------------------------------------------
# Drawn by hand rather than through Graphviz (not installed everywhere, and a binary):
# stages top to bottom by their rank along `advance`, stages of the same rank side by side,
# `back` as dotted curves on the left, side states on the right, reached from any stage.

_BOX_W, _BOX_H, _PITCH_X, _PITCH_Y, _LEFT, _TOP = 230, 58, 270, 124, 90, 96
_INK, _GREY, _ACCENT = "#1f2937", "#6b7280", "#2563eb"


def _ranks(d: WorkflowDefinition) -> dict[str, int]:
    """Longest distance from the first stage along `advance` (the file is a DAG)."""
    rank = {d.initial: 0}
    for _ in d.stages:  # relax as many times as there are stages
        for t in d.transitions:
            if t.trigger == "advance" and t.source in rank:
                rank[t.dest] = max(rank.get(t.dest, 0), rank[t.source] + 1)
    for index, stage in enumerate(d.stages):
        rank.setdefault(stage.id, index)
    return rank


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def _text(x: float, y: float, lines: list[str], *, size: int = 13, fill: str = _INK,
          anchor: str = "middle", weight: str = "normal", italic: bool = False) -> str:
    from xml.sax.saxutils import escape

    style = ' font-style="italic"' if italic else ""
    spans = "".join(
        f'<tspan x="{x:.0f}" dy="{0 if i == 0 else size + 3}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" fill="{fill}" text-anchor="{anchor}" '
            f'font-weight="{weight}"{style}>{spans}</text>')


def svg(definition: WorkflowDefinition) -> str:
    """A self-contained SVG: stages, guarded advances, back, pause/resume and abandon."""
    from xml.sax.saxutils import escape

    d = definition
    rank = _ranks(d)
    columns: dict[int, list[str]] = {}
    for stage in d.stages:
        columns.setdefault(rank[stage.id], []).append(stage.id)
    width_cols = max(len(c) for c in columns.values())
    pos = {sid: (_LEFT + k * _PITCH_X, _TOP + r * _PITCH_Y)
           for r, ids in columns.items() for k, sid in enumerate(ids)}
    bus_x = _LEFT + (width_cols - 1) * _PITCH_X + _BOX_W + 150
    side_x = bus_x + 60
    height = _TOP + (max(columns) + 1) * _PITCH_Y + 40
    width = side_x + _BOX_W + 30
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" role="img">',
        f"<title>{escape(f'{d.label} (version {d.version})')}</title>",
        "<defs>"
        f'<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{_INK}"/></marker>'
        f'<marker id="arrow-grey" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{_GREY}"/></marker>'
        "</defs>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
        _text(20, 32, [f"{d.label} — version {d.version}"], size=18, anchor="start", weight="bold"),
    ]
    # Start marker.
    x0, y0 = pos[d.initial]
    out.append(f'<circle cx="{x0 + _BOX_W / 2:.0f}" cy="{y0 - 34}" r="7" fill="{_INK}"/>')
    out.append(f'<line x1="{x0 + _BOX_W / 2:.0f}" y1="{y0 - 27}" x2="{x0 + _BOX_W / 2:.0f}" y2="{y0 - 2}" '
               f'stroke="{_INK}" stroke-width="1.5" marker-end="url(#arrow)"/>')
    for t in d.transitions:
        (sx, sy), (tx, ty) = pos[t.source], pos[t.dest]
        x1, y1, x2, y2 = sx + _BOX_W / 2, sy + _BOX_H, tx + _BOX_W / 2, ty
        out.append(f'<line x1="{x1:.0f}" y1="{y1}" x2="{x2:.0f}" y2="{y2 - 2}" stroke="{_INK}" '
                   f'stroke-width="1.5" marker-end="url(#arrow)" data-trigger="{escape(t.trigger)}"/>')
        label = [t.trigger] + (_wrap(f"[{_guard_text(t.guards)}]", 30) if t.guards else [])
        mx, my = (x1 + x2) / 2 + 10, (y1 + y2) / 2 - 4
        out.append(_text(mx, my, label, size=11, fill=_ACCENT, anchor="start"))
        if t.trigger == "advance":
            # `back`: a dotted curve on the left, from the later stage to the earlier one.
            bx1, by1, bx2, by2 = tx, ty + _BOX_H / 2, sx, sy + _BOX_H / 2
            bend = min(bx1, bx2) - 55
            out.append(f'<path d="M{bx1},{by1} C{bend},{by1} {bend},{by2} {bx2},{by2}" fill="none" '
                       f'stroke="{_GREY}" stroke-width="1.2" stroke-dasharray="2,3" '
                       f'marker-end="url(#arrow-grey)" data-trigger="back"/>')
            out.append(_text(bend + 12, (by1 + by2) / 2 + 4, ["back"], size=10, fill=_GREY, anchor="end"))
    for stage in d.stages:
        x, y = pos[stage.id]
        lines = _wrap(stage.label, 28)[:2]
        out.append(f'<g data-stage="{escape(stage.id)}"><rect x="{x}" y="{y}" width="{_BOX_W}" '
                   f'height="{_BOX_H}" rx="10" fill="#eff6ff" stroke="{_ACCENT}" stroke-width="1.5"/>')
        top = y + (_BOX_H - 14 * len(lines)) / 2 + 6
        out.append(_text(x + _BOX_W / 2, top, lines, size=13, weight="bold"))
        out.append(_text(x + _BOX_W / 2, y + _BOX_H - 6, [f"{stage.id} · {len(stage.items)} éléments"],
                         size=9, fill=_GREY))
        out.append("</g>")
        if d.side_states:
            out.append(f'<line x1="{x + _BOX_W}" y1="{y + _BOX_H / 2}" x2="{bus_x}" y2="{y + _BOX_H / 2}" '
                       f'stroke="{_GREY}" stroke-width="1" stroke-dasharray="5,4"/>')
    last_x, last_y = pos[d.stages[-1].id]
    out.append(f'<circle cx="{last_x + _BOX_W / 2:.0f}" cy="{last_y + _BOX_H + 26}" r="8" fill="none" '
               f'stroke="{_INK}" stroke-width="1.5"/><circle cx="{last_x + _BOX_W / 2:.0f}" '
               f'cy="{last_y + _BOX_H + 26}" r="4" fill="{_INK}"/>')
    if d.side_states:
        first_y = min(y for _, y in pos.values()) + _BOX_H / 2
        last_line_y = max(y for _, y in pos.values()) + _BOX_H / 2
        out.append(f'<line x1="{bus_x}" y1="{first_y}" x2="{bus_x}" y2="{last_line_y}" stroke="{_GREY}" '
                   'stroke-width="1" stroke-dasharray="5,4"/>')
        notes = {
            "pause": ["pause (raison) depuis toute étape ;", "resume : retour à l'étape quittée"],
            "end": ["abandon (raison) depuis toute étape", "ou la pause ; état final"],
        }
        span: float = max(last_line_y - first_y, 1)
        for index, side in enumerate(d.side_states):
            side_y = first_y + span * (index + 1) / (len(d.side_states) + 1) - _BOX_H / 2
            out.append(f'<line x1="{bus_x}" y1="{side_y + _BOX_H / 2}" x2="{side_x - 2}" y2="{side_y + _BOX_H / 2}" '
                       f'stroke="{_GREY}" stroke-width="1.2" stroke-dasharray="5,4" '
                       f'marker-end="url(#arrow-grey)"/>')
            out.append(f'<g data-side-state="{escape(side.id)}"><rect x="{side_x}" y="{side_y}" '
                       f'width="{_BOX_W}" height="{_BOX_H}" rx="10" fill="#f9fafb" stroke="{_GREY}" '
                       f'stroke-width="1.5" stroke-dasharray="6,4"/>')
            out.append(_text(side_x + _BOX_W / 2, side_y + 24, [side.label], size=13, weight="bold"))
            out.append(_text(side_x + _BOX_W / 2, side_y + 42, [side.id], size=9, fill=_GREY))
            out.append("</g>")
            out.append(_text(side_x, y + _BOX_H + 16, notes[side.kind], size=10, fill=_GREY,
                             anchor="start", italic=True))
    out.append("</svg>")
    return "\n".join(out) + "\n"
