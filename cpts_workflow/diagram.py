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
    for state in (*d.stages, *d.side_states):
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
