"""mySociety's ``servicerequestupdates`` extension: public timeline events in a date range, with
the status each event implies (``update_status``, ``UPDATE_STATUS_BY_KIND``).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from yiwang.hotline.models import TicketEvent
from yiwang.hotline.open311.formats import open311_view, render, w3c
from yiwang.hotline.open311.lookup import (
    CLOSED_STATUSES,
    MAX_REQUESTS,
    date_window,
    is_published,
    public_note,
)

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
