"""The contract's payment calendar: what the Assurance Maladie should pay, when, and what
came in.

Rules (arrêté du 21 août 2019, annexe art. 8–9 ; ACI art. 9.1 ; rapport Sénat MECSS
n° 32, 2025-2026):

- the fonctionnement is paid in full at signature (every year at the anniversary too
  when the contract says so: sources disagree, à confirmer);
- when a mission starts, 75 % of its fixed part for that contract year is advanced,
  prorated to the next anniversary (days left ÷ days of the contract year);
- at each anniversary, per started mission, the balance of the year just ended (its
  fixed part, plus its variable part × the share the indicators earned, both prorated
  for the year the mission started, minus the advance) and the advance (75 % of the
  fixed part) for the year beginning.

Amounts are computed exactly (`Fraction`) and rounded once to the cent, half up. A
payment more than `GRACE_DAYS` after its date is late; nothing received by then is
missing. The texts set no payment delay: the grace period is ours.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import french
from ..errors import BadInput, NotFound, Refused
from ..limits import clean_text
from ..store.models import AciContract, ContractPayment, Project
from ..views import View
from .amounts import amounts_by_key
from .calendar import chosen_missions, mission_rows
from .contract import contract_row, year_of, year_start
from .grids import get_grid
from .indicators import achievements
from .missions import MISSIONS, MISSIONS_BY_ID
from .money import parse_cents, round_cents

if TYPE_CHECKING:
    from ..workspace import Workspace

GRACE_DAYS = 30
DEFAULT_ADVANCE = Fraction(75, 100)
OPERATING = "fonctionnement"
STATUS_LABELS = {
    "upcoming": "à venir",
    "due": "attendu",
    "received": "reçu",
    "late": "reçu en retard",
    "partial": "partiel",
    "missing": "manquant",
    "unknown": "montant inconnu",
    "nothing": "rien à verser",
}
KIND_ORDER = {"operating": 0, "balance": 1, "advance": 2}


@dataclass(frozen=True)
class PaymentLine(View):
    key: str  # stable: what is paid, never the date (`solde-acces-1`)
    kind: str  # operating | advance | balance
    envelope: str  # a mission id or `fonctionnement`
    year: int
    due_on: date
    label: str
    expected_cents: int | None  # None: an amount of the annex is missing
    detail: str
    pending: str | None  # what the expected amount does not include yet
    variable_cents: int | None  # in a balance: the variable part earned (claimed)
    received_cents: int
    received_on: date | None
    status: str
    status_label: str


@dataclass(frozen=True)
class PaymentFlag(View):
    key: str
    kind: str  # missing | partial | late
    due_on: date
    message: str


@dataclass(frozen=True)
class PaymentSchedule(View):
    project_slug: str
    project_name: str
    signed_on: date
    grace_days: int
    lines: list[PaymentLine]
    expected_total_cents: int
    expected_to_date_cents: int
    received_total_cents: int
    unknown_lines: int
    flags: list[PaymentFlag]


@dataclass(frozen=True)
class _Due:
    key: str
    kind: str
    envelope: str
    year: int
    due_on: date
    label: str
    expected: int | None
    detail: str
    pending: str | None = None
    variable: int | None = None


def _ordinal(year: int) -> str:
    return f"{year}{'re' if year == 1 else 'e'} année"


def expected_payments(
    *,
    signed_on: date,
    years: int,
    operating_cents: int | None,
    operating_yearly: bool,
    missions: list[str],
    starts: Mapping[str, date | None],
    amounts: Mapping[tuple[str, int], tuple[int | None, int | None]],
    achieved: Mapping[tuple[str, int], Fraction | None],
    advance_rate: Fraction = DEFAULT_ADVANCE,
) -> list[_Due]:
    """Every payment the contract schedules, soonest first (the rules in the module doc)."""
    rate_text = f"{french.number(float(advance_rate * 100))} %"
    dues = [
        _Due(
            f"{OPERATING}-1",
            "operating",
            OPERATING,
            1,
            signed_on,
            "Fonctionnement",
            operating_cents,
            "Versé en entier à la signature.",
        )
    ]
    if operating_yearly:
        dues += [
            _Due(
                f"{OPERATING}-{n}",
                "operating",
                OPERATING,
                n,
                year_start(signed_on, n),
                "Fonctionnement",
                operating_cents,
                "Versé à chaque anniversaire (selon le contrat).",
            )
            for n in range(2, years + 1)
        ]
    for mission_id in missions:
        started = starts.get(mission_id)
        first = year_of(signed_on, years, started) if started else None
        if started is None or first is None:
            continue  # not started (or outside the contract): nothing scheduled yet
        label = MISSIONS_BY_ID[mission_id].label
        end = year_start(signed_on, first + 1)
        days = (end - started).days
        year_days = (end - year_start(signed_on, first)).days
        prorata = Fraction(days, year_days)
        advances: dict[int, int | None] = {}
        fixed0 = amounts.get((mission_id, first), (None, None))[0]
        advances[first] = None if fixed0 is None else round_cents(fixed0 * advance_rate * prorata)
        dues.append(
            _Due(
                f"avance-{mission_id}-{first}",
                "advance",
                mission_id,
                first,
                started,
                f"Avance au démarrage — {label}",
                advances[first],
                f"{rate_text} de la part fixe ({french.cents(fixed0)}) × {days}/{year_days} jours "
                "jusqu'à l'anniversaire.",
            )
        )
        for n in range(first, years + 1):
            share = prorata if n == first else Fraction(1)
            fixed, variable = amounts.get((mission_id, n), (None, None))
            pending = None
            variable_due: int | None = None
            if fixed is None or advances[n] is None:
                expected = None
                detail = "Part fixe de l'année non saisie dans l'annexe."
            else:
                fixed_due = round_cents(fixed * share)
                ratio = achieved.get((mission_id, n))
                if variable is None:
                    variable_due, pending = 0, "part variable non saisie dans l'annexe"
                elif variable == 0:
                    variable_due = 0
                elif ratio is None:
                    variable_due = 0
                    pending = f"part variable à évaluer (indicateurs de l'année {n})"
                else:
                    variable_due = round_cents(variable * ratio * share)
                expected = fixed_due + variable_due - advances[n]  # type: ignore[operator]
                prorated = f" × {days}/{year_days} jours" if n == first else ""
                variable_text = (
                    f"part variable {french.cents(variable)} × "
                    f"{french.number(float((ratio or 0) * 100), 1)} % atteints{prorated} = "
                    f"{french.cents(variable_due)}"
                    if pending is None and variable
                    else "part variable non comprise"
                    if pending
                    else "pas de part variable"
                )
                detail = (
                    f"Part fixe {french.cents(fixed)}{prorated} = {french.cents(fixed_due)} ; "
                    f"{variable_text} ; moins l'avance de {french.cents(advances[n])}."
                )
            dues.append(
                _Due(
                    f"solde-{mission_id}-{n}",
                    "balance",
                    mission_id,
                    n,
                    year_start(signed_on, n + 1),
                    f"Solde {_ordinal(n)} — {label}",
                    expected,
                    detail,
                    pending,
                    None if pending else variable_due,
                )
            )
            if n < years:
                next_fixed = amounts.get((mission_id, n + 1), (None, None))[0]
                advances[n + 1] = (
                    None if next_fixed is None else round_cents(next_fixed * advance_rate)
                )
                dues.append(
                    _Due(
                        f"avance-{mission_id}-{n + 1}",
                        "advance",
                        mission_id,
                        n + 1,
                        year_start(signed_on, n + 1),
                        f"Avance {_ordinal(n + 1)} — {label}",
                        advances[n + 1],
                        f"{rate_text} de la part fixe ({french.cents(next_fixed)}).",
                    )
                )
    order = {m.id: i for i, m in enumerate(MISSIONS)}
    return sorted(
        dues,
        key=lambda d: (d.due_on, KIND_ORDER[d.kind], order.get(d.envelope, -1), d.year),
    )


def _status(due: _Due, received: int, last: date | None, today: date, grace: int) -> str:
    limit = due.due_on + timedelta(days=grace)
    if due.expected is None:
        return "received" if received else "unknown"
    if due.expected <= 0 and not received:
        return "nothing"
    if received >= due.expected:
        return "late" if last and last > limit else "received"
    if received:
        return "partial"
    if today < due.due_on:
        return "upcoming"
    return "due" if today <= limit else "missing"


def _flag(line: PaymentLine, today: date, grace: int) -> PaymentFlag | None:
    what = f"Versement « {line.label} » du {french.short_date(line.due_on)}"
    overdue = (today - line.due_on).days
    if line.status == "missing":
        return PaymentFlag(
            line.key,
            "missing",
            line.due_on,
            f"{what} : rien reçu, {french.plural(overdue, 'jour')} après l'échéance.",
        )
    if line.status == "partial" and overdue > grace:
        return PaymentFlag(
            line.key,
            "partial",
            line.due_on,
            f"{what} : {french.cents(line.received_cents)} reçus sur "
            f"{french.cents(line.expected_cents)} attendus.",
        )
    if line.status == "late" and line.received_on:
        late = (line.received_on - line.due_on).days
        return PaymentFlag(
            line.key,
            "late",
            line.due_on,
            f"{what} : reçu le {french.short_date(line.received_on)}, "
            f"{french.plural(late, 'jour')} après l'échéance.",
        )
    return None


def received_by_key(session: Session, project: Project) -> dict[str, list[ContractPayment]]:
    out: dict[str, list[ContractPayment]] = {}
    for row in session.scalars(
        select(ContractPayment)
        .where(ContractPayment.project_id == project.id)
        .order_by(ContractPayment.received_on, ContractPayment.id)
    ):
        out.setdefault(row.line_key, []).append(row)
    return out


def dues_of(ws: Workspace, session: Session, project: Project, contract: AciContract) -> list[_Due]:
    rows = mission_rows(session, [project.id])[project.id]
    grid = get_grid(ws, contract.grid_id)
    rate = grid.advance_percent.amount
    return expected_payments(
        signed_on=contract.signed_on,
        years=contract.years,
        operating_cents=contract.operating_cents,
        operating_yearly=contract.operating_yearly,
        missions=chosen_missions(rows),
        starts={m: r.started_on for m, r in rows.items()},
        amounts={k: (r.fixed_cents, r.variable_cents) for k, r in amounts_by_key(session, project).items()},
        achieved=achievements(session, project),
        advance_rate=Fraction(rate, 100) if rate is not None else DEFAULT_ADVANCE,
    )


def schedule_in(
    ws: Workspace, session: Session, project: Project, contract: AciContract, *, grace: int = GRACE_DAYS
) -> PaymentSchedule:
    today = ws.now().date()
    received = received_by_key(session, project)
    lines = []
    for due in dues_of(ws, session, project, contract):
        got = received.get(due.key, [])
        total = sum(p.amount_cents for p in got)
        last = got[-1].received_on if got else None
        status = _status(due, total, last, today, grace)
        lines.append(
            PaymentLine(
                due.key,
                due.kind,
                due.envelope,
                due.year,
                due.due_on,
                due.label,
                due.expected,
                due.detail,
                due.pending,
                due.variable,
                total,
                last,
                status,
                STATUS_LABELS[status],
            )
        )
    flags = [f for f in (_flag(line, today, grace) for line in lines) if f]
    return PaymentSchedule(
        project.slug,
        project.name,
        contract.signed_on,
        grace,
        lines,
        sum(line.expected_cents or 0 for line in lines),
        sum(line.expected_cents or 0 for line in lines if line.due_on <= today),
        sum(line.received_cents for line in lines),
        sum(1 for line in lines if line.expected_cents is None),
        flags,
    )


def payment_schedule(ws: Workspace, ref: str | int, *, grace: int = GRACE_DAYS) -> PaymentSchedule:
    """The payment calendar of a project's contract with what was received."""
    with ws.session() as session:
        project = ws.get_project(session, ref)
        return schedule_in(ws, session, project, contract_row(session, project), grace=grace)


def refuse_duplicate(session: Session, project: Project, key: str, day: date, cents: int) -> None:
    """`Refused` when this very payment (expected payment, day, amount) is already recorded."""
    found = session.scalar(
        select(ContractPayment.recorded_by).where(
            ContractPayment.project_id == project.id,
            ContractPayment.line_key == key,
            ContractPayment.received_on == day,
            ContractPayment.amount_cents == cents,
        ).limit(1)
    )
    if found is not None:
        raise Refused(
            f"Ce versement est déjà enregistré : {french.cents(cents)} reçus le "
            f"{french.short_date(day)} pour « {key} » (saisi par {found}).",
            "S'il s'agit bien d'un second versement identique, confirmez-le ; "
            "sinon, rien n'est à refaire.",
            topic="duplicate_payment",
            details={"key": key, "amount_cents": cents, "received_on": day.isoformat()},
        )


def record_payment(
    ws: Workspace,
    ref: str | int,
    key: str,
    *,
    amount: object,
    received_on: date | str,
    note: str | None = None,
    allow_duplicate: bool = False,
    expected_version: int | None = None,
) -> PaymentLine:
    """Record money received against one expected payment (by its key); audited.

    The same payment twice (same expected payment, same day, same amount) is refused
    unless `allow_duplicate`: a form sent twice or a statement typed in again would
    otherwise add the amounts silently.
    """
    cents = parse_cents(amount, "Montant reçu")
    if cents == 0:
        raise BadInput("Un versement reçu a un montant positif.")
    day = french.parse_date(received_on)
    note = clean_text(note, "La note du versement")
    with ws.changing(ref, "contract", expected_version) as (session, project):
        contract = contract_row(session, project)
        keys = [d.key for d in dues_of(ws, session, project, contract)]
        key = key.strip()
        if key not in keys:
            close = difflib.get_close_matches(key, keys, n=3)
            raise NotFound(
                f"Aucun versement « {key} » n'est prévu par ce contrat.",
                (f"Vouliez-vous dire : {', '.join(close)} ? " if close else "")
                + "Le calendrier des versements donne leurs clés.",
            )
        if day < contract.signed_on:
            raise BadInput(
                f"Versement reçu le {french.short_date(day)}, avant la signature du contrat "
                f"({french.short_date(contract.signed_on)})."
            )
        if not allow_duplicate:
            refuse_duplicate(session, project, key, day, cents)
        session.add(
            ContractPayment(
                project_id=project.id,
                line_key=key,
                received_on=day,
                amount_cents=cents,
                note=note,
                recorded_by=ws.actor,
                recorded_at=ws.now(),
            )
        )
        session.flush()
        ws.record_event(
            session,
            project,
            "payment_received",
            comment=f"{key} : {french.cents(cents)} reçus le {french.short_date(day)}",
            payload={
                "key": key,
                "amount_cents": cents,
                "received_on": day.isoformat(),
                **({"duplicate": True} if allow_duplicate else {}),
            },
        )
        return next(line for line in schedule_in(ws, session, project, contract).lines if line.key == key)


def payments_ics(ws: Workspace, schedule: PaymentSchedule) -> bytes:
    """The payment calendar as .ics: one all-day event per expected payment."""
    from ..ics import IcsEvent, to_ics, uid

    return to_ics(
        (
            IcsEvent(
                uid(schedule.project_slug, f"paiement-{line.key}"),
                f"{schedule.project_name} : {line.label} — {french.cents(line.expected_cents)}"
                if line.expected_cents is not None
                else f"{schedule.project_name} : {line.label} — montant inconnu",
                line.due_on,
                line.detail + (f" Non compris : {line.pending}." if line.pending else ""),
            )
            for line in schedule.lines
        ),
        name=f"Versements ACI — {schedule.project_name}",
        stamp=ws.now(),
    )
