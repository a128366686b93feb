"""Review of a letter for publication (公开审核) before anything the citizen wrote is public.

A citizen's consent (``publish_consent``) is necessary but not enough: the public list
(``selectors.public_ticket_list``) and Open311 show a ticket's text only after the centre
(``TICKET_REVIEW``) approved it with ``ticket_publication_review``. The reviewer may shorten or
redact the title, text and address; what is stored in ``published_title``/``published_content``/
``published_address`` is that reviewed text, masked again with ``core.masking.mask_text``. A refusal needs a note and clears any
published text. Every review is audited (``hotline.ticket.publication_review``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict
from yiwang.core.masking import mask_text
from yiwang.hotline.centre import require_centre
from yiwang.hotline.models import PublicationStatus, Ticket
from yiwang.hotline.services.records import _lock, _save, _text, _user
from yiwang.org.models import Position
from yiwang.org.roles import Perm


def ticket_publication_review(*, ticket: Ticket, approve: bool, title: str | None = None, content: str | None = None,
                              address: str | None = None, note: str = "", actor: Any,
                              position: Position | None) -> Ticket:
    """Approve (with the reviewed, redacted text) or refuse the publication of a consenting ticket."""
    require_centre(position, Perm.TICKET_REVIEW)
    note = _text(note, "note", required=not approve, limit=500)
    with transaction.atomic():
        locked = _lock(ticket)
        if not locked.publish_consent:
            raise Conflict(_("来信人未同意公开，不能公开"), details={"field": "publish_consent"})
        before = {"publication_status": locked.publication_status}
        if approve:
            locked.published_title = mask_text(_text(title if title is not None else locked.title, "title",
                                                     limit=200))
            locked.published_content = mask_text(_text(content if content is not None else locked.content,
                                                       "content"))
            locked.published_address = mask_text(_text(address if address is not None else locked.address,
                                                       "address", required=False, limit=200))
            locked.publication_status = PublicationStatus.APPROVED
        else:
            locked.published_title, locked.published_content, locked.published_address = "", "", ""
            locked.publication_status = PublicationStatus.REJECTED
        locked.publication_note = note
        locked.publication_reviewed_by = _user(actor)
        locked.publication_reviewed_at = timezone.now()
        _save(locked, "publication_status", "published_title", "published_content", "published_address",
              "publication_note",
              "publication_reviewed_by", "publication_reviewed_at")
        audit_record(action="hotline.ticket.publication_review", actor=_user(actor), position=position, obj=locked,
                     before=before, after={"publication_status": locked.publication_status, "note": note})
    return locked
