"""The completion SMS carries the rating link: when a case reaches a final status (办结, 不予许可,
不予受理), an invitation is issued after the transaction commits."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def case_saved(sender: Any, instance: Any, created: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    from yiwang.evaluation.services.records import RATEABLE_CASE_STATUSES

    if kwargs.get("raw"):
        return
    if update_fields is not None and "status" not in update_fields:
        return
    if instance.status not in RATEABLE_CASE_STATUSES:
        return
    case_id = instance.pk
    transaction.on_commit(lambda: _issue(case_id), robust=True)


def _issue(case_id: int) -> None:
    from yiwang.cases.models import Case
    from yiwang.evaluation.models import RatingInvitation
    from yiwang.evaluation.services.ratings import invitation_issue

    if RatingInvitation.objects.filter(case_id=case_id).exists():
        return
    case = Case.objects.select_related("applicant_user", "version").filter(pk=case_id).first()
    if case is None:
        return
    try:
        invitation_issue(case=case)
    except Exception:  # never break the case action that triggered it
        logger.exception("rating invitation for case %s failed", case_id)
