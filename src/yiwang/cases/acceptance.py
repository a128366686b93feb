"""Acceptance (受理), 行政许可法 Art. 32, by a clerk with ``CASE_ACCEPT`` in scope.

The five outcomes: :func:`case_accept` (受理通知书), :func:`case_reject` (不予受理决定书; the
competent agency when the matter is outside our competence), :func:`case_correct_on_spot`
(当场更正), :func:`case_request_supplement` (补正材料通知书: one notice listing **every** missing or
defective material; it pauses the acceptance clock; a second one needs a supervisor's override and
is flagged), and :func:`case_not_licensing` (不属于许可事项, told at once).

Without any of these within 5 working days of the day the materials arrived, the case is deemed
accepted from that day (:func:`cases_deem_accepted`, run daily by ``cases.tasks``). A timely
supplement notice answers the application: there is no deemed acceptance after it. When the last
supplemented material arrives, the old acceptance clock stops and a new one (5 working days,
``CASE_SUPPLEMENT_ACCEPTANCE_DAYS``) runs from that day, which becomes the materials-received day.

Clocks: the acceptance clock (purpose ``acceptance``, 5 working days) stops on any outcome. On
acceptance two clocks start: ``handling`` (the promised limit, 承诺时限 — the main clock that the
handling app suspends and extends) and ``statutory`` (the statutory limit, 法定时限, for supervision).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.calendar import selectors as clock_selectors
from yiwang.calendar import services as clock_services
from yiwang.calendar.models import Clock, ClockSuspension
from yiwang.cases import uploads
from yiwang.cases.application import check_files, missing_materials, store_material
from yiwang.cases.deadlines import (
    ACCEPTANCE_PURPOSE,
    HANDLING_PURPOSE,
    STATUTORY_PURPOSE,
    local_date,
    now_or,
    start_of,
)
from yiwang.cases.models import (
    Case,
    CaseMaterial,
    CaseStatus,
    CaseStep,
    NoticeKind,
    StepStatus,
    SupplementNotice,
)
from yiwang.cases.notices import notice_issue
from yiwang.cases.notifications import notify_status
from yiwang.cases.scope import acceptance_q
from yiwang.cases.timeline import event_add
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.org.models import Position
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm

logger = logging.getLogger(__name__)

AUTO_STEP_KINDS = ("agent_collect", "accept")
RIGHTS_TEXT = ("如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
               "或者在六个月内依法向人民法院提起行政诉讼。")
MAX_REASON = 2000


# --- helpers ------------------------------------------------------------------------------------

def _lock_in_scope(case: Case, position: Position | None, *, perm: str = Perm.CASE_ACCEPT) -> Case:
    if position is None or not has_perm(position, perm):
        raise PermissionDenied(_("当前岗位无权受理办件"), details={"permission": perm})
    locked = (Case.objects.select_for_update().filter(pk=case.pk).filter(acceptance_q(position)).first())
    if locked is None:
        raise PermissionDenied(_("该办件不在本岗位受理范围内"), code="out_of_scope")
    return Case.objects.select_related("version", "division", "department", "item").get(pk=locked.pk)


def _require_status(case: Case, *allowed: str) -> None:
    if case.status not in allowed:
        raise Conflict(_("办件当前状态不能执行此操作：%(status)s") % {"status": case.get_status_display()},
                       code="case_status", details={"status": case.status})


def _reason(value: str, field: str = "reason") -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_("请填写理由"), details={"fields": {field: _("此项必填")}})
    if len(text) > MAX_REASON:
        raise InvalidInput(_("内容过长"), details={"fields": {field: f"max {MAX_REASON}"}})
    return text


def acceptance_clock(case: Case) -> Clock | None:
    return clock_selectors.clock_for_object(case, purpose=ACCEPTANCE_PURPOSE)


def _stop_acceptance_clock(case: Case, *, actor: Any, position: Any, moment: datetime) -> None:
    clock = acceptance_clock(case)
    if clock is not None and clock.stopped_at is None:
        clock_services.clock_stop(clock=clock, actor=actor, position=position, at=moment)


def _start_handling_clocks(case: Case, *, start: date, actor: Any, position: Any) -> None:
    version = case.version
    clock_services.clock_start(obj=case, start=start, budget=max(version.promised_limit, 1),
                               unit=version.promised_unit, position=position, actor=actor,
                               purpose=HANDLING_PURPOSE, today=start)
    clock_services.clock_start(obj=case, start=start, budget=max(version.statutory_limit, 1),
                               unit=version.statutory_unit, position=position, actor=actor,
                               purpose=STATUTORY_PURPOSE, today=start)


def _steps_sync(case: Case, ready: list[Any], *, actor: Any, position: Any, today: date) -> None:
    from yiwang.cases.handling.steps import steps_sync

    steps_sync(case=case, ready=ready, actor=actor, position=position, today=today)


def _start_workflow(case: Case, *, actor: Any, position: Any, moment: datetime) -> None:
    """Start the process; the steps done by acceptance itself (村级代办 collection, 受理) are completed
    at once and recorded; the next ready tasks become :class:`CaseStep` rows (``handling.steps.steps_sync``)."""
    process = case.version.process
    if process is None:
        return
    from yiwang.workflow import engine

    data = {"case_number": case.number, "channel": case.channel, "handling_level": case.handling_level}
    state, ready = engine.start(process, data)
    sequence = (CaseStep.objects.filter(case=case).order_by("-sequence").values_list("sequence", flat=True)
                .first() or 0)
    for _round in range(20):
        todo = next((s for s in ready if s.step_kind in AUTO_STEP_KINDS), None)
        if todo is None:
            break
        state, ready, _finished = engine.complete(process, state, todo.task_id, {"accepted": True})
        sequence += 1
        agent = todo.step_kind == "agent_collect"
        done_by = case.filed_by if agent and case.filed_by_id else actor
        done_position = case.filed_by_position if agent and case.filed_by_position_id else position
        division = (case.filed_by_position.division if agent and case.filed_by_position is not None
                    else case.division)
        auto_step = CaseStep.objects.create(
            case=case, task_id=todo.task_id, spec_name=todo.spec_name, name=todo.name[:100],
            step_kind=todo.step_kind, role=todo.role,
            department=None if agent else _acceptance_department(case, todo, division, position),
            division=division, status=StepStatus.COMPLETED, sequence=sequence, step_days=todo.step_days,
            risk_level=todo.risk_level, outcome="accepted", assignee=done_by if getattr(done_by, "pk", None) else None,
            assignee_position=done_position, claimed_at=moment, completed_at=moment,
            completed_by=done_by if getattr(done_by, "pk", None) else None, completed_by_position=done_position,
            opinion=str(_("视为受理")) if actor is None and not agent else "",
        )
        # Completed by acceptance itself, the step still gets its own record (who, as whom, when).
        audit_record(action="case.step.auto_complete", actor=done_by if getattr(done_by, "pk", None) else None,
                     position=done_position, obj=auto_step,
                     after={"case": case.pk, "step_kind": todo.step_kind, "name": auto_step.name,
                            "outcome": "accepted", "deemed": actor is None and not agent})
    case.workflow_state = state
    case.save(update_fields=["workflow_state", "updated_at"])
    _steps_sync(case, ready, actor=actor, position=position, today=local_date(moment))


def _acceptance_department(case: Case, todo: Any, division: Any, position: Position | None) -> Any:
    """The acceptance step is the accepting clerk's (一窗受理); deemed acceptance, the window's."""
    from yiwang.workflow.assignment import step_department

    return step_department(role=todo.role, code=todo.department, division=division, case_division=case.division,
                           case_department=case.department, item_department=case.version.department,
                           acting_position=position)


def _snapshot(case: Case) -> dict[str, Any]:
    return {"status": case.status, "accepted_at": case.accepted_at, "deemed_accepted": case.deemed_accepted,
            "outcome_note": case.outcome_note, "competent_agency": case.competent_agency}


# --- the five outcomes ----------------------------------------------------------------------------

def case_accept(*, case: Case, actor: Any, position: Position | None, note: str = "",
                promise: dict[str, Any] | None = None, now: datetime | None = None) -> Case:
    """受理: issue the 受理通知书, start the handling clocks and the workflow.

    Every demanded material (required, not 免提交) must be in; otherwise acceptance is refused
    (``materials_missing``: issue a supplement notice), unless the item allows 容缺受理 for all of
    them and ``promise`` carries the applicant's written promise (``text``, ``promised_by``): see
    :mod:`yiwang.cases.deferral`."""
    from yiwang.cases import deferral

    moment = now_or(now)
    with transaction.atomic():
        locked = _lock_in_scope(case, position)
        _require_status(locked, CaseStatus.SUBMITTED)
        gap, checked_promise = deferral.check_promise(locked, promise)
        before = _snapshot(locked)
        today = local_date(moment)
        locked.status = CaseStatus.IN_PROGRESS
        locked.accepted_at = moment
        locked.outcome_note = (note or "").strip()[:MAX_REASON]
        locked.lock_version += 1
        locked.save()
        _stop_acceptance_clock(locked, actor=actor, position=position, moment=moment)
        _start_handling_clocks(locked, start=today, actor=actor, position=position)
        handling = clock_selectors.clock_for_object(locked, purpose=HANDLING_PURPOSE)
        deferred = (deferral.deferrals_record(case=locked, gap=gap, promise=checked_promise, actor=actor,
                                              position=position, moment=moment) if checked_promise else [])
        notice_issue(case=locked, kind=NoticeKind.ACCEPT, actor=actor, moment=moment, context={
            "deferred": [{"name": d.name, "due_date": d.due_date.isoformat()} for d in deferred],
            "accepted_on": today.isoformat(), "promised_limit": locked.version.promised_limit,
            "promised_unit": locked.version.get_promised_unit_display(),
            "statutory_limit": locked.version.statutory_limit,
            "due_date": handling.due_date.isoformat() if handling else "", "fee_due": str(locked.fee_due),
            "note": locked.outcome_note,
        })
        _start_workflow(locked, actor=actor, position=position, moment=moment)
        event_add(locked, "accepted", _("已受理"), _("已出具受理通知书"), actor=actor, at=moment)
        audit_record(action="case.accept", actor=actor, position=position, obj=locked, before=before,
                     after=_snapshot(locked))
        notify_status(locked)
    return locked


def case_reject(*, case: Case, actor: Any, position: Position | None, reason: str,
                outside_competence: bool = False, competent_agency: str = "", now: datetime | None = None) -> Case:
    """不予受理 with the reason; outside our competence, the competent agency must be named."""
    text = _reason(reason)
    agency = (competent_agency or "").strip()
    if outside_competence and not agency:
        raise InvalidInput(_("不属于本机关职权范围的，应告知有权机关"),
                           details={"fields": {"competent_agency": _("此项必填")}})
    if len(agency) > 200:
        raise InvalidInput(_("内容过长"), details={"fields": {"competent_agency": "max 200"}})
    moment = now_or(now)
    with transaction.atomic():
        locked = _lock_in_scope(case, position)
        _require_status(locked, CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT)
        before = _snapshot(locked)
        locked.status = CaseStatus.REJECTED
        locked.outcome_note = text
        locked.competent_agency = agency
        locked.completed_at = moment
        locked.lock_version += 1
        locked.save()
        SupplementNotice.objects.filter(case=locked, resolved_at__isnull=True).update(resolved_at=moment)
        _stop_acceptance_clock(locked, actor=actor, position=position, moment=moment)
        notice_issue(case=locked, kind=NoticeKind.REJECT, actor=actor, moment=moment, context={
            "reason": text, "competent_agency": agency, "outside_competence": bool(outside_competence),
            "rights": RIGHTS_TEXT,
        })
        detail = text + (("；" + _("请向%(agency)s申请") % {"agency": agency}) if agency else "")
        event_add(locked, "rejected", _("不予受理"), detail, actor=actor, at=moment)
        audit_record(action="case.reject", actor=actor, position=position, obj=locked, before=before,
                     after=_snapshot(locked))
        notify_status(locked, note=text)
    return locked


def case_not_licensing(*, case: Case, actor: Any, position: Position | None, reason: str,
                       competent_agency: str = "", now: datetime | None = None) -> Case:
    """The matter needs no licence (依法不需要取得行政许可): told at once, not accepted."""
    text = _reason(reason)
    moment = now_or(now)
    with transaction.atomic():
        locked = _lock_in_scope(case, position)
        _require_status(locked, CaseStatus.SUBMITTED)
        before = _snapshot(locked)
        locked.status = CaseStatus.NOT_LICENSING
        locked.outcome_note = text
        locked.competent_agency = (competent_agency or "").strip()[:200]
        locked.completed_at = moment
        locked.lock_version += 1
        locked.save()
        _stop_acceptance_clock(locked, actor=actor, position=position, moment=moment)
        notice_issue(case=locked, kind=NoticeKind.NOT_LICENSING, actor=actor, moment=moment,
                     context={"reason": text, "competent_agency": locked.competent_agency})
        event_add(locked, "not_licensing", _("不属于行政许可事项，不予受理"), text, actor=actor, at=moment)
        audit_record(action="case.not_licensing", actor=actor, position=position, obj=locked, before=before,
                     after=_snapshot(locked))
        notify_status(locked, note=text)
    return locked


CORRECTABLE_APPLICANT_FIELDS = ("name", "phone", "id_number", "credit_code")
CORRECTABLE_FORM_FIELDS = ("address", "note", "delivery", "contact_phone", "legal_representative")


def case_correct_on_spot(*, case: Case, actor: Any, position: Position | None, corrections: dict[str, Any],
                         note: str = "", files: dict[Any, Any] | None = None, now: datetime | None = None) -> Case:
    """当场更正: the applicant corrects obvious errors at the window; the case stays submitted.

    ``corrections`` maps form fields (address, note, …) or applicant fields (``applicant.name``,
    ``applicant.phone`` …) to corrected values; ``files`` replaces materials. Each correction is
    recorded (field, old and new value — personal data masked) in ``form_data["corrections"]``.
    """
    from yiwang.cases.application import _apply_applicant, _clean_applicant, _clean_form
    from yiwang.cases.personal_data import applicant_id_number, applicant_phone

    corrections = {k: v for k, v in (corrections or {}).items() if v not in (None, "")}
    checked = check_files(case, files)
    if not corrections and not checked:
        raise InvalidInput(_("请填写更正内容或上传更正后的材料"))
    unknown = [k for k in corrections if k not in CORRECTABLE_FORM_FIELDS
               and k.removeprefix("applicant.") not in CORRECTABLE_APPLICANT_FIELDS]
    if unknown:
        raise InvalidInput(_("不能更正这些字段"), details={"fields": dict.fromkeys(unknown, _("不可更正"))})
    moment = now_or(now)
    with transaction.atomic():
        locked = _lock_in_scope(case, position)
        _require_status(locked, CaseStatus.SUBMITTED)
        records: list[dict[str, Any]] = []
        form_part = {k: v for k, v in corrections.items() if k in CORRECTABLE_FORM_FIELDS}
        if form_part:
            cleaned = _clean_form(form_part)
            for key, value in cleaned.items():
                records.append({"field": key, "old": locked.form_data.get(key, ""), "new": value})
            locked.form_data = {**locked.form_data, **cleaned}
        applicant_part = {k.removeprefix("applicant."): v for k, v in corrections.items() if k.startswith("applicant.")}
        if applicant_part:
            current = {"kind": locked.applicant_kind, "name": locked.applicant_name,
                       "id_number": applicant_id_number(locked), "phone": applicant_phone(locked),
                       "credit_code": locked.applicant_credit_code}
            info = _clean_applicant({**current, **applicant_part})
            masked_before = {"name": locked.applicant_name, "phone": locked.applicant_phone_masked,
                             "id_number": locked.applicant_id_masked, "credit_code": locked.applicant_credit_code}
            _apply_applicant(locked, info)
            masked_after = {"name": locked.applicant_name, "phone": locked.applicant_phone_masked,
                            "id_number": locked.applicant_id_masked, "credit_code": locked.applicant_credit_code}
            for key in applicant_part:
                records.append({"field": f"applicant.{key}", "old": masked_before[key], "new": masked_after[key]})
        for material, upload in checked:
            row = store_material(case=locked, material=material, checked=upload, actor=actor)
            records.append({"field": f"material.{material.pk}", "old": "", "new": row.sha256,
                            "name": material.name})
        stamp = {"at": moment.isoformat(), "by": getattr(actor, "username", ""), "note": (note or "")[:500]}
        locked.form_data["corrections"] = [*locked.form_data.get("corrections", []),
                                           *({**r, **stamp} for r in records)]
        locked.lock_version += 1
        locked.save()
        event_add(locked, "corrected", _("申请人当场更正申请材料"),
                  "、".join(str(r.get("name") or r["field"]) for r in records), actor=actor, at=moment)
        audit_record(action="case.correct_on_spot", actor=actor, position=position, obj=locked,
                     after={"corrections": records, "note": note})
    return locked


def _clean_items(case: Case, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Normalise supplement items; **every** missing required material must be listed (一次性告知)."""
    if not items:
        raise InvalidInput(_("请列明需要补正的全部材料"), details={"fields": {"items": _("此项必填")}})
    materials = {m.pk: m for m in case.version.materials.all()}
    cleaned: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    seen: set[Any] = set()
    for index, raw in enumerate(items):
        material_id = raw.get("material_id")
        material = materials.get(int(str(material_id))) if str(material_id or "").isdigit() else None
        if material_id not in (None, "") and material is None:
            errors[f"items.{index}"] = _("材料不存在")
            continue
        name = material.name if material is not None else str(raw.get("name") or "").strip()[:200]
        problem = str(raw.get("problem") or "").strip()[:500]
        if not name:
            errors[f"items.{index}"] = _("请填写材料名称")
            continue
        if not problem:
            problem = str(_("缺少该材料"))
        ident = material.pk if material is not None else name
        if ident in seen:
            continue
        seen.add(ident)
        cleaned.append({"key": str(len(cleaned) + 1), "material_id": material.pk if material else None,
                        "name": name, "problem": problem})
    listed = {c["material_id"] for c in cleaned if c["material_id"]}
    omitted = [m for m in missing_materials(case) if m.pk not in listed]
    if omitted:
        errors["items"] = _("补正通知必须一次性列明全部缺少的材料，尚未列入：%(names)s") % {
            "names": "、".join(m.name for m in omitted)}
    if errors:
        raise InvalidInput(_("补正材料清单有误"), code="supplement_incomplete",
                           details={"fields": errors, "omitted": [m.pk for m in omitted]})
    return cleaned


def _lock_for_supervisor(case: Case, position: Position) -> Case:
    locked = (Case.objects.select_for_update()
              .filter(pk=case.pk, division__path__startswith=position.division.path).first())
    if locked is None:
        raise PermissionDenied(_("该办件不在本岗位监督范围内"), code="out_of_scope")
    return Case.objects.select_related("version", "division", "department", "item").get(pk=locked.pk)


def _is_supervisor_of(position: Position | None, case: Case) -> bool:
    return (position is not None and has_perm(position, Perm.SUPPLEMENT_OVERRIDE)
            and case.division.path.startswith(position.division.path))


def case_request_supplement(
    *, case: Case, actor: Any, position: Position | None, items: list[dict[str, Any]],
    override_by: Position | None = None, override_reason: str = "", now: datetime | None = None,
) -> SupplementNotice:
    """补正材料通知书 listing every missing or defective material (``items``: material_id and/or name,
    problem), issued by the accepting window. Pauses the acceptance clock.

    A second notice on the same case breaks the one-time rule and needs an override, and **an
    override is given by the person who overrides**: nobody can name someone else as approver
    (``override_by`` is refused). The clerk files :func:`supplement_override_request`; the notice is
    issued only when a supervisor approves it in their own session (:func:`supplement_override_decide`),
    and it is flagged for supervision."""
    moment = now_or(now)
    with transaction.atomic():
        locked = _lock_in_scope(case, position)
        _require_status(locked, CaseStatus.SUBMITTED)
        previous = SupplementNotice.objects.filter(case=locked).count()
        if previous:
            code = "supplement_override_required" if override_by is None else "override_not_self"
            raise PermissionDenied(_("补正材料应一次性告知；再次补正须由监督人员本人批准，请提交批准申请"),
                                   code=code)
        clock = acceptance_clock(locked)
        if clock is not None and clock.stopped_at is None and clock.due_date < local_date(moment):
            # Art. 32: the notice is due within 5 days; once missed, the case counts as accepted.
            raise Conflict(_("已超过告知补正的期限（%(due)s），依法自收到材料之日起视为受理") % {
                "due": clock.due_date.isoformat()}, code="supplement_too_late",
                details={"due_date": clock.due_date.isoformat()})
        cleaned = _clean_items(locked, items)
        return _issue_supplement(locked, cleaned, actor=actor, position=position, moment=moment,
                                 override_user=None, override_reason="", previous=0)


def _issue_supplement(locked: Case, cleaned: list[dict[str, Any]], *, actor: Any, position: Position | None,
                      moment: datetime, override_user: Any, override_reason: str, previous: int,
                      approved_by_position: Position | None = None) -> SupplementNotice:
    """Issue the notice on a locked, submitted case (inside the caller's transaction)."""
    notice = SupplementNotice.objects.create(
        case=locked, sequence=previous + 1, items=cleaned, issued_by=actor, issued_by_position=position,
        issued_at=moment, override_by=override_user, override_reason=override_reason, flagged=bool(previous),
    )
    clock = acceptance_clock(locked)
    if clock is not None and clock.stopped_at is None and not clock.suspensions.filter(end__isnull=True).exists():
        clock_services.clock_suspend(clock=clock, kind="supplement", reason=str(_("补正材料")),
                                     start=local_date(moment), actor=actor, position=position, at=moment,
                                     today=local_date(moment))
    locked.status = CaseStatus.SUPPLEMENT
    locked.lock_version += 1
    locked.save()
    notice_issue(case=locked, kind=NoticeKind.SUPPLEMENT, actor=actor, moment=moment, context={
        "items": cleaned, "sequence": notice.sequence, "flagged": notice.flagged, "supplement_notice": notice.pk,
    })
    event_add(locked, "supplement", _("需补正材料"),
              "；".join(f"{i['name']}：{i['problem']}" for i in cleaned), actor=actor, at=moment)
    audit_record(action="case.supplement.request", actor=actor, position=position, obj=locked,
                 before={"status": CaseStatus.SUBMITTED, "notices": previous},
                 after={"status": locked.status, "notice": notice.pk, "sequence": notice.sequence,
                        "items": cleaned, "flagged": notice.flagged,
                        "override_by": getattr(override_user, "pk", None),
                        "override_position": getattr(approved_by_position, "pk", None),
                        "override_reason": override_reason})
    notify_status(locked, note="；".join(i["name"] for i in cleaned), key=f"case-{locked.pk}-supplement-{notice.pk}")
    return notice


def open_supplement(case: Case) -> SupplementNotice | None:
    return SupplementNotice.objects.filter(case=case, resolved_at__isnull=True).order_by("-sequence").first()


def supplement_outstanding(notice: SupplementNotice) -> list[dict[str, Any]]:
    provided = set(CaseMaterial.objects.filter(supplement_notice=notice, is_current=True)
                   .values_list("name", flat=True))
    provided_ids = set(CaseMaterial.objects.filter(supplement_notice=notice, is_current=True)
                       .values_list("material_id", flat=True))
    return [i for i in notice.items if not (i.get("material_id") in provided_ids if i.get("material_id")
                                             else i["name"] in provided)]


def supplement_acceptance_days() -> int:
    """Working days to decide on acceptance once the supplement is complete, counted afresh
    (common local practice: the same 5 days; configurable by ``CASE_SUPPLEMENT_ACCEPTANCE_DAYS``)."""
    return int(settings.CASE_SUPPLEMENT_ACCEPTANCE_DAYS)


def _restart_acceptance_clock(case: Case, *, received: date, moment: datetime) -> Clock:
    """The supplemented materials are complete: the old acceptance clock (paused since the notice)
    stops, and a new one runs from the day the last material arrived. The platform acts here, on the
    applicant's act, so no staff position is recorded on the clocks."""
    old = acceptance_clock(case)
    if old is not None and old.stopped_at is None:
        clock_services.clock_stop(clock=old, actor=None, position=None, at=moment)
    return clock_services.clock_start(obj=case, start=received, budget=supplement_acceptance_days(),
                                      unit="workdays", position=None, actor=None, purpose=ACCEPTANCE_PURPOSE,
                                      started_at=moment, today=received)


def _can_supplement(case: Case, actor: Any, position: Position | None) -> bool:
    pk = getattr(actor, "pk", None)
    if pk is not None and pk in (case.applicant_user_id, case.filed_by_id):
        return True
    return (position is not None and has_perm(position, Perm.CASE_ACCEPT)
            and Case.objects.filter(pk=case.pk).filter(acceptance_q(position)).exists())


def case_supplement_upload(*, case: Case, item_key: str, upload: Any, actor: Any, position: Position | None = None,
                           now: datetime | None = None) -> CaseMaterial:
    """Upload one item of the open supplement notice (applicant, filing agent/clerk, or accepting clerk).
    When every listed item is provided the notice is resolved, the clock resumes and the case is
    back to *submitted*."""
    moment = now_or(now)
    with transaction.atomic():
        locked = Case.objects.select_for_update().filter(pk=case.pk).first()
        if locked is None or not _can_supplement(locked, actor, position):
            raise NotFound(_("办件不存在"))
        _require_status(locked, CaseStatus.SUPPLEMENT)
        notice = open_supplement(locked)
        if notice is None:
            raise Conflict(_("没有待补正的通知"))
        item = next((i for i in notice.items if str(i.get("key")) == str(item_key)), None)
        if item is None:
            raise InvalidInput(_("补正项目不存在"), details={"fields": {"item": item_key}})
        material = locked.version.materials.filter(pk=item.get("material_id")).first() if item.get(
            "material_id") else None
        checked = uploads.check_upload(upload, material_name=item["name"])
        row = store_material(case=locked, material=material, checked=checked, actor=actor, notice=notice,
                             name=item["name"])
        audit_record(action="case.supplement.upload", actor=actor, position=position, obj=locked,
                     after={"notice": notice.pk, "item": item, "sha256": checked.sha256, "size": checked.size})
        event_add(locked, "supplement_upload", _("已上传补正材料：%(name)s") % {"name": item["name"]}, actor=actor,
                  at=moment)
        if not supplement_outstanding(notice):
            notice.resolved_at = moment
            notice.save(update_fields=["resolved_at"])
            received = local_date(moment)
            previous_received = locked.materials_received_on
            _restart_acceptance_clock(locked, received=received, moment=moment)
            locked.status = CaseStatus.SUBMITTED
            locked.materials_received_on = received
            locked.lock_version += 1
            locked.save()
            event_add(locked, "supplement_complete", _("补正材料已齐全，等待受理"),
                      _("材料收到日：%(day)s（自该日起重新计算受理期限）") % {"day": received.isoformat()},
                      actor=actor, at=moment)
            audit_record(action="case.supplement.resolve", actor=actor, position=position, obj=locked,
                         before={"status": CaseStatus.SUPPLEMENT, "materials_received_on": previous_received},
                         after={"status": locked.status, "notice": notice.pk, "materials_received_on": received})
            notify_status(locked, key=f"case-{locked.pk}-supplied-{notice.pk}")
    return row


# --- deemed acceptance ----------------------------------------------------------------------------

def deemed_candidates(*, today: date) -> list[int]:
    """Submitted cases whose running, unpaused acceptance clock fell due before ``today`` (one query)."""
    paused = ClockSuspension.objects.filter(end__isnull=True).values("clock_id")
    clocks = (Clock.objects.filter(content_type=ContentType.objects.get_for_model(Case), purpose=ACCEPTANCE_PURPOSE,
                                   stopped_at__isnull=True, due_date__lt=today)
              .exclude(pk__in=paused).values("object_id"))
    answered = SupplementNotice.objects.values("case_id")  # a supplement notice answered the application
    return list(Case.objects.filter(status=CaseStatus.SUBMITTED, deemed_accepted=False, pk__in=clocks)
                .exclude(pk__in=answered).order_by("pk").values_list("pk", flat=True))


def cases_deem_accepted(*, today: date | None = None) -> int:
    """行政许可法 Art. 32: a case with no notice within 5 working days of the day its materials arrived
    is accepted from that day (视为受理). Returns how many cases were marked."""
    today = today or timezone.localdate()
    marked = 0
    for pk in deemed_candidates(today=today):
        try:
            with transaction.atomic():
                locked = Case.objects.select_for_update().select_related("version", "division", "department").get(pk=pk)
                if (locked.status != CaseStatus.SUBMITTED or locked.materials_received_on is None
                        or SupplementNotice.objects.filter(case=locked).exists()):
                    continue
                received = locked.materials_received_on
                moment = start_of(received)
                before = _snapshot(locked)
                locked.status = CaseStatus.IN_PROGRESS
                locked.deemed_accepted = True
                locked.accepted_at = moment
                locked.lock_version += 1
                locked.save()
                _stop_acceptance_clock(locked, actor=None, position=None, moment=timezone.now())
                _start_handling_clocks(locked, start=received, actor=None, position=None)
                _start_workflow(locked, actor=None, position=None, moment=timezone.now())
                event_add(locked, "deemed_accepted", _("视为受理"),
                          _("受理机关未在五个工作日内作出受理决定，自材料收到之日（%(day)s）起视为受理") % {
                              "day": received.isoformat()})
                audit_record(action="case.deemed_accepted", obj=locked, before=before,
                             after={**_snapshot(locked), "materials_received_on": received, "today": today})
                notify_status(locked)
                marked += 1
        except Exception:  # noqa: BLE001 - one broken case must not stop the others
            logger.exception("deemed acceptance failed for case %s", pk)
    return marked
