"""Clocks and deadlines: tacit validation, objections, due dates, overdue, .ics, scale."""

from __future__ import annotations

from datetime import date

import pytest
from icalendar import Calendar
from sqlalchemy import event

from cpts_workflow.deadlines import deadlines, deadlines_ics, next_deadlines, portfolio_deadlines
from cpts_workflow.errors import BadInput, DefinitionError, Refused
from cpts_workflow.objection import record_objection
from cpts_workflow.resources import workflows_dir
from cpts_workflow.workflow.catalog import parse_definition

try:  # tests/ is a package on main
    from .conftest import complete_stage
except ImportError:
    from .conftest import complete_stage

P = "cpts-du-pays-d-aix"
TACIT = "clock-health_project_tacit_validation"


@pytest.fixture
def project(ws):
    ws.init()
    ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin")
    return ws


def _tacit(ws, today: date):
    return next((d for d in deadlines(ws, today=today) if d.key == TACIT), None)


@pytest.mark.parametrize(
    ("sent", "due"),
    [
        ("31/12/2026", date(2027, 2, 28)),
        ("31/12/2027", date(2028, 2, 29)),  # leap year
        ("22/11/2026", date(2027, 1, 22)),
        ("30/06/2027", date(2027, 8, 30)),
    ],
)
def test_tacit_validation_on_the_right_day(project, sent: str, due: date) -> None:
    ws = project
    ws.check(P, "health_project_sent", value=sent)
    running = _tacit(ws, due)
    assert running.due_date == due and running.status == "upcoming"
    assert running.status_label == "aujourd'hui"
    after = _tacit(ws, date.fromordinal(due.toordinal() + 1))
    assert after.status == "expired"
    assert after.status_label == f"Projet de santé réputé validé le {due:%d/%m/%Y}"


def test_express_validation_stops_the_clock(project) -> None:
    ws = project
    ws.check(P, "health_project_sent", value="02/01/2027")
    ws.check(P, "health_project_validated", value="15/02/2027")
    assert _tacit(ws, date(2027, 1, 10)) is None


def test_objection_stops_the_clock_and_sends_the_project_back(project, clock) -> None:
    ws = project
    for _ in range(3):
        complete_stage(ws, P, value="02/01/2027")
        ws.advance(P)
    assert ws.project(P).stage == "statutes"  # health_project_validated is done on 02/01/2027
    clock.current = clock.current.replace(year=2027, month=2, day=10)
    summary = record_objection(ws, P, ground="territoire", on="09/02/2027", note="Courrier n° 12")
    assert summary.stage == "health_project"
    assert _tacit(ws, date(2027, 2, 10)) is None
    last = ws.history(P)[-1]
    assert (last.kind, last.from_stage, last.to_stage) == (
        "objection",
        "statutes",
        "health_project",
    )
    # The validation the objection undoes is named in its event.
    assert last.payload == {"ground": "territoire", "date": "2027-02-09", "sent_on": "2027-01-02",
                            "reopened": ["health_project_validated"]}
    assert "territoire n'est pas pertinent" in last.comment
    states = {i.id: i for i in ws.checklist(P)}
    assert states["health_project_validated"].status == "todo"
    assert states["health_project_objection"].value == "2027-02-09"
    with pytest.raises(Refused, match="déjà enregistrée"):
        record_objection(ws, P, ground="sraps", on="10/02/2027")
    # Corrected and sent again: the two-month clock runs again from the new date.
    ws.check(P, "health_project_sent", value="10/02/2027")
    assert _tacit(ws, date(2027, 2, 10)).due_date == date(2027, 4, 10)


def test_objection_is_checked(project, clock) -> None:
    ws = project
    with pytest.raises(Refused, match="pas été adressé"):
        record_objection(ws, P, ground="sraps", on="01/11/2026")
    ws.check(P, "health_project_sent", value="01/09/2026")
    with pytest.raises(BadInput, match="Motif « budget » non prévu"):
        record_objection(ws, P, ground="budget", on="01/10/2026")
    with pytest.raises(Refused, match="réputé validé"):
        record_objection(ws, P, ground="sraps", on="02/11/2026")
    with pytest.raises(BadInput, match="dans le futur"):
        record_objection(ws, P, ground="sraps", on="01/12/2026")
    assert record_objection(ws, P, ground="sraps", on="01/11/2026").stage == "initiative"


def test_due_dates_and_overdue_detection(project, clock) -> None:
    ws = project
    ws.check(P, "letter_of_intent_sent", value="15/10/2026")
    ws.set_due(P, "info_meeting", "2026-12-15")
    ws.set_due(P, "working_group", "20/11/2026")
    ws.check(P, "porteur_named", due="01/12/2026")  # done: its due date no longer counts
    items = deadlines(ws)
    assert [(d.key, d.status, d.days) for d in items] == [
        ("clock-letter_of_intent_follow_up", "overdue", -7),
        ("due-working_group", "overdue", -2),
        ("due-info_meeting", "upcoming", 23),
    ]
    assert items[0].status_label == "en retard de 7 jours"
    assert [d.key for d in deadlines(ws, overdue_only=True)] == [
        "clock-letter_of_intent_follow_up",
        "due-working_group",
    ]
    assert len(deadlines(ws, within=10)) == 2
    ws.check(P, "letter_of_intent_validated", value="21/11/2026")
    assert [d.key for d in next_deadlines(ws, P)] == ["due-working_group", "due-info_meeting"]
    assert deadlines(ws, officer="Personne") == []
    summary = portfolio_deadlines(ws)[ws.project(P).id]
    assert [d.key for d in summary.overdue] == ["due-working_group"]
    assert summary.next.key == "due-info_meeting"
    due_events = [e for e in ws.history(P) if e.kind == "due_set"]
    assert [e.payload["due_date"] for e in due_events] == ["2026-12-15", "2026-11-20"]


def test_aci_deadlines_reuse_the_contract_calendar(project, clock) -> None:
    ws = project
    ws.check(P, "aci_signed", value="31/08/2026")
    keys = [(d.key, d.due_date) for d in deadlines(ws)]
    assert keys[:2] == [
        ("aci-mission-acces-start", date(2027, 2, 28)),
        ("aci-mission-crise-start", date(2027, 2, 28)),
    ]
    assert ("aci-anniversary-1", date(2027, 8, 31)) in keys  # only the next anniversary
    assert not any(k.startswith("aci-anniversary-2") for k, _ in keys)
    clock.current = clock.current.replace(year=2027, month=3, day=2)
    overdue = deadlines(ws, overdue_only=True)
    assert [d.key for d in overdue] == ["aci-mission-acces-start", "aci-mission-crise-start"]


def test_abandoned_projects_have_no_deadline(project) -> None:
    ws = project
    ws.set_due(P, "info_meeting", "2026-12-15")
    ws.abandon(P, reason="Fusion avec une CPTS voisine")
    assert deadlines(ws) == []


def test_department_filter_uses_the_territory(project) -> None:
    ws = project
    ws.set_due(P, "info_meeting", "2026-12-15")
    with pytest.raises(Refused, match="territoire"):
        deadlines(ws, department="13")
    with pytest.raises(BadInput, match="département"):
        deadlines(ws, department="1")
    from cpts_workflow.store.models import ProjectCommune

    with ws.session() as session:
        session.add(ProjectCommune(project_id=1, insee="13001", added_at=ws.now(), added_by="test"))
    assert len(deadlines(ws, department="13")) == 1
    assert deadlines(ws, department="2A") == []


def test_ics_is_valid_with_stable_uids(project, clock) -> None:
    ws = project
    ws.check(P, "health_project_sent", value="31/12/2026")
    ws.set_due(P, "info_meeting", "2026-12-15")
    cal = Calendar.from_ical(deadlines_ics(ws, deadlines(ws)))
    events = {str(e["uid"]): e.decoded("dtstart") for e in cal.walk("VEVENT")}
    assert events == {
        f"{P}.{TACIT}@cpts-workflow": date(2027, 2, 28),
        f"{P}.due-info_meeting@cpts-workflow": date(2026, 12, 15),
    }
    ws.check(P, "health_project_sent", value="05/01/2027")
    again = Calendar.from_ical(deadlines_ics(ws, deadlines(ws)))
    moved = {str(e["uid"]): e.decoded("dtstart") for e in again.walk("VEVENT")}
    assert set(moved) == set(events) and moved[f"{P}.{TACIT}@cpts-workflow"] == date(2027, 3, 5)


def test_deadlines_of_many_projects_take_a_fixed_number_of_queries(sqlite_url, clock) -> None:
    from cpts_workflow.store.models import ChecklistState, Project
    from cpts_workflow.workspace import Workspace

    ws = Workspace(sqlite_url, actor="Claire Martin", now=clock)
    ws.init()
    now = clock()
    with ws.session() as session:
        for n in range(1000):
            p = Project(
                slug=f"p{n}",
                name=f"CPTS {n:04d}",
                officer="Claire Martin",
                workflow_id="cpts_creation",
                workflow_version=1,
                stage="health_project",
                created_at=now,
                created_by="t",
                updated_at=now,
                stage_entered_at=now,
            )
            session.add(p)
            session.flush()
            session.add(
                ChecklistState(
                    project_id=p.id,
                    item_id="health_project_sent",
                    status="done",
                    value="2026-10-01",
                    updated_by="t",
                    updated_at=now,
                )
            )
            session.add(
                ChecklistState(
                    project_id=p.id,
                    item_id="info_meeting",
                    status="todo",
                    due_date=date(2026, 12, 1),
                    updated_by="t",
                    updated_at=now,
                )
            )
    statements: list[str] = []
    event.listen(ws.db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    items = deadlines(ws)
    assert len(items) == 2000
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 4
    ws.db.dispose()


def test_clocks_are_validated_with_file_and_line() -> None:
    text = (workflows_dir() / "cpts_creation.yaml").read_text(encoding="utf-8")
    bad = text.replace("start_item: letter_of_intent_sent", "start_item: working_group")
    bad = bad.replace("stop_items: [letter_of_intent_validated]", "stop_items: [lettre_validee]")
    bad = bad.replace("    schedule: aci\n", "    schedule: aci\n    months: 3\n")
    with pytest.raises(DefinitionError) as caught:
        parse_definition(bad, "wf.yaml")
    lines = text.splitlines()
    start_line = next(i for i, s in enumerate(lines, 1) if "start_item: letter_of_intent_sent" in s)
    message = str(caught.value)
    assert (
        f"wf.yaml:{start_line}: l'élément « working_group » ne se justifie pas par une date"
        in message
    )
    assert "élément inconnu « lettre_validee » dans stop_items" in message
    assert "une seule durée" in message and "schedule, months" not in message


def test_objection_while_paused_resumes_at_the_health_project(project, clock) -> None:
    ws = project
    for _ in range(3):
        complete_stage(ws, P, value="02/01/2027")
        ws.advance(P)
    ws.pause(P, reason="Attente du retour de l'ARS")
    clock.current = clock.current.replace(year=2027, month=2, day=10)
    summary = record_objection(ws, P, ground="sraps", on="01/02/2027")
    assert summary.stage == "paused"
    assert ws.resume(P).stage == "health_project"
