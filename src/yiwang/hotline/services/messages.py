"""Messages of the hotline services, always sent after commit and never undoing the action.

* ``_on_commit_unit``/``_notify_unit``: inbox (and SMS) to the people of a unit (or a village's agents);
* ``_tell_caller``: records the notice on the ticket's timeline, then sends it to the caller's account,
  or by SMS to the decrypted number;
* ``_safe``: logs a failed notification instead of raising.
"""


from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from yiwang.hotline.models import (
    Ticket,
)
from yiwang.hotline.services.records import (
    _event,
)
from yiwang.org.models import Department, Division, Position
from yiwang.org.roles import Role

logger = logging.getLogger(__name__)

def _unit_users(unit: Department, *, division: Division | None = None) -> list[Any]:
    """People who handle tickets for ``unit`` (or, for a village re-dispatch, the village's agents)."""
    if division is not None:
        qs = Position.objects.filter(is_active=True, role=Role.VILLAGE_AGENT, division=division)
    else:
        qs = Position.objects.filter(is_active=True, department=unit)
    return list({p.user_id: p.user for p in qs.select_related("user") if p.user.is_active}.values())


def _notify_unit(unit: Department, title: str, text: str, *, division: Division | None = None,
                 dedupe_key: str = "", channels: Sequence[str] = ("inbox", "sms")) -> None:
    from yiwang.notify.services import notify_person

    for user in _unit_users(unit, division=division):
        notify_person(user=user, template="generic", context={"title": title, "text": text},
                      channels=list(channels), dedupe_key=f"{dedupe_key}:{user.pk}" if dedupe_key else "")


def _on_commit_unit(unit: Department, title: str, text: str, **kwargs: Any) -> None:
    transaction.on_commit(lambda: _safe(_notify_unit, unit, title, text, **kwargs))


def _safe(fn: Any, *args: Any, **kwargs: Any) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:  # noqa: BLE001 - a notification failure must not break the committed action
        logger.exception("hotline notification failed")


def _send_to_caller(ticket_id: int, title: str, text: str, dedupe_key: str) -> None:
    from yiwang.notify.services import notify_person, notify_phone

    ticket = Ticket.objects.select_related("caller_user").get(pk=ticket_id)
    if ticket.caller_user_id and ticket.caller_user is not None:
        notify_person(user=ticket.caller_user, template="generic", context={"title": title, "text": text},
                      channels=["inbox", "sms"], dedupe_key=dedupe_key)
        return
    phone = ticket.decrypt_caller_phone()
    if phone:
        notify_phone(phone=phone, template="generic", context={"title": title, "text": text},
                     dedupe_key=dedupe_key)


def _tell_caller(ticket: Ticket, title: str, text: str, *, kind: str, actor: Any = None) -> None:
    """Record the notice on the timeline and send it after commit."""
    _event(ticket, kind, f"{title}：{text}", actor=actor)
    ticket_id, key = ticket.pk, f"hotline:{ticket.pk}:{kind}:{ticket.reopen_count}"
    transaction.on_commit(lambda: _safe(_send_to_caller, ticket_id, title, text, key))
