"""Bad input across every command: for each case, the exit code, one French sentence
without English fragments, no traceback, and the base unchanged (SQL dump compared).

The base is built once through the product (projects, members, a territory, answers) and
copied for each case. The PostgreSQL subset runs when CPTS_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from cpts_workflow.limits import LONG_TEXT, NAME, PERSON, PHONE

from ..conftest import FIXED_NOW, PG_ADMIN_URL, FixedClock, _postgres_database

# English a message must never hold (whole words, case-sensitive where French shares them).
ENGLISH = re.compile(
    r"Traceback|Erreur inattendue|\b(?:the|is|not|cannot|could|unable|unsafe|invalid|error|"
    r"Error|expected|found|such|file|directory|denied|failed|must|object|attribute|exceeds|"
    r"None|value_error|Value error|Input should|mapping values|disk I/O)\b"
)
SLUG = "cpts-du-pays-d-aix"

# --- the base every case starts from ---------------------------------------------------


def _build(url: str) -> None:
    from cpts_workflow import members
    from cpts_workflow.territory.changes import add_communes
    from cpts_workflow.workspace import Workspace

    ws = Workspace(url, actor="Claire Martin", now=FixedClock())
    ws.init()
    ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin")
    ws.create_project("CPTS du Luberon")
    ws.check(SLUG, "working_group", note="8 professionnels")
    members.add_member(ws, SLUG, "Jeanne Durand", role="president", college="liberaux")
    add_communes(ws, SLUG, ["04001"])
    ws.db.dispose()


@pytest.fixture(scope="module")
def template_base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("modele") / "cpts.db"
    _build(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def sqlite_dump(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


# --- files the cases read --------------------------------------------------------------

GOOD_WORKFLOW = Path(__file__).parent.parent.parent / "cpts_workflow" / "workflows"
LOL = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)
)
FEW_ALIASES = 'a: &a ["x"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 7) + "]\n" for i in range(7)
)
DEEP_YAML = "a: " + "[" * 60 + "]" * 60 + "\n"
VERY_DEEP_YAML = "a: " + "[" * 5000 + "]" * 5000 + "\n"


def _grid() -> dict:
    from cpts_workflow.aci.grids import shipped_grids

    return shipped_grids()["aci_avenant_2"].model_dump(mode="json") | {"id": "ma_grille"}


def _backup(tmp: Path, change) -> bytes:
    """A real backup of the template base, changed by `change(data)`."""
    data = json.loads((tmp / "sauvegarde-modele.json").read_text("utf-8"))
    # Under a new slug: the import would create it, so every check of a new project runs.
    data["tables"]["projects"][0]["slug"] = "cpts-importee"
    change(data)
    return json.dumps(data, ensure_ascii=False).encode()


def _rows(data: dict, table: str) -> list[dict]:
    return data["tables"][table]


def _set(table: str, key: str, value, index: int = 0):
    def change(data: dict) -> None:
        _rows(data, table)[index][key] = value
    return change


def _jump(data: dict) -> None:
    """A stage change the workflow does not allow: initiative straight to contract."""
    project = _rows(data, "projects")[0]
    events = _rows(data, "events")
    last = max(e["id"] for e in events)
    events.append({**events[0], "id": last + 1, "kind": "advanced", "from_stage": "initiative",
                   "to_stage": "aci_contract", "comment": None, "payload": None,
                   "project_id": project["id"]})
    project["stage"] = "aci_contract"


def _population(data: dict) -> None:
    data["tables"]["reference_vintages"] = [{
        "id": 1, "label": "2031", "source": None, "rows": 1, "imported_by": "x",
        "imported_at": "2026-11-22T09:30:00+00:00"}]
    data["tables"]["reference_communes"] = [{
        "vintage_id": 1, "insee": "04001", "type": "COM", "nom": "Aiglun", "departement": "04",
        "region": "93", "epci_siren": None, "epci_nom": None, "commune_parent": None,
        "population": -5}]


BACKUPS = {
    "nan": (lambda d: _rows(d, "projects")[0].__setitem__("row_version", float("nan")), "NaN"),
    "infinity": (lambda d: _rows(d, "projects")[0].__setitem__("row_version", float("inf")),
                 "Infinity"),
    "big_int": (None, "000 chiffres, trop grand"),
    "float_1e999": (None, "infini ou trop long"),
    "deep": (None, "imbriquées"),
    "very_deep": (None, "imbriquées"),
    "stage_jump": (_jump, "impossible dans le workflow"),
    "empty_slug": (_set("projects", "slug", ""), "slug) vide"),
    "numeric_slug": (_set("projects", "slug", "12"), "chiffres seulement"),
    "path_slug": (_set("projects", "slug", "../../etc/passwd"), "invalide"),
    "slash_slug": (_set("projects", "slug", "a/b"), "invalide"),
    "negative_population": (_population, "doit valoir au moins 0"),
    "id_zero": (_set("projects", "id", 0), "doit valoir au moins 1"),
    "id_huge": (_set("projects", "id", 2**40), "dépasse 2147483647"),
    "id_negative": (_set("members", "id", -3), "doit valoir au moins 1"),
    "id_text": (_set("projects", "id", "1"), "nombre entier"),
    "id_bool": (_set("projects", "id", True), "nombre entier"),
    "row_version_zero": (_set("projects", "row_version", 0), "doit valoir au moins 1"),
    "name_nul": (_set("projects", "name", "CPTS\x00"), "caractère nul"),
    "name_escape": (_set("projects", "name", "CPTS \x1b[31m"), "caractère de contrôle"),
    "name_newline": (_set("projects", "name", "CPTS\nbis"), "retour à la ligne"),
    "name_too_long": (_set("projects", "name", "x" * (NAME + 1)), "dépasse 200 caractères"),
    "officer_too_long": (_set("projects", "officer", "x" * (PERSON + 1)), "dépasse 120"),
    "note_too_long": (_set("checklist_states", "note", "x" * (LONG_TEXT + 1)), "dépasse 5"),
    "phone_too_long": (_set("members", "phone", "0" * (PHONE + 1)), "dépasse 40"),
    "unknown_stage": (_set("projects", "stage", "nulle_part"), "inconnue du workflow"),
    "payload_nan": (None, "NaN"),
    "orphan_member": (_set("members", "project_id", 999), "ne correspond à aucune ligne"),
}


def _write_backup(tmp: Path, case: str) -> Path:
    path = tmp / f"{case}.json"
    change, _ = BACKUPS[case]
    if change is not None:
        path.write_bytes(_backup(tmp, change))
        return path
    text = (tmp / "sauvegarde-modele.json").read_text("utf-8")
    if case == "big_int":
        text = text.replace('"row_version": ', '"row_version": ' + "9" * 5000 + ", \"x\": ", 1)
    elif case == "float_1e999":
        text = text.replace('"row_version": ', '"row_version": 1e999, "x": ', 1)
    elif case == "deep":
        text = text.replace('"payload": {', '"payload": {"x": ' + "[" * 40 + "]" * 40 + ", ", 1)
    elif case == "very_deep":
        text = text.replace('"payload": {', '"payload": {"x": ' + "[" * 100_000 + "]" * 100_000
                            + ", ", 1)
    elif case == "payload_nan":
        text = text.replace('"payload": {', '"payload": {"x": NaN, ', 1)
    path.write_text(text, "utf-8")
    return path


# --- the cases -------------------------------------------------------------------------
# (id, argv with {p} {tmp} placeholders, exit code, a fragment of the French message)
# A NUL or control character is given inside the argument list, as a program would.

TEXT_PAYLOADS = {
    "nul": ("avant\x00après", "caractère nul"),
    "escape": ("rouge \x1b[31m", "caractère de contrôle"),
    "bell": ("son \x07", "caractère de contrôle"),
    "surrogate": ("octets \udcff\udcfe", "pas du texte UTF-8"),
    "nonchar": ("fin \uffff", "caractère de contrôle"),
}

TEXT_FIELDS = [
    # (name, argv builder, single line?)
    ("new_name", lambda v: ["new", v], True),
    ("new_officer", lambda v: ["new", "CPTS Bis", "--officer", v], True),
    ("check_note", lambda v: ["check", SLUG, "info_meeting", "--value", "01/09/2026", "--note", v], False),
    ("check_value", lambda v: ["check", SLUG, "needs_sketch", "--value", v], False),
    ("skip_reason", lambda v: ["skip", SLUG, "territory_sketch", "--reason", v], False),
    ("advance_comment", lambda v: ["advance", SLUG, "--force", "--comment", v], False),
    ("back_comment", lambda v: ["back", SLUG, "--comment", v], False),
    ("pause_reason", lambda v: ["pause", SLUG, "--reason", v], False),
    ("abandon_reason", lambda v: ["abandon", SLUG, "--reason", v], False),
    ("member_name", lambda v: ["member", "add", SLUG, v], True),
    ("member_profession", lambda v: ["member", "add", SLUG, "Paul Martin", "--profession", v], True),
    ("member_phone", lambda v: ["member", "add", SLUG, "Paul Martin", "--phone", v], True),
    ("member_edit_name", lambda v: ["member", "edit", SLUG, "1", "--name", v], True),
    ("territory_reason", lambda v: ["territory", "add", SLUG, "04004", "--force", "--reason", v], False),
    ("objection_note", lambda v: ["objection", SLUG, "--ground", "sraps", "--date", "01/10/2026",
                                  "--note", v], False),
    ("migrate_comment", lambda v: ["workflow", "migrate", SLUG, "--to", "2", "--comment", v], False),
    ("actor", lambda v: ["--actor", v, "check", SLUG, "working_group"], True),
    ("erase_reason", lambda v: ["member", "erase", "Jeanne Durand", "--reason", v, "--yes"], False),
]

CASES: list[tuple[str, list[str] | str, int, str]] = []
for field, build, single in TEXT_FIELDS:
    for payload_id, (payload, expected) in TEXT_PAYLOADS.items():
        if field == "check_value" and payload_id in ("bell", "nonchar"):
            continue
        CASES.append((f"text-{field}-{payload_id}", build(payload), 2, expected))
    limit = NAME if field in ("new_name", "member_name", "member_edit_name") else (
        PERSON if field in ("new_officer", "member_profession", "actor") else
        PHONE if field == "member_phone" else LONG_TEXT)
    CASES.append((f"text-{field}-too-long", build("é" * (limit + 1)), 2, "caractères"))
    if single:
        CASES.append((f"text-{field}-newline", build("deux\nlignes"), 2, "retour à la ligne"))

NUMBERS = {
    "superscript": ("12²", "« ² » n'est pas un chiffre de 0 à 9"),
    "superscript_alone": ("²", "n'est pas un chiffre de 0 à 9"),
    "arabic_indic": ("١٢٣", "n'est pas un chiffre de 0 à 9"),
    "devanagari": ("१२", "n'est pas un chiffre de 0 à 9"),
    "fullwidth": ("１２", "n'est pas un chiffre de 0 à 9"),
    "nan": ("nan", "n'est pas un nombre fini"),
    "NaN": ("NaN", "n'est pas un nombre fini"),
    "inf": ("inf", "n'est pas un nombre fini"),
    "minus_infinity": ("-Infinity", "n'est pas un nombre fini"),
    "exponent": ("1e999", "n'est pas un nombre fini"),
    "5000_digits": ("9" * 5000, "n'est pas un nombre"),
    "too_big": ("1" * 20, "trop grand"),
    "underscore": ("1_000", "n'est pas un nombre"),
    "hex": ("0x10", "n'est pas un nombre"),
    "words": ("douze", "n'est pas un nombre"),
    "two_commas": ("1,2,3", "n'est pas un nombre"),
}
for number_id, (value, expected) in NUMBERS.items():
    CASES.append((f"number-check-{number_id}", ["check", SLUG, "budget_drafted", "--value", value],
                  2, expected))

CASES += [
    ("role-prefix-t", ["member", "add", SLUG, "Paul Martin", "--role", "t"], 2, "Rôle « t » inconnu"),
    ("role-prefix-pres", ["member", "add", SLUG, "Paul Martin", "--role", "pres"], 2, "inconnu"),
    ("role-prefix-tresor", ["member", "add", SLUG, "Paul Martin", "--role", "trésor"], 2, "inconnu"),
    ("role-prefix-s", ["member", "edit", SLUG, "1", "--role", "s"], 2, "inconnu"),
    ("college-prefix", ["member", "add", SLUG, "Paul Martin", "--college", "lib"], 2, "Collège"),
    ("kind-prefix", ["member", "add", SLUG, "MSP", "--legal", "--kind", "m"], 2, "Type de structure"),
    ("role-empty-word", ["member", "add", SLUG, "Paul Martin", "--role", "membre"], 2, "inconnu"),
]

# References that are not ids: superscripts, 20 digits, zero.
for ref_id, ref in {"superscript": "²", "twenty_digits": "9" * 20, "zero": "0",
                    "arabic": "١٢", "path": "../cpts.db", "empty": ""}.items():
    CASES.append((f"ref-show-{ref_id}", ["show", ref], 1, "introuvable"))
    CASES.append((f"ref-check-{ref_id}", ["check", ref, "working_group"], 1, "introuvable"))
for ref_id, ref in {"superscript": "²", "twenty_digits": "9" * 20}.items():
    CASES.append((f"ref-member-{ref_id}", ["member", "show", SLUG, ref], 1, "introuvable"))
    CASES.append((f"ref-member-edit-{ref_id}", ["member", "edit", SLUG, ref, "--name", "X"], 1,
                  "introuvable"))

YAML_FILES = {
    "billion_laughs": (LOL, "plus de 50 alias"),
    "expanding_aliases": (FEW_ALIASES, "plus de 200"),
    "deep": (DEEP_YAML, "niveaux d'imbrication"),
    "very_deep": (VERY_DEEP_YAML, "niveaux d'imbrication"),
    "duplicate_key": ("a: 1\nb: 2\na: 3\n", "apparaît deux fois (lignes 1 et 3)"),
    "big_int": ("a: " + "9" * 5000 + "\n", "milliers de chiffres"),
    "not_utf8": (b"a: \xe9t\xe9\n", "n'est pas du texte UTF-8"),
    "nul_byte": (b"a: b\x00\n", "octet nul"),
    "tab": ("a:\n\t- b\n", "tabulation"),
    "unclosed": ("a: [1, 2\n", "crochet « ] » non fermé"),
    "oversized": ("a: " + "x" * 1_100_000 + "\n", "trop volumineux"),
    "python_tag": ("a: !!python/name:os.system ''\n", "étiquette"),
    "undefined_alias": ("a: *nulle\n", "alias"),
}
YAML_COMMANDS = {
    "workflow_validate": (["workflow", "validate", "{file}"], 2),
    "workflow_file_option": (["--workflow-file", "{file}", "list"], 2),
    "funding_import": (["funding", "import", "{file}"], 2),
    "doc_answer": (["doc", "answer", SLUG, "lettre_intention", "--answers", "{file}"], 2),
}
for command_id, (argv, code) in YAML_COMMANDS.items():
    for yaml_id, (_, expected) in YAML_FILES.items():
        if yaml_id == "oversized" and command_id != "workflow_validate":
            expected = "trop volumineux"
        CASES.append((f"yaml-{command_id}-{yaml_id}",
                      [a.replace("{file}", f"{{tmp}}/{yaml_id}.yaml") for a in argv], code, expected))

ANSWERS = {
    "nan": ("cotisation_montant: .nan\n", "n'est pas un nombre fini"),
    "inf": ("cotisation_montant: .inf\n", "n'est pas un nombre fini"),
    "superscript": ("cotisation_montant: '12²'\n", "n'est pas un chiffre de 0 à 9"),
    "arabic": ("cotisation_montant: '١٢'\n", "n'est pas un chiffre de 0 à 9"),
    "exponent": ("cotisation_montant: '1e999'\n", "n'est pas un nombre fini"),
    "decimal_year": ("annee: 2026.5\n", "n'est pas un nombre entier"),
    "too_big": ("annee: 99999999999999999999\n", "trop grand"),
    "control_text": ("adresse_retour: \"2 rue\\x1b[2J\"\n", "caractère de contrôle"),
    "nul_text": ("adresse_retour: \"2 rue\\0\"\n", "caractère nul"),
    "long_text": ("adresse_retour: " + "x" * (LONG_TEXT + 1) + "\n", "caractères"),
}
for answer_id, (_, expected) in ANSWERS.items():
    CASES.append((f"answers-{answer_id}",
                  ["doc", "answer", SLUG, "bulletin_adhesion", "--answers", f"{{tmp}}/a-{answer_id}.yaml"],
                  2, expected))

for backup_id, (_, expected) in BACKUPS.items():
    code = 2
    CASES.append((f"import-{backup_id}", ["import", f"{{tmp}}/{backup_id}.json"], code, expected))
CASES += [
    ("import-not-utf8", ["import", "{tmp}/latin1.json"], 2, "ce n'est pas un fichier texte"),
    ("import-missing", ["import", "{tmp}/absent.json"], 2, "fichier ou dossier introuvable"),
    ("import-folder", ["import", "{tmp}"], 2, "c'est un dossier"),
]

TEMPLATES = {
    "range": ("{% for i in range(10**9) %}x{% endfor %}", 1, "trop de calcul"),
    "repeat": ("{{ 'a' * 10**10 }}", 1, "trop de calcul"),
    "repeat_list": ("{{ [1] * 10**9 }}", 1, "trop de calcul"),
    "power": ("{{ 9 ** 999999999 }}", 1, "trop de calcul"),
    "format_width": ("{{ '{:>999999999}'.format(1) }}", 1, "trop de calcul"),
    "nested_width": ("{{ '{:>{w}}'.format(1, w=10**9) }}", 1, "trop de calcul"),
    "percent_width": ("{{ '%999999999d' % 1 }}", 1, "trop de calcul"),
    "star_width": ("{{ '%*d' % (999999999, 1) }}", 1, "trop de calcul"),
    "padding": ("{{ 'x'.center(10**9) }}", 1, "trop de calcul"),
    "center_filter": ("{{ 'x'|center(10**9) }}", 1, "trop de calcul"),
    "indent_filter": ("{{ 'x\ny'|indent(10**9) }}", 1, "trop de calcul"),
    "format_filter": ("{{ '%999999999d'|format(1) }}", 1, "trop de calcul"),
    "nested_loops": ("{% for i in range(90000) %}{% for j in range(90000) %}{% endfor %}"
                     "{% endfor %}", 1, "trop de calcul"),
    "dunder": ("{{ ''.__class__.__mro__ }}", 1, "accès à « __class__ »"),
    "globals": ("{{ require.__globals__ }}", 1, "opération interdite"),
    "syntax": ("{% for %}", 2, "syntaxe du modèle incorrecte"),
    "division": ("{{ 1 / 0 }}", 2, "a échoué"),
}
for template_id, (_, code, expected) in TEMPLATES.items():
    CASES.append((f"template-{template_id}",
                  ["doc", "--templates", f"{{tmp}}/modeles-{template_id}", "generate", SLUG,
                   "essai", "--format", "md", "--out", "{tmp}/docs"], code, expected))
CASES.append(("template-meta-billion-laughs",
              ["doc", "--templates", "{tmp}/modeles-lol", "list"], 2, "plus de 50 alias"))

CASES += [
    ("db-not-a-database", ["--db", "sqlite:///{tmp}/notes.txt", "list"], 1,
     "ce fichier n'est pas une base SQLite"),
    ("db-truncated", ["--db", "sqlite:///{tmp}/tronquee.db", "list"], 1, "Impossible d'utiliser la base"),
    ("db-folder", ["--db", "sqlite:///{tmp}", "list"], 1, "Impossible d'utiliser la base"),
    ("export-out-folder", ["export", SLUG, "--out", "{tmp}"], 2, "est un dossier"),
    ("export-out-empty", ["export", SLUG, "--out", ""], 2, "nom du fichier à écrire est vide"),
    ("export-out-dot", ["export", SLUG, "--out", "."], 2, "nom du fichier à écrire est vide"),
    ("export-disk-full", ["export", SLUG, "--out", "/dev/full"], 1, "disque plein"),
    ("export-all-disk-full", ["export", "--all", "--out", "/dev/full"], 1, "disque plein"),
    ("member-export-disk-full", ["member", "export", "Jeanne Durand", "--out", "/dev/full"], 1,
     "disque plein"),
    ("report-disk-full", ["report", "--format", "html", "--out", "/dev/full"], 1, "disque plein"),
    ("report-out-folder", ["report", "--format", "json", "--out", "{tmp}"], 2, "dossier"),
    ("diagram-disk-full", ["workflow", "diagram", "--output", "/dev/full"], 1, "disque plein"),
    ("deadlines-ics-disk-full", ["deadlines", "--ics", "/dev/full"], 1, "disque plein"),
    ("territory-map-disk-full", ["territory", "map", "--out", "/dev/full"], 1, "disque plein"),
    ("list-csv-unknown-stage", ["list", "--stage", "²"], 2, "inconnue"),
    ("communes-import-not-utf8", ["communes", "import", "{tmp}/latin1.csv", "--label", "2031"],
     2, ""),
]


def _write_case_files(tmp: Path) -> None:
    for name, (content, _) in YAML_FILES.items():
        path = tmp / f"{name}.yaml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
    for name, (content, _) in ANSWERS.items():
        (tmp / f"a-{name}.yaml").write_text(content, "utf-8")
    (tmp / "latin1.json").write_bytes('{"format": "sauvegarde é"}'.encode("latin-1"))
    (tmp / "latin1.csv").write_bytes("code;nom\n04001;Aiglun é\n".encode("latin-1"))
    (tmp / "notes.txt").write_text("Ceci est un fichier de notes, pas une base.\n" * 200, "utf-8")
    for name, (body, _, _) in TEMPLATES.items():
        folder = tmp / f"modeles-{name}" / "essai"
        folder.mkdir(parents=True)
        (folder / "meta.yaml").write_text(
            "title: Essai\nstage: initiative\nversion: '1'\noutput: essai\n", "utf-8")
        (folder / "template.md.j2").write_text(body + "\n", "utf-8")
    lol = tmp / "modeles-lol" / "essai"
    lol.mkdir(parents=True)
    (lol / "meta.yaml").write_text(LOL, "utf-8")
    (lol / "template.md.j2").write_text("x\n", "utf-8")


def test_enough_cases():
    assert len(CASES) >= 150, len(CASES)
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.fixture
def prepared(template_base, tmp_path, cpts):
    """A copy of the template base as the `cpts` fixture's base, and the files of the cases."""
    shutil.copy(template_base, tmp_path / "cpts.db")
    (tmp_path / "tronquee.db").write_bytes(template_base.read_bytes()[:3000])
    from cpts_workflow.backup import export_to_file
    from cpts_workflow.workspace import Workspace

    ws = Workspace(f"sqlite:///{tmp_path / 'modele-export.db'}", now=FixedClock())
    shutil.copy(template_base, tmp_path / "modele-export.db")
    export_to_file(ws, tmp_path / "sauvegarde-modele.json", SLUG)
    ws.db.dispose()
    _write_case_files(tmp_path)
    for case in BACKUPS:
        _write_backup(tmp_path, case)
    return tmp_path


def assert_french_refusal(result, code: int, expected: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Erreur" in result.stderr and not result.stdout, result.output
    assert expected in result.stderr, result.stderr
    english = ENGLISH.search(result.output)
    assert english is None, (english.group(0), result.output)


@pytest.mark.parametrize(("argv", "code", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_is_refused_in_french_and_changes_nothing(prepared, cpts, argv, code, expected):
    before = sqlite_dump(prepared / "cpts.db")
    args = [a.replace("{tmp}", str(prepared)) for a in argv]
    result = cpts(*args)
    assert_french_refusal(result, code, expected)
    assert sqlite_dump(prepared / "cpts.db") == before
    assert not (prepared / "docs").exists() or not any((prepared / "docs").iterdir())


# --- what the product accepts, it restores ---------------------------------------------


def test_a_base_built_through_the_product_exports_and_reimports(cpts, tmp_path):
    """Values at every limit, NFC and NFD, line breaks where allowed: all restorable."""
    name = "É" * (NAME - 2) + "e\u0301"  # NFD: stored NFC, within the limit
    assert cpts("new", name, "--officer", "x" * PERSON).exit_code == 0
    slug = cpts("list", "--json").stdout and json.loads(cpts("list --json").stdout)[0]["slug"]
    assert cpts("check", slug, "working_group", "--note", "l1\nl2\t" + "n" * (LONG_TEXT - 6)).exit_code == 0
    assert cpts("check", slug, "budget_drafted", "--value", "142 482,50").exit_code == 0
    assert cpts("member", "add", slug, "M" * NAME, "--phone", "0" * PHONE, "--role",
                "trésorière", "--profession", "p" * PERSON).exit_code == 0
    assert cpts("new", "2026").stdout.strip() == "projet-2026"
    assert cpts("export", "--all", "--out", str(tmp_path / "b.json")).exit_code == 0
    shown = json.loads(cpts("show", slug, "--json").stdout)
    assert shown["project"]["name"] == "É" * (NAME - 2) + "é"
    other = f"sqlite:///{tmp_path / 'autre.db'}"
    result = cpts("--db", other, "import", str(tmp_path / "b.json"))
    assert result.exit_code == 0, result.output
    doctor = cpts("--db", other, "doctor")
    assert doctor.exit_code == 0, doctor.output
    member = json.loads(cpts("member", "list", slug, "--json").stdout)[0]
    assert member["role"] == "treasurer"


def test_the_demo_base_exports_and_reimports(cpts, tmp_path):
    from cpts_workflow.backup import export_to_file, import_backup
    from cpts_workflow.demo import build_demo
    from cpts_workflow.workspace import Workspace

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    build_demo(url, now=FixedClock(FIXED_NOW))
    export_to_file(Workspace(url), tmp_path / "demo.json")
    target = Workspace(f"sqlite:///{tmp_path / 'cible.db'}")
    report = import_backup(target, tmp_path / "demo.json")
    assert len(report.created) >= 10


def test_doctor_names_an_illegal_stage_jump(cpts, tmp_path, sqlite_url):
    from sqlalchemy import create_engine, text

    assert cpts("new", "CPTS Essai").exit_code == 0
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO events (project_id, at, actor, kind, from_stage, to_stage) "
                          "VALUES (1, '2026-11-23 09:00:00', 'x', 'advanced', 'initiative', "
                          "'operating')"))
        conn.execute(text("UPDATE projects SET stage = 'operating'"))
    engine.dispose()
    result = cpts("doctor")
    assert result.exit_code == 1
    assert "passage de « initiative » à « operating » impossible" in result.output


# --- PostgreSQL: the same refusals, the base unchanged ---------------------------------

PG_CASES = [c for c in CASES if c[0].startswith(("text-", "number-", "role-", "ref-", "answers-"))
            and not c[0].endswith(("-nonchar", "-bell"))][::3]


def _pg_dump(url: str) -> list:
    from sqlalchemy import create_engine, select

    from cpts_workflow.store.models import Base

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [(t.name, [tuple(r) for r in conn.execute(
                select(t).order_by(*t.primary_key.columns))]) for t in Base.metadata.sorted_tables]
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def pg_url():
    if not PG_ADMIN_URL:
        pytest.skip("CPTS_TEST_POSTGRES_URL non défini : pas de serveur PostgreSQL pour ce test")
    generator = _postgres_database()
    url = next(generator)
    _build(url)
    yield url
    generator.close()


@pytest.mark.postgresql
@pytest.mark.parametrize(("argv", "code", "expected"), [c[1:] for c in PG_CASES],
                         ids=[c[0] for c in PG_CASES])
def test_bad_input_on_postgresql(pg_url, cpts, tmp_path, monkeypatch, argv, code, expected):
    monkeypatch.setenv("CPTS_DATABASE_URL", pg_url)
    _write_case_files(tmp_path)
    before = _pg_dump(pg_url)
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert_french_refusal(cpts(*args), code, expected)
    assert _pg_dump(pg_url) == before
