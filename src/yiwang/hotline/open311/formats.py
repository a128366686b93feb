"""The Open311 wire format: JSON and XML rendering, the spec's errors and the view decorator.

* ``render``/``to_xml``: one payload as ``.json`` or ``.xml`` (``XML_ITEMS`` names the element of each
  list item; characters XML forbids are dropped); ``w3c``: W3C datetimes;
* ``Open311Error``/``render_error``: the spec's error body (400/403/404; 405 for a method not allowed);
* ``open311_view``: allowed methods, the optional ``jurisdiction_id`` (``jurisdiction()``), CSRF-exempt;
  ``Open311Error`` and :class:`~yiwang.core.errors.DomainError` become the spec's errors.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET  # noqa: N817 - building documents only, never parsing

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from yiwang.core.errors import DomainError

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"



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



def jurisdiction() -> str:
    return str(getattr(settings, "OPEN311_JURISDICTION", "") or os.environ.get(
        "YIWANG_OPEN311_JURISDICTION", "junan.gov.cn"))



class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description



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
