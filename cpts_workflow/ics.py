"""iCalendar (.ics) export of dated deadlines: one all-day event per date, stable UIDs.

A UID never contains the date, so that re-importing after a date moved updates the
event in the officer's calendar instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

UID_DOMAIN = "cpts-workflow"


@dataclass(frozen=True)
class IcsEvent:
    uid: str  # stable: project slug + what falls due, never the date
    summary: str
    day: date
    description: str = ""


def uid(project_slug: str, key: str) -> str:
    """`cpts-du-pays-d-aix.mission-acces-start@cpts-workflow`."""
    return f"{project_slug}.{key}@{UID_DOMAIN}"


def to_ics(events: Iterable[IcsEvent], *, name: str, stamp: datetime) -> bytes:
    """A VCALENDAR with one all-day VEVENT per event."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//cpts-workflow//échéances CPTS//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        cal.add_component(event)
    return cal.to_ical()
