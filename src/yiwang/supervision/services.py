"""Write services of electronic supervision: the alert lifecycle (预警 → 纠错 → 核实/督办 → 关闭),
notifications, rule administration and risk-point confirmation (风险点复核).

Lifecycle::

    raised ─notify→ notified ─explain/correct (ALERT_CORRECT)→ explained/corrected
        ─verify (ALERT_VERIFY)→ verified ─close→ closed
        ─escalate (ALERT_VERIFY: 监察建议书/督办 PDF, a recommendation-level alert)→ escalated

A department may close its own warning or yellow alert once it has explained or corrected it;
a red card (or a recommendation) is closed only by a supervisor whose division subtree contains it.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases.models import CaseStep, StepStatus
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.org.models import Position
from yiwang.org.roles import Perm, Role
from yiwang.org.scope import Scope, has_perm
from yiwang.supervision.models import (
    LEVEL_RANK,
    ActionKind,
    Alert,
    AlertAction,
    AlertLevel,
    AlertStatus,
    RiskConfirmation,
    RiskPoint,
    Rule,
    RuleOverride,
)

logger = logging.getLogger(__name__)

MAX_TEXT = 5000
ALERT_TEMPLATE = "supervision.alert"
ESCALATION_TEMPLATE = "supervision.alert_escalated"


def _dict(alert: Alert) -> dict[str, Any]:
    return {"id": alert.pk, "rule": alert.rule.code, "level": alert.level, "status": alert.status,
            "object": f"{alert.content_type_id}:{alert.object_id}", "case": alert.case_id,
            "department": alert.department_id, "division": alert.division_id}


def _text(value: str, *, required: bool, field: str = "text") -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(_("请填写说明"), code="text_required", details={"field": field})
    if len(text) > MAX_TEXT:
        raise InvalidInput(_("内容过长"), details={"field": field, "max": MAX_TEXT})
    return text


def alert_in_scope(alert: Alert, position: Position | None) -> bool:
    """The alert lies in the position's division subtree (and department, for departmental roles)."""
    if position is None or not position.is_active or not has_perm(position, Perm.ALERT_VIEW):
        return False
    if alert.division_id is None or alert.division is None:
        return False
    scope = Scope.of(position)
    if not scope.contains_division_path(alert.division.path):
        return False
    return scope.department_id is None or scope.department_id == alert.department_id


def _lock(alert: Alert, position: Position | None, perm: str) -> Alert:
    if not has_perm(position, perm):
        raise PermissionDenied(_("当前岗位无权执行此操作"), details={"required_permission": perm})
    locked = (Alert.objects.select_for_update(of=("self",)).select_related("rule", "division", "department")
              .filter(pk=alert.pk).first())
    if locked is None or not alert_in_scope(locked, position):
        raise NotFound(_("预警不存在或不在您的监察范围内"))
    return locked


def _action(alert: Alert, kind: str, *, text: str = "", actor: Any = None, position: Any = None,
            attachment: Any = None, at: datetime | None = None) -> AlertAction:
    action = AlertAction(alert=alert, kind=kind, text=text, actor=actor, position=position, at=at or timezone.now())
    if attachment is not None:
        from yiwang.core.uploads import check_upload

        checked = check_upload(attachment, allowed=("pdf", "jpg", "png"))
        action.attachment_name = checked.original_name
        action.attachment_sha256 = checked.sha256
        action.attachment.save(checked.stored_name, ContentFile(checked.content), save=False)
    action.save()
    return action


# --- notifications ------------------------------------------------------------------------


def recipients_for(alert: Alert) -> list[Any]:
    """The responsible person (or the open step's assignee) and the heads of the responsible department."""
    from yiwang.accounts.models import User

    ids: set[int] = set()
    if alert.responsible_user_id:
        ids.add(alert.responsible_user_id)
    elif alert.case_id:
        ids.update(CaseStep.objects.filter(case_id=alert.case_id, status__in=(StepStatus.READY, StepStatus.CLAIMED),
                                           assignee__isnull=False).values_list("assignee_id", flat=True))
    if alert.department_id:
        ids.update(Position.objects.filter(role=Role.DEPARTMENT_HEAD, department_id=alert.department_id,
                                           is_active=True).values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def alerts_notify(*, alert_ids: Iterable[int], chunk: int = 500) -> int:
    """raised → notified: SMS and inbox to the responsible person and their head, once per raising.

    The dedupe key carries the raising time, so a re-run never sends twice; a re-opened alert
    (its condition came back) is notified again.
    """
    from yiwang.notify.services import notify_person

    ids = list(alert_ids)
    sent = 0
    for start in range(0, len(ids), chunk):
        batch = ids[start:start + chunk]
        with transaction.atomic():
            alerts = (Alert.objects.select_for_update(of=("self",)).filter(pk__in=batch, status=AlertStatus.RAISED)
                      .select_related("rule", "case"))
            for alert in alerts:
                context = {"level": alert.get_level_display(), "rule": alert.rule.name, "message": alert.message,
                           "case_number": alert.case.number if alert.case else "", "alert_id": alert.pk}
                key = f"alert:{alert.pk}:{int(alert.raised_at.timestamp())}"
                for user in recipients_for(alert):
                    try:
                        notify_person(user=user, template=ALERT_TEMPLATE, context=context, dedupe_key=key)
                    except InvalidInput:  # template switched off: still mark notified
                        logger.warning("alert template missing")
                alert.status = AlertStatus.NOTIFIED
                alert.save(update_fields=["status", "updated_at"])
                _action(alert, ActionKind.NOTIFY, text="")
                audit_record(action="supervision.alert_notify", obj=alert, after=_dict(alert))
                sent += 1
    return sent


# --- lifecycle ----------------------------------------------------------------------------


def _respond(*, alert: Alert, kind: str, status: str, text: str, attachment: Any, actor: Any,
             position: Position | None) -> Alert:
    text = _text(text, required=True)
    with transaction.atomic():
        locked = _lock(alert, position, Perm.ALERT_CORRECT)
        if locked.status not in (AlertStatus.RAISED, AlertStatus.NOTIFIED, AlertStatus.EXPLAINED,
                                 AlertStatus.CORRECTED, AlertStatus.ESCALATED):
            raise Conflict(_("该预警当前状态不能说明或纠错"), code="alert_state", details={"status": locked.status})
        before = _dict(locked)
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        action = _action(locked, kind, text=text, actor=actor, position=position, attachment=attachment)
        audit_record(action=f"supervision.alert_{kind}", actor=actor, position=position, obj=locked, before=before,
                     after={**_dict(locked), "text": text, "attachment_sha256": action.attachment_sha256})
    return locked


def alert_explain(*, alert: Alert, text: str, actor: Any, position: Position | None,
                  attachment: Any = None) -> Alert:
    """情况说明 by the responsible department."""
    return _respond(alert=alert, kind=ActionKind.EXPLAIN, status=AlertStatus.EXPLAINED, text=text,
                    attachment=attachment, actor=actor, position=position)


def alert_correct(*, alert: Alert, text: str, actor: Any, position: Position | None,
                  attachment: Any = None) -> Alert:
    """纠错: the department reports what it corrected, with evidence."""
    return _respond(alert=alert, kind=ActionKind.CORRECT, status=AlertStatus.CORRECTED, text=text,
                    attachment=attachment, actor=actor, position=position)


def alert_verify(*, alert: Alert, text: str, actor: Any, position: Position | None) -> Alert:
    """核实: a supervisor accepts the explanation or correction."""
    text = _text(text, required=False)
    with transaction.atomic():
        locked = _lock(alert, position, Perm.ALERT_VERIFY)
        if locked.status not in (AlertStatus.EXPLAINED, AlertStatus.CORRECTED):
            raise Conflict(_("部门尚未说明或纠错，不能核实"), code="alert_state", details={"status": locked.status})
        before = _dict(locked)
        locked.status = AlertStatus.VERIFIED
        locked.save(update_fields=["status", "updated_at"])
        _action(locked, ActionKind.VERIFY, text=text, actor=actor, position=position)
        audit_record(action="supervision.alert_verify", actor=actor, position=position, obj=locked, before=before,
                     after={**_dict(locked), "text": text})
    return locked


def recommendation_pdf(alert: Alert, *, text: str, actor: Any) -> bytes:
    """监察建议书 / 督办通知 as a PDF (core.pdf)."""
    from yiwang.core.pdf import base_document, paragraph

    buffer = io.BytesIO()
    doc = base_document(buffer, _("电子监察建议书"))
    department = alert.department.name if alert.department else ""
    case_number = alert.case.number if alert.case and alert.case.number else ""
    doc.build([
        paragraph(_("电子监察建议书"), "title"),
        paragraph(_("{department}：").format(department=department)),
        paragraph(_("经电子监察系统监测，{case}存在以下问题：{message}（{rule}）。").format(
            case=(_("办件 {number} ").format(number=case_number) if case_number else ""), message=alert.message,
            rule=alert.rule.name)),
        paragraph(_("督办意见：{text}").format(text=text)),
        paragraph(_("请于收到本建议书后按要求整改，并将整改情况书面反馈。")),
        paragraph(_("监察人员：{name}　日期：{date}").format(name=getattr(actor, "display_name", str(actor)),
                                                       date=timezone.localdate().isoformat()), "small"),
    ])
    return buffer.getvalue()


def alert_escalate(*, alert: Alert, text: str, actor: Any, position: Position | None) -> Alert:
    """督办: issue a 监察建议书 (PDF) and raise a recommendation-level alert on the same object."""
    text = _text(text, required=True)
    with transaction.atomic():
        locked = _lock(alert, position, Perm.ALERT_VERIFY)
        if locked.status in (AlertStatus.CLOSED, AlertStatus.AUTO_RESOLVED):
            raise Conflict(_("预警已关闭，不能督办"), code="alert_state", details={"status": locked.status})
        if locked.level == AlertLevel.RECOMMENDATION:
            raise Conflict(_("已是最高级别"), code="alert_max_level")
        before = _dict(locked)
        now = timezone.now()
        locked.status = AlertStatus.ESCALATED
        locked.save(update_fields=["status", "updated_at"])
        recommendation, created = Alert.objects.get_or_create(
            rule=locked.rule, content_type_id=locked.content_type_id, object_id=locked.object_id,
            level=AlertLevel.RECOMMENDATION,
            defaults={"case": locked.case, "item_id": locked.item_id, "department": locked.department,
                      "division": locked.division, "responsible_user_id": locked.responsible_user_id,
                      "message": locked.message, "raised_at": now, "status": AlertStatus.NOTIFIED,
                      "detail": {"escalated_from": locked.pk}},
        )
        if not created and recommendation.status in (AlertStatus.CLOSED, AlertStatus.AUTO_RESOLVED):
            recommendation.status = AlertStatus.NOTIFIED
            recommendation.raised_at = now
            recommendation.closed_at = None
            recommendation.save(update_fields=["status", "raised_at", "closed_at", "updated_at"])
        action = AlertAction(alert=locked, kind=ActionKind.ESCALATE, text=text, actor=actor, position=position, at=now)
        content = recommendation_pdf(locked, text=text, actor=actor)
        action.attachment_name = f"jcjys-{locked.pk}.pdf"
        import hashlib

        action.attachment_sha256 = hashlib.sha256(content).hexdigest()
        action.attachment.save(action.attachment_name, ContentFile(content), save=False)
        action.save()
        AlertAction.objects.create(alert=recommendation, kind=ActionKind.NOTIFY, text=text, actor=actor,
                                   position=position, at=now)
        audit_record(action="supervision.alert_escalate", actor=actor, position=position, obj=locked, before=before,
                     after={**_dict(locked), "text": text, "recommendation": recommendation.pk,
                            "pdf_sha256": action.attachment_sha256})
        users = recipients_for(locked)
        context = {"level": recommendation.get_level_display(), "rule": locked.rule.name, "message": locked.message,
                   "case_number": locked.case.number if locked.case else "", "alert_id": recommendation.pk,
                   "text": text}

        def send() -> None:
            from yiwang.notify.services import notify_person

            for user in users:
                notify_person(user=user, template=ESCALATION_TEMPLATE, context=context,
                              dedupe_key=f"alert-escalate:{recommendation.pk}:{int(now.timestamp())}")

        transaction.on_commit(send)
    return locked


def alert_close(*, alert: Alert, text: str, actor: Any, position: Position | None) -> Alert:
    """关闭. Supervisors (ALERT_VERIFY) close any alert in scope; a department (ALERT_CORRECT) only its own
    warning/yellow alerts after explaining or correcting them — never a red card. Closing twice is a no-op."""
    text = _text(text, required=False)
    supervisor = has_perm(position, Perm.ALERT_VERIFY)
    perm = Perm.ALERT_VERIFY if supervisor else Perm.ALERT_CORRECT
    with transaction.atomic():
        locked = _lock(alert, position, perm)
        if locked.status == AlertStatus.CLOSED:
            return locked
        if locked.status == AlertStatus.AUTO_RESOLVED:
            raise Conflict(_("预警已自动消除"), code="alert_state", details={"status": locked.status})
        if not supervisor:
            if LEVEL_RANK.get(locked.level, 0) >= LEVEL_RANK[AlertLevel.RED]:
                raise PermissionDenied(_("红牌预警须由监察人员核实后关闭，责任部门不能自行关闭"),
                                       details={"level": locked.level})
            if locked.status not in (AlertStatus.EXPLAINED, AlertStatus.CORRECTED):
                raise Conflict(_("请先提交情况说明或纠错材料"), code="alert_state")
        elif locked.level in (AlertLevel.RED, AlertLevel.RECOMMENDATION) and locked.status not in (
                AlertStatus.VERIFIED, AlertStatus.CORRECTED, AlertStatus.EXPLAINED, AlertStatus.ESCALATED):
            raise Conflict(_("红牌预警须经部门说明或纠错并核实后关闭"), code="alert_state",
                           details={"status": locked.status})
        before = _dict(locked)
        now = timezone.now()
        locked.status = AlertStatus.CLOSED
        locked.closed_at = now
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        _action(locked, ActionKind.CLOSE, text=text, actor=actor, position=position, at=now)
        audit_record(action="supervision.alert_close", actor=actor, position=position, obj=locked, before=before,
                     after={**_dict(locked), "text": text})
    return locked


ACTIONS = {
    "explain": alert_explain,
    "correct": alert_correct,
    "verify": alert_verify,
    "escalate": alert_escalate,
    "close": alert_close,
}


def alert_act(*, alert: Alert, kind: str, text: str, actor: Any, position: Position | None,
              attachment: Any = None) -> Alert:
    """Dispatch one lifecycle action by name (views and API)."""
    service = ACTIONS.get(kind)
    if service is None:
        raise InvalidInput(_("未知的操作"), details={"field": "kind", "allowed": sorted(ACTIONS)})
    kwargs: dict[str, Any] = {"alert": alert, "text": text, "actor": actor, "position": position}
    if kind in ("explain", "correct"):
        kwargs["attachment"] = attachment
    return service(**kwargs)


# --- rule administration ------------------------------------------------------------------


def _clean_params(params: Any) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise InvalidInput(_("参数格式不正确"), details={"field": "params"})
    out: dict[str, Any] = {}
    for key, value in params.items():
        if not isinstance(key, str) or len(key) > 50:
            raise InvalidInput(_("参数格式不正确"), details={"field": "params"})
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value > 365:
            raise InvalidInput(_("参数须为0至365之间的数字"), details={"field": f"params.{key}"})
        out[key] = int(value) if float(value).is_integer() else value
    return out


def rule_update(*, rule: Rule, actor: Any, position: Position | None, is_active: bool | None = None,
                params: dict[str, Any] | None = None) -> Rule:
    if not has_perm(position, Perm.RULE_MANAGE):
        raise PermissionDenied(_("当前岗位无权维护监察规则"), details={"required_permission": Perm.RULE_MANAGE})
    cleaned = _clean_params(params) if params is not None else None
    with transaction.atomic():
        locked = Rule.objects.select_for_update().get(pk=rule.pk)
        before = {"is_active": locked.is_active, "params": locked.params}
        if is_active is not None:
            locked.is_active = bool(is_active)
        if cleaned is not None:
            locked.params = {**(locked.params or {}), **cleaned}
        locked.save()
        audit_record(action="supervision.rule_update", actor=actor, position=position, obj=locked, before=before,
                     after={"is_active": locked.is_active, "params": locked.params})
    return locked


def rule_override_set(*, rule: Rule, actor: Any, position: Position | None, item: Any = None,
                      department: Any = None, level: str = "", is_active: bool = True,
                      params: dict[str, Any] | None = None) -> RuleOverride:
    if not has_perm(position, Perm.RULE_MANAGE):
        raise PermissionDenied(_("当前岗位无权维护监察规则"), details={"required_permission": Perm.RULE_MANAGE})
    if item is None and department is None and not level:
        raise InvalidInput(_("请至少指定事项、部门或级别之一"), details={"field": "scope"})
    if level and level not in AlertLevel.values:
        raise InvalidInput(_("预警级别不正确"), details={"field": "level"})
    cleaned = _clean_params(params)
    with transaction.atomic():
        override, _created = RuleOverride.objects.update_or_create(
            rule=rule, item=item, department=department, level=level or "",
            defaults={"is_active": bool(is_active), "params": cleaned})
        audit_record(action="supervision.rule_override_set", actor=actor, position=position, obj=override,
                     after={"rule": rule.code, "item": getattr(item, "pk", None),
                            "department": getattr(department, "pk", None), "level": level,
                            "is_active": override.is_active, "params": cleaned})
    return override


def rule_override_delete(*, override: RuleOverride, actor: Any, position: Position | None) -> None:
    if not has_perm(position, Perm.RULE_MANAGE):
        raise PermissionDenied(_("当前岗位无权维护监察规则"), details={"required_permission": Perm.RULE_MANAGE})
    with transaction.atomic():
        audit_record(action="supervision.rule_override_delete", actor=actor, position=position, obj=override,
                     before={"rule": override.rule.code, "params": override.params, "is_active": override.is_active})
        override.delete()


# --- risk points (风险点) -------------------------------------------------------------------


def step_risk_level(step: CaseStep) -> int | None:
    levels = [step.risk_level] if step.risk_level else []
    levels += list(RiskPoint.objects.filter(is_active=True, spec_name=step.spec_name)
                   .filter(item__isnull=True).values_list("level", flat=True))
    levels += list(RiskPoint.objects.filter(is_active=True, spec_name=step.spec_name, item_id=step.case.item_id)
                   .values_list("level", flat=True))
    return min(levels) if levels else None


def risk_confirm(*, step: CaseStep, actor: Any, position: Position | None, note: str = "") -> RiskConfirmation:
    """双人复核 of a step at a level 1–2 risk point, by a second person of the step's department."""
    from yiwang.cases.handling.inbox import step_in_scope

    note = _text(note, required=False, field="note")
    if not (has_perm(position, Perm.CASE_HANDLE) or has_perm(position, Perm.CASE_DECIDE)):
        raise PermissionDenied(_("当前岗位无权复核办理环节"), details={"required_permission": Perm.CASE_HANDLE})
    assert position is not None
    level = step_risk_level(step)
    if level is None or level > 2:
        raise Conflict(_("该环节不是一、二级风险点，无需复核"), code="not_risk_step")
    in_scope = step_in_scope(step, position) or (
        step.division.path.startswith(position.division.path)
        and (step.department_id is None or step.department_id == position.department_id))
    if not in_scope:
        raise NotFound(_("办理环节不存在或不在您的权限范围内"))
    if actor.pk in {step.completed_by_id, step.assignee_id}:
        raise PermissionDenied(_("复核须由办理人以外的第二人进行"), code="same_person")
    if step.status not in (StepStatus.CLAIMED, StepStatus.COMPLETED):
        raise Conflict(_("环节尚未办理，不能复核"), code="step_state")
    with transaction.atomic():
        confirmation, created = RiskConfirmation.objects.get_or_create(
            step=step, defaults={"confirmed_by": actor, "position": position, "note": note, "at": timezone.now()})
        if created:
            audit_record(action="supervision.risk_confirm", actor=actor, position=position, obj=step,
                         after={"step": step.pk, "level": level, "note": note})
    return confirmation
