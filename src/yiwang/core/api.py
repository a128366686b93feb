"""Read-only audit API at ``/api/v1/audit/`` (positions with ``audit.view``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from yiwang.api.auth import SessionAuth
from yiwang.core.audit_actions import action_label
from yiwang.core.errors import DomainError, ErrorCode
from yiwang.core.pagination import PageQuery
from yiwang.core.selectors import audit_events_for_position

router = Router()


class AuditEventOut(Schema):
    id: int
    occurred_at: datetime
    actor_id: int | None
    actor_label: str
    position_id: int | None
    position_label: str
    action: str
    action_label: str = Field(description="动作的中文名称（审计动作登记表），未登记的动作原样返回代码")
    object_type: str
    object_id: str
    before: Any = None
    after: Any = None
    ip: str | None
    partition: int
    seq: int
    hash: str

    @staticmethod
    def resolve_action_label(obj: Any) -> str:
        return action_label(obj.action)


class AuditEventPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AuditEventOut]


class AuditEventFilter(PageQuery):
    object_type: str = Field("", max_length=100)
    object_id: str = Field("", max_length=64)
    action: str = Field("", max_length=100)


def _session_position(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise DomainError(_("需要登录"), code=ErrorCode.UNAUTHENTICATED, status=401)
    return getattr(request, "position", None)


@router.get("/events", response=AuditEventPage, auth=SessionAuth(), summary="审计事件（只读）")
def audit_event_list(request: HttpRequest, filters: Query[AuditEventFilter]) -> dict[str, Any]:
    """Audit events visible to the acting position, newest first, filtered by object or action."""
    position = _session_position(request)
    events = audit_events_for_position(position=position, action=filters.action,
                                       object_type=filters.object_type, object_id=filters.object_id)
    window = list(events[filters.offset: filters.offset + filters.limit + 1])
    has_more = len(window) > filters.limit
    count = len(window) if not (has_more or filters.offset) else events.count()
    return {"count": count, "limit": filters.limit, "offset": filters.offset, "items": window[: filters.limit]}
