"""`cpts member export|erase`: a person's data (RGPD rights of access and erasure).

The commands join the `member` group of `cli/members.py` (see `cli/main.py`).
"""

from __future__ import annotations

from pathlib import Path

import click

from .context import AppContext, pass_app
from .output import emit_json, json_text, success, write_private

PERSON = click.argument("person", metavar="PERSONNE")


@click.command("export")
@PERSON
@click.option("--out", metavar="FICHIER", type=click.Path(path_type=Path),
              help="Fichier JSON à écrire (lisible par vous seul·e) ; sinon la sortie standard.")
@pass_app
def export_person(app: AppContext, person: str, out: Path | None) -> None:
    """Exporte toutes les données d'une personne, dans tous les projets (droit d'accès RGPD).

    PERSONNE : numéro de membre, nom exact ou adresse e-mail.
    """
    from cpts_workflow.french import plural
    from cpts_workflow.privacy import export_person as export

    data = export(app.workspace, person)
    if out is None:
        emit_json(data)
        return
    write_private(out, (json_text(data) + "\n").encode("utf-8"))
    success(f"Données de la personne écrites dans {out} ({plural(len(data['members']), 'fiche')} membre).")


@click.command("erase")
@PERSON
@click.option("--reason", required=True, metavar="TEXTE",
              help="Pourquoi (ex. « demande de l'intéressée du 20/11/2026 »), "
                   "sans donnée personnelle.")
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def erase_person(app: AppContext, person: str, reason: str, yes: bool, as_json: bool) -> None:
    """Efface les données personnelles d'une personne dans tous les projets (droit à l'effacement).

    Les fiches membre restent (comptes par collège), anonymisées ; l'historique reste,
    sans son nom ni ses coordonnées. Irréversible.
    """
    from cpts_workflow.french import plural
    from cpts_workflow.privacy import erase_person as erase
    from cpts_workflow.privacy import export_person as export

    from .prompts import confirm

    if not yes:
        found = export(app.workspace, person)
        where = ", ".join([f"membre n° {m['id']} ({m['project']})" for m in found["members"]]
                          + [f"contact n° {c['id']} ({c['project']})" for c in found["contacts"]])
        count = len(found["members"]) + len(found["contacts"])
        confirm(f"Effacer définitivement {plural(count, 'fiche')} : {where} ?")
    report = erase(app.workspace, person, reason=reason)
    if as_json:
        emit_json(report)
        return
    contacts = f" et {plural(len(report.contacts), 'fiche')} contact" if report.contacts else ""
    success(f"Données effacées : {plural(len(report.members), 'fiche')} membre{contacts} dans "
            f"{', '.join(report.projects)} ; {plural(report.events_scrubbed, 'événement')}, "
            f"{plural(report.checklist_scrubbed, 'élément')} de checklist ou de journal et "
            f"{plural(report.answers_scrubbed, 'réponse')} de document anonymisés.")
    if report.documents:
        count = len(report.documents)
        click.echo(f"{plural(count, 'document')} {'généré' if count < 2 else 'générés'} depuis "
                   f"son arrivée {'peut' if count < 2 else 'peuvent'} encore la citer : "
                   "supprimez-les ou régénérez-les.")
        for path in report.documents:
            click.echo(f"  - {path}")
