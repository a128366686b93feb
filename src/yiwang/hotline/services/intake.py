"""Intake (受理) of 12345 tickets, and duplicates (并单).

* ``ticket_create``: any channel. Phone tickets are recorded by the centre (``TICKET_INTAKE``); mailbox,
  web, SMS and Open311 tickets are filed by the public (``position=None``). 咨询, 建议 and 举报 may be
  anonymous (whistle-blowers are protected); 投诉 and 求助 need a contact phone, because they need a
  reply and a callback. Public senders get a query code (查询码, 12 unambiguous characters,
  ``new_query_code``) to follow their letter.
* ``ticket_update_intake``: the centre corrects the classification before dispatch;
* ``ticket_close_on_spot``: 直接办结 of a consultation from the knowledge base during the call;
* ``sms_category_guess``: inbound SMS carry no category;
* ``ticket_find_duplicates``/``ticket_merge``: same caller or same place with similar text; a merged
  ticket gets the replies of the ticket it was merged into.
"""


from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.calendar.services import clock_stop
from yiwang.core import crypto
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput
from yiwang.hotline.centre import require, require_centre
from yiwang.hotline.models import (
    FINAL_STATUSES,
    Assignment,
    AssignmentStatus,
    Category,
    KnowledgeArticle,
    KnowledgeStatus,
    MatterType,
    Reply,
    ReplyStatus,
    Ticket,
    TicketChannel,
    TicketStatus,
    Urgency,
)
from yiwang.hotline.segmentation import jaccard
from yiwang.hotline.services.dispatch import (
    ACTIVE_ASSIGNMENT,
)
from yiwang.hotline.services.records import (
    _config,
    _decimal,
    _event,
    _lock,
    _save,
    _snapshot,
    _text,
    _user,
    attachment_store,
    check_attachments,
)
from yiwang.org.models import Department, Division, Position
from yiwang.org.roles import Perm

ANONYMOUS_ALLOWED = frozenset({Category.CONSULT, Category.SUGGESTION, Category.REPORT})
_PHONE_OK = __import__("re").compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


# 查询码: 12 characters from 31 that cannot be misread (no 0/O, 1/I/L), about 59 bits; only its blind
# index is stored. The letter's number alone never opens it (``selectors.ticket_get_by_query_code``).
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 12


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def ticket_create(
    *,
    category: str,
    channel: str,
    content: str,
    title: str = "",
    caller_name: str = "",
    caller_phone: str = "",
    anonymous: bool = False,
    publish_consent: bool = False,
    address: str = "",
    division: Division | None = None,
    latitude: Any = None,
    longitude: Any = None,
    matter_type: MatterType | None = None,
    urgency: str = "normal",
    service_code: str = "",
    actor: Any = None,
    position: Position | None = None,
    idempotency_key: str | None = None,
    attachments: Iterable[Any] = (),
) -> Ticket:
    """受理: register a ticket from any channel and return it.

    * ``channel="phone"`` needs a centre position with ``TICKET_INTAKE``; the other channels are
      public (``position=None``; ``actor`` is the signed-in citizen, if any, and becomes ``caller_user``).
    * ``idempotency_key``: a repeated submission returns the first ticket unchanged.
    * Anonymous tickets are allowed for 咨询/建议/举报; 投诉/求助 need a contact phone.
    * An anonymous ticket gets a query code, returned once on ``ticket.query_code``.
    """
    if channel not in TicketChannel.values:
        raise InvalidInput(_("受理渠道不正确"), details={"field": "channel"})
    if channel == TicketChannel.PHONE or position is not None:
        require(position, Perm.TICKET_INTAKE)
    if category not in Category.values:
        raise InvalidInput(_("诉求类别不正确"), details={"field": "category"})
    if urgency not in Urgency.values:
        raise InvalidInput(_("紧急程度不正确"), details={"field": "urgency"})
    content = _text(content, "content")
    title = _text(title, "title", required=False, limit=200) or content[:30]
    caller_name = _text(caller_name, "caller_name", required=False, limit=60)
    caller_phone = _text(caller_phone, "caller_phone", required=False, limit=20).replace(" ", "")
    address = _text(address, "address", required=False, limit=200)
    idempotency_key = (str(idempotency_key).strip()[:80] or None) if idempotency_key else None
    if caller_phone and not _PHONE_OK.match(caller_phone):
        raise InvalidInput(_("联系电话格式不正确"), details={"field": "caller_phone"})
    citizen = _user(actor) if position is None else None
    if citizen is not None and not caller_phone and bool(getattr(citizen, "phone_enc", "")):
        caller_phone = citizen.decrypt_phone()
    if anonymous:
        if category not in ANONYMOUS_ALLOWED:
            raise InvalidInput(_("投诉、求助需要留下联系方式以便答复和回访，不能匿名"),
                               details={"field": "anonymous"})
        caller_name, caller_phone, citizen = "", "", None
        publish_consent = bool(publish_consent)
    elif category not in ANONYMOUS_ALLOWED and not caller_phone:
        raise InvalidInput(_("请留下联系电话，以便答复和回访"), details={"field": "caller_phone"})
    lat, lng = _decimal(latitude, "latitude", 90), _decimal(longitude, "longitude", 180)
    if (lat is None) != (lng is None):
        raise InvalidInput(_("经纬度须同时填写"), details={"field": "latitude"})
    if division is not None and not isinstance(division, Division):
        raise InvalidInput(_("区划不正确"), details={"field": "division"})
    if matter_type is not None and not isinstance(matter_type, MatterType):
        raise InvalidInput(_("事项类型不正确"), details={"field": "matter_type"})
    checked = check_attachments(attachments)

    if idempotency_key:
        existing = Ticket.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    query_code = new_query_code() if (anonymous or citizen is None) else ""
    try:
        with transaction.atomic():
            ticket = Ticket(
                number=f"TMP-{secrets.token_hex(8)}", category=category, channel=channel, urgency=urgency,
                title=title, content=content, caller_name=caller_name, caller_user=citizen,
                anonymous=bool(anonymous), publish_consent=bool(publish_consent), address=address,
                division=division, latitude=lat, longitude=lng, matter_type=matter_type,
                service_code=str(service_code or "")[:30], token=secrets.token_hex(10),
                idempotency_key=idempotency_key, created_by=_user(actor),
                query_code_hash=crypto.blind_index(query_code, purpose="ticket-query") if query_code else "",
            )
            ticket.set_caller_phone(caller_phone)
            ticket.save()
            ticket.number = f"{timezone.localdate(ticket.created_at):%Y%m%d}{ticket.pk:06d}"
            ticket.save(update_fields=["number"])
            for item in checked:
                attachment_store(ticket, item, actor=actor)
            _event(ticket, "registered", _("%(channel)s受理") % {"channel": ticket.get_channel_display()},
                   actor=actor)
            audit_record(action="hotline.ticket.create", actor=_user(actor), position=position, obj=ticket,
                         after={**_snapshot(ticket), "channel": channel, "anonymous": ticket.anonymous,
                                "attachments": [c.sha256 for c in checked]})
    except IntegrityError:
        if idempotency_key:
            existing = Ticket.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise
    ticket.query_code = query_code  # type: ignore[attr-defined]
    return ticket


def ticket_update_intake(*, ticket: Ticket, actor: Any, position: Position, category: str | None = None,
                         matter_type: MatterType | None = None, division: Division | None = None,
                         urgency: str | None = None, title: str | None = None) -> Ticket:
    """The centre corrects the classification of a ticket before dispatch."""
    require_centre(position, Perm.TICKET_INTAKE)
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status not in (TicketStatus.REGISTERED, TicketStatus.RETURNED):
            raise Conflict(_("工单已派出，不能修改分类"))
        before = _snapshot(locked)
        if category is not None:
            if category not in Category.values:
                raise InvalidInput(_("诉求类别不正确"), details={"field": "category"})
            locked.category = category
        if urgency is not None:
            if urgency not in Urgency.values:
                raise InvalidInput(_("紧急程度不正确"), details={"field": "urgency"})
            locked.urgency = urgency
        if matter_type is not None:
            locked.matter_type = matter_type
        if division is not None:
            locked.division = division
        if title is not None:
            locked.title = _text(title, "title", limit=200)
        _save(locked, "category", "urgency", "matter_type", "division", "title")
        audit_record(action="hotline.ticket.update", actor=actor, position=position, obj=locked, before=before,
                     after=_snapshot(locked))
    return locked


def ticket_close_on_spot(*, ticket: Ticket, answer: str, article: KnowledgeArticle | None = None, actor: Any,
                         position: Position) -> Ticket:
    """直接办结: the operator answers a consultation from the knowledge base during the call."""
    require_centre(position, Perm.TICKET_INTAKE)
    if article is not None:
        article = KnowledgeArticle.objects.get(pk=article.pk)
    answer = _text(answer or (article.answer if article else ""), "answer")
    if article is not None and (article.status != KnowledgeStatus.PUBLISHED or
                                (article.expires_on and article.expires_on < timezone.localdate())):
        raise InvalidInput(_("该知识条目未发布或已过期"), details={"field": "article"})
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status != TicketStatus.REGISTERED:
            raise Conflict(_("只有刚登记的工单可以直接办结"))
        if locked.category != Category.CONSULT:
            raise InvalidInput(_("只有咨询类诉求可以直接办结"), details={"field": "category"})
        before = _snapshot(locked)
        unit = position.department or Department.objects.filter(code="HOTLINE").first()
        now = timezone.now()
        if unit is not None:
            Reply.objects.create(ticket=locked, unit=unit, content=answer, status=ReplyStatus.APPROVED,
                                 submitted_by=_user(actor), reviewer=_user(actor), reviewed_at=now, sent_at=now)
        locked.status = TicketStatus.CLOSED_ON_SPOT
        locked.kb_article = article
        locked.closed_at = locked.replied_at = now
        _save(locked, "status", "kb_article", "closed_at", "replied_at")
        _event(locked, "closed_on_spot", answer, actor=actor, unit=unit)
        audit_record(action="hotline.ticket.close_on_spot", actor=actor, position=position, obj=locked,
                     before=before, after={**_snapshot(locked), "article": getattr(article, "pk", None)})
    return locked


def sms_category_guess(text: str) -> str:
    """Inbound SMS carry no category: a keyword guess the centre may correct (ticket_update_intake)."""
    for words, category in ((("举报",), Category.REPORT), (("投诉",), Category.COMPLAINT),
                            (("建议",), Category.SUGGESTION), (("求助", "帮忙", "帮助", "救助"), Category.HELP)):
        if any(w in text for w in words):
            return category
    return Category.CONSULT


# --- duplicates and merge --------------------------------------------------------------
DUPLICATE_JACCARD = 0.35
NEARBY_DEGREES = Decimal("0.003")  # about 300 m


def ticket_find_duplicates(ticket: Ticket, *, days: int | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """并单候选: tickets within ``days`` (config, default 30) from the same caller (phone blind
    index), or at the same division / nearby coordinates with similar text (token Jaccard ≥ 0.35)."""
    days = days if days is not None else _config().duplicate_window_days
    since = ticket.created_at - timedelta(days=days)
    base = Ticket.objects.filter(created_at__gte=since).exclude(pk=ticket.pk).exclude(status=TicketStatus.MERGED)
    place = Q()
    if ticket.division_id:
        place |= Q(division_id=ticket.division_id)
    if ticket.latitude is not None and ticket.longitude is not None:
        place |= Q(latitude__range=(ticket.latitude - NEARBY_DEGREES, ticket.latitude + NEARBY_DEGREES),
                   longitude__range=(ticket.longitude - NEARBY_DEGREES, ticket.longitude + NEARBY_DEGREES))
    found: dict[int, dict[str, Any]] = {}
    if ticket.caller_phone_index:
        for other in base.filter(caller_phone_index=ticket.caller_phone_index).order_by("-created_at")[:limit]:
            found[other.pk] = {"ticket": other, "reason": "same_caller",
                               "score": round(jaccard(ticket.content, other.content), 3)}
    if place:
        for other in base.filter(place).order_by("-created_at")[:200]:
            score = jaccard(ticket.content, other.content)
            if score >= DUPLICATE_JACCARD and other.pk not in found:
                found[other.pk] = {"ticket": other, "reason": "same_place_similar_text", "score": round(score, 3)}
    return sorted(found.values(), key=lambda d: -d["score"])[:limit]


def _copy_reply(reply: Reply, target: Ticket) -> Reply:
    return Reply.objects.create(ticket=target, assignment=None, unit=reply.unit, content=reply.content,
                                status=ReplyStatus.APPROVED, submitted_by=reply.submitted_by,
                                submitted_at=reply.submitted_at, reviewer=reply.reviewer,
                                reviewed_at=reply.reviewed_at, sent_at=timezone.now(), propagated_from=reply)


def ticket_merge(*, ticket: Ticket, into: Ticket, note: str = "", actor: Any, position: Position) -> Ticket:
    """并单: ``ticket`` is merged into ``into`` (status merged). Its assignments are withdrawn and
    its clock stopped; approved replies of ``into`` (now and later) are copied to it and sent to its caller."""
    require_centre(position, Perm.TICKET_DISPATCH)
    if ticket.pk == into.pk:
        raise InvalidInput(_("不能与自身并单"), details={"field": "into"})
    with transaction.atomic():
        first, second = sorted([ticket.pk, into.pk])
        rows = {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=[first, second])}
        locked, target = rows[ticket.pk], rows[into.pk]
        if locked.status in FINAL_STATUSES:
            raise Conflict(_("该工单已办结或已并单"))
        if target.status in (TicketStatus.MERGED, TicketStatus.DIVERTED):
            raise Conflict(_("目标工单已并单或已引导办结"))
        before = _snapshot(locked)
        for assignment in Assignment.objects.filter(ticket=locked, clock__isnull=False, clock__stopped_at__isnull=True):
            if assignment.clock is not None:
                clock_stop(clock=assignment.clock, actor=_user(actor), position=position)
        Assignment.objects.filter(ticket=locked, status__in=[*ACTIVE_ASSIGNMENT, AssignmentStatus.REDISPATCHED]).update(
            status=AssignmentStatus.CANCELLED)
        locked.status = TicketStatus.MERGED
        locked.merged_into = target
        locked.closed_at = timezone.now()
        _save(locked, "status", "merged_into", "closed_at")
        for reply in target.replies.filter(status=ReplyStatus.APPROVED, propagated_from__isnull=True):
            _copy_reply(reply, locked)
        _event(locked, "merged", _("并入工单 %(n)s 统一办理。%(note)s") % {"n": target.number, "note": note}, actor=actor)
        _event(target, "merged_from", _("工单 %(n)s 并入本工单") % {"n": locked.number}, actor=actor, public=False)
        audit_record(action="hotline.ticket.merge", actor=actor, position=position, obj=locked, before=before,
                     after={**_snapshot(locked), "into": target.pk})
    return locked
