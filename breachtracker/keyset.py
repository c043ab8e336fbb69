"""Keyset pagination for lists that can hold one row per person (100,000 of them): a page is
read from an index by the last row's sort key, never by OFFSET, so the last page costs what
the first does.

The address carries `cursor=<signed token>`: which way to read (after or before a row), that
row's key, and the position of the page's first row (for "rows X–Y of N", whose N the caller
takes from a counter rather than counting). The token is signed (django.core.signing, a salt
per list), so a changed or foreign one is a 400 page saying so, never a 500 or a wrong page.
`cursor=last` is the last page. Rows added or removed meanwhile only shift the positions shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db.models import F, QuerySet

# Row comparisons (Django 5.2's composite-key lookups): `(a, b) > (x, y)` in SQL.
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.http import HttpRequest

from .inputs import MAX_BIGINT, InputRefused

PARAM = "cursor"
LAST = "last"


@dataclass
class Page:
    object_list: list[Any]
    count: int
    start: int = 0  # position of the first row shown, from 1 (0: no rows)
    end: int = 0
    first: str | None = None  # the cursor of each link ("" for the first page), None: no link
    previous: str | None = None
    next: str | None = None
    last: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_other_pages(self) -> bool:
        return self.previous is not None or self.next is not None


def _refused() -> InputRefused:
    return InputRefused("That page link is not valid: it was changed, or belongs to another list. "
                        "Go back to the first page of the list.")


def _read(raw: str, salt: str) -> tuple[str, int, int]:
    try:
        value = signing.Signer(salt=salt).unsign_object(raw)
    except (signing.BadSignature, ValueError):
        raise _refused() from None
    if (not isinstance(value, list) or len(value) != 3 or value[0] not in ("a", "b")
            or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_BIGINT for v in value[1:])):
        raise _refused()
    return value[0], value[1], max(1, value[2])


def paginate(request: HttpRequest, rows: QuerySet[Any], *, key: str, within: tuple[str, int], count: int,
             per_page: int, salt: str) -> Page:
    """The page of `rows` (ordered by `key`, a unique whole-number column such as the id) that
    the request's cursor names: one query, `per_page` + 1 rows (the extra says whether there is
    more).

    `within` is the column `rows` belongs to and its value (`("incident_id", 7)`): the page is
    asked for as a row comparison, `(incident_id, key) > (7, last key)`, which PostgreSQL reads
    from the list's index (incident, key). Asked as `key > last key`, it preferred the key's own
    index and filtered out every other incident's rows on the way (EXPLAIN: the last page of one
    incident among others read 50,000 rows that way, 18–45 ms; now 51, under 0.1 ms)."""
    raw = request.GET.get(PARAM, "")
    if len(raw) > 200:
        raise _refused()
    if raw == LAST:
        direction, value, position = "b", None, 0
    elif raw:
        direction, value, position = _read(raw, salt)  # type: ignore[assignment]
    else:
        direction, value, position = "a", None, 1
    column, owner = within
    pair = Tuple(F(column), F(key))
    # Within the owner's rows: above (owner, 0) and below (owner, the largest id).
    start, end = (owner, 0), (owner, MAX_BIGINT)
    if direction == "a":
        chosen = rows.filter(TupleGreaterThan(pair, (owner, value) if value is not None else start),
                             TupleLessThan(pair, end))
        found = list(chosen.order_by(column, key)[:per_page + 1])
        items, more = found[:per_page], len(found) > per_page
        has_previous, has_next = value is not None, more
    else:
        chosen = rows.filter(TupleGreaterThan(pair, start),
                             TupleLessThan(pair, (owner, value) if value is not None else end))
        found = list(chosen.order_by(f"-{column}", f"-{key}")[:per_page + 1])
        items, more = list(reversed(found[:per_page])), len(found) > per_page
        has_previous, has_next = more, value is not None
        if raw == LAST:
            position = max(1, count - len(items) + 1)
        if not more:
            position = 1
    page = Page(object_list=items, count=count)
    if items:
        page.start, page.end = position, position + len(items) - 1
    sign = signing.Signer(salt=salt).sign_object  # compact, URL-safe
    if has_previous:
        page.first = ""
        page.previous = sign(["b", getattr(items[0], key) if items else value, max(1, position - per_page)])
    if has_next:
        page.next = sign(["a", getattr(items[-1], key) if items else value, page.end + 1])
        page.last = LAST
    return page
