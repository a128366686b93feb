"""Reads of the audit trail."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yiwang.core.errors import PermissionDenied
from yiwang.core.models import AuditEvent
from yiwang.org.models import Position
from yiwang.org.roles import Perm, Role
from yiwang.org.scope import has_perm


def audit_events_for_position(
    *, position: Position | None, action: str = "", object_type: str = "", object_id: str = ""
) -> QuerySet[AuditEvent]:
    """Supervisors, leaders and administrators see events by positions inside their division subtree;
    a county-level administrator sees everything."""
    if not has_perm(position, Perm.AUDIT_VIEW):
        raise PermissionDenied(_("当前岗位无权查看审计日志"))
    assert position is not None
    qs = AuditEvent.objects.all()
    if not (position.role == Role.ADMINISTRATOR and position.division.parent_id is None):
        in_scope = Position.objects.filter(division__path__startswith=position.division.path).values("pk")
        qs = qs.filter(position_id__in=in_scope)
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    return qs.order_by("-occurred_at", "-id")
