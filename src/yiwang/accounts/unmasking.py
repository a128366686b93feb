"""Unmasking (查看完整个人信息): who may see a person's full name, resident ID and phone, and why.

个人信息保护法 Art. 6 (purpose limitation) and Art. 51 (access control, audit) in one use case,
``person_unmask``:

* **permission**: the acting position belongs to the actor, is active and holds ``Perm.PERSON_UNMASK``;
* **scope**: a staff member may be unmasked only if they hold an active position inside the acting
  position's scope (a clerk of township B cannot unmask a clerk of township A);
* **purpose**: a citizen or enterprise may be unmasked only for a **case or ticket in the clerk's scope
  that concerns them** (``case_number``: they applied for it or filed it; ``ticket_number``: they
  called). A reason is always required;
* **volume**: at most ``PERSON_UNMASK_LIMIT_PER_HOUR`` views per position per hour (``RateLimited``,
  HTTP 429; the position row is locked so concurrent requests count in turn). Above
  ``PERSON_UNMASK_ALERT_PER_HOUR`` supervision gets an alert after commit (rule ``unmask_volume``,
  through ``supervision.engine.sweep``);
* **audit**: every view is an audit event ``person.unmask`` with the reason, the link and masked values.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import AccountKind, User
from yiwang.core.audit import audit_record
from yiwang.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied, RateLimited
from yiwang.org.models import Position
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm, scope_filter

logger = logging.getLogger(__name__)

ACTION = "person.unmask"
ALERT_RULE = "unmask_volume"


def limit_per_hour() -> int:
    return int(getattr(settings, "PERSON_UNMASK_LIMIT_PER_HOUR", 30))


def alert_per_hour() -> int:
    return int(getattr(settings, "PERSON_UNMASK_ALERT_PER_HOUR", 10))


def unmask_count_last_hour(position: Position) -> int:
    from yiwang.core.models import AuditEvent

    since = timezone.now() - timedelta(hours=1)
    return AuditEvent.objects.filter(action=ACTION, position_id=position.pk, occurred_at__gte=since).count()


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, details={"errors": [{"field": field, "code": "required", "message": message}]})


def _link(position: Position, target: User, *, case_number: str, ticket_number: str,
          required: bool) -> dict[str, str] | None:
    """The case or ticket that justifies the view; in the position's scope and about ``target``."""
    case_number, ticket_number = (case_number or "").strip(), (ticket_number or "").strip()
    if not case_number and not ticket_number:
        if required:
            raise _invalid("link", _("查看公民个人信息须关联本岗位范围内的办件或工单"))
        return None
    if case_number and ticket_number:
        raise InvalidInput(_("请只关联一个办件或工单"), details={"field": "link"})
    if case_number:
        from yiwang.cases.selectors import case_list_for_staff

        case = case_list_for_staff(position=position).filter(number=case_number).first()
        if case is None:
            raise PermissionDenied(_("办件不存在或不在本岗位范围内"), details={"case_number": case_number})
        if target.pk not in (case.applicant_user_id, case.filed_by_id):
            raise PermissionDenied(_("该人员与所关联的办件无关"), details={"case_number": case_number})
        return {"case": case.number or ""}
    from yiwang.hotline.selectors import ticket_list_for_position

    try:
        ticket = ticket_list_for_position(position=position).filter(number=ticket_number).first()
    except DomainError:  # the position handles no tickets at all
        ticket = None
    if ticket is None:
        raise PermissionDenied(_("工单不存在或不在本岗位范围内"), details={"ticket_number": ticket_number})
    if ticket.caller_user_id != target.pk:
        raise PermissionDenied(_("该人员与所关联的工单无关"), details={"ticket_number": ticket_number})
    return {"ticket": ticket.number}


def _alert_supervision() -> None:
    """Raise (or keep) the ``unmask_volume`` alert; a supervision failure never undoes the view."""
    try:
        from yiwang.supervision.engine import sweep

        sweep(codes=[ALERT_RULE])
    except Exception:  # noqa: BLE001
        logger.exception("unmask volume alert failed")


def person_unmask(*, actor: Any, position: Position | None, user_id: int, reason: str, case_number: str = "",
                  ticket_number: str = "") -> dict[str, str]:
    """Reveal a person's full name, resident ID and phone (rules: see the module docstring)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录"))
    if position is None or position.user_id != actor.pk or not has_perm(position, Perm.PERSON_UNMASK):
        raise PermissionDenied(_("当前岗位无权查看完整个人信息"), details={"permission": Perm.PERSON_UNMASK.value})
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise _invalid("reason", _("请填写查看事由"))
    reason = reason[:200]
    try:
        target = User.objects.get(pk=int(user_id))
    except (User.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFound(_("人员不存在"), details={"user_id": user_id}) from exc

    target_positions = Position.objects.filter(user=target, is_active=True)
    is_staff_person = target.kind == AccountKind.STAFF or target.is_staff or target_positions.exists()
    if is_staff_person and not scope_filter(target_positions, position).exists():
        raise PermissionDenied(_("该人员不在本岗位管辖范围内"), details={"user_id": target.pk})
    link = _link(position, target, case_number=case_number, ticket_number=ticket_number,
                 required=not is_staff_person)

    with transaction.atomic():
        Position.objects.select_for_update().filter(pk=position.pk).first()  # count this position's views in turn
        recent = unmask_count_last_hour(position)
        limit = limit_per_hour()
        if recent >= limit:
            raise RateLimited(_("查看完整个人信息过于频繁，请稍后再试"),
                              details={"limit_per_hour": limit, "position": position.pk})
        revealed = {"name": target.real_name or target.username, "id_number": target.decrypt_id_number(),
                    "phone": target.decrypt_phone()}
        audit_record(action=ACTION, actor=actor, position=position, obj=target,
                     after={"reason": reason, "link": link, "fields": [k for k, v in revealed.items() if v],
                            "id_number": target.id_number_masked, "phone": target.phone_masked})
        if recent + 1 > alert_per_hour():
            transaction.on_commit(_alert_supervision, robust=True)
    return revealed
