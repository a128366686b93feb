"""办件查询: the public status query (case number + query code, no login), in one statement.

It is the most frequent public read (citizens poll it), so it is built to cost one indexed SELECT
on a cache miss and none on a hit:

* **One statement.** The case row, its item name and department name (joins), the latest clock of
  each of the three purposes (correlated subqueries reading the clock's *stored* ``due_date``,
  ``status`` and ``stopped_at``; see :class:`yiwang.calendar.models.Clock`) and the public timeline
  (a JSON aggregate) come back as one row. Nothing is recomputed from suspensions or extensions:
  the services that change a clock store its state. Only the signed working days left are
  counted, in memory, by the working-day engine.
* **Cached payload.** The public payload (already masked) is cached under the case number for
  :data:`PAYLOAD_SECONDS` (Redis when ``REDIS_URL`` is set, the local cache otherwise). Any save of
  the case, one of its events or one of its clocks drops a per-case *generation* key
  (:func:`status_cache_invalidate`, wired by signals in ``cases.apps``), so the next query rebuilds.
  The remaining days and the traffic light are derived from the due date and today on every hit,
  so a cached payload never shows yesterday's count.
* **Same answer for a wrong number or a wrong code**, compared in constant time, and a throttle per
  client address (``request.ip``, which honours ``YIWANG_PROXY_IPS``; ``RATE_LIMITS['cases.status_query']``).
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Aggregate, JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from yiwang.calendar import engine
from yiwang.calendar.models import Clock, ClockStatus, ClockUnit
from yiwang.cases.deadlines import ACCEPTANCE_PURPOSE, HANDLING_PURPOSE, STATUTORY_PURPOSE
from yiwang.cases.models import Case, CaseEvent, CaseStatus
from yiwang.cases.numbering import query_code_matches
from yiwang.core.errors import NotFound
from yiwang.core.masking import mask_name
from yiwang.core.ratelimit import rate_limit_hit

PAYLOAD_SECONDS = 600  # bounds staleness for writes that bypass signals (bulk updates)

_PAYLOAD_KEY = "cases:status:v1:{number}"
_GENERATION_KEY = "cases:status-gen:{pk}"


class JSONGroupArray(Aggregate):
    """``json_group_array`` on SQLite, ``jsonb_agg`` on PostgreSQL: the rows of a group as one JSON array."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):  # noqa: ANN001, ANN201
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def status_cache_invalidate(case_pk: int | None) -> None:
    """Drop the cached public payload of one case (its case row, an event or a clock changed)."""
    if case_pk:
        cache.delete(_GENERATION_KEY.format(pk=case_pk))


def _clock_subquery(case_type_id: int, purpose: str) -> Subquery:
    latest = (Clock.objects.filter(content_type_id=case_type_id, object_id=OuterRef("pk"), purpose=purpose)
              .order_by("-created_at", "-pk")
              .values(json=JSONObject(due="due_date", stopped="stopped_at", status="status", unit="unit",
                                      yellow="yellow_threshold"))[:1])
    return Subquery(latest, output_field=JSONField())


def _fetch(number: str) -> dict[str, Any] | None:
    """The one statement: case, item, department, three clocks and the public timeline."""
    case_type_id = ContentType.objects.get_for_model(Case).pk
    timeline = (CaseEvent.objects.filter(case=OuterRef("pk"), public=True).order_by().values("case")
                .annotate(items=JSONGroupArray(JSONObject(id="id", at="at", title="title", detail="detail")))
                .values("items"))
    rows = list(Case.objects.filter(number=number).order_by()
            .annotate(acceptance_clock=_clock_subquery(case_type_id, ACCEPTANCE_PURPOSE),
                      handling_clock=_clock_subquery(case_type_id, HANDLING_PURPOSE),
                      statutory_clock=_clock_subquery(case_type_id, STATUTORY_PURPOSE),
                      public_timeline=Subquery(timeline, output_field=JSONField()))
            .values("pk", "number", "query_code", "status", "applicant_name", "submitted_at", "accepted_at",
                    "deemed_accepted", "version__name", "department__name", "acceptance_clock",
                    "handling_clock", "statutory_clock", "public_timeline")[:1])
    return dict(rows[0]) if rows else None


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(str(value))
    if parsed is not None and timezone.is_naive(parsed):  # SQLite stores UTC without an offset
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _decode(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) else value


def _payload(row: dict[str, Any]) -> dict[str, Any]:
    """The public, masked payload (cached). ``clock`` keeps what the daily derivation needs."""
    status = row["status"]
    if status in (CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT):
        clock = _decode(row["acceptance_clock"])
    else:
        clock = _decode(row["handling_clock"]) or _decode(row["statutory_clock"])
    events = _decode(row["public_timeline"]) or []
    timeline = sorted(({"at": _as_datetime(e["at"]), "title": e["title"], "detail": e["detail"], "id": e["id"]}
                       for e in events), key=lambda e: (e["at"], e["id"]))
    return {
        "pk": row["pk"],
        "query_code": row["query_code"],
        "public": {
            "number": row["number"],
            "item": row["version__name"],
            "applicant": mask_name(row["applicant_name"]),
            "status": status,
            "status_label": str(CaseStatus(status).label),
            "department": row["department__name"],
            "submitted_at": row["submitted_at"],
            "accepted_at": row["accepted_at"],
            "deemed_accepted": row["deemed_accepted"],
            "timeline": [{"at": e["at"], "title": e["title"], "detail": e["detail"]} for e in timeline],
        },
        "clock": None if clock is None else {
            "due": parse_date(str(clock["due"])) if clock.get("due") else None,
            "stopped": bool(clock.get("stopped")),
            "status": clock.get("status") or "",
            "unit": clock.get("unit") or ClockUnit.WORKDAYS,
            "yellow": clock.get("yellow"),
        },
    }


def _clock_fields(clock: dict[str, Any] | None, today: date) -> dict[str, Any]:
    """Due date, signed days left and the light, from the stored due date and status."""
    if clock is None:
        return {"due_date": None, "remaining_workdays": None, "clock_status": ""}
    if clock["stopped"]:
        return {"due_date": None, "remaining_workdays": None, "clock_status": ClockStatus.DONE}
    due: date | None = clock["due"]
    status = clock["status"]
    if due is None:
        return {"due_date": None, "remaining_workdays": None, "clock_status": status}
    if clock["unit"] == ClockUnit.WORKDAYS:
        remaining = (engine.workdays_between(today, due) if today <= due
                     else -engine.workdays_between(due, today))
    else:
        remaining = (due - today).days
    if status != ClockStatus.PAUSED:
        yellow = clock["yellow"] if clock["yellow"] is not None else int(settings.CLOCK_YELLOW_REMAINING_WORKDAYS)
        status = (ClockStatus.RED if today > due else
                  ClockStatus.YELLOW if remaining <= yellow else ClockStatus.GREEN)
    return {"due_date": due, "remaining_workdays": remaining, "clock_status": status}


def _cached(number: str) -> dict[str, Any] | None:
    entry = cache.get(_PAYLOAD_KEY.format(number=number))
    if entry is None:
        return None
    generation = cache.get(_GENERATION_KEY.format(pk=entry["pk"]))
    return entry if generation is not None and generation == entry.get("generation") else None


def _store(number: str, payload: dict[str, Any]) -> None:
    generation = secrets.token_hex(8)
    cache.set(_GENERATION_KEY.format(pk=payload["pk"]), generation, PAYLOAD_SECONDS)
    cache.set(_PAYLOAD_KEY.format(number=number), {**payload, "generation": generation}, PAYLOAD_SECONDS)


def case_status_lookup(*, number: str, code: str, client: str = "", today: date | None = None) -> dict[str, Any]:
    """办件查询 by number and query code, without login: status, public timeline and remaining working
    days. A wrong number or code gives the same generic answer; personal data is masked."""
    if client:
        rate_limit_hit(scope="cases.status_query", client=client)
    number = (number or "").strip().upper()[:32]
    entry = _cached(number) if number else None
    if entry is None and number:
        row = _fetch(number)
        if row is not None:
            entry = _payload(row)
            _store(number, entry)
    if not query_code_matches(entry["query_code"] if entry else None, code):
        raise NotFound(_("未找到该办件，请核对办件编号和查询码"), code="case_query_failed")
    assert entry is not None
    return {**entry["public"], **_clock_fields(entry["clock"], today or timezone.localdate())}
