"""`cpts contract`: the signed ACI contract — annex amounts, payments, indicators, spending,
yearly review pack, and the officers' portfolio."""

from __future__ import annotations

from pathlib import Path

import click

from .context import AppContext, pass_app
from .deadlines import ics_option
from .output import (
    FILE_FORMATS,
    emit_file,
    emit_json,
    emit_listing,
    emit_table,
    listing_options,
    success,
    write_private,
)

PROJECT = click.argument("project", metavar="PROJET")


def xlsx_option(what: str):
    return click.option("--xlsx", "xlsx", type=click.Path(path_type=Path), metavar="FICHIER",
                        help=f"Exporte aussi {what} en classeur Excel (.xlsx).")


def _write_xlsx(path: Path | None, title: str, columns, rows, money=()) -> None:
    if path is None:
        return
    from cpts_workflow.aci.sheets import Sheet, xlsx_bytes

    write_private(path, xlsx_bytes([Sheet(title, columns, rows, frozenset(money))]))


@click.group()
def contract() -> None:
    """Contrat ACI signé : annexe, versements, indicateurs, dépenses, dialogue de gestion."""


# --- set -------------------------------------------------------------------------------------


def _figure_text(figure) -> str:
    from cpts_workflow import french

    if figure is None:
        return "absent de la grille"
    if figure.amount_cents is not None:
        return f"{french.cents(figure.amount_cents)} ({figure.status} ; {figure.source})"
    if figure.candidates:
        return "inconnu, sources en conflit : " + " ou ".join(
            f"{french.cents(c.amount_cents)} ({c.source})" for c in figure.candidates
        )
    return f"inconnu ({figure.source})"


def _show_contract(view) -> None:
    from cpts_workflow import french

    click.echo(f"{view.project_name} : contrat ACI signé le {french.short_date(view.signed_on)}, "
               f"{french.plural(view.years, 'an')} (jusqu'au {french.short_date(view.ends_on)})")
    click.echo(f"Taille {view.taille} ({view.taille_label}) ; grille : {view.grid_label} ({view.grid_id})")
    click.echo(f"Fonctionnement du contrat : {french.cents(view.operating_cents)} "
               f"({view.operating_status_label}"
               + (", versé chaque année" if view.operating_yearly else ", versé à la signature") + ")")
    click.echo(f"Fonctionnement de la grille : {_figure_text(view.grid_operating)}")
    click.echo(f"Forfait lettre d'intention : {_figure_text(view.grid_letter_of_intent)}")
    click.echo(f"Missions : {', '.join(view.missions)}")
    click.echo("Anniversaires : " + ", ".join(french.short_date(d) for d in view.anniversaries))
    click.echo("Plafond annuel de la sécurité sociale : " + " ; ".join(
        f"{c.year} {french.cents(c.amount_cents)}" for c in view.caps))


@contract.command("set")
@PROJECT
@click.option("--signed", metavar="DATE", help="Date de signature (par défaut : celle de la checklist).")
@click.option("--taille", "taille_", type=int, metavar="N", help="Taille de la CPTS à la signature (1 à 4).")
@click.option("--population", type=int, metavar="N", help="Ou la population couverte (la taille en découle).")
@click.option("--grid", metavar="GRILLE", help="Grille suivie (aci_2019, aci_avenant_2 ou une grille importée).")
@click.option("--years", type=int, metavar="N", help="Durée en années (5 par défaut).")
@click.option("--operating", metavar="MONTANT", help="Fonctionnement annuel du contrat, en euros.")
@click.option("--estimated/--from-contract", "estimated", default=None,
              help="Le fonctionnement est estimé / lu dans le contrat.")
@click.option("--operating-yearly/--operating-once", "yearly", default=None,
              help="Fonctionnement versé à chaque anniversaire / une fois à la signature.")
@click.option("--plafond", "caps", multiple=True, metavar="ANNÉE=MONTANT",
              help="Plafond annuel de la sécurité sociale d'une année (répétable).")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (API stable).")
@pass_app
def set_(app: AppContext, project: str, signed, taille_, population, grid, years, operating,
         estimated, yearly, caps, as_json: bool) -> None:
    """Enregistre ou modifie le contrat ; sans option, l'affiche."""
    from cpts_workflow.aci.contract import get_contract, set_contract

    ws = app.workspace
    given = [signed, taille_, population, grid, years, operating, estimated, yearly, *caps]
    if all(v is None for v in given):
        view = get_contract(ws, project)
    else:
        view = set_contract(ws, project, signed=signed, taille_=taille_, population=population,
                            grid=grid, years=years, operating=operating,
                            operating_estimated=estimated, operating_yearly=yearly,
                            caps=list(caps) or None)
    if as_json:
        emit_json(view)
    else:
        _show_contract(view)


# --- amounts ---------------------------------------------------------------------------------

AMOUNT_COLUMNS = [
    ("mission", "Mission"),
    ("year", "Année"),
    ("fixed", "Part fixe"),
    ("variable", "Part variable"),
    ("status_label", "Statut"),
    ("grid", "Grille nationale (fixe / variable)"),
]
AMOUNT_CSV = [
    ("mission", "Mission"),
    ("year", "Année"),
    ("fixed_cents", "Part fixe (centimes)"),
    ("variable_cents", "Part variable (centimes)"),
    ("status", "Statut"),
    ("source", "Source"),
]
AMOUNT_XLSX = [
    ("mission", "mission"),
    ("year", "annee"),
    ("fixed_cents", "part_fixe"),
    ("variable_cents", "part_variable"),
    ("status_word", "statut"),
    ("source", "source"),
]


def _grid_short(figure) -> str:
    from cpts_workflow import french

    if figure is None:
        return "—"
    return "inconnu" if figure.amount_cents is None else french.cents(figure.amount_cents)


def _amount_rows(items) -> list[dict]:
    from cpts_workflow import french

    return [{
        **a.to_dict(),
        "fixed": french.cents(a.fixed_cents),
        "variable": french.cents(a.variable_cents),
        "grid": f"{_grid_short(a.grid_fixed)} / {_grid_short(a.grid_variable)}",
        "status_word": {"contract": "contrat", "estimated": "estimé"}.get(a.status),
    } for a in items]


@contract.command("amounts")
@PROJECT
@click.option("--mission", "mission_id", metavar="MISSION", help="Mission dont on saisit les montants.")
@click.option("--year", "years", type=int, multiple=True, metavar="N",
              help="Année(s) de contrat concernée(s) (par défaut : toutes).")
@click.option("--fixed", metavar="MONTANT", help="Part fixe annuelle, en euros.")
@click.option("--variable", metavar="MONTANT", help="Part variable annuelle (maximum), en euros.")
@click.option("--estimated", is_flag=True, help="Montants estimés (pas encore lus dans le contrat).")
@click.option("--source", metavar="TEXTE", help="D'où viennent ces montants (ex. « annexe 2 du contrat »).")
@click.option("--import", "import_file", type=click.Path(path_type=Path), metavar="FICHIER",
              help="Importe l'annexe d'un fichier .csv, .xlsx ou .yaml.")
@xlsx_option("l'annexe")
@listing_options()
@pass_app
def amounts(app: AppContext, project: str, mission_id, years, fixed, variable, estimated, source,
            import_file, xlsx, fmt: str) -> None:
    """Montants de l'annexe par mission et année : saisis, importés ou affichés."""
    from cpts_workflow.aci.amounts import import_amounts, list_amounts, set_amounts

    ws = app.workspace
    if import_file and mission_id:
        raise click.UsageError("Choisissez --import ou --mission, pas les deux.")
    if import_file:
        items = import_amounts(ws, project, import_file)
        if fmt == "table":
            success(f"Annexe importée depuis {import_file.name}.")
    elif mission_id:
        set_amounts(ws, project, mission_id, years=list(years) or None, fixed=fixed,
                    variable=variable, estimated=estimated, source=source)
        items = list_amounts(ws, project)
    elif fixed or variable:
        raise click.UsageError("Donnez la mission avec --mission.")
    else:
        items = list_amounts(ws, project)
    rows = _amount_rows(items)
    _write_xlsx(xlsx, "Annexe", AMOUNT_XLSX, [r for r in rows if r["status"] != "missing"],
                money=("fixed_cents", "variable_cents"))
    emit_listing(fmt, items, AMOUNT_COLUMNS, lambda: rows, csv_columns=AMOUNT_CSV)


# --- payments --------------------------------------------------------------------------------

PAYMENT_COLUMNS = [
    ("date", "Date"),
    ("label", "Versement"),
    ("expected", "Attendu"),
    ("received", "Reçu"),
    ("status_label", "État"),
    ("key", "Clé"),
]
PAYMENT_CSV = [
    ("due_on", "Date"),
    ("key", "Clé"),
    ("label", "Versement"),
    ("expected_cents", "Attendu (centimes)"),
    ("received_cents", "Reçu (centimes)"),
    ("status", "État"),
    ("detail", "Calcul"),
    ("pending", "Non compris"),
]
PAYMENT_XLSX = [
    ("due_on", "Date"),
    ("key", "Clé"),
    ("label", "Versement"),
    ("expected_cents", "Attendu"),
    ("received_cents", "Reçu"),
    ("status_label", "État"),
    ("detail", "Calcul"),
    ("pending", "Non compris"),
]


def _payment_rows(lines) -> list[dict]:
    from cpts_workflow import french

    return [{
        **p.to_dict(),
        "due_on": p.due_on,
        "date": french.short_date(p.due_on),
        "expected": (french.cents(p.expected_cents) if p.expected_cents is not None else "inconnu")
        + (" (partiel)" if p.pending else ""),
        "received": french.cents(p.received_cents) if p.received_cents else "—",
    } for p in lines]


@contract.command("payments")
@PROJECT
@click.option("--receive", "key", metavar="CLÉ", help="Enregistre un versement reçu pour ce versement attendu.")
@click.option("--amount", metavar="MONTANT", help="Montant reçu, en euros.")
@click.option("--on", "received_on", metavar="DATE", help="Date de réception (JJ/MM/AAAA).")
@click.option("--note", metavar="TEXTE", help="Note (référence du virement…).")
@click.option("--duplicate", "allow_duplicate", is_flag=True,
              help="Enregistre un versement identique (même date, même montant) à un versement "
                   "déjà saisi : un second virement bien réel.")
@ics_option("le calendrier des versements")
@xlsx_option("le calendrier des versements")
@listing_options()
@pass_app
def payments(app: AppContext, project: str, key, amount, received_on, note, allow_duplicate, ics, xlsx,
             fmt: str) -> None:
    """Calendrier des versements : attendus, reçus, en retard ou manquants."""
    from cpts_workflow import french
    from cpts_workflow.aci.payments import payment_schedule, payments_ics, record_payment

    ws = app.workspace
    if key:
        if not amount or not received_on:
            raise click.UsageError("--receive demande aussi --amount et --on.")
        line = record_payment(ws, project, key, amount=amount, received_on=received_on, note=note,
                              allow_duplicate=allow_duplicate)
        if fmt == "table":
            success(f"Versement « {line.label} » : {french.cents(line.received_cents)} reçus "
                    f"sur {french.cents(line.expected_cents)} ({line.status_label}).")
    schedule = payment_schedule(ws, project)
    if ics:
        write_private(ics, payments_ics(ws, schedule))
    rows = _payment_rows(schedule.lines)
    _write_xlsx(xlsx, "Versements", PAYMENT_XLSX, rows, money=("expected_cents", "received_cents"))
    if fmt == "json":
        emit_json(schedule)
        return
    if fmt in FILE_FORMATS:
        emit_file(fmt, PAYMENT_CSV, rows)
        return
    emit_table(PAYMENT_COLUMNS, rows)
    click.echo(f"\nAttendu à ce jour : {french.cents(schedule.expected_to_date_cents)} ; reçu : "
               f"{french.cents(schedule.received_total_cents)} ; attendu sur tout le contrat : "
               f"{french.cents(schedule.expected_total_cents)}"
               + (f" (hors {french.plural(schedule.unknown_lines, 'montant inconnu', 'montants inconnus')})"
                  if schedule.unknown_lines else ""))
    for flag in schedule.flags:
        click.echo(f"⚠ {flag.message}")


# --- indicators ------------------------------------------------------------------------------

INDICATOR_COLUMNS = [
    ("ref", "Indicateur"),
    ("label", "Libellé"),
    ("target_text", "Cible"),
    ("rule_text", "Règle"),
    ("weight", "Poids"),
    ("values_text", "Atteint par année"),
]
INDICATOR_CSV = [
    ("mission", "Mission"),
    ("code", "Code"),
    ("label", "Libellé"),
    ("target", "Cible"),
    ("unit", "Unité"),
    ("rule", "Règle"),
    ("threshold_percent", "Seuil (%)"),
    ("weight_percent", "Poids (%)"),
    ("year", "Année"),
    ("value", "Atteint"),
    ("share_percent", "Obtenu (%)"),
    ("evidence", "Justificatifs"),
    ("entered_by", "Saisi par"),
]


def _indicator_rows(items) -> list[dict]:
    from cpts_workflow import french
    from cpts_workflow.aci.indicators import format_value

    return [{
        **i.to_dict(),
        "ref": f"{i.mission}/{i.code}",
        "target_text": format_value(i.target, i.unit),
        "rule_text": i.rule_label + (f" ({i.threshold_percent} %)" if i.threshold_percent is not None else ""),
        "weight": f"{french.number(i.weight_percent)} %",
        "values_text": " ; ".join(f"année {v.year} : {format_value(v.value, i.unit)}" for v in i.values) or "—",
    } for i in items]


def _indicator_csv_rows(items) -> list[dict]:
    rows = []
    for i in items:
        base = {k: v for k, v in i.to_dict().items() if k != "values"}
        for v in i.values or [None]:
            rows.append({**base, **({
                "year": v.year, "value": v.value, "share_percent": v.share_percent,
                "evidence": ", ".join(f.name for f in v.evidence), "entered_by": v.entered_by,
            } if v else {})})
    return rows


@contract.command("indicators")
@PROJECT
@click.option("--define", "define", metavar="MISSION/CODE", help="Définit (ou modifie) un indicateur.")
@click.option("--label", metavar="TEXTE", help="Libellé de l'indicateur.")
@click.option("--target", metavar="NOMBRE", help="Cible annuelle.")
@click.option("--unit", default="", metavar="UNITÉ", help="Unité (patients, actions…).")
@click.option("--rule", default="proportional", show_default=True,
              type=click.Choice(["proportional", "threshold", "all_or_nothing"]),
              help="Règle d'atteinte du contrat.")
@click.option("--threshold", type=int, metavar="%", help="Seuil de la règle threshold, en % de la cible.")
@click.option("--weight", type=int, metavar="%", help="Part de la rémunération variable de la mission (%).")
@click.option("--record", "record", metavar="MISSION/CODE", help="Saisit la valeur atteinte d'un indicateur.")
@click.option("--year", type=int, metavar="N", help="Année de contrat de la valeur.")
@click.option("--value", metavar="NOMBRE", help="Valeur atteinte.")
@click.option("--note", metavar="TEXTE", help="Note justificative.")
@click.option("--evidence", multiple=True, type=click.Path(path_type=Path), metavar="FICHIER",
              help="Fichier justificatif (répétable ; son empreinte est conservée).")
@listing_options()
@pass_app
def indicators(app: AppContext, project: str, define, label, target, unit, rule, threshold, weight,
               record, year, value, note, evidence, fmt: str) -> None:
    """Indicateurs du contrat : cibles, valeurs atteintes et justificatifs."""
    from cpts_workflow.aci.indicators import (
        define_indicator,
        list_indicators,
        parse_indicator_ref,
        record_value,
    )

    ws = app.workspace
    if define and record:
        raise click.UsageError("Choisissez --define ou --record, pas les deux.")
    if define:
        if not label or target is None:
            raise click.UsageError("--define demande aussi --label et --target.")
        mission_id, code = parse_indicator_ref(define)
        view = define_indicator(ws, project, mission_id, code, label=label, target=target, unit=unit,
                                rule=rule, threshold=threshold, weight=weight)
        if fmt == "table":
            success(f"Indicateur « {view.label} » enregistré.")
    if record:
        if year is None or value is None:
            raise click.UsageError("--record demande aussi --year et --value.")
        mission_id, code = parse_indicator_ref(record)
        view = record_value(ws, project, mission_id, code, year=year, value=value, note=note,
                            evidence=list(evidence))
        if fmt == "table":
            success(f"« {view.label} », année {year} : valeur enregistrée.")
    items = list_indicators(ws, project)
    if fmt in FILE_FORMATS:  # one line per indicator and year, for a spreadsheet
        emit_file(fmt, INDICATOR_CSV, _indicator_csv_rows(items))
        return
    emit_listing(fmt, items, INDICATOR_COLUMNS, lambda: _indicator_rows(items),
                 empty="Aucun indicateur : définissez-les avec --define MISSION/CODE.")


# --- spend -----------------------------------------------------------------------------------

BUDGET_COLUMNS = [
    ("label", "Enveloppe"),
    ("received", "Reçu"),
    ("spent", "Dépensé"),
    ("balance", "Solde"),
    ("categories", "Par catégorie"),
]
BUDGET_CSV = [
    ("envelope", "Enveloppe"),
    ("received_cents", "Reçu (centimes)"),
    ("spent_cents", "Dépensé (centimes)"),
    ("balance_cents", "Solde (centimes)"),
    ("overspent", "Dépassement"),
]
SPENDING_XLSX = [
    ("spent_on", "Date"),
    ("envelope", "Enveloppe"),
    ("category_label", "Catégorie"),
    ("amount_cents", "Montant"),
    ("professional", "Professionnel"),
    ("label", "Libellé"),
    ("recorded_by", "Saisi par"),
]


def _budget_rows(view) -> list[dict]:
    from cpts_workflow import french
    from cpts_workflow.aci.budget import CATEGORIES

    return [{
        **e.to_dict(),
        "received": french.cents(e.received_cents),
        "spent": french.cents(e.spent_cents),
        "balance": french.cents(e.balance_cents),
        "categories": " ; ".join(f"{CATEGORIES[c]} {french.cents(v)}" for c, v in e.by_category.items()) or "—",
    } for e in view.envelopes]


@contract.command("spend")
@PROJECT
@click.option("--add", "envelope", metavar="ENVELOPPE", help="Enregistre une dépense sur une mission ou « fonctionnement ».")
@click.option("--category", metavar="CATÉGORIE",
              help="coordination, professionnels, locaux, informatique ou communication.")
@click.option("--amount", metavar="MONTANT", help="Montant en euros.")
@click.option("--on", "spent_on", metavar="DATE", help="Date de la dépense (JJ/MM/AAAA).")
@click.option("--professional", metavar="NOM", help="Professionnel rémunéré (catégorie professionnels).")
@click.option("--label", metavar="TEXTE", help="Libellé de la dépense.")
@click.option("--year", type=int, metavar="N", help="Seulement cette année de contrat.")
@xlsx_option("les dépenses")
@listing_options()
@pass_app
def spend(app: AppContext, project: str, envelope, category, amount, spent_on, professional, label,
          year, xlsx, fmt: str) -> None:
    """Budget par mission : reçu, dépensé par catégorie, solde ; alertes de dépassement."""
    from cpts_workflow.aci.budget import budget, record_spending

    ws = app.workspace
    if envelope:
        if not category or not amount or not spent_on:
            raise click.UsageError("--add demande aussi --category, --amount et --on.")
        record_spending(ws, project, envelope, category=category, amount=amount, spent_on=spent_on,
                        professional=professional, label=label)
        if fmt == "table":
            success("Dépense enregistrée.")
    view = budget(ws, project, year=year)
    _write_xlsx(xlsx, "Dépenses", SPENDING_XLSX, [s.to_dict() | {"spent_on": s.spent_on} for s in view.spending],
                money=("amount_cents",))
    if fmt == "json":
        emit_json(view)
        return
    rows = _budget_rows(view)
    if fmt in FILE_FORMATS:
        emit_file(fmt, BUDGET_CSV, rows)
        return
    emit_table(BUDGET_COLUMNS, rows)
    for warning in view.warnings:
        click.echo(f"⚠ {warning}")


# --- review and portfolio ---------------------------------------------------------------------


@contract.command("review")
@PROJECT
@click.option("--year", type=int, required=True, metavar="N", help="Année de contrat du dialogue de gestion.")
@click.option("--format", "fmt", default="docx", show_default=True,
              type=click.Choice(["docx", "odt", "pdf", "html", "md"]), help="Format du dossier.")
@click.option("--annex", default="xlsx", show_default=True, type=click.Choice(["xlsx", "csv", "none"]),
              help="Annexe chiffrée.")
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("."), show_default=True,
              metavar="DOSSIER", help="Dossier où écrire le dossier et son annexe.")
@click.option("--json", "as_json", is_flag=True, help="Le contenu du dossier en JSON (rien n'est écrit).")
@pass_app
def review(app: AppContext, project: str, year: int, fmt: str, annex: str, out: Path, as_json: bool) -> None:
    """Produit le dossier du dialogue de gestion annuel avec la CPAM."""
    from cpts_workflow.aci.review import review_pack, write_review

    ws = app.workspace
    if as_json:
        emit_json(review_pack(ws, project, year))
        return
    files = write_review(ws, project, year, out, fmt=fmt, annex=None if annex == "none" else annex)
    success(f"Dossier écrit : {files.document}")
    if files.annex:
        success(f"Annexe écrite : {files.annex}")


PORTFOLIO_COLUMNS = [
    ("project_name", "Projet"),
    ("review", "Dialogue de gestion"),
    ("late", "Missions en retard"),
    ("expected", "Attendu à ce jour"),
    ("received", "Reçu"),
    ("missing_payments", "Versements manquants"),
]


@contract.command("portfolio")
@click.option("--within", type=int, default=60, show_default=True, metavar="JOURS",
              help="Dialogue de gestion dû dans ce nombre de jours.")
@click.option("--officer", metavar="NOM", help="Seulement les projets de ce·tte chargé·e de mission.")
@listing_options()
@pass_app
def portfolio_(app: AppContext, within: int, officer, fmt: str) -> None:
    """Contrats suivis : dialogues de gestion à venir, missions en retard, versements."""
    from cpts_workflow import french
    from cpts_workflow.aci.portfolio import portfolio

    items = portfolio(app.workspace, within=within, officer=officer)

    def rows() -> list[dict]:
        return [{
            **s.to_dict(),
            "review": (("⚠ " if s.review_due else "") + f"le {french.short_date(s.next_review_on)} "
                       f"(dans {french.plural(s.days_to_review or 0, 'jour')})") if s.next_review_on else "contrat terminé",
            "late": ", ".join(s.late_missions) or "—",
            "expected": french.cents(s.expected_to_date_cents),
            "received": french.cents(s.received_cents),
        } for s in items]

    emit_listing(fmt, items, PORTFOLIO_COLUMNS, rows, empty="Aucun contrat ACI enregistré.")


COMMANDS = [contract]
