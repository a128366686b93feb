"""Writes of the 12345 hotline. Every function is keyword-only, checks the acting position's
permission (and, for units, that the assignment is theirs), runs in a transaction, writes an
audit event and sends notifications after commit.

Decisions (see also the module docstrings of ``models`` and ``selectors``):

* **Who may file.** Phone tickets are recorded by the centre (``TICKET_INTAKE``). Mailbox, web,
  SMS and Open311 tickets are filed by the public (``position=None``); Open311 callers are
  authenticated by API key in the Open311 view.
* **Anonymity.** 咨询, 建议 and 举报 may be anonymous (whistle-blowers are protected). 投诉 and 求助
  need a contact phone, because they need a reply and a callback. Anonymous mailbox senders get
  a query code (查询码) to follow their letter.
* **Clock.** One clock per ticket and round, started at dispatch from :class:`ServiceLevel`.
  A re-dispatch after an approved return (改派) keeps the running clock — the caller's deadline
  does not move because the centre dispatched wrongly; a reopen (重办) starts a fresh clock.
  Approval of the lead unit's reply stops the clock.
* **Down-pushing.** A catalogue entry that names a county department for the ticket's matter
  and place forbids dispatching the ticket to a township/village unit (事项属于部门职责的不得
  推给基层); the centre must change the catalogue, or choose a county unit.
* **Caller messages.** Notices to the caller (diversion, approved reply, reopen) are recorded on
  the timeline; a caller with an account gets them through ``notify_person``; others by SMS to
  the decrypted number via the SMS backend, after commit.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.calendar.clocks import clock_state
from yiwang.calendar.models import Clock, ClockStatus, ClockUnit
from yiwang.calendar.services import clock_extend, clock_start, clock_stop
from yiwang.core import crypto
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.hotline.common import (
    DEFAULT_LEVELS,
    URGENT_YELLOW_HOURS,
    check_uploads,
    is_centre,
    require,
    require_centre,
    search_text,
)
from yiwang.hotline.models import (
    CLOCK_STATUSES,
    FINAL_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Callback,
    CallbackMethod,
    Category,
    DispatchRule,
    DiversionKind,
    Escalation,
    EscalationKind,
    EscalationLevel,
    ExtensionRequest,
    ExtensionStatus,
    HotlineConfig,
    KnowledgeArticle,
    KnowledgeStatus,
    LeaderInstruction,
    MatterType,
    Reply,
    ReplyStatus,
    ReturnReview,
    Satisfaction,
    ServiceLevel,
    Ticket,
    TicketAttachment,
    TicketChannel,
    TicketEvent,
    TicketStatus,
    Urgency,
)
from yiwang.org.models import Department, Division, DivisionLevel, Position
from yiwang.org.roles import Perm, Role

logger = logging.getLogger(__name__)

ANONYMOUS_ALLOWED = frozenset({Category.CONSULT, Category.SUGGESTION, Category.REPORT})
MAX_CONTENT = 5000
_PHONE_OK = __import__("re").compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


# --- small helpers -------------------------------------------------------------------
def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _event(ticket: Ticket, kind: str, text: str = "", *, actor: Any = None, unit: Department | None = None,
           public: bool = True) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, text=text[:2000], actor=_user(actor), unit=unit,
                                      public=public)


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    return {"number": ticket.number, "status": ticket.status, "category": ticket.category,
            "lead_unit": ticket.lead_unit_id, "reopen_count": ticket.reopen_count,
            "matter_type": ticket.matter_type_id, "division": ticket.division_id}


def _lock(ticket: Ticket) -> Ticket:
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.lock_version != locked.lock_version and getattr(ticket, "_check_version", False):
        raise Conflict(_("工单已被他人修改，请刷新后重试"))
    return locked


def _save(ticket: Ticket, *fields: str) -> None:
    ticket.lock_version += 1
    ticket.save(update_fields=[*fields, "lock_version", "updated_at"])


def _config() -> HotlineConfig:
    return HotlineConfig.objects.first() or HotlineConfig()


def max_reopens() -> int:
    """How many times an unsatisfied ticket is reopened (DB config, else setting, default 2)."""
    row = HotlineConfig.objects.first()
    if row is not None:
        return int(row.max_reopens)
    return int(getattr(settings, "HOTLINE_MAX_REOPENS", 2))


def _unit_users(unit: Department, *, division: Division | None = None) -> list[Any]:
    """People who handle tickets for ``unit`` (or, for a village re-dispatch, the village's agents)."""
    if division is not None:
        qs = Position.objects.filter(is_active=True, role=Role.VILLAGE_AGENT, division=division)
    else:
        qs = Position.objects.filter(is_active=True, department=unit)
    return list({p.user_id: p.user for p in qs.select_related("user") if p.user.is_active}.values())


def _notify_unit(unit: Department, title: str, text: str, *, division: Division | None = None,
                 dedupe_key: str = "", channels: Sequence[str] = ("inbox", "sms")) -> None:
    from yiwang.notify.services import notify_person

    for user in _unit_users(unit, division=division):
        notify_person(user=user, template="generic", context={"title": title, "text": text},
                      channels=list(channels), dedupe_key=f"{dedupe_key}:{user.pk}" if dedupe_key else "")


def _on_commit_unit(unit: Department, title: str, text: str, **kwargs: Any) -> None:
    transaction.on_commit(lambda: _safe(_notify_unit, unit, title, text, **kwargs))


def _safe(fn: Any, *args: Any, **kwargs: Any) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:  # noqa: BLE001 - a notification failure must not break the committed action
        logger.exception("hotline notification failed")


def _send_to_caller(ticket_id: int, title: str, text: str, dedupe_key: str) -> None:
    from yiwang.notify.services import notify_person, notify_phone

    ticket = Ticket.objects.select_related("caller_user").get(pk=ticket_id)
    if ticket.caller_user_id and ticket.caller_user is not None:
        notify_person(user=ticket.caller_user, template="generic", context={"title": title, "text": text},
                      channels=["inbox", "sms"], dedupe_key=dedupe_key)
        return
    phone = ticket.decrypt_caller_phone()
    if phone:
        notify_phone(phone=phone, template="generic", context={"title": title, "text": text},
                     dedupe_key=dedupe_key)


def _tell_caller(ticket: Ticket, title: str, text: str, *, kind: str, actor: Any = None) -> None:
    """Record the notice on the timeline and send it after commit."""
    _event(ticket, kind, f"{title}：{text}", actor=actor)
    ticket_id, key = ticket.pk, f"hotline:{ticket.pk}:{kind}:{ticket.reopen_count}"
    transaction.on_commit(lambda: _safe(_send_to_caller, ticket_id, title, text, key))


def _text(value: Any, field: str, *, required: bool = True, limit: int = MAX_CONTENT) -> str:
    value = str(value or "").strip()
    if required and not value:
        raise InvalidInput(_("请填写必填项"), details={"field": field})
    if len(value) > limit:
        raise InvalidInput(_("内容过长（最多 %(n)s 字）") % {"n": limit}, details={"field": field})
    return value


def _decimal(value: Any, field: str, bound: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(_("坐标格式不正确"), details={"field": field}) from exc
    if not number.is_finite() or abs(number) > bound:
        raise InvalidInput(_("坐标超出范围"), details={"field": field})
    return number


# --- intake --------------------------------------------------------------------------
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
    checked = check_uploads(attachments)

    if idempotency_key:
        existing = Ticket.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    query_code = secrets.token_hex(4).upper() if (anonymous or citizen is None) else ""
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
                attachment = TicketAttachment(ticket=ticket, name=item.name, content_type=item.content_type,
                                              size=item.size, sha256=item.sha256, uploaded_by=_user(actor))
                attachment.file.save(item.name, item.upload, save=False)
                attachment.save()
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


# --- diversion (北京市接诉即办工作条例 Art. 11) ------------------------------------------
EMERGENCY_NUMBERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "119": (str(_("火警、抢险救援")), ("火", "烟", "燃", "爆炸", "煤气泄漏", "燃气泄漏", "被困")),
    "122": (str(_("交通事故")), ("车祸", "交通事故", "撞车", "追尾", "撞了", "翻车")),
    "120": (str(_("医疗急救")), ("晕倒", "昏迷", "急救", "受伤", "出血", "心脏", "呼吸困难", "中毒", "抽搐")),
    "110": (str(_("治安警情")), ()),
}
OTHER_CHANNELS: dict[str, str] = {
    "litigation": gettext_noop("已进入诉讼程序的事项，请通过人民法院依法解决。"),
    "arbitration": gettext_noop("劳动争议等仲裁事项，请向劳动人事争议仲裁委员会等仲裁机构申请仲裁。"),
    "review": gettext_noop("对行政行为不服的，请依法向复议机关申请行政复议或提起行政诉讼。"),
    "petition": gettext_noop("已进入信访程序的事项，请按《信访工作条例》向信访部门反映，或查询办理进度。"),
    "disclosure": gettext_noop("申请政府信息公开，请按《政府信息公开条例》向相关行政机关提出公开申请。"),
    "discipline": gettext_noop("涉及党员干部违纪违法的检举控告，请向纪检监察机关反映（12388）。"),
}


def emergency_number(text: str) -> str:
    """Pick the emergency number from the caller's words: 119 fire, 122 traffic, 120 medical, else 110."""
    for number in ("119", "122", "120"):
        if any(word in text for word in EMERGENCY_NUMBERS[number][1]):
            return number
    return "110"


def ticket_divert(*, ticket: Ticket, kind: str, reason: str, channel_kind: str = "",
                  emergency: str = "", original: Ticket | None = None, actor: Any,
                  position: Position) -> Ticket:
    """不予受理/引导: record the kind and reason, and tell the caller what to do instead.

    * ``emergency``: 110/119/120/122 — chosen from the text unless ``emergency`` is given;
    * ``other_channel``: ``channel_kind`` in :data:`OTHER_CHANNELS` (litigation, arbitration, review,
      petition, disclosure, discipline);
    * ``repeat_no_new_facts``: ``original`` is required; the caller is told its progress;
    * ``privacy_secret`` / ``unlawful``: an explanation.
    """
    require_centre(position, Perm.TICKET_INTAKE)
    if kind not in DiversionKind.values:
        raise InvalidInput(_("引导类型不正确"), details={"field": "kind"})
    reason = _text(reason, "reason", limit=1000)
    if kind == DiversionKind.EMERGENCY:
        number = emergency or emergency_number(ticket.content)
        if number not in EMERGENCY_NUMBERS:
            raise InvalidInput(_("紧急电话不正确"), details={"field": "emergency"})
        message = _("您反映的情况属于%(what)s，请立即拨打 %(number)s。") % {
            "what": EMERGENCY_NUMBERS[number][0], "number": number}
    elif kind == DiversionKind.OTHER_CHANNEL:
        if channel_kind not in OTHER_CHANNELS:
            raise InvalidInput(_("请选择应当适用的法定途径"), details={"field": "channel_kind"})
        message = _(OTHER_CHANNELS[channel_kind])
    elif kind == DiversionKind.REPEAT_NO_NEW_FACTS:
        if original is None or original.pk == ticket.pk:
            raise InvalidInput(_("请选择原工单"), details={"field": "original"})
        last = original.replies.filter(status=ReplyStatus.APPROVED).order_by("-id").first()
        message = _("您反映的问题已于%(date)s登记（工单号 %(number)s），目前状态：%(status)s。%(reply)s") % {
            "date": timezone.localdate(original.created_at).isoformat(), "number": original.number,
            "status": original.get_status_display(),
            "reply": (_("办理结果：%(text)s") % {"text": last.content}) if last else _("承办单位正在办理。")}
    elif kind == DiversionKind.PRIVACY_SECRET:
        message = _("您的诉求涉及国家秘密、商业秘密或个人隐私，依法不能通过热线办理或提供，敬请谅解。")
    else:
        message = _("您的诉求不符合法律法规规定，热线不予受理，请依法表达诉求。")
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status != TicketStatus.REGISTERED:
            raise Conflict(_("只有刚登记的工单可以引导办结"))
        before = _snapshot(locked)
        locked.status = TicketStatus.DIVERTED
        locked.diversion_kind, locked.diversion_reason, locked.diversion_message = kind, reason, str(message)
        locked.related_to = original if kind == DiversionKind.REPEAT_NO_NEW_FACTS else None
        locked.closed_at = timezone.now()
        _save(locked, "status", "diversion_kind", "diversion_reason", "diversion_message", "related_to",
              "closed_at")
        _tell_caller(locked, str(_("12345 热线告知")), str(message), kind="diverted", actor=actor)
        audit_record(action="hotline.ticket.divert", actor=actor, position=position, obj=locked, before=before,
                     after={**_snapshot(locked), "kind": kind, "reason": reason, "message": str(message)})
    return locked


# --- dispatch catalogue and suggestion ---------------------------------------------
def catalogue_rule(matter_type: MatterType | None, division: Division | None) -> DispatchRule | None:
    """The catalogue rule for a matter at a place: the most specific division wins; null = county."""
    if matter_type is None:
        return None
    rules = list(DispatchRule.objects.filter(matter_type=matter_type, is_active=True)
                 .select_related("division", "lead_unit", "lead_unit__division"))
    best: DispatchRule | None = None
    best_depth = -1
    for rule in rules:
        if rule.division_id is None:
            depth = 0
        elif division is not None and rule.division is not None and division.path.startswith(rule.division.path):
            depth = rule.division.path.count("/")
        else:
            continue
        if depth > best_depth:
            best, best_depth = rule, depth
    return best


def dispatch_suggest(ticket: Ticket) -> dict[str, Any]:
    """派单建议: the catalogue's unit for (matter type, division) and, when the classifier helper's
    ``hotline.classifier.suggest_units`` is importable, its ranked units with confidence."""
    rule = catalogue_rule(ticket.matter_type, ticket.division)
    catalogue = None
    if rule is not None:
        catalogue = {"lead_unit": rule.lead_unit, "assisting_units": list(rule.assisting_units.all()),
                     "rule_id": rule.pk, "division": rule.division}
    model: list[dict[str, Any]] = []
    try:
        from yiwang.hotline.classifier import suggest_units
    except ImportError:
        suggest_units = None  # type: ignore[assignment]
    if suggest_units is not None:
        try:
            ranked = list(suggest_units(f"{ticket.title} {ticket.content}", division=ticket.division))[:3]
        except Exception:  # noqa: BLE001 - a model failure falls back to the catalogue
            logger.exception("classifier suggestion failed")
            ranked = []
        units = Department.objects.in_bulk([code for code, _c in ranked], field_name="code")
        model = [{"unit": units[code], "confidence": float(conf)} for code, conf in ranked if code in units]
    confident = False
    if model:
        from yiwang.hotline.classifier import confidence_threshold

        confident = model[0]["confidence"] >= confidence_threshold()
    # Below the threshold the dispatch catalogue decides (the model's ranking is still shown).
    preferred = model[0]["unit"] if confident else (catalogue["lead_unit"] if catalogue else None)
    return {"catalogue": catalogue, "model": model, "model_confident": confident, "preferred_unit": preferred}


def service_level_for(category: str, urgency: str) -> tuple[int, str, int | None]:
    """(budget, unit, yellow threshold) for a ticket: the most specific ServiceLevel, else defaults."""
    rows = {(r.category, r.urgency): r for r in ServiceLevel.objects.filter(urgency=urgency,
                                                                            category__in=[category, ""])}
    row = rows.get((category, urgency)) or rows.get(("", urgency))
    if row is not None:
        return row.budget, row.unit, row.yellow_threshold
    budget, unit = DEFAULT_LEVELS.get((category, urgency)) or DEFAULT_LEVELS[("", urgency)]
    return budget, unit, (URGENT_YELLOW_HOURS if unit == ClockUnit.HOURS else None)


def _expected(clock: Clock) -> datetime:
    if clock.due_at is not None:
        return clock.due_at
    return timezone.make_aware(datetime.combine(clock.due_date, time(23, 59, 59)))


def _start_clock(ticket: Ticket, *, actor: Any, position: Position | None, now: datetime | None = None) -> Clock:
    budget, unit, yellow = service_level_for(ticket.category, ticket.urgency)
    now = now or timezone.now()
    clock = clock_start(obj=ticket, start=timezone.localdate(now), budget=budget, unit=unit, position=position,
                        actor=_user(actor), yellow_threshold=yellow, purpose=f"hotline:{ticket.reopen_count}",
                        started_at=now)
    ticket.expected_at = _expected(clock)
    ticket.light = clock.status
    return clock


def current_clock(ticket: Ticket) -> Clock | None:
    lead = (Assignment.objects.filter(ticket=ticket, role=AssignmentRole.LEAD, parent__isnull=True,
                                      clock__isnull=False).order_by("-id").first())
    return lead.clock if lead else None


def _is_grassroots(unit: Department) -> bool:
    return unit.division.level in (DivisionLevel.TOWNSHIP, DivisionLevel.VILLAGE)


def _check_not_pushed_down(ticket: Ticket, lead_unit: Department) -> None:
    rule = catalogue_rule(ticket.matter_type, ticket.division)
    if rule is None or rule.lead_unit_id == lead_unit.pk:
        return
    if not _is_grassroots(rule.lead_unit) and _is_grassroots(lead_unit):
        raise Conflict(
            _("派单目录规定该事项由%(owner)s负责，不得推给基层单位%(unit)s") % {
                "owner": rule.lead_unit.name, "unit": lead_unit.name},
            details={"field": "lead_unit", "catalogue_unit": rule.lead_unit.code, "reason": "pushed_down"},
        )


def _dispatch(locked: Ticket, *, lead_unit: Department, assisting_units: Sequence[Department], note: str,
              actor: Any, position: Position, keep_clock: Clock | None = None) -> Assignment:
    if not lead_unit.is_active:
        raise InvalidInput(_("承办单位已停用"), details={"field": "lead_unit"})
    _check_not_pushed_down(locked, lead_unit)
    assisting = [u for u in dict.fromkeys(assisting_units) if u.pk != lead_unit.pk]
    clock = keep_clock or _start_clock(locked, actor=actor, position=position)
    lead = Assignment.objects.create(ticket=locked, unit=lead_unit, role=AssignmentRole.LEAD, note=note,
                                     dispatched_by=_user(actor), clock=clock)
    for unit in assisting:
        Assignment.objects.create(ticket=locked, unit=unit, role=AssignmentRole.ASSIST, note=note,
                                  dispatched_by=_user(actor))
    locked.status = TicketStatus.DISPATCHED if locked.reopen_count == 0 else TicketStatus.REOPENED
    locked.lead_unit = lead_unit
    locked.dispatched_at = locked.dispatched_at or timezone.now()
    _save(locked, "status", "lead_unit", "dispatched_at", "expected_at", "light", "reopen_count")
    names = "、".join(u.name for u in assisting)
    _event(locked, "dispatched", _("派至%(unit)s主办%(assist)s") % {
        "unit": lead_unit.name, "assist": (_("，%(names)s协办") % {"names": names}) if names else ""},
        actor=actor, unit=lead_unit)
    text = _("工单 %(number)s：%(title)s。请于 %(due)s 前办结答复。") % {
        "number": locked.number, "title": locked.title,
        "due": timezone.localtime(locked.expected_at).strftime("%Y-%m-%d %H:%M") if locked.expected_at else "—"}
    for unit in [lead_unit, *assisting]:
        _on_commit_unit(unit, str(_("12345 新派工单")), str(text), dedupe_key=f"hotline:{locked.pk}:dispatch:{lead.pk}")
    return lead


def ticket_dispatch(*, ticket: Ticket, lead_unit: Department, assisting_units: Sequence[Department] = (),
                    note: str = "", actor: Any, position: Position) -> Ticket:
    """派单: the centre gives a registered ticket to a lead unit (主办) and assisting units (协办).
    Starts the ticket clock from its :class:`ServiceLevel` and stores ``expected_at``."""
    require_centre(position, Perm.TICKET_DISPATCH)
    note = _text(note, "note", required=False, limit=1000)
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status != TicketStatus.REGISTERED:
            raise Conflict(_("只有已登记、未派出的工单可以派单"), details={"status": locked.status})
        before = _snapshot(locked)
        lead = _dispatch(locked, lead_unit=lead_unit, assisting_units=assisting_units, note=note, actor=actor,
                         position=position)
        audit_record(action="hotline.ticket.dispatch", actor=actor, position=position, obj=locked, before=before,
                     after={**_snapshot(locked), "assignment": lead.pk,
                            "assisting": [u.pk for u in assisting_units], "expected_at": locked.expected_at})
    return locked


def _unit_position_for(assignment: Assignment, position: Position | None) -> Position:
    """The acting position must handle tickets for this assignment's unit (or its village)."""
    position = require(position, Perm.TICKET_HANDLE)
    if assignment.division_id is not None:
        ok = position.role == Role.VILLAGE_AGENT and position.division_id == assignment.division_id
        ok = ok or position.department_id == assignment.unit_id
    else:
        ok = position.department_id == assignment.unit_id
    if not ok:
        raise PermissionDenied(_("该工单未派给本单位"))
    return position


def _lock_assignment(assignment: Assignment) -> tuple[Assignment, Ticket]:
    ticket = Ticket.objects.select_for_update().get(pk=assignment.ticket_id)
    locked = Assignment.objects.select_for_update(of=("self",)).select_related("unit", "unit__division", "division").get(
        pk=assignment.pk)
    return locked, ticket


ACTIVE_ASSIGNMENT = (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED)


def assignment_accept(*, assignment: Assignment, actor: Any, position: Position) -> Assignment:
    """签收: the unit acknowledges the ticket; it is now being handled."""
    _unit_position_for(assignment, position)
    with transaction.atomic():
        locked, ticket = _lock_assignment(assignment)
        if locked.status != AssignmentStatus.PENDING:
            raise Conflict(_("该派单已签收或已处理"))
        locked.status = AssignmentStatus.ACCEPTED
        locked.save(update_fields=["status"])
        if locked.role == AssignmentRole.LEAD and ticket.status == TicketStatus.DISPATCHED:
            ticket.status = TicketStatus.HANDLING
            _save(ticket, "status")
        _event(ticket, "accepted", _("%(unit)s已签收") % {"unit": locked.unit.name}, actor=actor, unit=locked.unit)
        audit_record(action="hotline.assignment.accept", actor=actor, position=position, obj=locked,
                     after={"status": locked.status})
    return locked


def assignment_redispatch(*, assignment: Assignment, division: Division, note: str = "", actor: Any,
                          position: Position) -> Assignment:
    """乡镇转派: a township unit passes its assignment to a village/grid in its township; the
    village's agents (代办员) handle it and reply in the township's name."""
    _unit_position_for(assignment, position)
    if assignment.division_id is not None:
        raise Conflict(_("村级派单不能再次转派"))
    unit = assignment.unit
    if unit.division.level != DivisionLevel.TOWNSHIP:
        raise PermissionDenied(_("只有乡镇（街道）可以向村（社区）转派"))
    if division.level != DivisionLevel.VILLAGE or division.parent_id != unit.division_id:
        raise InvalidInput(_("只能转派至本乡镇（街道）所辖村（社区）"), details={"field": "division"})
    note = _text(note, "note", required=False, limit=1000)
    with transaction.atomic():
        locked, ticket = _lock_assignment(assignment)
        if locked.status not in ACTIVE_ASSIGNMENT:
            raise Conflict(_("该派单当前状态不能转派"))
        child = Assignment.objects.create(ticket=ticket, unit=locked.unit, role=locked.role, division=division,
                                          parent=locked, note=note, dispatched_by=_user(actor))
        locked.status = AssignmentStatus.REDISPATCHED
        locked.save(update_fields=["status"])
        if ticket.status == TicketStatus.DISPATCHED:
            ticket.status = TicketStatus.HANDLING
            _save(ticket, "status")
        _event(ticket, "redispatched", _("%(unit)s转派至%(village)s") % {"unit": unit.name, "village": division.name},
               actor=actor, unit=unit)
        audit_record(action="hotline.assignment.redispatch", actor=actor, position=position, obj=child,
                     after={"parent": locked.pk, "division": division.pk})
        _on_commit_unit(unit, str(_("12345 转派工单")), str(_("工单 %(n)s 已转派至本村，请及时办理。") % {"n": ticket.number}),
                        division=division, dedupe_key=f"hotline:{ticket.pk}:redispatch:{child.pk}")
    return child


def assignment_return(*, assignment: Assignment, reason: str, actor: Any, position: Position) -> Assignment:
    """退单 (派单异议): the unit says the ticket is not theirs; the centre reviews the objection."""
    _unit_position_for(assignment, position)
    if assignment.parent_id is not None:
        raise Conflict(_("村级转派请退回乡镇，由乡镇向热线中心退单"))
    reason = _text(reason, "reason", limit=1000)
    with transaction.atomic():
        locked, ticket = _lock_assignment(assignment)
        if locked.status not in ACTIVE_ASSIGNMENT:
            raise Conflict(_("该派单当前状态不能退单"))
        before = {"status": locked.status}
        locked.status = AssignmentStatus.RETURNED
        locked.return_reason = reason
        locked.returned_at = timezone.now()
        locked.return_review_status = ReturnReview.PENDING
        locked.save(update_fields=["status", "return_reason", "returned_at", "return_review_status"])
        if locked.role == AssignmentRole.LEAD:
            ticket.status = TicketStatus.RETURNED
            _save(ticket, "status")
        _event(ticket, "returned", _("%(unit)s申请退单：%(reason)s") % {"unit": locked.unit.name, "reason": reason},
               actor=actor, unit=locked.unit, public=False)
        audit_record(action="hotline.assignment.return", actor=actor, position=position, obj=locked, before=before,
                     after={"status": locked.status, "reason": reason})
    return locked


def return_review(*, assignment: Assignment, approve: bool, note: str = "", new_lead_unit: Department | None = None,
                  assisting_units: Sequence[Department] = (), actor: Any, position: Position) -> Assignment:
    """派单异议审核: approve → the ticket is re-dispatched (改派) to ``new_lead_unit`` (required for a
    lead assignment) keeping its clock; reject → back to the unit, which must handle it."""
    require_centre(position, Perm.TICKET_REVIEW)
    note = _text(note, "note", required=not approve, limit=1000)
    with transaction.atomic():
        locked, ticket = _lock_assignment(assignment)
        if locked.return_review_status != ReturnReview.PENDING:
            raise Conflict(_("该退单不在待审核状态"))
        before = _snapshot(ticket)
        locked.return_review_note = note
        if approve:
            locked.return_review_status = ReturnReview.APPROVED
            locked.save(update_fields=["return_review_status", "return_review_note"])
            if locked.role == AssignmentRole.LEAD:
                if new_lead_unit is None:
                    raise InvalidInput(_("同意退单须选择改派单位"), details={"field": "new_lead_unit"})
                if new_lead_unit.pk == locked.unit_id:
                    raise InvalidInput(_("改派单位不能是退单单位"), details={"field": "new_lead_unit"})
                clock = locked.clock
                locked.clock = None
                locked.save(update_fields=["clock"])
                Assignment.objects.filter(ticket=ticket, role=AssignmentRole.ASSIST,
                                          status__in=ACTIVE_ASSIGNMENT).update(status=AssignmentStatus.CANCELLED)
                ticket.status = TicketStatus.REGISTERED
                _dispatch(ticket, lead_unit=new_lead_unit, assisting_units=assisting_units,
                          note=note or _("改派"), actor=actor, position=position, keep_clock=clock)
                if clock is not None:
                    ticket.expected_at = _expected(clock)
                    _save(ticket, "expected_at")
                _event(ticket, "return_approved", _("同意%(unit)s退单，改派%(new)s") % {
                    "unit": locked.unit.name, "new": new_lead_unit.name}, actor=actor, public=False)
        else:
            locked.return_review_status = ReturnReview.REJECTED
            locked.status = AssignmentStatus.ACCEPTED
            locked.save(update_fields=["return_review_status", "return_review_note", "status"])
            if locked.role == AssignmentRole.LEAD:
                ticket.status = TicketStatus.REOPENED if ticket.reopen_count else TicketStatus.HANDLING
                _save(ticket, "status")
            _event(ticket, "return_rejected", _("驳回%(unit)s退单：%(note)s") % {"unit": locked.unit.name, "note": note},
                   actor=actor, unit=locked.unit, public=False)
            _on_commit_unit(locked.unit, str(_("退单被驳回")), str(_("工单 %(n)s 退单未通过：%(note)s，请继续办理。") % {
                "n": ticket.number, "note": note}), dedupe_key=f"hotline:{ticket.pk}:return_rejected:{locked.pk}")
        audit_record(action="hotline.assignment.return_review", actor=actor, position=position, obj=locked,
                     before=before, after={**_snapshot(ticket), "approve": approve, "note": note,
                                           "new_lead_unit": getattr(new_lead_unit, "pk", None)})
    return locked


# --- duplicates and merge --------------------------------------------------------------
DUPLICATE_JACCARD = 0.35
NEARBY_DEGREES = Decimal("0.003")  # about 300 m


def ticket_find_duplicates(ticket: Ticket, *, days: int | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """并单候选: tickets within ``days`` (config, default 30) from the same caller (phone blind
    index), or at the same division / nearby coordinates with similar text (token Jaccard ≥ 0.35)."""
    from yiwang.hotline.common import jaccard

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


# --- handling, reply, review, callback ---------------------------------------------------
def reply_submit(*, assignment: Assignment, content: str, evidence: Iterable[Any] = (), actor: Any,
                 position: Position) -> Reply:
    """办理答复: the unit (or the village it re-dispatched to) records what it did, with evidence."""
    _unit_position_for(assignment, position)
    content = _text(content, "content")
    checked = check_uploads(evidence)
    with transaction.atomic():
        locked, ticket = _lock_assignment(assignment)
        if locked.status not in ACTIVE_ASSIGNMENT:
            raise Conflict(_("该派单当前状态不能答复"))
        if ticket.status in FINAL_STATUSES:
            raise Conflict(_("工单已办结"))
        if Reply.objects.filter(assignment=locked, status=ReplyStatus.PENDING_REVIEW).exists():
            raise Conflict(_("已有答复正在审核"))
        top = locked.parent or locked
        reply = Reply.objects.create(ticket=ticket, assignment=top, unit=locked.unit, content=content,
                                     submitted_by=_user(actor))
        for item in checked:
            attachment = TicketAttachment(ticket=ticket, reply=reply, name=item.name, content_type=item.content_type,
                                          size=item.size, sha256=item.sha256, uploaded_by=_user(actor))
            attachment.file.save(item.name, item.upload, save=False)
            attachment.save()
        locked.status = AssignmentStatus.REPLIED
        locked.save(update_fields=["status"])
        if top.pk != locked.pk:
            Assignment.objects.filter(pk=top.pk).update(status=AssignmentStatus.REPLIED)
        if top.role == AssignmentRole.LEAD:
            ticket.status = TicketStatus.REPLIED
            _save(ticket, "status")
        _event(ticket, "reply_submitted", _("%(unit)s提交办理答复") % {"unit": locked.unit.name}, actor=actor,
               unit=locked.unit, public=False)
        audit_record(action="hotline.reply.submit", actor=actor, position=position, obj=reply,
                     after={"ticket": ticket.pk, "assignment": locked.pk, "evidence": [c.sha256 for c in checked]})
    return reply


def reply_review(*, reply: Reply, approve: bool, note: str = "", actor: Any, position: Position) -> Reply:
    """答复审核: the centre approves (the lead unit's reply is sent to the caller, the clock stops,
    the ticket waits for callback; merged tickets get a copy) or rejects with a note (back to the unit)."""
    require_centre(position, Perm.TICKET_REVIEW)
    note = _text(note, "note", required=not approve, limit=1000)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=reply.ticket_id)
        locked = Reply.objects.select_for_update(of=("self",)).select_related("assignment", "unit").get(pk=reply.pk)
        if locked.status != ReplyStatus.PENDING_REVIEW:
            raise Conflict(_("该答复不在待审核状态"))
        before = _snapshot(ticket)
        assignment = locked.assignment
        is_lead = assignment is not None and assignment.role == AssignmentRole.LEAD
        locked.status = ReplyStatus.APPROVED if approve else ReplyStatus.REJECTED
        locked.reviewer, locked.reviewed_at, locked.review_note = _user(actor), timezone.now(), note
        locked.save(update_fields=["status", "reviewer", "reviewed_at", "review_note"])
        if approve:
            if assignment is not None:
                Assignment.objects.filter(Q(pk=assignment.pk) | Q(parent=assignment)).update(
                    status=AssignmentStatus.DONE)
            if is_lead:
                if assignment is not None and assignment.clock is not None and assignment.clock.stopped_at is None:
                    clock = clock_stop(clock=assignment.clock, actor=_user(actor), position=position)
                    ticket.light = clock.status
                ticket.status = TicketStatus.CALLBACK
                ticket.replied_at = timezone.now()
                _save(ticket, "status", "replied_at", "light")
                locked.sent_at = timezone.now()
                locked.save(update_fields=["sent_at"])
                _tell_caller(ticket, str(_("12345 办理结果")), locked.content, kind="reply_sent", actor=actor)
                for merged in ticket.merged_tickets.all():
                    _copy_reply(locked, merged)
                    _tell_caller(merged, str(_("12345 办理结果")), locked.content, kind="reply_sent", actor=actor)
        else:
            if assignment is not None:
                Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.ACCEPTED)
                Assignment.objects.filter(parent=assignment, status=AssignmentStatus.REPLIED).update(
                    status=AssignmentStatus.ACCEPTED)
            if is_lead:
                ticket.status = TicketStatus.REOPENED if ticket.reopen_count else TicketStatus.HANDLING
                _save(ticket, "status")
            _on_commit_unit(locked.unit, str(_("答复被退回")), str(_("工单 %(n)s 的答复未通过审核：%(note)s") % {
                "n": ticket.number, "note": note}), dedupe_key=f"hotline:reply_rejected:{locked.pk}")
        _event(ticket, "reply_approved" if approve else "reply_rejected", note or locked.content[:200], actor=actor,
               unit=locked.unit, public=approve)
        audit_record(action="hotline.reply.review", actor=actor, position=position, obj=locked, before=before,
                     after={**_snapshot(ticket), "approve": approve, "note": note})
    return locked


def callback_record(*, ticket: Ticket, method: str, satisfaction: str, resolved: bool, note: str = "",
                    actor: Any, position: Position) -> Callback:
    """回访: record satisfaction and resolution. 不满意 → 重办 (reopened to the same lead unit, fresh
    clock) up to :func:`max_reopens` times; after that the ticket is closed anyway, with a note."""
    require_centre(position, Perm.TICKET_REVIEW)
    if method not in CallbackMethod.values:
        raise InvalidInput(_("回访方式不正确"), details={"field": "method"})
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(_("满意度不正确"), details={"field": "satisfaction"})
    note = _text(note, "note", required=False, limit=2000)
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status != TicketStatus.CALLBACK:
            raise Conflict(_("工单不在待回访状态"))
        before = _snapshot(locked)
        callback = Callback.objects.create(ticket=locked, method=method, satisfaction=satisfaction,
                                           resolved=bool(resolved), note=note, round=locked.reopen_count,
                                           recorded_by=_user(actor))
        reopen = satisfaction == Satisfaction.UNSATISFIED and locked.reopen_count < max_reopens()
        if reopen and locked.lead_unit is not None:
            locked.reopen_count += 1
            locked.status = TicketStatus.REGISTERED
            _dispatch(locked, lead_unit=locked.lead_unit, assisting_units=(),
                      note=_("回访不满意，重办（第%(n)s次）：%(note)s") % {"n": locked.reopen_count, "note": note},
                      actor=actor, position=position)
            _event(locked, "reopened", _("回访不满意，第%(n)s次重办") % {"n": locked.reopen_count}, actor=actor)
        else:
            locked.status = TicketStatus.CLOSED
            locked.closed_at = timezone.now()
            _save(locked, "status", "closed_at")
            text = _("回访%(s)s，办结") % {"s": callback.get_satisfaction_display()}
            if satisfaction == Satisfaction.UNSATISFIED:
                text = _("回访不满意，已达重办上限（%(n)s次），按规定办结") % {"n": max_reopens()}
            _event(locked, "closed", f"{text}。{note}".rstrip("。") + "。", actor=actor)
        audit_record(action="hotline.callback.record", actor=actor, position=position, obj=callback, before=before,
                     after={**_snapshot(locked), "satisfaction": satisfaction, "resolved": bool(resolved),
                            "reopened": reopen})
    return callback


# --- leader, extension, escalation ---------------------------------------------------------
def ticket_flag_for_leader(*, ticket: Ticket, flag: bool = True, note: str = "", actor: Any,
                           position: Position) -> Ticket:
    """呈领导批示: the centre flags a ticket for the leaders' mobile page."""
    require_centre(position, Perm.TICKET_DISPATCH)
    with transaction.atomic():
        locked = _lock(ticket)
        before = {"leader_flag": locked.leader_flag}
        locked.leader_flag = bool(flag)
        _save(locked, "leader_flag")
        _event(locked, "leader_flag", note or (_("呈领导批示") if flag else _("取消呈批")), actor=actor, public=False)
        audit_record(action="hotline.ticket.flag_leader", actor=actor, position=position, obj=locked,
                     before=before, after={"leader_flag": locked.leader_flag})
    return locked


def leader_instruct(*, ticket: Ticket, text: str, actor: Any, position: Position) -> LeaderInstruction:
    """领导批示 on a flagged ticket; the centre and the lead unit are told."""
    require(position, Perm.TICKET_INSTRUCT)
    text = _text(text, "text", limit=2000)
    with transaction.atomic():
        locked = _lock(ticket)
        if not locked.leader_flag:
            raise Conflict(_("该工单未呈领导批示"))
        instruction = LeaderInstruction.objects.create(ticket=locked, leader=actor, text=text)
        _event(locked, "instruction", _("领导批示：%(t)s") % {"t": text}, actor=actor, public=False)
        audit_record(action="hotline.ticket.instruct", actor=actor, position=position, obj=instruction,
                     after={"ticket": locked.pk, "text": text})
        message = str(_("工单 %(n)s 领导批示：%(t)s") % {"n": locked.number, "t": text})
        if locked.lead_unit is not None:
            _on_commit_unit(locked.lead_unit, str(_("领导批示")), message,
                            dedupe_key=f"hotline:instruction:{instruction.pk}")
        from yiwang.hotline.common import centre_department

        centre = centre_department()
        if centre is not None:
            _on_commit_unit(centre, str(_("领导批示")), message, dedupe_key=f"hotline:instruction:c{instruction.pk}",
                            channels=("inbox",))
    return instruction


def extension_request(*, assignment: Assignment, days: int, reason: str, actor: Any,
                      position: Position) -> ExtensionRequest:
    """延期申请 by the lead unit; the centre decides."""
    _unit_position_for(assignment, position)
    if assignment.role != AssignmentRole.LEAD or assignment.parent_id is not None:
        raise PermissionDenied(_("只有主办单位可以申请延期"))
    if not isinstance(days, int) or not 0 < days <= 30:
        raise InvalidInput(_("延长天数须为 1 至 30"), details={"field": "days"})
    reason = _text(reason, "reason", limit=1000)
    with transaction.atomic():
        locked, ticket = _lock_assignment(assignment)
        if locked.status not in ACTIVE_ASSIGNMENT or locked.clock is None:
            raise Conflict(_("该派单当前状态不能申请延期"))
        if locked.extension_requests.filter(status=ExtensionStatus.PENDING).exists():
            raise Conflict(_("已有延期申请待审批"))
        request = ExtensionRequest.objects.create(ticket=ticket, assignment=locked, days=days, reason=reason,
                                                  requested_by=_user(actor))
        _event(ticket, "extension_requested", _("申请延期 %(d)s：%(r)s") % {"d": days, "r": reason}, actor=actor,
               unit=locked.unit, public=False)
        audit_record(action="hotline.extension.request", actor=actor, position=position, obj=request,
                     after={"days": days, "reason": reason})
    return request


def extension_decide(*, request: ExtensionRequest, approve: bool, note: str = "", actor: Any,
                     position: Position) -> ExtensionRequest:
    """The centre approves (``clock_extend``, in the clock's unit) or refuses an extension."""
    require_centre(position, Perm.TICKET_REVIEW)
    note = _text(note, "note", required=not approve, limit=1000)
    with transaction.atomic():
        locked = ExtensionRequest.objects.select_for_update(of=("self",)).select_related("assignment").get(pk=request.pk)
        if locked.status != ExtensionStatus.PENDING:
            raise Conflict(_("该延期申请已处理"))
        ticket = Ticket.objects.select_for_update().get(pk=locked.ticket_id)
        locked.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
        locked.decided_by, locked.decided_at, locked.decision_note = _user(actor), timezone.now(), note
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve and locked.assignment.clock is not None:
            clock_extend(clock=locked.assignment.clock, days=locked.days, reason=locked.reason or note,
                         approver=actor, position=position)
            clock = Clock.objects.get(pk=locked.assignment.clock_id)  # type: ignore[misc]
            ticket.expected_at, ticket.light = _expected(clock), clock.status
            _save(ticket, "expected_at", "light")
        _event(ticket, "extension_decided", (_("同意延期") if approve else _("不同意延期")) + f" {note}", actor=actor,
               public=False)
        audit_record(action="hotline.extension.decide", actor=actor, position=position, obj=locked,
                     after={"approve": approve, "note": note, "expected_at": ticket.expected_at})
    return locked


def escalation_sweep(*, now: datetime | None = None, horizon_days: int = 14) -> dict[str, int]:
    """催办/督办 sweep (periodic). Set-based: only running ticket clocks due within ``horizon_days``
    are recomputed (an indexed due-date query); yellow lights get an urging SMS to the unit
    (催办), red lights a formal supervision notice (督办). One escalation per ticket, level and
    round (unique constraint), so running the sweep again sends nothing new."""
    from django.contrib.contenttypes.models import ContentType

    now = now or timezone.now()
    today = timezone.localdate(now)
    ct = ContentType.objects.get_for_model(Ticket)
    candidates = list(Clock.objects.filter(content_type=ct, stopped_at__isnull=True,
                                           due_date__lte=today + timedelta(days=horizon_days))
                      .prefetch_related("suspensions", "extensions"))
    dirty = []
    for clock in candidates:
        state = clock_state(clock, today=today, now=now)
        if clock.status != state.status or clock.remaining != state.remaining:
            clock.status, clock.remaining, clock.status_at = state.status, state.remaining, today
            clock.due_date, clock.due_at = state.due_date, state.due_at
            dirty.append(clock)
    if dirty:
        Clock.objects.bulk_update(dirty, ["status", "remaining", "status_at", "due_date", "due_at"])
    lit = {c.object_id: c.status for c in candidates if c.status in (ClockStatus.YELLOW, ClockStatus.RED)}
    counts = {"checked": len(candidates), "urged": 0, "supervised": 0}
    if not lit:
        return counts
    tickets = list(Ticket.objects.filter(pk__in=list(lit), status__in=CLOCK_STATUSES).select_related("lead_unit"))
    for ticket in tickets:
        if ticket.light != lit[ticket.pk]:
            Ticket.objects.filter(pk=ticket.pk).update(light=lit[ticket.pk])
    done = set(Escalation.objects.filter(ticket__in=tickets).values_list("ticket_id", "level", "round"))
    for ticket in tickets:
        level = EscalationLevel.RED if lit[ticket.pk] == ClockStatus.RED else EscalationLevel.YELLOW
        if (ticket.pk, level, ticket.reopen_count) in done:
            continue
        due = timezone.localtime(ticket.expected_at).strftime("%Y-%m-%d %H:%M") if ticket.expected_at else "—"
        if level == EscalationLevel.YELLOW:
            kind = EscalationKind.URGE
            notice = _("【催办】工单 %(n)s 将于 %(d)s 到期，请抓紧办理并按时答复。") % {"n": ticket.number, "d": due}
        else:
            kind = EscalationKind.SUPERVISE
            notice = _("【督办通知】工单 %(n)s 已超过办理时限（应于 %(d)s 前办结），请立即办理，"
                       "并书面说明超期原因。") % {"n": ticket.number, "d": due}
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(ticket=ticket, unit=ticket.lead_unit, level=level, kind=kind,
                                                       round=ticket.reopen_count, notice=str(notice), at=now)
                _event(ticket, kind, str(notice), unit=ticket.lead_unit, public=False)
                audit_record(action=f"hotline.escalation.{kind}", obj=escalation,
                             after={"ticket": ticket.pk, "level": level, "round": ticket.reopen_count})
                if ticket.lead_unit is not None:
                    _on_commit_unit(ticket.lead_unit, str(_("12345 催办") if kind == EscalationKind.URGE
                                                          else _("12345 督办")), str(notice),
                                    dedupe_key=f"hotline:{ticket.pk}:{level}:{ticket.reopen_count}")
        except IntegrityError:  # a concurrent sweep got there first
            continue
        counts["urged" if kind == EscalationKind.URGE else "supervised"] += 1
    return counts


# --- knowledge base -------------------------------------------------------------------------
def _kb_index(article: KnowledgeArticle) -> None:
    article.search_text = search_text(article.title, article.question, article.answer, article.tags)


def knowledge_create(*, title: str, question: str, answer: str, tags: str = "", department: Department | None = None,
                     actor: Any, position: Position) -> KnowledgeArticle:
    """A department (or the centre) drafts a knowledge-base answer (``KNOWLEDGE_EDIT``)."""
    require(position, Perm.KNOWLEDGE_EDIT)
    department = department or position.department
    if department is None:
        raise InvalidInput(_("请选择编写部门"), details={"field": "department"})
    if not is_centre(position) and department.pk != position.department_id:
        raise PermissionDenied(_("只能为本部门编写知识"))
    article = KnowledgeArticle(title=_text(title, "title", limit=200), question=_text(question, "question"),
                               answer=_text(answer, "answer"), tags=_text(tags, "tags", required=False, limit=200),
                               department=department, created_by=_user(actor))
    _kb_index(article)
    with transaction.atomic():
        article.save()
        audit_record(action="hotline.kb.create", actor=actor, position=position, obj=article,
                     after={"title": article.title, "department": department.pk})
    return article


def knowledge_update(*, article: KnowledgeArticle, actor: Any, position: Position, title: str | None = None,
                     question: str | None = None, answer: str | None = None, tags: str | None = None,
                     ) -> KnowledgeArticle:
    """Edit an article; a published article goes back to draft and needs review again."""
    require(position, Perm.KNOWLEDGE_EDIT)
    if not is_centre(position) and article.department_id != position.department_id:
        raise PermissionDenied(_("只能修改本部门的知识"))
    with transaction.atomic():
        locked = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
        before = {"title": locked.title, "status": locked.status}
        if title is not None:
            locked.title = _text(title, "title", limit=200)
        if question is not None:
            locked.question = _text(question, "question")
        if answer is not None:
            locked.answer = _text(answer, "answer")
        if tags is not None:
            locked.tags = _text(tags, "tags", required=False, limit=200)
        locked.status = KnowledgeStatus.DRAFT
        _kb_index(locked)
        locked.save()
        audit_record(action="hotline.kb.update", actor=actor, position=position, obj=locked, before=before,
                     after={"title": locked.title, "status": locked.status})
    return locked


def knowledge_submit(*, article: KnowledgeArticle, actor: Any, position: Position) -> KnowledgeArticle:
    require(position, Perm.KNOWLEDGE_EDIT)
    if not is_centre(position) and article.department_id != position.department_id:
        raise PermissionDenied(_("只能提交本部门的知识"))
    with transaction.atomic():
        locked = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
        if locked.status != KnowledgeStatus.DRAFT:
            raise Conflict(_("只有草稿可以提交审核"))
        locked.status = KnowledgeStatus.IN_REVIEW
        locked.save(update_fields=["status", "updated_at"])
        audit_record(action="hotline.kb.submit", actor=actor, position=position, obj=locked,
                     after={"status": locked.status})
    return locked


def knowledge_review(*, article: KnowledgeArticle, approve: bool, expires_on: date | None = None, note: str = "",
                     actor: Any, position: Position) -> KnowledgeArticle:
    """The centre reviews (``KNOWLEDGE_REVIEW``): approve publishes with an expiry date (required,
    in the future, at most 3 years); reject returns it to draft with a note."""
    require(position, Perm.KNOWLEDGE_REVIEW)
    today = timezone.localdate()
    if approve:
        if expires_on is None:
            raise InvalidInput(_("发布须设定有效期"), details={"field": "expires_on"})
        if expires_on <= today or expires_on > today + timedelta(days=3 * 366):
            raise InvalidInput(_("有效期须在今天之后、三年以内"), details={"field": "expires_on"})
    else:
        note = _text(note, "note", limit=1000)
    with transaction.atomic():
        locked = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
        if locked.status != KnowledgeStatus.IN_REVIEW:
            raise Conflict(_("该知识不在待审核状态"))
        locked.reviewed_by, locked.review_note = _user(actor), note
        if approve:
            locked.status, locked.published_at, locked.expires_on = KnowledgeStatus.PUBLISHED, timezone.now(), expires_on
        else:
            locked.status = KnowledgeStatus.DRAFT
        locked.save()
        audit_record(action="hotline.kb.review", actor=actor, position=position, obj=locked,
                     after={"approve": approve, "expires_on": expires_on, "note": note})
    return locked


def sms_category_guess(text: str) -> str:
    """Inbound SMS carry no category: a keyword guess the centre may correct (ticket_update_intake)."""
    for words, category in ((("举报",), Category.REPORT), (("投诉",), Category.COMPLAINT),
                            (("建议",), Category.SUGGESTION), (("求助", "帮忙", "帮助", "救助"), Category.HELP)):
        if any(w in text for w in words):
            return category
    return Category.CONSULT


# --- knowledge base: console drafts (added for the KB console pages, views_kb.py) ---------------
KB_MAX_EXPIRY_DAYS = 3 * 366


def _kb_expiry(value: date | None, field: str) -> date | None:
    """An expiry date must lie after today and at most three years ahead (as in ``knowledge_review``)."""
    if value is None:
        return None
    today = timezone.localdate()
    if value <= today or value > today + timedelta(days=KB_MAX_EXPIRY_DAYS):
        raise InvalidInput(_("有效期须在今天之后、三年以内"), details={"field": field})
    return value


def knowledge_draft_save(*, article: KnowledgeArticle | None = None, title: str, question: str, answer: str,
                         tags: str = "", proposed_expires_on: date | None = None, actor: Any,
                         position: Position) -> KnowledgeArticle:
    """Create a draft, or edit one of the department's articles (``KNOWLEDGE_EDIT``), recording the
    proposed expiry date. Until the centre publishes the article, ``expires_on`` holds the department's
    proposal (drafts are never searchable, so it has no effect); the reviewer sets the real expiry.
    An article in review cannot be edited (the reviewer is reading it); editing a published article
    takes it back to draft (``knowledge_update``)."""
    require(position, Perm.KNOWLEDGE_EDIT)
    proposed = _kb_expiry(proposed_expires_on, "proposed_expires_on")
    with transaction.atomic():
        if article is None:
            saved = knowledge_create(title=title, question=question, answer=answer, tags=tags, actor=actor,
                                     position=position)
        else:
            if not is_centre(position) and article.department_id != position.department_id:
                raise PermissionDenied(_("只能修改本部门的知识"))
            current = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
            if current.status == KnowledgeStatus.IN_REVIEW:
                raise Conflict(_("审核中的知识不能修改"))
            saved = knowledge_update(article=current, title=title, question=question, answer=answer, tags=tags,
                                     actor=actor, position=position)
        if saved.expires_on != proposed:
            before = saved.expires_on
            saved.expires_on = proposed
            saved.save(update_fields=["expires_on", "updated_at"])
            audit_record(action="hotline.kb.propose_expiry", actor=actor, position=position, obj=saved,
                         before={"expires_on": before}, after={"expires_on": proposed})
    return saved
