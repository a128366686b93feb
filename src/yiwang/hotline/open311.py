"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at ``/open311/v2/``.

Methods, each as ``.json`` and ``.xml``:

* ``discovery`` — the Service Discovery document;
* ``services`` — hotline matter types (:class:`~yiwang.hotline.models.MatterType`) as services;
* ``services/{service_code}`` — the service definition (attributes every service accepts);
* ``requests`` POST — file a ticket (channel ``open311``); needs an ``api_key`` with scope
  ``open311`` (``manage.py create_api_key --name … --scopes open311``);
* ``requests`` GET — search (``service_request_id``, ``service_code``, ``start_date``, ``end_date``,
  ``status``; default: the last 90 days, at most 1000 requests, newest first);
* ``requests/{service_request_id}`` and ``tokens/{token}``;
* ``servicerequestupdates`` — mySociety's extension: public timeline events in a date range.

Semantics:

* ``service_request_id`` is the ticket number; ``status`` is ``closed`` for 已办结/直接办结/引导/并单
  and ``open`` otherwise; ``agency_responsible`` is the lead unit; ``expected_datetime`` is the
  deadline of the service level clock; ``status_notes`` is the latest public timeline entry.
* Personal data never leaves: no caller data is output; ``description``, ``address``, ``lat`` and
  ``long`` are given only for tickets whose citizen agreed to publication (公开同意) **and** whose
  text the centre reviewed for publication (公开审核, ``services.publication``): ``description`` is
  the reviewed text (and address), with ID and phone numbers masked; otherwise ``address`` is the
  township/village name. Timeline texts (``status_notes``, update descriptions) of other tickets are shown only when
  the system wrote them (registered, dispatched, accepted…); free text (replies, notes) becomes a
  neutral label.
* ``jurisdiction_id`` is optional (one jurisdiction: ``YIWANG_OPEN311_JURISDICTION``, default
  ``junan.gov.cn``); a different one is ``404``.
* Errors are the spec's body — JSON ``[{"code": 404, "description": "…"}]``, XML
  ``<errors><error><code>404</code><description>…</description></error></errors>`` — with
  ``400`` (missing or bad parameter), ``403`` (``api_key`` missing, invalid or without the
  ``open311`` scope), ``404`` (unknown jurisdiction, service code, request or token).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree import ElementTree as ET  # noqa: N817 - building documents only, never parsing

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from yiwang.core.errors import DomainError
from yiwang.core.masking import mask_text
from yiwang.hotline.models import (
    FINAL_STATUSES,
    Category,
    MatterType,
    PublicationStatus,
    Ticket,
    TicketChannel,
    TicketEvent,
    TicketStatus,
    Urgency,
)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_REQUESTS = 1000
DEFAULT_DAYS = 90
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# Container element -> element of each item, for the XML rendering of lists.
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
CLOSED_STATUSES = tuple(str(s) for s in FINAL_STATUSES)


def jurisdiction() -> str:
    return str(getattr(settings, "OPEN311_JURISDICTION", "") or os.environ.get(
        "YIWANG_OPEN311_JURISDICTION", "junan.gov.cn"))


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# --- Rendering ---------------------------------------------------------------------------------


def w3c(value: datetime | None) -> str | None:
    """``2026-03-01T10:00:00+08:00`` (W3C/ISO 8601 with offset), or None."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: Any) -> str:
    """Text for an element: booleans as ``true``/``false``; characters XML 1.0 forbids dropped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _xml_append(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, child in value.items():
            _xml_append(element, key, child)
    elif isinstance(value, list):
        item_tag = XML_ITEMS.get(tag, "item")
        for child in value:
            _xml_append(element, item_tag, child)
    else:
        element.text = _xml_text(value)


def to_xml(root: str, payload: Any) -> bytes:
    """``payload`` (a list of dicts or a dict) as the spec's XML, with the UTF-8 declaration."""
    element = ET.Element(root)
    if isinstance(payload, list):
        item_tag = XML_ITEMS[root]
        for item in payload:
            _xml_append(element, item_tag, item)
    else:
        for key, value in payload.items():
            _xml_append(element, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8", xml_declaration=False)


def render(fmt: str, root: str, payload: Any, *, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(root, payload)
    else:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


def render_error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt, "errors", [{"code": status, "description": description}], status=status)


def open311_view(*methods: str) -> Callable:
    """Method check, jurisdiction check and the spec's error bodies for every endpoint."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = render_error(fmt, 405, f"method {request.method} is not allowed here")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                params = request.POST if request.method == "POST" else request.GET
                wanted = (params.get("jurisdiction_id") or "").strip()
                if wanted and wanted != jurisdiction():
                    raise Open311Error(404, f"jurisdiction_id {wanted!r} was not found")
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return render_error(fmt, exc.status, exc.description)
            except DomainError as exc:
                status = exc.status if exc.status in {400, 403, 404} else 400
                return render_error(fmt, status, exc.message)

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return csrf_exempt(wrapper)

    return decorate


# --- Discovery and services ---------------------------------------------------------------------


@open311_view("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    changeset = w3c(timezone.make_aware(datetime.combine(timezone.localdate(), time.min)))
    payload = {
        "changeset": changeset,
        "contact": getattr(settings, "OPEN311_CONTACT", "") or "12345 政务服务便民热线",
        "key_service": getattr(settings, "OPEN311_KEY_SERVICE", "")
        or "API 密钥由平台管理员签发（manage.py create_api_key --scopes open311）",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri("/open311/v2"),
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", payload)


def _services() -> QuerySet[MatterType]:
    return MatterType.objects.filter(is_active=True).select_related("parent").order_by("code")


def _service_dict(matter: MatterType) -> dict[str, Any]:
    category = dict(Category.choices).get(matter.default_category, "")
    return {
        "service_code": matter.code,
        "service_name": matter.name,
        "description": f"{matter.name}（{category}）" if category else matter.name,
        "metadata": True,
        "type": "realtime",
        "keywords": matter.keywords.replace("，", ",").replace(" ", ",").strip(",") if matter.keywords else "",
        "group": matter.parent.name if matter.parent_id and matter.parent else "",
    }


@open311_view("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", [_service_dict(m) for m in _services()])


def _matter_or_404(code: str) -> MatterType:
    matter = MatterType.objects.filter(code=code, is_active=True).first()
    if matter is None:
        raise Open311Error(404, f"service_code {code!r} was not found")
    return matter


def _yes_no() -> list[dict[str, str]]:
    return [{"key": "false", "name": "否"}, {"key": "true", "name": "是"}]


def service_attributes(matter: MatterType) -> list[dict[str, Any]]:
    """The attributes every service accepts (``attribute[code]`` in a POST)."""
    default_category = dict(Category.choices).get(matter.default_category, "")
    return [
        {
            "variable": True, "code": "category", "datatype": "singlevaluelist", "required": False,
            "datatype_description": None, "order": 1,
            "description": f"诉求类别（默认：{default_category or '咨询'}）",
            "values": [{"key": key, "name": str(label)} for key, label in Category.choices],
        },
        {
            "variable": True, "code": "urgency", "datatype": "singlevaluelist", "required": False,
            "datatype_description": None, "order": 2, "description": "紧急程度（紧急诉求 24 小时内办理）",
            "values": [{"key": key, "name": str(label)} for key, label in Urgency.choices],
        },
        {
            "variable": True, "code": "publish_consent", "datatype": "singlevaluelist", "required": False,
            "datatype_description": None, "order": 3,
            "description": "是否同意公开诉求与办理结果（个人信息将遮蔽）", "values": _yes_no(),
        },
        {
            "variable": True, "code": "anonymous", "datatype": "singlevaluelist", "required": False,
            "datatype_description": None, "order": 4, "description": "是否匿名（仅建议、举报等类别可匿名）",
            "values": _yes_no(),
        },
        {
            "variable": True, "code": "title", "datatype": "string", "required": False,
            "datatype_description": "不超过 200 字", "order": 5, "description": "诉求标题",
        },
        {
            "variable": True, "code": "division_code", "datatype": "string", "required": False,
            "datatype_description": "12 位统计用区划代码（村/社区或乡镇/街道）", "order": 6,
            "description": "诉求发生地所在的行政区划",
        },
    ]


@open311_view("GET")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    matter = _matter_or_404(service_code)
    payload = {"service_code": matter.code, "attributes": service_attributes(matter)}
    return render(fmt, "service_definition", payload)


# --- POST requests -------------------------------------------------------------------------------

_ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_\-]{1,40})\]$")


def _authenticate(request: HttpRequest) -> Any:
    from yiwang.api.services import KeyRejectedError, api_key_authenticate

    raw = (request.POST.get("api_key") or request.headers.get("X-API-Key") or "").strip()
    if not raw:
        raise Open311Error(403, "api_key was not provided")
    try:
        key = api_key_authenticate(raw)
    except KeyRejectedError as exc:
        raise Open311Error(403, f"api_key is {exc.reason}") from exc
    if not key.has_scope("open311"):
        raise Open311Error(403, "api_key lacks the open311 scope")
    return key


def _decimal(name: str, value: str, low: int, high: int) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation as exc:
        raise Open311Error(400, f"{name} must be a number") from exc
    if not number.is_finite() or not low <= number <= high:
        raise Open311Error(400, f"{name} must be between {low} and {high}")
    return number.quantize(Decimal("0.000001"))


def _choice(code: str, value: str, allowed: Iterable[str]) -> str:
    value = value.strip()
    if value not in set(allowed):
        raise Open311Error(400, f"attribute[{code}] has an invalid value {value!r}")
    return value


def _parse_post(request: HttpRequest) -> dict[str, Any]:
    data = request.POST
    service_code = (data.get("service_code") or "").strip()
    if not service_code:
        raise Open311Error(400, "service_code was not provided")
    matter = _matter_or_404(service_code)
    lat, lon = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
    address = (data.get("address_string") or "").strip()
    address_id = (data.get("address_id") or "").strip()
    if bool(lat) != bool(lon):
        raise Open311Error(400, "lat and long must be given together")
    if not (lat or address or address_id):
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    description = (data.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "description was not provided")
    if len(description) > 4000:
        raise Open311Error(400, "description is longer than 4000 characters")
    attributes: dict[str, str] = {}
    for key in data:
        match = _ATTRIBUTE.match(key)
        if match:
            attributes[match.group(1)] = data.get(key, "")
    known = {a["code"] for a in service_attributes(matter)}
    unknown = sorted(set(attributes) - known)
    if unknown:
        raise Open311Error(400, f"unknown attribute {unknown[0]!r}")
    category = _choice("category", attributes["category"], Category.values) if attributes.get("category") else (
        matter.default_category or Category.CONSULT)
    urgency = _choice("urgency", attributes["urgency"], Urgency.values) if attributes.get("urgency") else (
        Urgency.NORMAL)
    publish = _choice("publish_consent", attributes.get("publish_consent") or "false", ("true", "false"))
    anonymous = _choice("anonymous", attributes.get("anonymous") or "false", ("true", "false"))
    title = (attributes.get("title") or "").strip()
    if len(title) > 200:
        raise Open311Error(400, "attribute[title] is longer than 200 characters")
    division = None
    division_code = (attributes.get("division_code") or "").strip()
    if division_code:
        from yiwang.org.models import Division

        division = Division.objects.filter(code=division_code, valid_to__isnull=True).first()
        if division is None:
            raise Open311Error(400, f"attribute[division_code] {division_code!r} is not a known division")
    media_url = (data.get("media_url") or "").strip()
    if media_url:
        if len(media_url) > 500 or not re.match(r"^https?://[^\s<>\"]+$", media_url):
            raise Open311Error(400, "media_url must be an http(s) URL")
        description = f"{description}\n附图链接：{media_url}"
    if address_id and not address:
        address = f"地址编号 {address_id}"
    name = f"{(data.get('last_name') or '').strip()}{(data.get('first_name') or '').strip()}"[:60]
    return {
        "category": category,
        "urgency": urgency,
        "content": description,
        "title": title,
        "caller_name": name,
        "caller_phone": (data.get("phone") or "").strip()[:20],
        "anonymous": anonymous == "true",
        "publish_consent": publish == "true",
        "address": address[:200],
        "division": division,
        "latitude": _decimal("lat", lat, -90, 90) if lat else None,
        "longitude": _decimal("long", lon, -180, 180) if lon else None,
        "matter_type": matter,
        "service_code": matter.code,
    }


def _service_notice(ticket: Ticket) -> str:
    if ticket.status == TicketStatus.DIVERTED:
        return ticket.diversion_message or "该诉求不属于热线受理范围，请按告知途径办理。"
    notice = f"您的诉求已受理，工单编号 {ticket.number}。"
    query_code = getattr(ticket, "query_code", "")
    if query_code:
        notice += f"查询码 {query_code}，请妥善保存。"
    if ticket.expected_at:
        notice += f"承办单位将于 {timezone.localtime(ticket.expected_at):%Y-%m-%d %H:%M} 前办理答复。"
    return notice


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    key = _authenticate(request)
    fields = _parse_post(request)
    from yiwang.hotline.services.intake import ticket_create

    idempotency = (request.headers.get("Idempotency-Key") or "").strip()[:60]
    ticket = ticket_create(
        channel=TicketChannel.OPEN311,
        idempotency_key=f"open311:{key.prefix}:{idempotency}" if idempotency else None,
        **fields,
    )
    item: dict[str, Any] = {"service_request_id": ticket.number}
    if ticket.token:
        item["token"] = ticket.token
    item.update({"service_notice": _service_notice(ticket), "account_id": None})
    return render(fmt, "service_requests", [item])


# --- GET requests --------------------------------------------------------------------------------


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


# --- mySociety extension: servicerequestupdates ---------------------------------------------------

# Timeline event kinds -> mySociety's update statuses (https://github.com/mysociety/fixmystreet/wiki).
UPDATE_STATUS_BY_KIND = {
    "registered": "OPEN",
    "reopened": "OPEN",
    "dispatched": "ACTION_SCHEDULED",
    "accepted": "IN_PROGRESS",
    "redispatched": "IN_PROGRESS",
    "reply_approved": "IN_PROGRESS",
    "reply_sent": "IN_PROGRESS",
    "closed": "CLOSED",
    "closed_on_spot": "FIXED",
    "merged": "DUPLICATE",
    "diverted": "NOT_COUNCILS_RESPONSIBILITY",
}


def update_status(kind: str, ticket_status: str) -> str:
    if kind in UPDATE_STATUS_BY_KIND:
        return UPDATE_STATUS_BY_KIND[kind]
    if ticket_status in CLOSED_STATUSES:
        return "CLOSED"
    return "IN_PROGRESS"


@open311_view("GET")
def service_request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    start, end = date_window(request.GET)
    events = (
        TicketEvent.objects.filter(public=True, at__gte=start, at__lt=end)
        .select_related("ticket")
        .only("id", "kind", "text", "at", "ticket__number", "ticket__status", "ticket__publish_consent",
              "ticket__publication_status")
        .order_by("at", "id")[:MAX_REQUESTS]
    )
    payload = [
        {
            "update_id": str(event.pk),
            "service_request_id": event.ticket.number,
            "status": update_status(event.kind, event.ticket.status),
            "updated_datetime": w3c(event.at),
            "description": public_note(event.kind, event.text, published=is_published(
                {"publish_consent": event.ticket.publish_consent,
                 "publication_status": event.ticket.publication_status})) or "",
            "media_url": None,
            "external_status_code": event.kind,
        }
        for event in events
    ]
    return render(fmt, "service_request_updates", payload)
