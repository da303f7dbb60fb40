"""Calendar-correct month arithmetic for legal and contractual deadlines."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """`start` plus `months`, kept on the same day of month or the month's last day.

    31/08/2027 + 6 months = 29/02/2028; 31/12/2026 + 2 months = 28/02/2027.
    """
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
