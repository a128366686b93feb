"""``/api/v1/notify/``: my inbox (session), and sending a notification (staff or ``notify:send`` key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from yiwang.api.auth import ApiKeyAuth, SessionAuth, api_key_of, require_scope
from yiwang.api.schemas import ErrorOut
from yiwang.core.pagination import PageQuery
from yiwang.notify import selectors, services

router = Router()


class InboxMessageOut(Schema):
    id: int
    template: str
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None


class InboxOut(Schema):
    unread: int
    total: int
    items: list[InboxMessageOut]


class InboxQuery(PageQuery):
    unread_only: bool = False


class SendIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    template: str = Field(..., min_length=1, max_length=64)
    context: dict[str, str | int | float] = Field(default_factory=dict)
    channels: list[str] | None = None
    dedupe_key: str = Field("", max_length=128)


class SentMessageOut(Schema):
    id: int
    channel: str
    status: str
    destination: str


@router.get("/inbox", response=InboxOut, auth=SessionAuth(), summary="我的站内消息")
def inbox(request: HttpRequest, filters: Query[InboxQuery]) -> dict[str, Any]:
    queryset = selectors.inbox_for_user(request.user)  # type: ignore[arg-type]
    if filters.unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return {
        "unread": selectors.inbox_unread_count(request.user),  # type: ignore[arg-type]
        "total": queryset.count(),
        "items": list(filters.window(queryset)),
    }


@router.post("/inbox/{message_id}/read", response=InboxMessageOut, auth=SessionAuth(), summary="标为已读")
def inbox_read(request: HttpRequest, message_id: int) -> Any:
    return services.inbox_message_mark_read(user=request.user, message_id=message_id)  # type: ignore[arg-type]


@router.post("/send", response={200: list[SentMessageOut], 404: ErrorOut}, auth=[ApiKeyAuth(), SessionAuth()], summary="发送通知")
def send(request: HttpRequest, payload: SendIn) -> Any:
    require_scope(request, "notify:send")
    key = api_key_of(request)
    return services.message_send(
        recipient_username=payload.username,
        template=payload.template,
        context=dict(payload.context),
        channels=payload.channels,
        dedupe_key=payload.dedupe_key,
        actor=None if key is not None else request.user,
        position=None if key is not None else getattr(request, "position", None),
        api_key=key,
    )
