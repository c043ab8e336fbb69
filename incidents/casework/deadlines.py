"""Deadlines in calendar months (UK GDPR Art. 12(3)): a request received on 3 September is
due on 3 October; where the next month has no such day (received 31 January), the last day of
that month (28 or 29 February). The day of receipt is day one, as the ICO's guidance on the
right of access counts it. Extension: by two further months, counted the same way from receipt."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """The same day `months` calendar months later, or the last day of that month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


ONE_MONTH = 1
EXTENDED_MONTHS = 3  # one month plus up to two further months (Art. 12(3))
