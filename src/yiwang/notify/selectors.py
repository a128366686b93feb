"""Reads for notifications: a person sees only their own inbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yiwang.core.errors import NotFound
from yiwang.notify.models import Channel, Message

if TYPE_CHECKING:
    from yiwang.accounts.models import User


def inbox_for_user(user: User) -> QuerySet[Message]:
    if not getattr(user, "is_authenticated", False):
        return Message.objects.none()
    return Message.objects.filter(recipient=user, channel=Channel.INBOX).order_by("-created_at", "-id")


def inbox_unread_count(user: User) -> int:
    return inbox_for_user(user).filter(read_at__isnull=True).count()


def inbox_message_get(user: User, message_id: int) -> Message:
    message = inbox_for_user(user).filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("消息不存在"))
    return message
