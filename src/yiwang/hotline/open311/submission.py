"""``requests`` POST: file a ticket (channel ``open311``) through ``hotline.services.intake.ticket_create``.

* ``_authenticate``: an ``api_key`` with scope ``open311``, else 403;
* ``_parse_post``: the spec's fields and ``attribute[...]`` to clean values (service code, location,
  description, lat/long ranges, choices, division, media URL), else 400;
* ``_service_notice``: what the response tells the filer about the new request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from yiwang.hotline.models import Category, Ticket, TicketChannel, TicketStatus, Urgency
from yiwang.hotline.open311.discovery import _matter_or_404, service_attributes
from yiwang.hotline.open311.formats import Open311Error, render

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
