"""Bad input, through `cpts` as a user types it: one French sentence, a non-zero exit,
nothing written, no traceback, no password."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from cpts_workflow.store.models import Event

GOOD = textwrap.dedent("""\
    id: essai
    version: 1
    label: Essai
    stages:
      - id: debut
        label: Début
        items:
          - id: premier
            label: Premier élément
            role: porteur
            evidence: note
      - id: suite
        label: Suite
        items: []
      - id: fin
        label: Fin
        items: []
    side_states:
      - id: pause
        label: En pause
        kind: pause
    transitions:
      - source: debut
        dest: suite
        guards: [checklist_complete]
      - source: suite
        dest: fin
""")

WORKFLOWS = {
    "yaml_syntax": (GOOD.replace("label: Essai", "label: [Essai"), ":", "YAML illisible"),
    "unknown_key": (GOOD.replace("label: Essai", "label: Essai\ncouleur: bleu"), ":4:",
                    "clé inconnue « couleur »"),
    "cycle": (GOOD + "  - source: fin\n    dest: debut\n", ":", "forment une boucle"),
    "unknown_guard": (GOOD.replace("[checklist_complete]", "[checklist_complet]"), ":25:",
                      "garde inconnue « checklist_complet »"),
    "unreachable": (GOOD.replace("  - source: suite\n    dest: fin\n", ""), ":15:",
                    "l'étape « fin » est inaccessible"),
    "duplicate_stage": (GOOD.replace("id: fin", "id: suite"), ":15:",
                        "l'étape « suite » est définie deux fois"),
    "duplicate_item": (GOOD.replace("    items: []\n  - id: fin",
                                    "    items:\n      - id: premier\n        label: Bis\n"
                                    "        role: porteur\n        evidence: note\n  - id: fin"),
                       ":15:", "l'élément « premier » existe déjà"),
    "not_a_mapping": ("- une\n- liste\n", ":1:", "le fichier doit décrire un workflow"),
    "binary": (None, ":1:", "n'est pas du texte UTF-8"),
}


def _events(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Event.__table__)).scalar()
    finally:
        engine.dispose()


def assert_clean_failure(result, code: int, expected: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


@pytest.mark.parametrize("case", sorted(WORKFLOWS))
def test_bad_workflow_files(cpts, tmp_path, case):
    content, where, expected = WORKFLOWS[case]
    path = tmp_path / "essai.yaml"
    if content is None:
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    else:
        path.write_text(content, "utf-8")
    result = cpts("workflow", "validate", str(path))
    assert_clean_failure(result, 2, expected)
    assert f"{path}{where}" in result.stderr


def test_good_workflow_file_is_accepted(cpts, tmp_path):
    path = tmp_path / "essai.yaml"
    path.write_text(GOOD, "utf-8")
    result = cpts("workflow", "validate", str(path))
    assert result.exit_code == 0 and "valide (3 étapes, 1 éléments)" in result.stdout


@pytest.fixture
def project(cpts) -> str:
    result = cpts("new", "CPTS du Pays d'Aix")
    assert result.exit_code == 0
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        ("check {p} info_meeting --value 31/02/2026", 2, "31/02/2026"),
        ("check {p} info_meeting --value 2026-13-01", 2, "2026-13-01"),
        ("check {p} info_meeting --value demain", 2, "demain"),
        ("check {p} info_meeting", 2, "se justifie par une date"),
        ("check {p} working_group --due 30/02/2027", 2, "30/02/2027"),
        ("check cpts-du-pays-d-aiz working_group", 1, "Vouliez-vous dire : cpts-du-pays-d-aix"),
        ("check inconnu working_group", 1, "Projet « inconnu » introuvable"),
        ("check {p} working_grup", 1, "Vouliez-vous dire : working_group"),
        ("check {p} rien_du_tout", 1, "Élément « rien_du_tout » inconnu"),
        ("advance {p}", 1, "ne peut pas quitter l'étape « Initiative » : 7 éléments requis"),
        ("advance {p} --force", 2, "Le commentaire est obligatoire"),
        ("list --stage nulle_part", 2, "Étape « nulle_part » inconnue"),
        ("member export inconnue@example.fr", 1, "Aucune personne « inconnue@example.fr »"),
        ("member erase Personne --reason x --yes", 1, "Aucune personne « Personne »"),
        ("export nulle-part --out {tmp}/x.json", 1, "Projet « nulle-part » introuvable"),
        ("shw {p}", 2, "Vouliez-vous dire 'show'"),
        ("membre list {p}", 2, "Vouliez-vous dire 'member'"),
    ],
)
def test_bad_identifiers_and_references(cpts, project, sqlite_url, tmp_path, args, code, expected):
    before = _events(sqlite_url)
    result = cpts(args.format(p=project, tmp=tmp_path))
    assert_clean_failure(result, code, expected)
    assert _events(sqlite_url) == before
    assert not (tmp_path / "x.json").exists()


def _bad_import_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    files = {}
    big = tmp_path / "enorme.json"
    with big.open("wb") as handle:  # sparse: 201 Mo announced, nothing really written
        handle.truncate(201 * 1024 * 1024)
    files["oversized"] = (
        big, "fichier trop volumineux pour une sauvegarde (201 Mo, au plus 200 Mo sans le dire)")
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01")
    files["binary"] = (binary, "ce n'est pas un fichier texte (JSON en UTF-8)")
    broken = tmp_path / "casse.json"
    broken.write_text('{"format": "cpts-workflow-sauvegarde",\n "tables": {', "utf-8")
    files["truncated"] = (broken, f"{broken}:2 : JSON illisible")
    other = tmp_path / "autre.json"
    other.write_text(json.dumps({"nom": "pas une sauvegarde"}), "utf-8")
    files["foreign"] = (other, "ce n'est pas une sauvegarde cpts-workflow")
    files["missing"] = (tmp_path / "absent.json",
                        "fichier illisible (fichier ou dossier introuvable)")
    files["directory"] = (tmp_path, "fichier illisible (c'est un dossier)")
    return files


@pytest.mark.parametrize("case", ["oversized", "binary", "truncated", "foreign", "missing",
                                  "directory"])
def test_bad_import_files(cpts, project, sqlite_url, tmp_path, case):
    path, expected = _bad_import_files(tmp_path)[case]
    before = _events(sqlite_url)
    result = cpts("import", str(path))
    assert_clean_failure(result, 2, expected)
    assert _events(sqlite_url) == before


@pytest.mark.parametrize(
    ("url", "expected", "secret"),
    [
        ("postgresql+psycopg://u:secret@127.0.0.1:1/x",
         "Impossible d'utiliser la base postgresql+psycopg://u:***@127.0.0.1:1/x", "secret"),
        ("postgresql+psycopg://cpts:mauvais-mot@localhost/postgres",
         "Impossible d'utiliser la base postgresql+psycopg://cpts:***@localhost/postgres",
         "mauvais-mot"),
        ("sqlite:///{tmp}/fichier.txt/cpts.db",
         "Impossible de créer le dossier de la base {tmp}/fichier.txt (un fichier de ce nom "
         "existe déjà)", None),
        ("nonsense://", "Le type de base « nonsense » n'est pas pris en charge", None),
        ("n'importe quoi", "L'adresse de base « <URL illisible> » n'est pas comprise", None),
        ("mysql://u:pw-secret@h/x", "Le pilote de base « mysql » n'est pas installé", "pw-secret"),
    ],
)
@pytest.mark.parametrize("debug", [False, True])
def test_bad_database_urls(cpts, tmp_path, url, expected, secret, debug):
    (tmp_path / "fichier.txt").write_text("un fichier, pas un dossier")
    url, expected = url.format(tmp=tmp_path), expected.format(tmp=tmp_path)
    if "localhost" in url and not os.environ.get("CPTS_TEST_POSTGRES_URL"):
        pytest.skip("pas de serveur PostgreSQL local")
    args = ["--db", url, *(["--debug"] if debug else []), "list"]
    result = cpts(*args)
    assert result.exit_code == 1
    assert f"Erreur : {expected}" in result.stderr
    if not debug:
        assert "Traceback" not in result.output
    if secret:
        assert secret not in result.output
    assert not list(tmp_path.glob("*.db"))


def test_mask_secrets():
    from cpts_cli.main import _mask_secrets

    text_ = ("sqlalchemy.exc.OperationalError: postgresql+psycopg://cpts:p%40ss:w0rd@db.example/x "
             "and sqlite:///plain.db and postgresql://u@h/x")
    masked = _mask_secrets(text_)
    assert "w0rd" not in masked and "p%40ss" not in masked
    assert "postgresql+psycopg://cpts:***@db.example/x" in masked
    assert "sqlite:///plain.db" in masked and "postgresql://u@h/x" in masked


def test_export_file_is_private_even_over_an_existing_file(cpts, project, tmp_path):
    out = tmp_path / "b.json"
    out.write_text("ancien")
    out.chmod(0o644)
    result = cpts("export", project, "--out", str(out))
    assert result.exit_code == 0
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert json.loads(out.read_text("utf-8"))["scope"] == "project"


def test_output_path_must_stay_in_its_directory(tmp_path):
    from cpts_workflow.errors import BadInput
    from cpts_workflow.files import inside

    assert inside(tmp_path, "docs/statuts.docx") == tmp_path / "docs" / "statuts.docx"
    for bad in ("../evade.docx", "/etc/passwd", "docs/../../x"):
        with pytest.raises(BadInput) as exc:
            inside(tmp_path, bad)
        assert "sort du dossier de sortie" in exc.value.message
    (tmp_path / "lien").symlink_to("/tmp")
    with pytest.raises(BadInput):
        inside(tmp_path, "lien/x.docx")


