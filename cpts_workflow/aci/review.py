"""The yearly review pack for the dialogue de gestion with the CPAM.

Per mission: start and deployment against the 6/12/18/24-month deadlines, indicators
with their target, value achieved and evidence, amounts of the annex, money received and
spent in the contract year, variable part claimed. Written as Markdown and converted by
the documents machinery (DOCX, ODT, HTML, PDF), with a CSV or XLSX annex of the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import french
from ..errors import BadInput
from ..files import safe_stem, write_private
from ..views import View
from .amounts import amount_views
from .budget import BudgetView, budget_in
from .calendar import flags_for, mission_rows, mission_states
from .contract import ContractView, check_year, contract_row, contract_view, year_start
from .indicators import IndicatorView, format_value, indicator_views
from .payments import PaymentLine, schedule_in
from .sheets import Sheet, csv_bytes, xlsx_bytes

if TYPE_CHECKING:
    from ..workspace import Workspace

FORMATS = ("docx", "odt", "pdf", "html", "md")
ANNEX_FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class ReviewMission(View):
    mission: str
    label: str
    started_on: date | None
    start_deadline: date | None
    deployed_on: date | None
    deployment_deadline: date | None
    state_label: str
    deadline_notes: list[str]
    fixed_cents: int | None
    variable_cents: int | None
    amounts_status: str
    indicators: list[IndicatorView]
    received_cents: int
    spent_cents: int
    variable_claimed_cents: int | None
    variable_pending: str | None


@dataclass(frozen=True)
class ReviewPack(View):
    contract: ContractView
    year: int
    starts_on: date
    ends_on: date
    prepared_on: date
    prepared_by: str
    missions: list[ReviewMission]
    payments: list[PaymentLine]
    budget: BudgetView
    warnings: list[str]


@dataclass(frozen=True)
class ReviewFiles(View):
    document: str
    annex: str | None
    year: int


def review_pack(ws: Workspace, ref: str | int, year: int) -> ReviewPack:
    """Everything the dialogue de gestion of contract year `year` asks for."""
    with ws.session() as session:
        project = ws.get_project(session, ref)
        row = contract_row(session, project)
        check_year(year, row.years)
        contract = contract_view(ws, session, project, row)
        rows = mission_rows(session, [project.id])[project.id]
        states = mission_states(row.signed_on, contract.missions, rows)
        schedule = schedule_in(ws, session, project, row)
        lines = [line for line in schedule.lines if line.year == year]
        budget = budget_in(ws, session, project, row, year)
        amounts = {(a.mission, a.year): a for a in amount_views(ws, session, project, row)}
        indicators = indicator_views(session, project)
        today = ws.now().date()
        flags = flags_for(project, row.signed_on, contract.missions, rows, today)
        missions = []
        for state in states:
            amount = amounts.get((state.mission, year))
            balance = next(
                (x for x in lines if x.kind == "balance" and x.envelope == state.mission), None
            )
            envelope = next(e for e in budget.envelopes if e.envelope == state.mission)
            missions.append(
                ReviewMission(
                    state.mission,
                    state.label,
                    state.started_on,
                    state.start_deadline,
                    state.deployed_on,
                    state.deployment_deadline,
                    state.state_label,
                    [f.message for f in flags if f.mission == state.mission],
                    amount.fixed_cents if amount else None,
                    amount.variable_cents if amount else None,
                    amount.status_label if amount else "non saisi",
                    [i for i in indicators if i.mission == state.mission],
                    envelope.received_cents,
                    envelope.spent_cents,
                    balance.variable_cents if balance else None,
                    balance.pending if balance else "mission non démarrée",
                )
            )
        return ReviewPack(
            contract,
            year,
            year_start(row.signed_on, year),
            year_start(row.signed_on, year + 1),
            today,
            ws.actor,
            missions,
            lines,
            budget,
            [*budget.warnings, *(f.message for f in schedule.flags if f.key in {x.key for x in lines})],
        )


# --- the document ----------------------------------------------------------------------------


def _cell(text: Any) -> str:
    return str(text).replace("|", "/").replace("\n", " ")


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def _deadline(done: date | None, deadline: date | None) -> str:
    if deadline is None:
        return f"le {french.short_date(done)}" if done else "calendrier de la CPTS"
    if done is None:
        return f"attendu au plus tard le {french.short_date(deadline)}"
    late = (done - deadline).days
    verdict = "dans les délais" if late <= 0 else f"{french.plural(late, 'jour')} de retard"
    return f"le {french.short_date(done)} (échéance {french.short_date(deadline)}, {verdict})"


def review_markdown(pack: ReviewPack) -> str:
    c = pack.contract
    lines = [
        f"# Dialogue de gestion — {c.project_name}",
        "",
        f"Contrat ACI signé le {french.short_date(c.signed_on)}, taille {c.taille} "
        f"({c.taille_label}), grille « {c.grid_label} ».",
        f"Année de contrat {pack.year} : du {french.short_date(pack.starts_on)} au "
        f"{french.short_date(pack.ends_on)} (veille de l'anniversaire exclue).",
        f"Dossier préparé le {french.long_date(pack.prepared_on)} par {pack.prepared_by}.",
        "",
        "## Synthèse",
        "",
        *_table(
            ["Mission", "Démarrage", "Reçu", "Dépensé", "Part variable réclamée"],
            [
                [
                    m.label,
                    french.short_date(m.started_on) if m.started_on else "non démarrée",
                    french.cents(m.received_cents),
                    french.cents(m.spent_cents),
                    french.cents(m.variable_claimed_cents)
                    if m.variable_claimed_cents is not None
                    else (m.variable_pending or "—"),
                ]
                for m in pack.missions
            ],
        ),
    ]
    for m in pack.missions:
        lines += [
            f"## {m.label}",
            "",
            f"- Démarrage : {_deadline(m.started_on, m.start_deadline)}.",
            f"- Déploiement complet : {_deadline(m.deployed_on, m.deployment_deadline)}.",
            f"- Annexe, année {pack.year} : part fixe {french.cents(m.fixed_cents)}, part "
            f"variable {french.cents(m.variable_cents)} ({m.amounts_status}).",
            f"- Reçu pour l'année : {french.cents(m.received_cents)} ; dépensé : "
            f"{french.cents(m.spent_cents)}.",
            "- Part variable réclamée : "
            + (
                french.cents(m.variable_claimed_cents)
                if m.variable_claimed_cents is not None
                else m.variable_pending or "—"
            )
            + ".",
            *(f"- ⚠ {note}" for note in m.deadline_notes),
            "",
        ]
        if not m.indicators:
            lines += ["Aucun indicateur saisi pour cette mission.", ""]
            continue
        lines += ["### Indicateurs", ""]
        rows = []
        for ind in m.indicators:
            value = ind.value_of(pack.year)
            rows.append(
                [
                    ind.label,
                    format_value(ind.target, ind.unit),
                    format_value(value.value, ind.unit) if value else "non saisi",
                    ind.rule_label
                    + (f" ({ind.threshold_percent} %)" if ind.threshold_percent is not None else ""),
                    f"{french.number(ind.weight_percent)} %",
                    f"{french.number(value.share_percent, 1)} %" if value else "—",
                ]
            )
        lines += _table(["Indicateur", "Cible", "Atteint", "Règle", "Poids", "Obtenu"], rows)
        evidence = [
            (ind, value) for ind in m.indicators if (value := ind.value_of(pack.year)) is not None
        ]
        if evidence:
            lines += ["Justificatifs :", ""]
            for ind, value in evidence:
                files = ", ".join(f"{f.name} (empreinte {f.sha256[:12]})" for f in value.evidence)
                lines.append(
                    f"- {ind.label} : {value.note or 'sans note'}"
                    + (f" ; fichiers : {files}" if files else " ; aucun fichier")
                    + f" — saisi par {value.entered_by} le {french.short_date(value.entered_at)}."
                )
            lines.append("")
    lines += ["## Versements de l'année", ""]
    lines += _table(
        ["Date", "Versement", "Attendu", "Reçu", "État"],
        [
            [
                french.short_date(p.due_on),
                p.label,
                french.cents(p.expected_cents) if p.expected_cents is not None else "inconnu",
                french.cents(p.received_cents),
                p.status_label,
            ]
            for p in pack.payments
        ],
    )
    lines += ["## Dépenses de l'année par enveloppe", ""]
    lines += _table(
        ["Enveloppe", "Reçu", "Dépensé", "Solde"],
        [
            [e.label, french.cents(e.received_cents), french.cents(e.spent_cents), french.cents(e.balance_cents)]
            for e in pack.budget.envelopes
        ],
    )
    lines += ["## Points d'attention", ""]
    lines += [f"- {w}" for w in pack.warnings] or ["Aucun."]
    return "\n".join(lines) + "\n"


ANNEX_COLUMNS = [
    ("mission", "Mission"),
    ("indicator", "Indicateur"),
    ("target", "Cible"),
    ("value", "Atteint"),
    ("unit", "Unité"),
    ("rule", "Règle"),
    ("weight", "Poids (%)"),
    ("share", "Obtenu (%)"),
    ("evidence", "Justificatifs"),
    ("entered_by", "Saisi par"),
]
PAYMENT_COLUMNS = [
    ("due_on", "Date"),
    ("label", "Versement"),
    ("expected_cents", "Attendu"),
    ("received_cents", "Reçu"),
    ("status_label", "État"),
]


def annex_rows(pack: ReviewPack) -> list[dict[str, Any]]:
    rows = []
    for m in pack.missions:
        for ind in m.indicators:
            value = ind.value_of(pack.year)
            rows.append(
                {
                    "mission": m.label,
                    "indicator": ind.label,
                    "target": ind.target,
                    "value": value.value if value else None,
                    "unit": ind.unit,
                    "rule": ind.rule_label,
                    "weight": ind.weight_percent,
                    "share": round(value.share_percent, 1) if value else None,
                    "evidence": ", ".join(f.name for f in value.evidence) if value else None,
                    "entered_by": value.entered_by if value else None,
                }
            )
    return rows


@dataclass(frozen=True)
class ReviewDocument(View):
    """The review pack as one file handed over whole (to a browser)."""

    file_name: str
    data: bytes
    year: int


def _document(ws: Workspace, ref: str | int, year: int, fmt: str) -> tuple[ReviewPack, str, bytes]:
    """The pack of `year`, its file stem and its document in `fmt` (nothing recorded)."""
    from ..documents.convert import convert

    if fmt not in FORMATS:
        raise BadInput(f"Format « {fmt} » non pris en charge.", f"Formats : {', '.join(FORMATS)}.")
    pack = review_pack(ws, ref, year)
    title = f"Dialogue de gestion — {pack.contract.project_name} — année {year}"
    stem = safe_stem(f"revue-aci-{pack.contract.project_slug}-annee-{year}")
    return pack, stem, convert(review_markdown(pack), fmt, title)


def _audit(ws: Workspace, ref: str | int, year: int, fmt: str, file: str, annex: str | None) -> None:
    with ws.changing(ref, "contract") as (session, project):
        ws.record_event(
            session,
            project,
            "contract_review_generated",
            comment=f"année {year} : {file}",
            payload={"year": year, "format": fmt, "file": file, "annex": annex},
        )


def review_document(ws: Workspace, ref: str | int, year: int, *, fmt: str = "docx") -> ReviewDocument:
    """The review pack of `year` as one document (no annex, no file written); audited."""
    with ws.session() as session:  # refused before the conversion's cost, not after
        ws.get_project(session, ref, "contract")
    _, stem, data = _document(ws, ref, year, fmt)
    name = f"{stem}.{fmt}"
    _audit(ws, ref, year, fmt, name, None)
    return ReviewDocument(name, data, year)


def write_review(
    ws: Workspace,
    ref: str | int,
    year: int,
    out_dir: str | Path,
    *,
    fmt: str = "docx",
    annex: str | None = "xlsx",
) -> ReviewFiles:
    """Write the review pack (and its annex) into `out_dir`; audited."""
    if annex is not None and annex not in ANNEX_FORMATS:
        raise BadInput(f"Format d'annexe « {annex} » non pris en charge.", "Formats : xlsx, csv.")
    pack, stem, data = _document(ws, ref, year, fmt)
    folder = Path(out_dir)
    document = write_private(folder / f"{stem}.{fmt}", data)
    annex_path = None
    if annex == "xlsx":
        payments = [{**p.to_dict(), "due_on": p.due_on} for p in pack.payments]
        data = xlsx_bytes(
            [
                Sheet("Indicateurs", ANNEX_COLUMNS, annex_rows(pack)),
                Sheet("Versements", PAYMENT_COLUMNS, payments, frozenset({"expected_cents", "received_cents"})),
            ]
        )
        annex_path = write_private(folder / f"{stem}-annexe.xlsx", data)
    elif annex == "csv":
        annex_path = write_private(folder / f"{stem}-annexe.csv", csv_bytes(ANNEX_COLUMNS, annex_rows(pack)))
    _audit(ws, ref, year, fmt, document.name, annex_path.name if annex_path else None)
    return ReviewFiles(str(document), str(annex_path) if annex_path else None, year)
