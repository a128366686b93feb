"""Notification actions: ``notify_person`` (called by other actions), enqueueing, inbox reads.

``notify_person`` is meant to be called *inside* another action's transaction: it writes the
``Message`` rows there and schedules SMS/email delivery with ``transaction.on_commit``, so a
rolled-back action never sends anything and a retried action (same ``dedupe_key``) never sends
twice. It writes no audit event of its own: the ``Message`` table is the delivery log, and the
calling action audits the change that caused the notice.

Delivery itself (one attempt, counted) is ``notify.delivery``; ``notify.tasks`` runs it in the
background. Imports go one way only: services → tasks → delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record
from yiwang.core.errors import InvalidInput, NotFound, PermissionDenied
from yiwang.notify import tasks
from yiwang.notify.backends import (
    mask_email,
)
from yiwang.notify.delivery import stale_message_ids
from yiwang.notify.models import Channel, Message, MessageStatus, NotificationTemplate

if TYPE_CHECKING:
    from yiwang.accounts.models import User

logger = logging.getLogger("yiwang.notify")

GENERIC = "generic"
ALL_CHANNELS = (Channel.INBOX, Channel.SMS, Channel.EMAIL)
_engine = Engine(autoescape=False)


def render_text(text: str, context: dict[str, Any]) -> str:
    """Render a template body with Django template syntax (``{{ name }}``), without HTML escaping."""
    try:
        return _engine.from_string(text).render(Context(context, autoescape=False)).strip()
    except TemplateSyntaxError as exc:
        raise InvalidInput(_("通知模板格式错误"), details={"error": str(exc)}) from exc


def _sms_params(context: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in context.items() if isinstance(v, str | int | float) and not isinstance(v, bool)}


def _normalise_channels(channels: Iterable[str] | None, available: set[str]) -> list[str]:
    if channels is None:
        return [c for c in ALL_CHANNELS if c in available]
    wanted: list[str] = []
    for channel in channels:
        if channel not in Channel.values:
            raise InvalidInput(_("未知的通知渠道"), details={"channel": channel})
        if channel not in wanted:
            wanted.append(channel)
    return wanted


def _destination(user: User, channel: str) -> str:
    if channel == Channel.SMS:
        return user.phone_masked if user.phone_enc else ""
    if channel == Channel.EMAIL:
        return mask_email(user.email) if user.email else ""
    return ""


def notify_person(
    *,
    user: User,
    template: str,
    context: dict[str, Any] | None = None,
    channels: list[str] | None = None,
    dedupe_key: str = "",
) -> list[Message]:
    """Notify ``user`` with ``template`` on ``channels`` (default: every channel the template has).

    * A channel without its own template falls back to the ``generic`` template of that channel,
      filled with the subject and text rendered from the template's other channel(s).
    * An unknown template code raises :class:`InvalidInput`.
    * A person without a phone (email) gets the SMS (email) recorded as ``skipped``.
    * The inbox message is ``sent`` at once; SMS/email are delivered after commit by a task.
    """
    context = dict(context or {})
    context.setdefault("name", user.display_name)
    dedupe_key = (dedupe_key or "")[:128]
    templates = {t.channel: t for t in NotificationTemplate.objects.filter(code=template, is_active=True)}
    if not templates:
        raise InvalidInput(_("通知模板不存在"), details={"template": template})
    wanted = _normalise_channels(channels, set(templates))
    generic: dict[str, NotificationTemplate] = {}
    if any(c not in templates for c in wanted):
        generic = {t.channel: t for t in NotificationTemplate.objects.filter(code=GENERIC, is_active=True)}
    # The text a generic fallback carries: the template's own inbox (or first) version.
    source = templates.get(Channel.INBOX) or next(iter(templates.values()))
    fallback_context = {
        "name": context["name"],
        "title": render_text(source.subject, context),
        "text": render_text(source.body, context),
    }

    messages: list[Message] = []
    to_deliver: list[int] = []
    now = timezone.now()
    with transaction.atomic():
        # One query for the messages an earlier call with the same dedupe key already wrote.
        existing_by_channel: dict[str, Message] = {}
        if dedupe_key:
            earlier = Message.objects.filter(recipient=user, channel__in=wanted, dedupe_key=dedupe_key).order_by()
            for found in earlier:
                existing_by_channel.setdefault(found.channel, found)
        planned: list[Message | None] = []  # per wanted channel: a new message, or None (existing one)
        for channel in wanted:
            if channel in existing_by_channel:
                planned.append(None)
                continue
            tpl = templates.get(channel)
            ctx = context
            if tpl is None:
                tpl = generic.get(channel)
                ctx = fallback_context
                if tpl is None:
                    raise InvalidInput(
                        _("该渠道没有可用的通知模板"), details={"template": template, "channel": channel}
                    )
            message = Message(
                recipient=user,
                channel=channel,
                template=template,
                subject=render_text(tpl.subject, ctx)[:200],
                body=render_text(tpl.body, ctx),
                sms_template_id=tpl.sms_template_id if channel == Channel.SMS else "",
                params=_sms_params(ctx) if channel == Channel.SMS else {},
                destination=_destination(user, channel),
                dedupe_key=dedupe_key,
            )
            if channel == Channel.INBOX:
                message.status = MessageStatus.SENT
                message.sent_at = now
            elif not message.destination:
                message.status = MessageStatus.SKIPPED
                message.last_error = _("未登记手机号") if channel == Channel.SMS else _("未登记电子邮箱")
            planned.append(message)
        new = [m for m in planned if m is not None]
        saved = False
        if len(new) > 1:
            # All new rows in one INSERT; if a concurrent call with the same dedupe key won any of
            # them, fall back to one row at a time below (each keeping the winner's message).
            try:
                with transaction.atomic():
                    Message.objects.bulk_create(new)
                saved = all(m.pk is not None for m in new)
            except IntegrityError:
                for m in new:
                    m.pk = None
                    m._state.adding = True
        for channel, planned_message in zip(wanted, planned, strict=True):
            if planned_message is None:
                messages.append(existing_by_channel[channel])
                continue
            message = planned_message
            if not saved:
                try:
                    with transaction.atomic():
                        message.save(force_insert=True)
                except IntegrityError:
                    # A concurrent call with the same dedupe key won: use its message.
                    existing = Message.objects.filter(recipient=user, channel=channel,
                                                      dedupe_key=dedupe_key).first()
                    if existing is None:
                        raise
                    messages.append(existing)
                    continue
            messages.append(message)
            if message.status == MessageStatus.QUEUED:
                to_deliver.append(message.pk)
        if to_deliver:
            transaction.on_commit(lambda: _enqueue(to_deliver), robust=True)
    return messages


def notify_phone(
    *,
    phone: str,
    template: str,
    context: dict[str, Any] | None = None,
    dedupe_key: str = "",
) -> Message | None:
    """SMS to a bare phone number, for people without an account (window or agent filings,
    hotline callers). Recorded like every message (encrypted number, masked destination),
    delivered after commit with retries. Returns None when there is no number."""
    from yiwang.core import crypto
    from yiwang.core.masking import mask_phone

    phone = (phone or "").strip()
    if not phone:
        return None
    context = dict(context or {})
    dedupe_key = (dedupe_key or "")[:128]
    index = crypto.blind_index(phone, purpose="phone")
    tpl = (NotificationTemplate.objects.filter(code=template, channel=Channel.SMS, is_active=True).first()
           or NotificationTemplate.objects.filter(code=GENERIC, channel=Channel.SMS, is_active=True).first())
    if tpl is None:
        raise InvalidInput(_("该渠道没有可用的通知模板"), details={"template": template, "channel": "sms"})
    if tpl.code != template:
        source = NotificationTemplate.objects.filter(code=template, is_active=True).first()
        if source is None:
            raise InvalidInput(_("通知模板不存在"), details={"template": template})
        context = {"name": context.get("name", ""), "title": render_text(source.subject, context),
                   "text": render_text(source.body, context)}
    with transaction.atomic():
        if dedupe_key:
            existing = Message.objects.filter(recipient__isnull=True, phone_index=index, channel=Channel.SMS,
                                              dedupe_key=dedupe_key).first()
            if existing is not None:
                return existing
        message = Message(
            recipient=None, channel=Channel.SMS, template=template, subject=render_text(tpl.subject, context)[:200],
            body=render_text(tpl.body, context), sms_template_id=tpl.sms_template_id, params=_sms_params(context),
            destination=mask_phone(phone), dedupe_key=dedupe_key,
            phone_enc=crypto.encrypt(phone, associated=b"phone"), phone_index=index,
        )
        try:
            with transaction.atomic():
                message.save(force_insert=True)
        except IntegrityError:
            existing = Message.objects.filter(recipient__isnull=True, phone_index=index, channel=Channel.SMS,
                                              dedupe_key=dedupe_key).first()
            if existing is None:
                raise
            return existing
        message_id = message.pk
        transaction.on_commit(lambda: _enqueue([message_id]), robust=True)
    return message


def _enqueue(message_ids: list[int]) -> None:
    for message_id in message_ids:
        tasks.deliver_message(message_id)


def message_requeue_stale(*, older_than_minutes: int = 30, limit: int = 500) -> int:
    """Enqueue again messages still queued long after creation (e.g. the queue was down at commit)."""
    ids = stale_message_ids(older_than_minutes=older_than_minutes, limit=limit)
    _enqueue(ids)
    return len(ids)


def inbox_message_mark_read(*, user: User, message_id: int) -> Message:
    """Mark one of ``user``'s own inbox messages read; anyone else's is "not found"."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(pk=message_id, recipient=user, channel=Channel.INBOX)
            .first()
        )
        if message is None:
            raise NotFound(_("消息不存在"))
        if message.read_at is None:
            message.read_at = timezone.now()
            message.save(update_fields=["read_at"])
    return message


def inbox_mark_all_read(*, user: User) -> int:
    return Message.objects.filter(recipient=user, channel=Channel.INBOX, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def message_send(
    *,
    recipient_username: str,
    template: str,
    context: dict[str, Any] | None = None,
    channels: list[str] | None = None,
    dedupe_key: str = "",
    actor: Any = None,
    position: Any = None,
    api_key: Any = None,
) -> list[Message]:
    """Send a notification on behalf of staff (``notify.send``) or a system (scope ``notify:send``)."""
    from yiwang.accounts.models import User
    from yiwang.org.roles import Perm
    from yiwang.org.scope import has_perm

    if api_key is not None:
        if "notify:send" not in (api_key.scopes or []):
            raise PermissionDenied(_("API 密钥缺少权限范围"), details={"required_scope": "notify:send"})
    elif not has_perm(position, Perm.NOTIFY_SEND):
        raise PermissionDenied(_("当前岗位无权发送通知"))
    recipient = User.objects.filter(username=recipient_username, is_active=True).first()
    if recipient is None:
        raise NotFound(_("接收人不存在"), details={"username": recipient_username})
    with transaction.atomic():
        messages = notify_person(
            user=recipient, template=template, context=context, channels=channels, dedupe_key=dedupe_key
        )
        audit_record(
            action="notify.send",
            actor=actor,
            position=position,
            object_type="accounts.user",
            object_id=recipient.pk,
            after={
                "template": template,
                "channels": [m.channel for m in messages],
                "message_ids": [m.pk for m in messages],
                "api_key": getattr(api_key, "prefix", None),
            },
        )
    return messages
