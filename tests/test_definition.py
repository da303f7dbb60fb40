"""Loading workflow files: the shipped one is complete, wrong ones say file:line and the fix."""

from __future__ import annotations

import pytest

from cpts_workflow.errors import DefinitionError
from cpts_workflow.resources import workflows_dir
from cpts_workflow.workflow.catalog import load_definition, parse_definition
from cpts_workflow.workflow.definition import shipped_definition_files

STAGES = ["initiative", "diagnostic", "health_project", "statutes", "aci_contract",
          "coordinator_hiring", "operating"]


@pytest.fixture(scope="module")
def shipped():
    return load_definition(workflows_dir() / "cpts_creation.yaml")


def test_shipped_workflow_has_the_seven_stages_in_order(shipped):
    assert shipped.id == "cpts_creation"
    assert shipped.version == 1
    assert list(shipped.stage_ids) == STAGES
    assert {s.id: s.kind for s in shipped.side_states} == {"paused": "pause", "abandoned": "end"}


def test_every_stage_has_a_realistic_checklist(shipped):
    for stage in shipped.stages:
        assert len(stage.items) >= 5, stage.id
        assert stage.label and stage.description
        for item in stage.items:
            assert item.label and item.role
    assert shipped.item("letter_of_intent_sent")[1].document == "lettre_intention"
    assert shipped.item("health_project_sent")[1].evidence == "date"


def test_shipped_files_are_all_valid():
    files = shipped_definition_files()
    assert files
    for path in files:
        load_definition(path)


VALID = """\
id: mini
version: 1
label: Mini
stages:
  - id: a
    label: A
    items:
      - id: one
        label: Un
        role: porteur
  - id: b
    label: B
side_states:
  - id: paused
    label: En pause
    kind: pause
transitions:
  - source: a
    dest: b
    guards: [checklist_complete]
"""


def problems(text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(DefinitionError) as info:
        parse_definition(text, "wf.yaml")
    return info.value.problems


def test_minimal_valid_definition():
    d = parse_definition(VALID)
    assert d.initial == "a"
    assert d.state_label("paused") == "En pause"


@pytest.mark.parametrize(
    ("broken", "line", "words"),
    [
        (VALID.replace("label: Un", "label: Un\n        colour: red"), 10, "clé inconnue « colour »"),
        (VALID.replace("    guards: [checklist_complete]", "    guards: [checklist_full]"), 20,
         "garde inconnue « checklist_full »"),
        (VALID.replace("    dest: b", "    dest: z"), 19, "étape inconnue « z »"),
        (VALID.replace("      - id: one", "      - id: One"), 8, "identifiant valide"),
        (VALID.replace("        role: porteur\n", ""), 8, "« role » manque"),
        (VALID.replace("kind: pause", "kind: sleep"), 16, "« sleep » n'est pas permis"),
        (VALID.replace("version: 1", "version: un"), 2, "nombre entier"),
        (VALID.replace("  - id: b\n    label: B", "  - id: a\n    label: B"), 11, "définie deux fois"),
        (VALID.replace("transitions:\n  - source: a\n    dest: b\n    guards: [checklist_complete]\n",
                      "transitions: []\n"), 11,
         "inaccessible"),
        (VALID + "  - source: b\n    dest: a\n", 21, "boucle"),
        (VALID.replace("stages:\n  - id: a", "stages:\n  - id: a\n   oops: [")[:200], 6, "YAML illisible"),
        (VALID.replace("version: 1\n", "version: 1\n? [a, b]\n: c\n"), 3, "simple mot"),
    ],
)
def test_errors_name_the_line_and_the_fix(broken, line, words):
    found = problems(broken)
    assert any(words in message for _, message in found), found
    assert any(ln == line for ln, message in found if words in message), found


def test_duplicate_item_ids_are_refused():
    text = VALID.replace("  - id: b\n    label: B",
                         "  - id: b\n    label: B\n    items:\n      - id: one\n        label: X\n        role: r")
    assert any("existe déjà" in m for _, m in problems(text))


def test_error_message_has_file_and_line(tmp_path):
    path = tmp_path / "wf.yaml"
    path.write_text(VALID.replace("dest: b", "dest: z"), encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_definition(path)
    assert str(info.value).startswith(f"{path}:19: ")


def test_binary_or_missing_files_are_refused(tmp_path):
    binary = tmp_path / "x.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(DefinitionError, match="UTF-8"):
        load_definition(binary)
    with pytest.raises(DefinitionError, match="illisible"):
        load_definition(tmp_path / "absent.yaml")
