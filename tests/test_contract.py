"""The ACI contract after signature: amounts, payment calendar, indicators, budget, review.

The payment calendar is checked on a T3 contract signed on 15/04/2026 whose figures are
computed by hand below, with a fixed clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from docx import Document
from icalendar import Calendar
from openpyxl import Workbook, load_workbook

from cpts_workflow.aci.amounts import import_amounts, list_amounts, set_amounts
from cpts_workflow.aci.budget import budget, record_spending
from cpts_workflow.aci.calendar import record_mission
from cpts_workflow.aci.contract import get_contract, set_contract
from cpts_workflow.aci.indicators import define_indicator, earned, list_indicators, record_value
from cpts_workflow.aci.money import parse_cents, round_cents
from cpts_workflow.aci.payments import payment_schedule, payments_ics, record_payment
from cpts_workflow.aci.portfolio import portfolio
from cpts_workflow.aci.review import review_pack, write_review
from cpts_workflow.errors import BadInput, NotFound, Refused
from cpts_workflow.store.models import ContractAmount

P = "cpts-du-pays-d-aix"


# --- money -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("90 000", 9_000_000),
        ("58 808,22 €", 5_880_822),
        ("1234.5", 123_450),
        (17500, 1_750_000),
        (1234.56, 123_456),
        (Decimal("0.01"), 1),
        ("131\u202f250", 13_125_000),
    ],
)
def test_amounts_parse_to_exact_cents(text, cents) -> None:
    assert parse_cents(text) == cents


@pytest.mark.parametrize("text", ["12,345", "-5", "douze", "1e400", "nan", True, "200000000"])
def test_bad_amounts_are_refused_in_french(text) -> None:
    with pytest.raises(BadInput):
        parse_cents(text)


def test_rounding_is_half_up_on_exact_values() -> None:
    assert round_cents(Fraction(5, 2)) == 3
    assert round_cents(Fraction(67_500_00 * 318, 365)) == 5_880_822


def test_achievement_rules() -> None:
    assert earned("proportional", Decimal(1000), Decimal(800), None) == Fraction(4, 5)
    assert earned("proportional", Decimal(1000), Decimal(1500), None) == 1
    assert earned("threshold", Decimal(100), Decimal(40), 50) == 0
    assert earned("threshold", Decimal(100), Decimal(60), 50) == Fraction(3, 5)
    assert earned("all_or_nothing", Decimal(12), Decimal(11), None) == 0
    assert earned("all_or_nothing", Decimal(12), Decimal(12), None) == 1


# --- the hand-computed contract ----------------------------------------------------------------


@pytest.fixture
def contract(ws, clock):
    """T3 contract signed 15/04/2026: fonctionnement 131 250 €; accès aux soins 90 000 +
    35 000 €, started 01/06/2026; parcours 45 000 + 45 000 €, started 01/02/2027."""
    ws.init()
    ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin")
    ws.check(P, "aci_signed", value="15/04/2026")
    set_contract(ws, P, population=142_482, operating="131 250")
    set_amounts(ws, P, "acces", fixed="90 000", variable="35 000")
    set_amounts(ws, P, "parcours", fixed=45000, variable=45000)
    record_mission(ws, P, "acces", started="01/06/2026")
    record_mission(ws, P, "parcours", started="01/02/2027")
    # Accès: two indicators, half the variable part each.
    define_indicator(ws, P, "acces", "patients_mt", label="Patients sans médecin traitant "
                     "accompagnés", target=1000, unit="patients", rule="proportional", weight=50)
    define_indicator(ws, P, "acces", "snp", label="Plages de soins non programmés",
                     target=12, unit="plages", rule="all_or_nothing")
    # Parcours: one indicator, earns nothing below 50 % of its target.
    define_indicator(ws, P, "parcours", "parcours", label="Parcours formalisés", target=100,
                     unit="patients", rule="threshold", threshold=50)
    clock.current = datetime(2027, 5, 20, 9, 0, tzinfo=UTC)
    return ws


def test_t3_contract_view(contract) -> None:
    view = get_contract(contract, P)
    assert (view.taille, view.signed_on, view.ends_on) == (3, date(2026, 4, 15), date(2031, 4, 15))
    assert view.anniversaries[0] == date(2027, 4, 15) and len(view.anniversaries) == 5
    assert view.operating_cents == 13_125_000 and view.operating_status == "contract"
    # The national grid stays sourced: T3 lettre d'intention unknown, both figures shown.
    loi = view.grid_letter_of_intent
    assert loi.amount_cents is None
    assert sorted(c.amount_cents for c in loi.candidates) == [2_000_000, 2_500_000]
    assert {c.year: c.amount_cents for c in view.caps}[2026] == 4_806_000


def test_payment_calendar_hand_computed(contract) -> None:
    ws = contract
    record_value(ws, P, "acces", "patients_mt", year=1, value=800, note="liste des patients")
    record_value(ws, P, "acces", "snp", year=1, value=12)
    record_value(ws, P, "parcours", "parcours", year=1, value=40)
    lines = {line.key: line for line in payment_schedule(ws, P).lines}
    expected = {
        # Fonctionnement in full at signature.
        "fonctionnement-1": (date(2026, 4, 15), 13_125_000),
        # Accès starts 01/06/2026: 318 days to 15/04/2027 out of 365;
        # 75 % × 90 000 × 318/365 = 58 808,219… → 58 808,22.
        "avance-acces-1": (date(2026, 6, 1), 5_880_822),
        # Parcours starts 01/02/2027: 73 days out of 365 (= 1/5); 75 % × 45 000 / 5 = 6 750.
        "avance-parcours-1": (date(2027, 2, 1), 675_000),
        # Balance accès year 1: fixed 90 000 × 318/365 = 78 410,96; variable 35 000 ×
        # (50 % × 800/1000 + 50 % × 1) = 31 500 × 318/365 = 27 443,84; minus the advance.
        "solde-acces-1": (date(2027, 4, 15), 7_841_096 + 2_744_384 - 5_880_822),
        # Balance parcours year 1: 45 000 / 5 = 9 000; 40 % < 50 % threshold: no variable.
        "solde-parcours-1": (date(2027, 4, 15), 900_000 - 675_000),
        # Advances of year 2 at the anniversary: 75 % of the full fixed parts.
        "avance-acces-2": (date(2027, 4, 15), 6_750_000),
        "avance-parcours-2": (date(2027, 4, 15), 3_375_000),
    }
    for key, (day, cents) in expected.items():
        assert (lines[key].due_on, lines[key].expected_cents) == (day, cents), key
    assert lines["solde-acces-1"].expected_cents == 4_704_658
    assert lines["solde-acces-1"].variable_cents == 2_744_384
    assert lines["solde-acces-5"].due_on == date(2031, 4, 15)
    assert "avance-acces-6" not in lines
    # Year 2 not assessed yet: its balance leaves the variable part out, and says so.
    assert lines["solde-acces-2"].pending == "part variable à évaluer (indicateurs de l'année 2)"
    assert lines["solde-acces-2"].expected_cents == 9_000_000 - 6_750_000


def test_received_late_and_missing_payments_are_flagged(contract) -> None:
    ws = contract
    record_payment(ws, P, "fonctionnement-1", amount="131 250", received_on="30/04/2026")
    record_payment(ws, P, "avance-acces-1", amount="58 808,22", received_on="15/09/2026")
    line = record_payment(ws, P, "avance-parcours-1", amount=5000, received_on="10/02/2027")
    assert line.status == "partial"
    schedule = payment_schedule(ws, P)
    status = {line.key: line.status for line in schedule.lines}
    assert status["fonctionnement-1"] == "received"
    assert status["avance-acces-1"] == "late"  # 106 days after its date
    assert status["solde-acces-1"] == "missing"  # 35 days past 15/04/2027, nothing
    assert status["solde-acces-5"] == "upcoming"
    kinds = {(f.key, f.kind) for f in schedule.flags}
    assert ("avance-acces-1", "late") in kinds and ("solde-acces-1", "missing") in kinds
    assert ("avance-parcours-1", "partial") in kinds
    assert schedule.received_total_cents == 13_125_000 + 5_880_822 + 500_000
    with pytest.raises(NotFound, match="Vouliez-vous dire : avance-acces-"):
        record_payment(ws, P, "avance-acces-l", amount=1, received_on="01/05/2027")
    events = [e for e in ws.history(P) if e.kind == "payment_received"]
    assert len(events) == 3 and events[0].payload["amount_cents"] == 13_125_000


def test_the_same_payment_twice_is_refused_unless_intended(contract) -> None:
    """A form sent twice must not add the amounts; a real second transfer still can."""
    ws = contract
    record_payment(ws, P, "avance-parcours-1", amount=3000, received_on="10/02/2027")
    with pytest.raises(Refused, match="Ce versement est déjà enregistré : 3 000,00 € reçus le 10/02/2027") as err:
        record_payment(ws, P, "avance-parcours-1", amount="3 000,00", received_on="2027-02-10")
    assert err.value.topic == "duplicate_payment" and "confirmez" in err.value.hint
    line = next(x for x in payment_schedule(ws, P).lines if x.key == "avance-parcours-1")
    assert line.received_cents == 300_000  # nothing added by the refusal
    # Another day or another amount is not a duplicate.
    record_payment(ws, P, "avance-parcours-1", amount=3000, received_on="11/02/2027")
    record_payment(ws, P, "avance-parcours-1", amount=500, received_on="10/02/2027")
    line = record_payment(ws, P, "avance-parcours-1", amount=3000, received_on="10/02/2027",
                          allow_duplicate=True)
    assert line.received_cents == 950_000 and line.status == "received"
    events = [e for e in ws.history(P) if e.kind == "payment_received"]
    assert len(events) == 4 and events[-1].payload["duplicate"] is True
    assert "duplicate" not in events[0].payload
    with pytest.raises(BadInput, match="La note du versement"):  # user text is checked
        record_payment(ws, P, "avance-parcours-1", amount=1, received_on="12/02/2027", note="n°\x00 1")


def test_payment_with_a_stale_version_is_a_conflict(contract) -> None:
    from cpts_workflow.errors import Conflict

    ws = contract
    version = ws.project(P).row_version
    record_payment(ws, P, "fonctionnement-1", amount=1000, received_on="30/04/2026",
                   expected_version=version)
    with pytest.raises(Conflict):
        record_payment(ws, P, "fonctionnement-1", amount=2000, received_on="30/04/2026",
                       expected_version=version)


def test_payments_ics_reads_back(contract) -> None:
    ws = contract
    cal = Calendar.from_ical(payments_ics(ws, payment_schedule(ws, P)))
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    advance = events[f"{P}.paiement-avance-acces-1@cpts-workflow"]
    assert advance.decoded("dtstart") == date(2026, 6, 1)
    assert "58 808,22 €" in str(advance["summary"])


def test_indicators_keep_evidence_and_author(contract, tmp_path) -> None:
    ws = contract
    proof = tmp_path / "liste-patients.pdf"
    proof.write_bytes(b"%PDF-1.4 preuve")
    record_value(ws, P, "acces", "patients_mt", year=1, value="850", note="extraction CPAM",
                 evidence=[proof])
    view = next(i for i in list_indicators(ws, P) if i.code == "patients_mt")
    value = view.value_of(1)
    assert value.entered_by == "Claire Martin" and value.note == "extraction CPAM"
    assert value.evidence[0].name == "liste-patients.pdf" and len(value.evidence[0].sha256) == 64
    assert value.share_percent == 85.0
    assert view.weight_percent == 50.0
    with pytest.raises(BadInput, match="illisible"):
        record_value(ws, P, "acces", "patients_mt", year=1, value=1, evidence=[tmp_path / "absent"])
    with pytest.raises(BadInput, match="dépassent 100 %"):
        define_indicator(ws, P, "acces", "autre", label="Autre", target=1, weight=60)
    with pytest.raises(NotFound, match="inconnu"):
        record_value(ws, P, "acces", "inconnu", year=1, value=1)
    with pytest.raises(BadInput, match="année"):
        record_value(ws, P, "acces", "snp", year=6, value=1)


def test_budget_warns_on_overspend_and_professional_cap(contract) -> None:
    ws = contract
    record_payment(ws, P, "avance-parcours-1", amount="6 750", received_on="10/02/2027")
    record_spending(ws, P, "parcours", category="coordination", amount="5 000", spent_on="01/03/2027")
    view = record_spending(ws, P, "parcours", category="professionnels", amount="2 000",
                           spent_on="02/03/2027", professional="Dr Jeanne Durand")
    parcours = next(e for e in view.envelopes if e.envelope == "parcours")
    assert (parcours.received_cents, parcours.spent_cents) == (675_000, 700_000)
    assert parcours.overspent and parcours.balance_cents == -25_000
    assert any("dépassement de 250,00 €" in w for w in view.warnings)
    # Dr Durand, across envelopes, in 2026: 48 060 € at most.
    record_spending(ws, P, "acces", category="professionnels", amount="48 000",
                    spent_on="10/12/2026", professional="Dr Jeanne Durand")
    view = record_spending(ws, P, "fonctionnement", category="professionnels", amount="100",
                           spent_on="11/12/2026", professional="Dr Jeanne Durand")
    cap = next(p for p in view.professionals if p.year == 2026)
    assert cap.paid_cents == 4_810_000 and cap.cap_cents == 4_806_000 and cap.over_cap
    assert any("au-delà du plafond" in w for w in view.warnings)
    with pytest.raises(BadInput, match="professionnel"):
        record_spending(ws, P, "acces", category="professionnels", amount=1, spent_on="01/01/2027")
    with pytest.raises(BadInput, match="Catégorie"):
        record_spending(ws, P, "acces", category="soins", amount=1, spent_on="01/01/2027")
    assert budget(ws, P, year=1).year == 1


def test_amounts_import_from_xlsx_csv_yaml_all_or_nothing(contract, tmp_path) -> None:
    ws = contract
    book = Workbook()
    sheet = book.active
    sheet.append(["Mission", "Année", "Part fixe (€)", "Part variable (€)", "Statut"])
    sheet.append(["prevention", 1, 17500, 17500.5, "contrat"])
    sheet.append(["crise", 1, 22500, 67500, "estimé"])
    book.save(tmp_path / "annexe.xlsx")
    views = import_amounts(ws, P, tmp_path / "annexe.xlsx")
    got = {(a.mission, a.year): a for a in views}
    assert got[("prevention", 1)].variable_cents == 1_750_050
    assert got[("crise", 1)].status == "estimated"
    (tmp_path / "annexe.csv").write_text(
        "mission;annee;part_fixe;part_variable\nacces;2;95 000;35 000\nacces;9;1;1\nqualite;1;1;1\n",
        encoding="utf-8",
    )
    with pytest.raises(BadInput) as err:
        import_amounts(ws, P, tmp_path / "annexe.csv")
    assert "annexe.csv:3:" in err.value.message and "annexe.csv:4:" in err.value.message
    assert next(a for a in list_amounts(ws, P) if a.mission == "acces" and a.year == 2).fixed_cents == 9_000_000
    (tmp_path / "annexe.yaml").write_text(
        "- {mission: acces, annee: 2, part_fixe: 95000, part_variable: 35000}\n", encoding="utf-8"
    )
    import_amounts(ws, P, tmp_path / "annexe.yaml")
    assert next(a for a in list_amounts(ws, P) if a.mission == "acces" and a.year == 2).fixed_cents == 9_500_000
    (tmp_path / "faux.xlsx").write_bytes(b"pas un classeur")
    with pytest.raises(BadInput, match="XLSX"):
        import_amounts(ws, P, tmp_path / "faux.xlsx")
    with ws.session() as session:
        assert session.query(ContractAmount).count() == 2 * 5 + 2 + 0


def test_contract_rules_refuse_bad_input(ws) -> None:
    ws.init()
    ws.create_project("CPTS du Pays d'Aix")
    with pytest.raises(Refused, match="Aucun contrat"):
        payment_schedule(ws, P)
    with pytest.raises(BadInput, match="date de signature"):
        set_contract(ws, P, taille_=3)
    ws.check(P, "aci_signed", value="15/04/2026")
    with pytest.raises(Refused, match="checklist date la signature"):
        set_contract(ws, P, signed="16/04/2026", taille_=3)
    with pytest.raises(BadInput, match="Taille"):
        set_contract(ws, P, taille_=7)
    set_contract(ws, P, taille_=2, caps=["2027=49 000"])
    view = set_contract(ws, P, operating="105 000", operating_estimated=True)
    assert view.operating_status == "estimated"
    assert {c.year: c.amount_cents for c in view.caps}[2027] == 4_900_000
    with pytest.raises(BadInput, match="Rien à modifier"):
        set_contract(ws, P)
    with pytest.raises(Refused, match="non retenue|n'a pas été retenue"):
        set_amounts(ws, P, "qualite", fixed=1)
    kinds = [e.kind for e in ws.history(P)]
    assert kinds.count("contract_set") == 2


def test_review_pack_opens_in_word(contract, tmp_path) -> None:
    ws = contract
    record_value(ws, P, "acces", "patients_mt", year=1, value=800, note="liste des patients")
    record_value(ws, P, "acces", "snp", year=1, value=12)
    record_payment(ws, P, "avance-acces-1", amount="58 808,22", received_on="05/06/2026")
    record_spending(ws, P, "acces", category="coordination", amount="12 000,50", spent_on="01/07/2026")
    pack = review_pack(ws, P, 1)
    acces = next(m for m in pack.missions if m.mission == "acces")
    assert acces.variable_claimed_cents == 2_744_384 and acces.spent_cents == 1_200_050
    files = write_review(ws, P, 1, tmp_path, fmt="docx", annex="xlsx")
    doc = Document(files.document)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Dialogue de gestion — CPTS du Pays d’Aix" in text  # pandoc's typographic apostrophe
    assert "Démarrage : le 01/06/2026 (échéance 15/10/2026, dans les délais)" in text
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "27 443,84 €" in cells and "12 000,50 €" in cells
    annex = load_workbook(files.annex)
    rows = list(annex["Indicateurs"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Mission", "Indicateur", "Cible", "Atteint")
    assert rows[1][:4] == ("Accès aux soins", "Patients sans médecin traitant accompagnés", 1000, 800)  # numbers stay numbers
    payments = list(annex["Versements"].iter_rows(values_only=True))
    assert any(r[2] == 58808.22 for r in payments[1:])
    assert [e.kind for e in ws.history(P)][-1] == "contract_review_generated"


def test_portfolio_review_due_and_late_missions(contract, clock) -> None:
    ws = contract
    clock.current = datetime(2028, 2, 20, 9, 0, tzinfo=UTC)  # 55 days before the 2nd anniversary
    [status] = portfolio(ws)
    assert status.review_due and status.days_to_review == 55 and status.contract_year == 2
    assert status.late_missions == ["crise", "prevention"]  # due 15/10/2026 and 15/04/2027
    assert status.received_cents == 0 and status.missing_payments > 0
    assert not portfolio(ws, within=30)[0].review_due
