"""What the 好差评 writes share: permission and scope checks, clean input, audit snapshots.

* ``_require``/``_check_actor``/``_in_scope``: the acting position's permission, that the actor holds
  it, and that a rating's division and department are in its scope;
* ``_clean_grade``/``_clean_reasons``/``_clean_comment``: 评价等级, 差评原因 (at least one for a bad
  rating) and the comment (at most ``MAX_COMMENT`` characters);
* ``RATEABLE_CASE_STATUSES``: case statuses after which the applicant is invited (一事一评);
  ``rating_link_days``: how long a rating link stays valid.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.env import env_int
from yiwang.evaluation.models import BadReason, Grade, Rating, Rectification, is_bad
from yiwang.org.models import Division, Position
from yiwang.org.scope import Scope, has_perm

MAX_COMMENT = 1000



# Case statuses after which the applicant is invited to rate (一事一评).
RATEABLE_CASE_STATUSES = ("completed", "denied", "rejected")



def rating_link_days() -> int:
    return int(getattr(settings, "YIWANG_RATING_LINK_DAYS", None) or env_int("YIWANG_RATING_LINK_DAYS", 7, minimum=1))



def _require(position: Position | None, perm: str) -> Position:
    if position is None or not position.is_active:
        raise PermissionDenied(_("您没有可用的工作岗位"))
    if not has_perm(position, perm):
        raise PermissionDenied(_("当前岗位无权执行此操作"), details={"required_permission": str(perm)})
    return position



def _check_actor(actor: Any, position: Position) -> None:
    if getattr(actor, "pk", None) != position.user_id:
        raise PermissionDenied(_("操作人必须是当前岗位的持有人"))



def _in_scope(position: Position, *, division: Division | None, department_id: int | None) -> bool:
    scope = Scope.of(position)
    if division is None or not scope.contains_division_path(division.path):
        return False
    return scope.department_id is None or scope.department_id == department_id



def _clean_grade(grade: Any) -> int:
    try:
        value = int(grade)
    except (TypeError, ValueError):
        raise InvalidInput(_("请选择评价等级"), details={"field": "grade"}) from None
    if value not in Grade.values:
        raise InvalidInput(_("评价等级不正确"), details={"field": "grade"})
    return value



def _clean_reasons(grade: int, reasons: Any) -> list[str]:
    if reasons is None:
        reasons = []
    if isinstance(reasons, str):
        reasons = [reasons]
    if not isinstance(reasons, list | tuple):
        raise InvalidInput(_("差评原因格式不正确"), details={"field": "reasons"})
    cleaned: list[str] = []
    for reason in reasons:
        if reason not in BadReason.values:
            raise InvalidInput(_("差评原因不正确"), details={"field": "reasons", "value": str(reason)[:40]})
        if reason not in cleaned:
            cleaned.append(reason)
    if is_bad(grade) and not cleaned:
        raise InvalidInput(_("差评须至少选择一项原因"), details={"field": "reasons"})
    return cleaned if is_bad(grade) else []



def _clean_comment(comment: Any) -> str:
    text = str(comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise InvalidInput(_("评价内容不能超过 %(n)s 字") % {"n": MAX_COMMENT}, details={"field": "comment"})
    return text



def _root_division() -> Division | None:
    return Division.objects.filter(parent__isnull=True, valid_to__isnull=True).order_by("code").first()



def _rating_dict(rating: Rating) -> dict[str, Any]:
    return {
        "target_kind": rating.target_kind, "case": rating.case_id, "window": rating.window_id,
        "staff": rating.staff_id, "department": rating.department_id, "hall": rating.hall_id,
        "channel": rating.channel, "grade": rating.grade, "reasons": rating.reasons, "status": rating.status,
        "named": rating.named,
    }



def _rect_dict(rect: Rectification) -> dict[str, Any]:
    return {
        "status": rect.status, "due_date": rect.due_date, "callback_verified": rect.callback_verified,
        "callback_at": rect.callback_at, "done_on": rect.done_on, "feedback_sent_at": rect.feedback_sent_at,
    }
