"""The officer's follow-up of a project: `cpts note` / `cpts journal`, `cpts contact`,
`cpts partner`."""

from __future__ import annotations

from typing import Any

import click

from .context import AppContext, pass_app
from .output import emit_json, emit_listing, listing_options, success

PROJECT = click.argument("project", metavar="PROJET")
NUMBER = click.argument("number", metavar="NUMERO")


@click.command()
@PROJECT
@click.argument("text", metavar="TEXTE")
@click.option("--date", "on", metavar="JJ/MM/AAAA", help="Date de la réunion ou de l'échange (par défaut : aujourd'hui).")
@click.option("--participants", metavar="NOMS", help="Qui était là (ex. « Dr Martin, ARS, CPAM »).")
@click.option("--next", "next_step", metavar="TEXTE", help="La prochaine étape.")
@click.option("--next-date", metavar="JJ/MM/AAAA", help="Sa date : elle rejoint les échéances.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def note(app: AppContext, project: str, text: str, on: str | None, participants: str | None,
         next_step: str | None, next_date: str | None, as_json: bool) -> None:
    """Ajoute une note datée au journal du projet (réunion, échange, prochaine étape)."""
    from cpts_workflow import french
    from cpts_workflow.journal import add_note

    if next_date and not next_step:
        raise click.UsageError("--next-date demande --next (la prochaine étape).")
    view = add_note(app.workspace, project, text, on=on, participants=participants,
                    next_step=next_step, next_date=next_date)
    if as_json:
        emit_json(view)
        return
    extra = ""
    if view.next_step:
        extra = f" Prochaine étape : {view.next_step}"
        extra += f" (le {french.short_date(view.next_date)})." if view.next_date else "."
    success(f"Note du {french.short_date(view.noted_on)} ajoutée au journal.{extra}")


NOTE_COLUMNS = [("date", "Date"), ("text", "Note"), ("participants", "Participants"),
                ("next", "Prochaine étape"), ("written_by", "Par")]


@click.command()
@PROJECT
@click.option("--limit", type=click.IntRange(1), metavar="N", help="Les N dernières notes.")
@listing_options()
@pass_app
def journal(app: AppContext, project: str, limit: int | None, fmt: str) -> None:
    """Affiche le journal du projet, les notes les plus récentes d'abord."""
    from cpts_workflow.journal import list_notes

    notes = list_notes(app.workspace, project, limit=limit)
    emit_listing(fmt, notes, NOTE_COLUMNS, lambda: [note_row(n) for n in notes],
                 empty="Journal vide. Ajoutez une note avec : cpts note PROJET \"…\"")


def note_row(n: Any) -> dict[str, Any]:
    from cpts_workflow import french

    step = n.next_step and (n.next_step + (f" (le {french.short_date(n.next_date)})"
                                           if n.next_date else ""))
    return {**n.to_dict(), "date": french.short_date(n.noted_on), "next": step}


@click.group()
def contact() -> None:
    """Contacts du projet : porteur, référent·es ARS et CPAM, coordinateur·rice."""


CONTACT_COLUMNS = [("id", "N°"), ("role_label", "Rôle"), ("name", "Nom"), ("email", "E-mail"),
                   ("phone", "Téléphone")]


@contact.command("add")
@PROJECT
@click.argument("role", metavar="ROLE")
@click.argument("name", metavar="NOM")
@click.option("--email", metavar="ADRESSE", help="Adresse e-mail.")
@click.option("--phone", metavar="NUMERO", help="Téléphone (ex. 04 91 00 00 00).")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def contact_add(app: AppContext, project: str, role: str, name: str, email: str | None,
                phone: str | None, as_json: bool) -> None:
    """Ajoute un contact ; ROLE : porteur, ARS, CPAM, coordinateur ou autre."""
    from cpts_workflow.contacts import add_contact

    view = add_contact(app.workspace, project, role, name, email=email, phone=phone)
    if as_json:
        emit_json(view)
        return
    success(f"Contact n° {view.id} ajouté : {view.name} ({view.role_label}).")


@contact.command("set")
@PROJECT
@NUMBER
@click.option("--role", metavar="ROLE", help="Nouveau rôle : porteur, ARS, CPAM, coordinateur ou autre.")
@click.option("--name", metavar="NOM", help="Nouveau nom.")
@click.option("--email", metavar="ADRESSE", help="Nouvelle adresse e-mail (\"\" : l'effacer).")
@click.option("--phone", metavar="NUMERO", help="Nouveau téléphone (\"\" : l'effacer).")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def contact_set(app: AppContext, project: str, number: str, role: str | None, name: str | None,
                email: str | None, phone: str | None, as_json: bool) -> None:
    """Modifie un contact du projet (rôle, nom, e-mail, téléphone)."""
    from cpts_workflow.contacts import update_contact

    if role is None and name is None and email is None and phone is None:
        raise click.UsageError("Rien à modifier : donnez --role, --name, --email ou --phone.")
    view = update_contact(app.workspace, project, number, role=role, name=name, email=email,
                          phone=phone)
    if as_json:
        emit_json(view)
        return
    details = " · ".join(v for v in (view.email, view.phone) if v)
    success(f"Contact n° {view.id} : {view.name} ({view.role_label})"
            + (f", {details}." if details else "."))


@contact.command("list")
@PROJECT
@listing_options()
@pass_app
def contact_list(app: AppContext, project: str, fmt: str) -> None:
    """Liste les contacts du projet."""
    from cpts_workflow.contacts import list_contacts

    rows = list_contacts(app.workspace, project)
    emit_listing(fmt, rows, CONTACT_COLUMNS, lambda: [r.to_dict() for r in rows],
                 empty="Aucun contact.")


@contact.command("remove")
@PROJECT
@NUMBER
@pass_app
def contact_remove(app: AppContext, project: str, number: str) -> None:
    """Retire un contact du projet."""
    from cpts_workflow.contacts import remove_contact

    view = remove_contact(app.workspace, project, number)
    success(f"Contact n° {view.id} retiré : {view.name}.")


@click.group()
def partner() -> None:
    """Partenaires du projet (GHT, DAC, SAS, hôpital de proximité, établissements, France
    Santé) et état de la relation."""


PARTNER_COLUMNS = [("id", "N°"), ("kind_label", "Type"), ("name", "Nom"),
                   ("state_label", "Relation"), ("since", "Depuis le")]
STATE_HELP = "État de la relation : contact, convention en cours, convention signée."


@partner.command("add")
@PROJECT
@click.argument("kind", metavar="TYPE")
@click.argument("name", metavar="NOM")
@click.option("--state", default="contact", show_default=True, metavar="ETAT", help=STATE_HELP)
@click.option("--date", "on", metavar="JJ/MM/AAAA", help="Depuis quand (par défaut : aujourd'hui).")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@pass_app
def partner_add(app: AppContext, project: str, kind: str, name: str, state: str, on: str | None,
                as_json: bool) -> None:
    """Ajoute un partenaire ; TYPE : GHT, DAC, SAS, hôpital de proximité, établissement,
    France Santé ou autre."""
    from cpts_workflow.partners import add_partner

    view = add_partner(app.workspace, project, kind, name, state=state, on=on)
    if as_json:
        emit_json(view)
        return
    success(f"Partenaire n° {view.id} ajouté : {view.name} ({view.state_label}).")


@partner.command("set")
@PROJECT
@NUMBER
@click.option("--state", metavar="ETAT", help=STATE_HELP)
@click.option("--date", "on", metavar="JJ/MM/AAAA", help="Depuis quand (par défaut : aujourd'hui).")
@click.option("--name", metavar="NOM", help="Nouveau nom.")
@click.option("--kind", metavar="TYPE", help="Nouveau type : GHT, DAC, SAS, hôpital de proximité, "
              "établissement, France Santé ou autre.")
@pass_app
def partner_set(app: AppContext, project: str, number: str, state: str | None, on: str | None,
                name: str | None, kind: str | None) -> None:
    """Met à jour la relation avec un partenaire (état, date), son nom ou son type."""
    from cpts_workflow import french
    from cpts_workflow.partners import set_partner

    if state is None and on is None and name is None and kind is None:
        raise click.UsageError("Rien à modifier : donnez --state, --date, --name ou --kind.")
    view = set_partner(app.workspace, project, number, state=state, on=on, name=name, kind=kind)
    success(f"{view.name} : {view.state_label} depuis le {french.short_date(view.state_date)}.")


@partner.command("list")
@PROJECT
@listing_options()
@pass_app
def partner_list(app: AppContext, project: str, fmt: str) -> None:
    """Liste les partenaires du projet."""
    from cpts_workflow import french
    from cpts_workflow.partners import list_partners

    rows = list_partners(app.workspace, project)
    emit_listing(fmt, rows, PARTNER_COLUMNS,
                 lambda: [{**r.to_dict(), "since": french.short_date(r.state_date)} for r in rows],
                 empty="Aucun partenaire.")


@partner.command("remove")
@PROJECT
@NUMBER
@pass_app
def partner_remove(app: AppContext, project: str, number: str) -> None:
    """Retire un partenaire du projet."""
    from cpts_workflow.partners import remove_partner

    view = remove_partner(app.workspace, project, number)
    success(f"Partenaire n° {view.id} retiré : {view.name}.")


COMMANDS = [note, journal, contact, partner]
