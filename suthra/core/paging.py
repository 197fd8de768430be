"""Keyset (seek) pagination: pages that cost the same at any depth, and cheap "about N" counts.

Why: ``OFFSET 300000`` reads and throws away 300 000 rows, and ``COUNT(*)`` over a big table on
every page view costs more than the page itself. A keyset page instead remembers the sort key of
the last row it showed and asks for "rows after this key" — an index range scan of ``size + 1``
rows, whatever the depth. Rows inserted or deleted while someone pages never make a row appear
twice or be skipped (rows inserted *behind* the cursor are simply not shown on later pages).

API
---
``paginate(request, queryset, keys=[...], default_size=100) -> KeysetPage``
    The one call a view makes. Reads ``?cursor=`` and ``?size=`` from ``request.GET``
    (size must be 25–500, else ``BadRequest`` → 400; a malformed cursor is a 400 too), orders
    ``queryset`` by ``keys`` and returns one page. Runs exactly ONE query.

``KeysetPaginator(queryset, keys=[...], size=100).page(cursor)``
    The same without a request (services, exports, the bill query of the billing app).

``keys``
    Field names or annotations in sort order, each optionally prefixed with ``-`` for
    descending; the primary key is appended automatically (as ``pk`` in the direction of the last
    key) when missing, so the order is total. Keys must be NOT NULL: wrap a nullable column in
    an annotation such as ``Coalesce("surveyed_at", Value(EPOCH))`` first. Traversal through
    relations (``"uc__name"``) is allowed when the queryset ``select_related``s it.
    For speed, have an index whose columns match the keys (plus any equality filter first).

``KeysetPage``
    ``items`` (list of rows, in order), ``has_next``/``has_prev``, ``next_cursor``/
    ``prev_cursor`` (opaque strings or ``None``), ``size``, ``is_first``, and — when built by
    ``paginate`` — ``next_url``/``prev_url``/``first_url`` (the current query string with the
    cursor replaced, so filters survive paging). Iterating a page iterates its items.

``cursor`` strings are URL-safe base64 of a small JSON document holding the sort values of
the boundary row, the direction and a fingerprint of the keys, then ``.`` and a short keyed
digest. They only say *where* to continue, never *what* may be seen — callers pass an
already-scoped queryset; the digest only keeps hand-made values (of the wrong type) from the
database, so a tampered cursor is a 400, never a 500.
A cursor made for a different sort order is ignored (the first page is shown).

``count_hint(queryset, exact_up_to=1000, estimate=None) -> CountHint``
    A count that is exact when small and "about N" otherwise, without ``COUNT(*)`` over a big
    table: it counts at most ``exact_up_to + 1`` rows (``LIMIT``-bounded subquery); above that it
    uses ``estimate`` (a callable returning an int, e.g. from the stats tables) or, on
    PostgreSQL, the planner's row estimate for the query (``EXPLAIN``; pg_class.reltuples based),
    or on SQLite an exact count (small databases). ``str(hint)`` → "1,234" or "about 250,000".

``table_estimate(model) -> int``
    PostgreSQL's ``pg_class.reltuples`` for a model's table (exact ``COUNT`` elsewhere).

Example::

    qs = scoped(request.user, SurveyUnit.objects.filter(uc=uc), "uc")
    page = paginate(request, qs, keys=["consumer_name"], default_size=100)
    for unit in page: ...
    page.next_url  # "?uc=3&sort=name&cursor=eyJ2Ijpb..."
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import connections, models
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

MIN_SIZE = 25
MAX_SIZE = 500
CURSOR_PARAM = "cursor"
SIZE_PARAM = "size"

_NEXT = "n"
_PREV = "p"


# --- cursor encoding -----------------------------------------------------------------------
def _encode_value(value: Any) -> list[Any]:
    if value is None:
        raise ValueError("keyset keys must not be NULL; wrap the column in Coalesce(...)")
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, float):
        return ["f", value]
    if isinstance(value, Decimal):
        return ["n", str(value)]
    if isinstance(value, dt.datetime):
        return ["t", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, models.Model):
        return ["i", value.pk]
    raise ValueError(f"cannot put a {type(value).__name__} in a keyset cursor")


def _decode_value(item: Any) -> Any:
    tag, raw = item
    if tag == "b":
        return bool(raw)
    if tag == "i":
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise ValueError("bad int")
        return raw
    if tag == "f":
        return float(raw)
    if tag == "n":
        return Decimal(str(raw))
    if tag == "t":
        return dt.datetime.fromisoformat(str(raw))
    if tag == "d":
        return dt.date.fromisoformat(str(raw))
    if tag == "s":
        if not isinstance(raw, str):
            raise ValueError("bad str")
        return raw
    raise ValueError("unknown tag")


def _fingerprint(keys: Sequence[str]) -> str:
    return hashlib.blake2s(",".join(keys).encode(), digest_size=4).hexdigest()


def encode_cursor(keys: Sequence[str], values: Sequence[Any], direction: str) -> str:
    doc = {"k": _fingerprint(keys), "d": direction, "v": [_encode_value(v) for v in values]}
    raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
    body = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return f"{body}.{_mac(body)}"


def _mac(body: str) -> str:
    """A short keyed digest: only cursors this server wrote are decoded, so a value of the wrong
    type (a string where the sort column is a number) never reaches the database (issue 21,
    finding 7). Eight bytes keep the cursor short enough for any request line."""
    key = hashlib.blake2s(f"suthra.paging:{settings.SECRET_KEY}".encode()).digest()
    digest = hashlib.blake2s(body.encode(), key=key, digest_size=8).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def decode_cursor(keys: Sequence[str], cursor: str) -> tuple[str, list[Any]] | None:
    """(direction, values) of a cursor; ``None`` for a cursor of another sort; 400 if garbled."""
    if len(cursor) > 2000 or not re.fullmatch(r"[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+", cursor):
        raise BadRequest(_("The page cursor is not valid; go back to the first page."))
    body, mac = cursor.split(".")
    if not hmac.compare_digest(mac, _mac(body)):
        raise BadRequest(_("The page cursor is not valid; go back to the first page."))
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        doc = json.loads(raw)
        if doc["k"] != _fingerprint(keys):
            return None
        direction = doc["d"]
        if direction not in (_NEXT, _PREV) or len(doc["v"]) != len(keys):
            raise ValueError("shape")
        return direction, [_decode_value(item) for item in doc["v"]]
    except (
        binascii.Error,
        ValueError,
        TypeError,
        KeyError,
        InvalidOperation,
        UnicodeDecodeError,
    ) as exc:
        raise BadRequest(_("The page cursor is not valid; go back to the first page.")) from exc


# --- paging --------------------------------------------------------------------------------
def _normalise_keys(keys: Sequence[str]) -> list[str]:
    if not keys:
        keys = ["pk"]
    out = list(keys)
    names = {k.lstrip("-") for k in out}
    if not names & {"pk", "id"}:
        out.append("-pk" if out[-1].startswith("-") else "pk")
    return out


def _value_of(row: Any, name: str) -> Any:
    obj = row
    for part in name.split("__"):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


def _seek_q(keys: Sequence[str], values: Sequence[Any], forward: bool) -> models.Q:
    """Rows strictly after (forward) or before the boundary in the order of ``keys``.

    Expanded as (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ..., plus a redundant ``k1 >= v1``
    so the database can start an index range scan at the boundary instead of filtering.
    """
    ors = models.Q()
    equal: dict[str, Any] = {}
    for key, value in zip(keys, values, strict=True):
        name = key.lstrip("-")
        descending = key.startswith("-")
        op = "lt" if descending == forward else "gt"
        ors |= models.Q(**equal, **{f"{name}__{op}": value})
        equal[name] = value
    first = keys[0].lstrip("-")
    first_op = "lte" if keys[0].startswith("-") == forward else "gte"
    return models.Q(**{f"{first}__{first_op}": values[0]}) & ors


@dataclass
class KeysetPage:
    items: list[Any]
    size: int
    has_next: bool
    has_prev: bool
    next_cursor: str | None
    prev_cursor: str | None
    next_url: str | None = None
    prev_url: str | None = None
    first_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def is_first(self) -> bool:
        return not self.has_prev


class KeysetPaginator:
    """Pages of ``queryset`` in the order of ``keys``; see the module docstring."""

    def __init__(self, queryset: models.QuerySet[Any], *, keys: Sequence[str], size: int = 100):
        if not MIN_SIZE <= size <= MAX_SIZE:
            raise BadRequest(f"Page size must be between {MIN_SIZE} and {MAX_SIZE}.")
        self.queryset = queryset
        self.keys = _normalise_keys(keys)
        self.size = size

    def _ordered(self, forward: bool) -> models.QuerySet[Any]:
        if forward:
            order = self.keys
        else:
            order = [k[1:] if k.startswith("-") else f"-{k}" for k in self.keys]
        return self.queryset.order_by(*order)

    def page(self, cursor: str | None = None) -> KeysetPage:
        decoded = decode_cursor(self.keys, cursor) if cursor else None
        if decoded is None:
            rows = list(self._ordered(True)[: self.size + 1])
            has_more, has_prev, forward = len(rows) > self.size, False, True
        else:
            direction, values = decoded
            forward = direction == _NEXT
            qs = self._ordered(forward).filter(_seek_q(self.keys, values, forward))
            rows = list(qs[: self.size + 1])
            has_more = len(rows) > self.size
            # We came from a page on the other side of the boundary, so it exists.
            has_prev = True
        rows = rows[: self.size]
        if not forward:
            rows.reverse()
            has_next, has_prev = True, has_more
        else:
            has_next = has_more
        next_cursor = prev_cursor = None
        if rows and has_next:
            next_cursor = encode_cursor(self.keys, self._values(rows[-1]), _NEXT)
        if rows and has_prev:
            prev_cursor = encode_cursor(self.keys, self._values(rows[0]), _PREV)
        return KeysetPage(
            items=rows,
            size=self.size,
            has_next=bool(next_cursor),
            has_prev=bool(prev_cursor),
            next_cursor=next_cursor,
            prev_cursor=prev_cursor,
        )

    def _values(self, row: Any) -> list[Any]:
        return [_value_of(row, k.lstrip("-")) for k in self.keys]


def page_size(request: HttpRequest, *, default: int = 100) -> int:
    raw = request.GET.get(SIZE_PARAM, "")
    if raw == "":
        return default
    try:
        size = int(raw)
    except ValueError as exc:
        raise BadRequest(f"size must be a whole number between {MIN_SIZE} and {MAX_SIZE}") from exc
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise BadRequest(f"size must be between {MIN_SIZE} and {MAX_SIZE}")
    return size


def _url_with(query: QueryDict, cursor: str | None) -> str:
    q = query.copy()
    q.pop(CURSOR_PARAM, None)
    if cursor:
        q[CURSOR_PARAM] = cursor
    encoded = q.urlencode()
    return f"?{encoded}" if encoded else "?"


def paginate(
    request: HttpRequest,
    queryset: models.QuerySet[Any],
    *,
    keys: Sequence[str],
    default_size: int = 100,
) -> KeysetPage:
    """One keyset page for a view, with next/prev/first URLs keeping the other query params."""
    size = page_size(request, default=default_size)
    page = KeysetPaginator(queryset, keys=keys, size=size).page(request.GET.get(CURSOR_PARAM))
    page.next_url = _url_with(request.GET, page.next_cursor) if page.next_cursor else None
    page.prev_url = _url_with(request.GET, page.prev_cursor) if page.prev_cursor else None
    page.first_url = _url_with(request.GET, None)
    return page


# --- counts --------------------------------------------------------------------------------
@dataclass(frozen=True)
class CountHint:
    value: int
    exact: bool

    def __str__(self) -> str:
        text = f"{self.value:,}"
        return text if self.exact else f"about {text}"


def _planner_estimate(queryset: models.QuerySet[Any]) -> int | None:
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def count_hint(
    queryset: models.QuerySet[Any],
    *,
    exact_up_to: int = 1000,
    estimate: Callable[[], int] | None = None,
) -> CountHint:
    """Exact when at most ``exact_up_to`` rows match, otherwise "about N" (see module docs)."""
    bounded = queryset.order_by()[: exact_up_to + 1].count()
    if bounded <= exact_up_to:
        return CountHint(bounded, True)
    guess = estimate() if estimate is not None else _planner_estimate(queryset)
    if guess is None:
        return CountHint(queryset.order_by().count(), True)
    return CountHint(max(guess, bounded), False)


def table_estimate(model: type[models.Model]) -> int:
    """Rows in a model's table: pg_class.reltuples on PostgreSQL, an exact count elsewhere."""
    connection = connections["default"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [model._meta.db_table],
            )
            row = cursor.fetchone()
        if row and row[0] >= 0:
            return int(row[0])
    return model._default_manager.count()
