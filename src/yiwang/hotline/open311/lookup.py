"""``requests`` GET, ``requests/{service_request_id}`` and ``tokens/{token}``: the public view of tickets.

* ``requests_queryset``: search by id, service code, status and a date window (``date_window``,
  ``parse_w3c``; default the last ``DEFAULT_DAYS`` days, at most ``MAX_REQUESTS``, newest first);
* ``request_dict``: a ticket as a service request; ``description``/``address``/``lat``/``long`` only
  when published (``is_published``: 公开同意 and 公开审核), IDs and phones masked; ``public_note``
  shows system-written timeline texts and turns free text into a neutral label;
* ``requests_view`` serves both methods of ``requests``: POST goes to :mod:`.submission`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.masking import mask_text
from yiwang.hotline.models import (
    FINAL_STATUSES,
    MatterType,
    PublicationStatus,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from yiwang.hotline.open311.formats import Open311Error, open311_view, render
from yiwang.hotline.open311.submission import _post_request

MAX_REQUESTS = 1000



DEFAULT_DAYS = 90



CLOSED_STATUSES = tuple(str(s) for s in FINAL_STATUSES)



def parse_w3c(name: str, value: str, *, end: bool = False) -> datetime:
    """A W3C datetime (``2026-03-01T08:00:00+08:00``, ``…Z``) or date (``2026-03-01``); naive
    values are local time. A date as ``end_date`` means the end of that day."""
    value = value.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
        else:
            text = value.replace("Z", "+00:00")
            if "T" in text and " " in text:  # an unencoded "+08:00" arrives as " 08:00"
                text = text.replace(" ", "+")
            moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Open311Error(400, f"{name} must be a W3C datetime, e.g. 2026-03-01T08:00:00+08:00") from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment



def date_window(params: Any, *, default_days: int = DEFAULT_DAYS) -> tuple[datetime, datetime]:
    """``start_date``/``end_date`` with the spec's defaults: the last 90 days; a span of at most
    90 days."""
    start_raw, end_raw = (params.get("start_date") or "").strip(), (params.get("end_date") or "").strip()
    start = parse_w3c("start_date", start_raw) if start_raw else None
    end = parse_w3c("end_date", end_raw, end=True) if end_raw else None
    span = timedelta(days=default_days)
    if start is None and end is None:
        end = timezone.now()
        start = end - span
    elif start is None:
        assert end is not None
        start = end - span
    elif end is None:
        end = start + span
    if start > end:
        raise Open311Error(400, "start_date must not be after end_date")
    if end - start > span + timedelta(days=1):
        raise Open311Error(400, f"start_date and end_date may not span more than {default_days} days")
    return start, end



def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]



def requests_queryset(params: Any) -> QuerySet:
    """The tickets a GET ``requests`` call returns, as :data:`REQUEST_FIELDS` values (at most 1000,
    newest first)."""
    qs = Ticket.objects.all()
    ids = _csv(params.get("service_request_id"))
    if ids:
        if len(ids) > MAX_REQUESTS:
            raise Open311Error(400, f"at most {MAX_REQUESTS} service_request_id values")
        qs = qs.filter(number__in=ids)
    else:
        start, end = date_window(params)
        qs = qs.filter(created_at__gte=start, created_at__lt=end)
        codes = _csv(params.get("service_code"))
        if codes:
            matter_ids = list(MatterType.objects.filter(code__in=codes).values_list("pk", flat=True))
            qs = qs.filter(Q(matter_type_id__in=matter_ids) | Q(matter_type__isnull=True, service_code__in=codes))
        statuses = {s.lower() for s in _csv(params.get("status"))}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status must be open, closed or both (comma-delimited)")
        if statuses == {"open"}:
            qs = qs.exclude(status__in=CLOSED_STATUSES)
        elif statuses == {"closed"}:
            qs = qs.filter(status__in=CLOSED_STATUSES)
    latest_note = (
        TicketEvent.objects.filter(ticket=OuterRef("pk"), public=True).exclude(text="").order_by("-at", "-id")
    )
    return (
        qs.annotate(status_note=Subquery(latest_note.values("text")[:1]),
                    status_note_kind=Subquery(latest_note.values("kind")[:1]))
        .order_by("-created_at", "-id")
        .values(*REQUEST_FIELDS)[:MAX_REQUESTS]
    )



# Columns read for a service request (plain values: no model instances for up to 1000 rows).
REQUEST_FIELDS = (
    "number", "status", "published_content", "publish_consent", "publication_status", "published_address",
    "latitude",
    "longitude", "created_at", "updated_at", "expected_at", "service_code", "diversion_kind", "diversion_message",
    "matter_type__code", "matter_type__name", "lead_unit__name", "division__name", "status_note", "status_note_kind",
)



# Timeline entries whose text the system composes (unit names, channel): safe for every ticket.
SYSTEM_NOTE_KINDS = frozenset({"registered", "dispatched", "accepted", "redispatched", "reopened",
                               "return_approved"})



# Diversions whose message is a fixed text (a repeat quotes the original ticket's reply).
TEMPLATE_DIVERSIONS = frozenset({"emergency", "other_channel", "privacy_secret", "unlawful"})



def is_published(row: dict[str, Any]) -> bool:
    """Consent given and the text reviewed for publication (公开审核)."""
    return bool(row["publish_consent"]) and row["publication_status"] == PublicationStatus.APPROVED



def public_note(kind: str | None, text: str | None, *, published: bool) -> str | None:
    """A timeline text for the public: masked; free text only for published tickets."""
    if not text:
        return None
    if published or kind in SYSTEM_NOTE_KINDS:
        return mask_text(text)
    return str(_("工单办理状态已更新"))



def request_dict(row: dict[str, Any]) -> dict[str, Any]:
    """One service request (a row of :data:`REQUEST_FIELDS`) as the spec's fields; personal data
    only with publication consent."""
    public = is_published(row)
    note = public_note(row["status_note_kind"], row["status_note"], published=public)
    if row["status"] == TicketStatus.DIVERTED and row["diversion_message"]:
        if public or row["diversion_kind"] in TEMPLATE_DIVERSIONS:
            note = mask_text(row["diversion_message"])
    tz = timezone.get_current_timezone()

    def stamp(value: datetime | None) -> str | None:
        return value.astimezone(tz).isoformat(timespec="seconds") if value is not None else None

    return {
        "service_request_id": row["number"],
        "status": "closed" if row["status"] in CLOSED_STATUSES else "open",
        "status_notes": note or None,
        "service_name": row["matter_type__name"] or row["service_code"] or None,
        "service_code": row["matter_type__code"] or row["service_code"] or None,
        "description": mask_text(row["published_content"]) if public else None,
        "agency_responsible": row["lead_unit__name"],
        "service_notice": None,
        "requested_datetime": stamp(row["created_at"]),
        "updated_datetime": stamp(row["updated_at"]),
        "expected_datetime": stamp(row["expected_at"]),
        "address": (mask_text(row["published_address"]) if public and row["published_address"]
                    else row["division__name"]) or None,
        "address_id": None,
        "zipcode": None,
        "lat": float(row["latitude"]) if public and row["latitude"] is not None else None,
        "long": float(row["longitude"]) if public and row["longitude"] is not None else None,
        "media_url": None,
    }



@open311_view("GET", "POST")
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    return render(fmt, "service_requests", [request_dict(t) for t in requests_queryset(request.GET)])



@open311_view("GET")
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    tickets = list(requests_queryset({"service_request_id": service_request_id}))
    if not tickets:
        raise Open311Error(404, f"service_request_id {service_request_id!r} was not found")
    return render(fmt, "service_requests", [request_dict(tickets[0])])



@open311_view("GET")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    ticket = Ticket.objects.filter(token=token).only("number", "token").first() if token else None
    if ticket is None:
        raise Open311Error(404, f"token {token!r} was not found")
    return render(fmt, "service_requests", [{"service_request_id": ticket.number, "token": ticket.token}])
