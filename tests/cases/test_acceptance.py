"""Acceptance (行政许可法 Art. 32): the five outcomes, deemed acceptance and the one-time rule."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from tests.cases.factories import at, make_accepted_case, make_submitted_case, pdf_upload, position_of
from yiwang.calendar.selectors import clock_for_object
from yiwang.cases import selectors, services
from yiwang.cases.models import CaseNotice, CaseStatus, CaseStep, NoticeKind, StepStatus, SupplementNotice
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db

RECEIVED = date(2026, 9, 29)


def _pos(user):
    return position_of(user)


def test_accept_issues_notice_starts_clocks_and_workflow(item, applicant, clerk_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_submitted_case(version=item, applicant=applicant, received_on=RECEIVED)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_accept(case=case, actor=clerk_a, position=_pos(clerk_a), now=at(date(2026, 9, 30)))
    assert case.status == CaseStatus.IN_PROGRESS and case.accepted_at and not case.deemed_accepted
    assert clock_for_object(case, purpose="acceptance").stopped_at is not None
    handling = clock_for_object(case, purpose="handling")
    statutory = clock_for_object(case, purpose="statutory")
    assert handling.budget == 10 and statutory.budget == 20
    assert handling.start_date == date(2026, 9, 30)
    notice = CaseNotice.objects.get(case=case, kind=NoticeKind.ACCEPT)
    assert notice.number and notice.context["promised_limit"] == 10
    assert notice.file and len(notice.sha256) == 64  # signed PDF from licences.notices
    steps = list(CaseStep.objects.filter(case=case).order_by("sequence"))
    assert steps[0].step_kind == "accept" and steps[0].status == StepStatus.COMPLETED
    assert steps[0].completed_by == clerk_a
    assert [s.step_kind for s in steps if s.status == StepStatus.READY] == ["review"]
    assert case.workflow_state
    sms = Message.objects.filter(recipient=applicant, channel="sms", template="case.status_changed")
    assert sms.count() == 2  # submitted, accepted
    assert "办理中" in sms.order_by("created_at", "id").last().body


def test_accept_twice_conflicts(item, applicant, clerk_a):
    case = make_accepted_case(clerk=clerk_a, version=item, applicant=applicant)
    with pytest.raises(Conflict):
        services.case_accept(case=case, actor=clerk_a, position=_pos(clerk_a))


def test_reject_outside_competence_needs_competent_agency(item, applicant, clerk_a):
    case = make_submitted_case(version=item, applicant=applicant)
    with pytest.raises(InvalidInput) as exc:
        services.case_reject(case=case, actor=clerk_a, position=_pos(clerk_a), reason="不属于本机关职权",
                             outside_competence=True)
    assert "competent_agency" in exc.value.details["fields"]
    case = services.case_reject(case=case, actor=clerk_a, position=_pos(clerk_a), reason="不属于本机关职权",
                                outside_competence=True, competent_agency="莒南县市场监督管理局")
    assert case.status == CaseStatus.REJECTED and case.competent_agency == "莒南县市场监督管理局"
    notice = CaseNotice.objects.get(case=case, kind=NoticeKind.REJECT)
    assert notice.context["competent_agency"] == "莒南县市场监督管理局" and "行政复议" in notice.context["rights"]
    assert clock_for_object(case, purpose="acceptance").stopped_at is not None


def test_reject_needs_a_reason(item, applicant, clerk_a):
    case = make_submitted_case(version=item, applicant=applicant)
    with pytest.raises(InvalidInput):
        services.case_reject(case=case, actor=clerk_a, position=_pos(clerk_a), reason="  ")


def test_not_licensing_is_told_at_once(item, applicant, clerk_a):
    case = make_submitted_case(version=item, applicant=applicant)
    case = services.case_not_licensing(case=case, actor=clerk_a, position=_pos(clerk_a), reason="依法无需许可")
    assert case.status == CaseStatus.NOT_LICENSING
    assert CaseNotice.objects.filter(case=case, kind=NoticeKind.NOT_LICENSING).count() == 1


def test_correct_on_spot_records_changes_and_stays_submitted(item, applicant, clerk_a):
    case = make_submitted_case(version=item, applicant=applicant)
    material = item.materials.first()
    case = services.case_correct_on_spot(
        case=case, actor=clerk_a, position=_pos(clerk_a), note="地址笔误",
        corrections={"address": "东关村 2 号", "applicant.phone": "13800000009"},
        files={material.pk: pdf_upload("更正.pdf")})
    assert case.status == CaseStatus.SUBMITTED
    assert case.form_data["address"] == "东关村 2 号" and case.applicant_phone_masked == "138****0009"
    fields = [c["field"] for c in case.form_data["corrections"]]
    assert fields == ["address", "applicant.phone", f"material.{material.pk}"]
    assert case.materials.filter(material=material, is_current=True).count() == 1
    assert case.materials.filter(material=material).count() == 2
    with pytest.raises(InvalidInput):
        services.case_correct_on_spot(case=case, actor=clerk_a, position=_pos(clerk_a),
                                      corrections={"status": "granted"})


def _window_case(item, clerk_a, **kwargs):
    """Filed at the window for ``applicant`` (matched to their account by ID number); a window filing
    may lack materials, which the supplement notice then lists."""
    return make_submitted_case(version=item, channel="window", filer=clerk_a, received_on=RECEIVED,
                               applicant_info={"name": "王秀英", "id_number": "110101199003070011",
                                               "phone": "13800000000"}, **kwargs)


def test_supplement_lists_everything_pauses_clock_and_resumes(item, applicant, clerk_a):
    case = _window_case(item, clerk_a, upload=["营业执照"])
    assert case.applicant_user == applicant
    missing = item.materials.get(name="经营场所证明")
    licence = item.materials.get(name="营业执照")
    # Leaving out a missing required material breaks the one-time rule.
    with pytest.raises(InvalidInput) as exc:
        services.case_request_supplement(case=case, actor=clerk_a, position=_pos(clerk_a), now=at(date(2026, 9, 30)),
                                         items=[{"material_id": licence.pk, "problem": "复印件不清晰"}])
    assert exc.value.details["omitted"] == [missing.pk]
    notice = services.case_request_supplement(
        case=case, actor=clerk_a, position=_pos(clerk_a), now=at(date(2026, 9, 30)),
        items=[{"material_id": licence.pk, "problem": "复印件不清晰"}, {"material_id": missing.pk}])
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENT and notice.sequence == 1 and not notice.flagged
    assert [i["name"] for i in notice.items] == ["营业执照", "经营场所证明"]
    clock = clock_for_object(case, purpose="acceptance")
    assert clock.suspensions.get().kind == "supplement" and clock.status == "paused"
    assert CaseNotice.objects.filter(case=case, kind=NoticeKind.SUPPLEMENT).count() == 1
    # While paused the case is never deemed accepted.
    assert services.cases_deem_accepted(today=date(2026, 11, 30)) == 0
    services.case_supplement_upload(case=case, item_key="1", upload=pdf_upload("执照.pdf"), actor=applicant,
                                    now=at(date(2026, 10, 9)))
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENT  # one item still outstanding
    services.case_supplement_upload(case=case, item_key="2", upload=pdf_upload("场所.pdf"), actor=applicant,
                                    now=at(date(2026, 10, 9)))
    case.refresh_from_db()
    notice.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and notice.resolved_at is not None
    clock.refresh_from_db()
    # The old clock (paused since the notice) stops; a new 5-working-day clock runs from the day the
    # last supplemented material arrived: 10-10 (adjusted Saturday), 10-12, 10-13, 10-14, 10-15.
    assert clock.stopped_at is not None
    restarted = clock_for_object(case, purpose="acceptance")
    assert restarted.pk != clock.pk and restarted.start_date == date(2026, 10, 9)
    assert restarted.due_date == date(2026, 10, 15) and restarted.stopped_at is None
    assert case.materials_received_on == date(2026, 10, 9)


def test_supplemented_case_is_never_deemed_accepted(item, applicant, clerk_a):
    # given a case answered by a timely supplement notice and completed by the applicant
    case = make_submitted_case(version=item, applicant=applicant, received_on=RECEIVED)
    licence = item.materials.get(name="营业执照")
    services.case_request_supplement(case=case, actor=clerk_a, position=_pos(clerk_a), now=at(date(2026, 9, 30)),
                                     items=[{"material_id": licence.pk, "problem": "复印件不清晰"}])
    services.case_supplement_upload(case=case, item_key="1", upload=pdf_upload("执照.pdf"), actor=applicant,
                                    now=at(date(2026, 10, 9)))
    # when the daily job runs long after both the old and the restarted deadline
    marked = services.cases_deem_accepted(today=date(2026, 11, 30))
    # then nothing is deemed accepted: the clerk must still decide, from the day the material arrived
    case.refresh_from_db()
    assert marked == 0
    assert case.status == CaseStatus.SUBMITTED and not case.deemed_accepted and case.accepted_at is None


def test_late_supplement_notice_is_refused_and_the_case_deemed_accepted(item, applicant, clerk_a):
    case = make_submitted_case(version=item, applicant=applicant, received_on=RECEIVED)
    licence = item.materials.get(name="营业执照")
    # the 5 working days after 9-29 ended on 10-12; a notice on 11-02 comes too late
    with pytest.raises(Conflict) as exc:
        services.case_request_supplement(case=case, actor=clerk_a, position=_pos(clerk_a),
                                         now=at(date(2026, 11, 2)),
                                         items=[{"material_id": licence.pk, "problem": "复印件不清晰"}])
    assert exc.value.code == "supplement_too_late"
    assert not SupplementNotice.objects.filter(case=case).exists()
    assert services.cases_deem_accepted(today=date(2026, 11, 2)) == 1


def test_unanswered_case_is_still_deemed_accepted_from_receipt(item, applicant):
    case = make_submitted_case(version=item, applicant=applicant, received_on=RECEIVED)
    assert services.cases_deem_accepted(today=date(2026, 11, 30)) == 1
    case.refresh_from_db()
    assert case.deemed_accepted and timezone.localdate(case.accepted_at) == RECEIVED


def test_second_supplement_needs_supervisor_override_and_is_flagged(item, applicant, clerk_a, supervisor):
    case = make_submitted_case(version=item, applicant=applicant, upload="all")
    first = item.materials.first()
    services.case_request_supplement(case=case, actor=clerk_a, position=_pos(clerk_a),
                                     items=[{"material_id": first.pk, "problem": "模糊"}])
    services.case_supplement_upload(case=case, item_key="1", upload=pdf_upload(), actor=applicant)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    with pytest.raises(PermissionDenied) as exc:
        services.case_request_supplement(case=case, actor=clerk_a, position=_pos(clerk_a),
                                         items=[{"material_id": first.pk, "problem": "仍模糊"}])
    assert exc.value.code == "supplement_override_required"
    # A clerk is no supervisor: naming oneself as override does not work.
    with pytest.raises(PermissionDenied):
        services.case_request_supplement(case=case, actor=clerk_a, position=_pos(clerk_a), override_by=_pos(clerk_a),
                                         override_reason="x", items=[{"material_id": first.pk}])
    # Nor does naming a supervisor: an override is given by the person who overrides.
    with pytest.raises(PermissionDenied) as exc:
        services.case_request_supplement(
            case=case, actor=clerk_a, position=_pos(clerk_a), override_by=_pos(supervisor),
            override_reason="原件经核实有涂改", items=[{"material_id": first.pk, "problem": "仍模糊"}])
    assert exc.value.code == "override_not_self"
    assert SupplementNotice.objects.filter(case=case).count() == 1
    # The clerk asks (with a reason); the supervisor approves in their own session; it is flagged.
    from yiwang.cases.overrides import supplement_override_decide, supplement_override_request

    with pytest.raises(InvalidInput):
        supplement_override_request(case=case, actor=clerk_a, position=_pos(clerk_a), reason="",
                                    items=[{"material_id": first.pk}])
    request = supplement_override_request(case=case, actor=clerk_a, position=_pos(clerk_a),
                                          reason="原件经核实有涂改",
                                          items=[{"material_id": first.pk, "problem": "仍模糊"}])
    second = supplement_override_decide(request_id=request.pk, actor=supervisor, position=_pos(supervisor),
                                        approve=True).notice
    assert second.sequence == 2 and second.flagged and second.override_by == supervisor
    assert list(selectors.flagged_supplements(position=_pos(supervisor))) == [second]


def test_clerk_request_waits_for_supervisor_approval(item, applicant, clerk_a, clerk_b, supervisor):
    from yiwang.cases.overrides import (
        pending_override_requests,
        supplement_override_decide,
        supplement_override_request,
    )

    case = make_submitted_case(version=item, applicant=applicant, upload="all")
    first = item.materials.first()
    services.case_request_supplement(case=case, actor=clerk_a, position=_pos(clerk_a),
                                     items=[{"material_id": first.pk, "problem": "模糊"}])
    services.case_supplement_upload(case=case, item_key="1", upload=pdf_upload(), actor=applicant)
    # given the clerk's request, naming the supervisor
    request = supplement_override_request(case=case, actor=clerk_a, position=_pos(clerk_a), reason="原件有涂改",
                                          items=[{"material_id": first.pk, "problem": "仍模糊"}],
                                          asked=_pos(supervisor))
    # then nothing is issued yet: the case still waits at the desk
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and SupplementNotice.objects.filter(case=case).count() == 1
    assert list(pending_override_requests(position=_pos(supervisor))) == [request]
    assert list(pending_override_requests(position=_pos(clerk_a))) == []
    # a clerk cannot approve it, not even another one
    for user in (clerk_a, clerk_b):
        with pytest.raises(PermissionDenied):
            supplement_override_decide(request_id=request.pk, actor=user, position=_pos(user), approve=True)
    # a supervisor's position used by someone else is refused
    with pytest.raises(PermissionDenied):
        supplement_override_decide(request_id=request.pk, actor=clerk_a, position=_pos(supervisor), approve=True)
    # when the supervisor approves in their own session
    request = supplement_override_decide(request_id=request.pk, actor=supervisor, position=_pos(supervisor),
                                         approve=True, note="同意")
    # then the notice is issued in the clerk's name, overridden by the supervisor, and flagged
    notice = request.notice
    assert notice.sequence == 2 and notice.flagged
    assert notice.issued_by == clerk_a and notice.override_by == supervisor
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENT
    with pytest.raises(Conflict):
        supplement_override_decide(request_id=request.pk, actor=supervisor, position=_pos(supervisor), approve=False)


def test_rejected_request_issues_nothing(item, applicant, clerk_a, supervisor):
    from yiwang.cases.overrides import supplement_override_decide, supplement_override_request

    case = make_submitted_case(version=item, applicant=applicant, upload="all")
    first = item.materials.first()
    services.case_request_supplement(case=case, actor=clerk_a, position=_pos(clerk_a),
                                     items=[{"material_id": first.pk, "problem": "模糊"}])
    services.case_supplement_upload(case=case, item_key="1", upload=pdf_upload(), actor=applicant)
    request = supplement_override_request(case=case, actor=clerk_a, position=_pos(clerk_a), reason="再看看",
                                          items=[{"material_id": first.pk, "problem": "仍模糊"}])
    request = supplement_override_decide(request_id=request.pk, actor=supervisor, position=_pos(supervisor),
                                         approve=False, note="材料已合格，应予受理")
    assert request.status == "rejected" and request.notice is None
    assert SupplementNotice.objects.filter(case=case).count() == 1


def test_deemed_acceptance_after_five_working_days_over_national_day(item, applicant, supervisor, clerk_a):
    case = make_submitted_case(version=item, applicant=applicant, received_on=RECEIVED)
    assert services.cases_deem_accepted(today=date(2026, 10, 12)) == 0  # the 5th working day: still in time
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert services.cases_deem_accepted(today=date(2026, 10, 13)) == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.deemed_accepted
    assert case.accepted_at.date() == RECEIVED or str(case.accepted_at.astimezone().date()) == "2026-09-29"
    handling = clock_for_object(case, purpose="handling")
    assert handling.start_date == RECEIVED
    assert CaseStep.objects.filter(case=case, status=StepStatus.READY, step_kind="review").exists()
    assert list(selectors.cases_deemed_accepted(position=_pos(supervisor))) == [case]
    assert list(selectors.cases_deemed_accepted(position=_pos(clerk_a))) == [case]
    assert services.cases_deem_accepted(today=date(2026, 10, 14)) == 0  # idempotent


def test_timely_notice_prevents_deemed_acceptance(item, applicant, clerk_a):
    case = make_submitted_case(version=item, applicant=applicant, received_on=RECEIVED)
    services.case_reject(case=case, actor=clerk_a, position=_pos(clerk_a), reason="材料虚假",
                         now=at(date(2026, 10, 9)))
    assert services.cases_deem_accepted(today=date(2026, 10, 20)) == 0


def test_agent_case_accepted_by_township_completes_collection_step(village_item, agent, clerk_b):
    case = make_accepted_case(clerk=clerk_b, version=village_item, channel="agent", filer=agent)
    steps = list(CaseStep.objects.filter(case=case).order_by("sequence"))
    assert [(s.step_kind, s.status) for s in steps] == [
        ("agent_collect", StepStatus.COMPLETED), ("accept", StepStatus.COMPLETED), ("decide", StepStatus.READY)]
    assert steps[0].completed_by == agent and steps[1].completed_by == clerk_b


def test_supplement_notice_rows(item, applicant, clerk_a):
    case = make_submitted_case(version=item, applicant=applicant, upload="required")
    services.case_request_supplement(case=case, actor=clerk_a, position=_pos(clerk_a),
                                     items=[{"name": "补充说明", "problem": "请说明经营范围"}])
    assert SupplementNotice.objects.get(case=case).items[0]["material_id"] is None
    services.case_supplement_upload(case=case, item_key="1", upload=pdf_upload("说明.pdf"), actor=applicant)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
