"""Bounded pagination for every list: the API's ``limit``/``offset`` and the pages' ``?page=``.

* API: take ``page: Query[PageQuery]`` (or subclass :class:`PageQuery` for a filter schema) and
  slice with :meth:`PageQuery.window`. ``limit`` is 1..:data:`MAX_LIMIT`, ``offset`` is
  0..:data:`MAX_OFFSET`; anything else (``offset=2**63``, ``limit=-1``) is refused by validation
  with 400 ``{code: "invalid", message, details}`` before a query runs. An endpoint that takes
  only a count uses the :data:`Limit` type.
* Pages: :func:`page_of` wraps Django's ``Paginator``; a missing, malformed or out-of-range
  ``?page=`` shows the nearest real page (1 or the last), never an error.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from ninja import Field, Schema

MAX_LIMIT = 200
MAX_OFFSET = 1_000_000
DEFAULT_LIMIT = 50
MAX_PAGE_DIGITS = 7  # ?page= beyond 9,999,999 is treated as "the last page"

Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"返回条数，1–{MAX_LIMIT}")]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description=f"跳过条数，0–{MAX_OFFSET}")]

T = TypeVar("T")


class PageQuery(Schema):
    """``?limit=&offset=`` with bounds; list endpoints take it (or a subclass) as ``Query[...]``."""

    limit: Limit = DEFAULT_LIMIT
    offset: Offset = 0

    def window(self, rows: Any) -> Any:
        """``rows[offset:offset + limit]`` (a queryset stays lazy)."""
        return rows[self.offset:self.offset + self.limit]


def page_number(request: HttpRequest, param: str = "page") -> int | str:
    """The requested page number, bounded: digits only, at most :data:`MAX_PAGE_DIGITS` of them."""
    raw = (request.GET.get(param) or "").strip()
    if raw == "last":
        return "last"
    if not raw.isascii() or not raw.isdigit():
        return 1
    if len(raw) > MAX_PAGE_DIGITS:
        return "last"
    return max(1, int(raw))


def page_of(request: HttpRequest, rows: Any, per_page: int, *, param: str = "page") -> Page:
    """The page of ``rows`` that ``?page=`` asks for, clamped to the pages that exist."""
    return Paginator(rows, per_page).get_page(page_number(request, param))
