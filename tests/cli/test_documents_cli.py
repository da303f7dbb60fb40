"""`cpts doc …` end to end."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import yaml


def _project(cpts) -> str:
    p = cpts("new", "CPTS du Pays d'Aix", "--officer", "Claire Martin").stdout.strip()
    cpts(
        f"member add {p} 'Jeanne Durand' --profession 'médecin généraliste' "
        "--college liberaux --role president"
    )
    cpts(f"member add {p} 'Paul Martin' --profession infirmier --college liberaux --role treasurer")
    cpts(f"member add {p} 'Sophie Bernard' --profession pharmacienne --college liberaux --role secretary")
    return p


def test_doc_list_and_questions(cpts):
    listed = json.loads(cpts("doc list --json").stdout)
    assert {"statuts", "lettre_intention", "pv_ag", "fiche_poste"} <= {t["id"] for t in listed}
    statuts = next(t for t in listed if t["id"] == "statuts")
    assert statuts["stage"] == "statutes" and statuts["items"] == ["statutes_drafted"]
    questions = json.loads(cpts("doc questions statuts --json").stdout)
    siege = next(q for q in questions if q["id"] == "siege")
    assert siege == {
        "id": "siege",
        "label": "Adresse du siège social",
        "type": "text",
        "required": True,
        "default": None,
        "choices": [],
        "help": siege["help"],
        "required_final": False,
        "fallback": [],
    }
    date = next(q for q in questions if q["id"] == "date_ag_constitutive")
    assert date["required_final"] and date["fallback"] == ["pv_ag.date_ag", "convocation_ag.date_ag"]
    quorum = next(q for q in questions if q["id"] == "quorum_ago")
    assert (
        quorum["choices"] == ["aucun", "le quart", "le tiers", "la moitié"]
        and quorum["default"] == "le quart"
    )
    assert "Adresse du siège social" in cpts("doc questions statuts").stdout
    assert cpts("doc questions inconnu").exit_code == 1


def test_answer_from_file_then_generate(cpts, tmp_path):
    p = _project(cpts)
    answers = tmp_path / "statuts.yaml"
    answers.write_text(
        yaml.safe_dump(
            {
                "siege": "12 rue des Écoles, 13100 Aix-en-Provence",
                "ville_signature": "Aix-en-Provence",
                "cotisation_montant": 20,
                # The project has no commune yet: kept in the statutes, the list would be
                # a blank to fill in (and the item would stay open).
                "territoire_dans": "règlement intérieur",
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    r = cpts(f"doc answer {p} statuts --answers {answers}")
    assert r.exit_code == 0 and "Réponses enregistrées" in r.stdout
    out = tmp_path / "docs"
    r = cpts(f"doc generate {p} statuts --format md --format docx --out {out}")
    assert r.exit_code == 0, r.output
    assert "coché : statutes_drafted" in r.stdout
    md = out / "statuts-cpts-du-pays-d-aix.md"
    assert "20 €" in md.read_text() and (out / "statuts-cpts-du-pays-d-aix.docx").is_file()
    assert "Reste à compléter" not in r.stderr
    assert stat.S_IMODE(md.stat().st_mode) == 0o600
    history = json.loads(cpts(f"doc history {p} --json").stdout)
    assert [(h["template"], h["format"]) for h in history] == [
        ("statuts", "md"),
        ("statuts", "docx"),
    ]
    assert history[0]["created_by"] == "Claire Martin" and len(history[0]["checksum"]) == 64
    assert "statuts-cpts-du-pays-d-aix.docx" in cpts(f"doc history {p}").stdout
    assert cpts(f"doc history {p} --csv").stdout.startswith("N°;Date;Document")


def test_interactive_answer(cpts):
    p = _project(cpts)
    # Questions of fiche_poste in order: mode_emploi, contrat, temps_travail, lieu, remuneration,
    # date_prise_poste, contact; Entrée keeps the proposed value.
    keys = "\n\n\nAix-en-Provence\n\n01/02/2027\nbureau@cpts-aix.fr\n"
    r = cpts(f"doc answer {p} fiche_poste --json", input=keys)
    assert r.exit_code == 0, r.output
    saved = json.loads(r.stdout[r.stdout.index("{") :])
    assert saved["lieu"] == "Aix-en-Provence" and saved["date_prise_poste"] == "2027-02-01"
    assert saved["mode_emploi"] == "embauche" and saved["contrat"] == "CDI"


def test_generate_errors(cpts, tmp_path):
    p = _project(cpts)
    r = cpts(f"doc generate {p} statuts --format md --out {tmp_path}")
    assert (
        r.exit_code == 2 and "Adresse du siège social" in r.stderr and "cpts doc answer" in r.stderr
    )
    answers = tmp_path / "a.yaml"
    answers.write_text("siege: 1 place du Marché\nville_signature: Aix\n", encoding="utf-8")
    r = cpts(
        f"doc generate {p} statuts --format md --answers {answers} --out {tmp_path} "
        "--name ../evil.md"
    )
    assert r.exit_code == 2 and "refusé" in r.stderr and not (tmp_path.parent / "evil.md").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text("siege: [\n", encoding="utf-8")
    r = cpts(f"doc generate {p} statuts --answers {bad} --out {tmp_path}")
    assert r.exit_code == 2 and "YAML invalide" in r.stderr
    assert cpts(f"doc generate {p} --out {tmp_path}").exit_code == 2
    assert cpts(f"doc generate {p} statuts --format rtf").exit_code == 2


def test_generate_all_reports_what_is_missing(cpts, tmp_path):
    p = _project(cpts)
    out = tmp_path / "tout"
    r = cpts(f"doc generate {p} --stage statutes --format md --out {out} --json")
    assert r.exit_code == 1
    result = json.loads(r.stdout)
    assert [g["template"] for g in result["generated"]] == ["bulletin_adhesion"]
    # The règlement intérieur waits for the statutes' answers.
    assert {f["template"] for f in result["failed"]} == {"convocation_ag", "pv_ag", "statuts",
                                                         "reglement_interieur"}
    r = cpts(f"doc generate {p} --all --format md --out {out}")
    assert r.exit_code == 1 and "non produit" in r.stderr
    assert Path(out / "diagnostic-cpts-du-pays-d-aix.md").is_file()


def test_custom_template_dir_and_sandbox(cpts, tmp_path):
    p = _project(cpts)
    folder = tmp_path / "modeles" / "essai"
    folder.mkdir(parents=True)
    (folder / "meta.yaml").write_text(
        "title: Essai\nstage: initiative\nversion: '1'\noutput: essai\n"
    )
    (folder / "template.md.j2").write_text("# {{ project.name }} {{ ''.__class__ }}\n")
    r = cpts(
        f"doc --templates {tmp_path / 'modeles'} generate {p} essai --format md --out {tmp_path}"
    )
    assert r.exit_code == 1 and "opération interdite" in r.stderr


def test_existing_file_is_kept_unless_force(cpts, tmp_path):
    p = _project(cpts)
    out = tmp_path / "docs"
    first = cpts(f"doc generate {p} diagnostic --format md --out {out}")
    assert first.exit_code == 0, first.output
    # A skeleton: the user is told what is left, and its item is not ticked.
    assert "Reste à compléter : 8 passages (« À compléter. »" in first.stderr
    assert "l'élément de checklist n'est pas coché" in first.stderr
    assert "coché :" not in first.stdout
    edited = out / "diagnostic-cpts-du-pays-d-aix.md"
    edited.write_text("retouché à la main", encoding="utf-8")
    again = cpts(f"doc generate {p} diagnostic --format md --out {out}")
    assert again.exit_code == 0, again.output
    assert edited.read_text(encoding="utf-8") == "retouché à la main"
    second = out / "diagnostic-cpts-du-pays-d-aix (2).md"
    assert second.is_file() and str(second) in again.stdout
    assert "existait déjà : il est conservé" in again.stderr and "--force" in again.stderr
    third = cpts(f"doc generate {p} diagnostic --format md --out {out} --json")
    assert json.loads(third.stdout)["generated"][0]["file_name"].endswith("(3).md")
    forced = cpts(f"doc generate {p} diagnostic --format md --out {out} --force")
    assert forced.exit_code == 0 and "Synthèse du diagnostic" in edited.read_text(encoding="utf-8")
    history = json.loads(cpts(f"doc history {p} --json").stdout)
    assert [Path(h["path"]).name for h in history] == [
        "diagnostic-cpts-du-pays-d-aix.md",
        "diagnostic-cpts-du-pays-d-aix (2).md",
        "diagnostic-cpts-du-pays-d-aix (3).md",
        "diagnostic-cpts-du-pays-d-aix.md",
    ]
