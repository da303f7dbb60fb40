"""ACI missions and calendar: month arithmetic, chosen missions, states, overdue flags, .ics."""

from __future__ import annotations

from datetime import date

import pytest
from icalendar import Calendar

from cpts_workflow.aci.calendar import (
    aci_calendar,
    calendar_ics,
    mission_flags,
    project_calendar,
    record_mission,
    set_missions,
)
from cpts_workflow.errors import BadInput, Refused
from cpts_workflow.months import add_months

P = "cpts-du-pays-d-aix"


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),
        (date(2027, 1, 31), 3, date(2027, 4, 30)),
        (date(2026, 11, 22), 12, date(2027, 11, 22)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 3, 15), 60, date(2031, 3, 15)),
    ],
)
def test_add_months_is_calendar_correct(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_calendar_of_a_contract_signed_on_a_month_end() -> None:
    entries = {
        e.key: e.due_date
        for e in aci_calendar(
            date(2027, 8, 31), ["acces", "parcours", "prevention", "crise", "qualite"]
        )
    }
    assert entries["mission-acces-start"] == date(2028, 2, 29)
    assert entries["mission-crise-deployment"] == date(2029, 2, 28)
    assert entries["mission-parcours-start"] == date(2028, 8, 31)
    assert entries["mission-prevention-deployment"] == date(2029, 8, 31)
    assert entries["anniversary-1"] == date(2028, 8, 31)
    assert entries["contract-end"] == date(2032, 8, 31)
    assert not any("qualite" in k for k in entries)  # optional: CPTS's own calendar


@pytest.fixture
def signed(ws):
    ws.init()
    ws.create_project("CPTS du Pays d'Aix", officer="Claire Martin")
    ws.check(P, "aci_signed", value="31/08/2026")
    return ws


def test_core_missions_are_compulsory_and_optional_ones_audited(signed) -> None:
    ws = signed
    assert set_missions(ws, P, add=["qualite"]) == [
        "acces",
        "parcours",
        "prevention",
        "crise",
        "qualite",
    ]
    with pytest.raises(Refused, match="mission socle"):
        set_missions(ws, P, remove=["acces"])
    assert "qualite" not in set_missions(ws, P, remove=["qualite"])
    with pytest.raises(BadInput, match="Vouliez-vous dire « qualite »"):
        set_missions(ws, P, add=["qualit"])
    events = [e for e in ws.history(P) if e.kind == "missions_changed"]
    assert [e.payload["added"] for e in events] == [["qualite"], []]
    assert events[1].payload["removed"] == ["qualite"]


def test_mission_states_are_recorded_and_checked(signed) -> None:
    ws = signed
    state = record_mission(ws, P, "acces", started="01/02/2027")
    assert (state.state, state.start_deadline) == ("started", date(2027, 2, 28))
    with pytest.raises(Refused, match="avant d'avoir démarré"):
        record_mission(ws, P, "crise", deployed="01/03/2027")
    with pytest.raises(BadInput, match="précède la signature"):
        record_mission(ws, P, "parcours", started="01/01/2026")
    with pytest.raises(Refused, match="n'a pas été retenue"):
        record_mission(ws, P, "qualite", started="01/03/2027")
    state = record_mission(ws, P, "acces", deployed="15/03/2027")
    assert state.state == "deployed" and state.started_on == date(2027, 2, 1)
    assert [e.payload["deployed_on"] for e in ws.history(P) if e.kind == "mission_updated"] == [
        None,
        "2027-03-15",
    ]


def test_a_mission_cannot_start_before_the_contract_is_signed(ws) -> None:
    ws.init()
    ws.create_project("CPTS du Pays d'Aix")
    with pytest.raises(Refused, match="pas signé"):
        record_mission(ws, P, "acces", started="01/02/2027")


def test_overdue_missions_are_flagged_with_a_fixed_clock(signed, clock) -> None:
    ws = signed  # signed 31/08/2026: acces and crise start by 28/02/2027
    record_mission(ws, P, "acces", started="15/03/2027")  # late
    clock.current = clock.current.replace(year=2027, month=2, day=28)
    assert [f.kind for f in mission_flags(ws, P)] == ["started_late"]
    clock.current = clock.current.replace(month=3, day=1)
    flags = mission_flags(ws, P)
    assert [(f.mission, f.kind, f.days_late) for f in flags] == [
        ("acces", "started_late", 15),
        ("crise", "start_overdue", 1),
    ]
    assert "en retard de 1 jour" in flags[1].message
    with ws.session() as session:  # the reports helper calls it with its own session
        from cpts_workflow.store.models import Project

        project = session.query(Project).one()
        assert len(mission_flags(session, project, today=date(2027, 3, 1))) == 2


def test_calendar_exports_to_ics_with_stable_uids(signed, clock) -> None:
    ws = signed
    cal = project_calendar(ws, P)
    parsed = Calendar.from_ical(calendar_ics(ws, cal))
    events = {str(e["uid"]): e for e in parsed.walk("VEVENT")}
    assert len(events) == len(cal.entries) == 1 + 8 + 4 + 1
    start = events[f"{P}.aci-mission-acces-start@cpts-workflow"]
    assert start.decoded("dtstart") == date(2027, 2, 28)
    # A corrected signature date moves the events, not their UIDs.
    ws.check(P, "aci_signed", value="30/09/2026")
    again = Calendar.from_ical(calendar_ics(ws, project_calendar(ws, P)))
    moved = {str(e["uid"]): e.decoded("dtstart") for e in again.walk("VEVENT")}
    assert set(moved) == set(events)
    assert moved[f"{P}.aci-mission-acces-start@cpts-workflow"] == date(2027, 3, 30)


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 120))
def test_add_months_lands_in_the_right_month_never_later_than_the_day(start: date, n: int) -> None:
    result = add_months(start, n)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == n
    assert result.day <= start.day
    # Clamped only when the month is too short: the next day is in the following month.
    if result.day < start.day:
        assert (result + (date(2000, 1, 2) - date(2000, 1, 1))).day == 1
