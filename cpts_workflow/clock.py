"""The current time, in one place so that tests and demos can fix it.

`CPTS_NOW` (ISO date or datetime) freezes the clock for a whole process; the library
also accepts a `now` callable wherever time matters.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime

Clock = Callable[[], datetime]


def system_now() -> datetime:
    """Aware UTC now, or the frozen `CPTS_NOW` when set."""
    frozen = os.environ.get("CPTS_NOW")
    if frozen:
        value = datetime.fromisoformat(frozen)
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)


def today(now: Clock = system_now) -> date:
    return now().date()
