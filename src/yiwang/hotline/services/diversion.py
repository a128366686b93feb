"""Diversion (不予受理/引导, 北京市接诉即办工作条例 Art. 11): tickets the hotline does not handle.

``ticket_divert`` records the kind and reason and tells the caller what to do instead:

* emergencies go to 110/119/120/122 (``emergency_number`` picks one from the caller's words);
* matters with a legal channel (litigation, arbitration, review, petition, disclosure, discipline:
  ``OTHER_CHANNELS``);
* repeats without new facts get the original ticket's progress;
* secrets/privacy and unlawful demands get an explanation.
"""


from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput
from yiwang.hotline.centre import require_centre
from yiwang.hotline.models import (
    DiversionKind,
    ReplyStatus,
    Ticket,
    TicketStatus,
)
from yiwang.hotline.services.messages import (
    _tell_caller,
)
from yiwang.hotline.services.records import (
    _lock,
    _save,
    _snapshot,
    _text,
)
from yiwang.org.models import Position
from yiwang.org.roles import Perm

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
