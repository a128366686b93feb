"""Ticket records shared by the hotline services: locking, saving, the timeline and clean input.

* ``_lock``/``_save``: ``select_for_update`` and an optimistic ``lock_version`` bump on every save;
* ``_event``: one :class:`TicketEvent` on the ticket's timeline (public unless said otherwise);
* ``_snapshot``: the audit ``before``/``after`` of a ticket;
* ``_text``/``_decimal``: trimmed, bounded text and coordinates, or :class:`InvalidInput`;
* ``check_attachments``: the hotline's attachment policy (kinds, count) on ``core.uploads``;
* ``max_reopens``/``_config``: the centre's configuration (:class:`HotlineConfig`).
"""


from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from yiwang.core.errors import Conflict, InvalidInput
from yiwang.core.uploads import CheckedUpload, check_uploads
from yiwang.hotline.models import (
    HotlineConfig,
    Reply,
    Ticket,
    TicketAttachment,
    TicketEvent,
)
from yiwang.org.models import Department

MAX_CONTENT = 5000


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _event(ticket: Ticket, kind: str, text: str = "", *, actor: Any = None, unit: Department | None = None,
           public: bool = True) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, text=text[:2000], actor=_user(actor), unit=unit,
                                      public=public)


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    return {"number": ticket.number, "status": ticket.status, "category": ticket.category,
            "lead_unit": ticket.lead_unit_id, "reopen_count": ticket.reopen_count,
            "matter_type": ticket.matter_type_id, "division": ticket.division_id}


def _lock(ticket: Ticket) -> Ticket:
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.lock_version != locked.lock_version and getattr(ticket, "_check_version", False):
        raise Conflict(_("工单已被他人修改，请刷新后重试"))
    return locked


def _save(ticket: Ticket, *fields: str) -> None:
    ticket.lock_version += 1
    ticket.save(update_fields=[*fields, "lock_version", "updated_at"])


def _config() -> HotlineConfig:
    return HotlineConfig.objects.first() or HotlineConfig()


def max_reopens() -> int:
    """How many times an unsatisfied ticket is reopened (DB config, else setting, default 2)."""
    row = HotlineConfig.objects.first()
    if row is not None:
        return int(row.max_reopens)
    return int(getattr(settings, "HOTLINE_MAX_REOPENS", 2))


def _text(value: Any, field: str, *, required: bool = True, limit: int = MAX_CONTENT) -> str:
    value = str(value or "").strip()
    if required and not value:
        raise InvalidInput(_("请填写必填项"), details={"field": field})
    if len(value) > limit:
        raise InvalidInput(_("内容过长（最多 %(n)s 字）") % {"n": limit}, details={"field": field})
    return value


def _decimal(value: Any, field: str, bound: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(_("坐标格式不正确"), details={"field": field}) from exc
    if not number.is_finite() or abs(number) > bound:
        raise InvalidInput(_("坐标超出范围"), details={"field": field})
    return number


# --- attachments: the hotline's policy on core.uploads -----------------------------------
ATTACHMENT_TYPES = ("pdf", "png", "jpg", "gif", "docx", "xlsx", "mp3")
MAX_ATTACHMENTS = 5


def check_attachments(files: Iterable[Any] | None, *, field: str = "attachments") -> list[CheckedUpload]:
    """Attachments of a ticket or evidence of a reply: at most 5 files of the allowed kinds."""
    return check_uploads(files, allowed=ATTACHMENT_TYPES, max_count=MAX_ATTACHMENTS, field=field)


def attachment_store(ticket: Ticket, item: CheckedUpload, *, actor: Any, reply: Reply | None = None
                     ) -> TicketAttachment:
    """Store one checked file under a generated name, keeping the original name for display."""
    attachment = TicketAttachment(ticket=ticket, reply=reply, name=item.original_name, content_type=item.content_type,
                                  size=item.size, sha256=item.sha256, uploaded_by=_user(actor))
    attachment.file.save(item.stored_name, ContentFile(item.content), save=False)
    attachment.save()
    return attachment
