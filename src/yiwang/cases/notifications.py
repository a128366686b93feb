"""Status notices to the applicant (SMS + inbox) and to the agent who filed the case (村级代办).

``notify_status`` sends after commit, in the platform's language; a failure never undoes the case's
progress.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import translation

from yiwang.cases.models import Case, CaseStatus
from yiwang.cases.personal_data import applicant_phone

logger = logging.getLogger(__name__)

STATUS_TEMPLATE = "case.status_changed"


def _notify_fields() -> tuple[str, ...]:
    """What the status notice reads: a few case columns, the item name, the two accounts in full."""
    from yiwang.accounts.models import User

    users = [f.name for f in User._meta.concrete_fields]
    return ("id", "number", "query_code", "applicant_name", "applicant_phone_enc", "channel", "status",
            "applicant_user", "filed_by", "version", "version__name",
            *(f"applicant_user__{name}" for name in users), *(f"filed_by__{name}" for name in users))


_NOTIFY_FIELDS: tuple[str, ...] = ()


def notify_status(case: Case, *, note: str = "", key: str = "") -> None:
    """After commit: SMS + inbox to the applicant's account about the case's new status, and an
    inbox copy to the agent who filed it (村级代办) so that they can tell the villager."""
    case_id, status = case.pk, case.status

    def send() -> None:
        # Applicants get their messages in the platform's language, whatever the clerk's UI language is.
        with translation.override(settings.LANGUAGE_CODE):
            _send()

    def _send() -> None:
        global _NOTIFY_FIELDS
        from yiwang.notify.services import notify_person

        if not _NOTIFY_FIELDS:
            _NOTIFY_FIELDS = _notify_fields()
        fresh = Case.objects.select_related("applicant_user", "filed_by", "version").only(*_NOTIFY_FIELDS).get(
            pk=case_id)
        context = {"name": fresh.applicant_name, "case_no": fresh.number or "", "case_number": fresh.number or "",
                   "item": fresh.version.name, "status": str(CaseStatus(status).label), "note": note,
                   "query_code": fresh.query_code}
        dedupe = key or f"case-{case_id}-{status}"
        try:
            if fresh.applicant_user is not None:
                notify_person(user=fresh.applicant_user, template=STATUS_TEMPLATE, context=context,
                              dedupe_key=dedupe)
            elif fresh.applicant_phone_enc:
                # Filed at a window or by an agent for someone without an account: SMS to their number.
                from yiwang.notify.services import notify_phone

                notify_phone(phone=applicant_phone(fresh), template=STATUS_TEMPLATE, context=context,
                             dedupe_key=dedupe)
            if fresh.filed_by is not None and fresh.channel == "agent" and fresh.filed_by != fresh.applicant_user:
                notify_person(user=fresh.filed_by, template=STATUS_TEMPLATE, context=context, channels=["inbox"],
                              dedupe_key=dedupe)
        except Exception:  # noqa: BLE001 - a notification failure never undoes the case's progress
            logger.warning("status notification failed for case %s", case_id, exc_info=True)

    transaction.on_commit(send, robust=True)
