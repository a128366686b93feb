"""Each rule fires and clears in a crafted scenario, with ``today`` frozen (across the 2026 National Day holiday)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.cases.factories import at, make_item
from tests.cases.test_handling_helpers import make_case
from tests.supervision.conftest import pos
from yiwang.calendar import engine as cal
from yiwang.calendar import services as clock_services
from yiwang.calendar.models import Clock, ClockExtension, ClockSuspension
from yiwang.cases.models import CaseNotice, CaseStatus, CaseStep, StepStatus, SupplementNotice
from yiwang.core.errors import PermissionDenied
from yiwang.supervision import services
from yiwang.supervision.engine import sweep
from yiwang.supervision.models import Alert, AlertStatus, Rule, RuleOverride
from yiwang.supervision.rules.registry import RULES, load_configs

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 9, 7)


def _case(county, version, **kw):
    return make_case(version=version, division=county.county, department=county.civil_affairs, **kw)


def _open(code: str) -> list[Alert]:
    return list(Alert.objects.filter(rule__code=code).exclude(status__in=("closed", "auto_resolved")).order_by("id"))


def _levels(code: str) -> set[str]:
    return {a.level for a in _open(code)}


def _step_with_clock(case, due: date) -> CaseStep:
    """The case's open step, its clock replaced by one that falls due on ``due``."""
    step = case.steps.filter(status__in=("ready", "claimed")).order_by("sequence").first()
    Clock.objects.filter(purpose="case_step").delete()
    start = date(2026, 9, 1)
    budget = cal.workdays_between(start, due)
    clock = clock_services.clock_start(obj=step, start=start, budget=budget, position=None, actor=None,
                                       purpose="case_step", today=start)
    assert clock.due_date == due
    return step


def _quiet_case_clock(case) -> None:
    Clock.objects.filter(purpose="handling").update(due_date=date(2027, 12, 31))


def test_every_rule_is_seeded_and_switchable():
    assert set(Rule.objects.values_list("code", flat=True)) >= set(RULES)
    assert Rule.objects.get(code="time_limit_step").params["yellow_workdays"] == 1
    Rule.objects.filter(code="fee_mismatch").update(is_active=False)
    assert "fee_mismatch" not in {r.code for r, _cfg in load_configs()}


def test_step_due_before_national_day(county, standard_item):
    case = _case(county, standard_item, today=date(2026, 9, 1))
    _quiet_case_clock(case)
    step = _step_with_clock(case, date(2026, 9, 30))
    # Two working days left on Monday 28 September: green.
    sweep(today=date(2026, 9, 28), notify=False)
    assert _levels("time_limit_step") == set()
    # One working day left (≤ 1): yellow.
    sweep(today=date(2026, 9, 29), notify=False)
    assert _levels("time_limit_step") == {"yellow"}
    alert = _open("time_limit_step")[0]
    assert (alert.object_id, alert.case_id, alert.department_id) == (step.pk, case.pk, county.civil_affairs.pk)
    # On the first working day after the holiday it is overdue: red; the yellow card resolves itself.
    sweep(today=date(2026, 10, 8), notify=False)
    assert _levels("time_limit_step") == {"red"}
    assert Alert.objects.get(rule__code="time_limit_step", level="yellow").status == AlertStatus.AUTO_RESOLVED


def test_yellow_across_the_holiday_uses_working_days(county, standard_item):
    """Due 8 October: on 30 September only one working day remains (1–7 October are holidays)."""
    case = _case(county, standard_item, today=date(2026, 9, 1))
    _quiet_case_clock(case)
    _step_with_clock(case, date(2026, 10, 8))
    sweep(today=date(2026, 9, 29), notify=False)
    assert _levels("time_limit_step") == set()
    sweep(today=date(2026, 9, 30), notify=False)
    assert _levels("time_limit_step") == {"yellow"}
    sweep(today=date(2026, 10, 9), notify=False)
    assert _levels("time_limit_step") == {"red"}


def test_step_red_clears_with_extension_but_not_when_stopped_late(county, standard_item):
    case = _case(county, standard_item, today=date(2026, 9, 1))
    _quiet_case_clock(case)
    step = _step_with_clock(case, date(2026, 9, 30))
    sweep(today=date(2026, 10, 9), notify=False)
    assert _levels("time_limit_step") == {"red"}
    clock = Clock.objects.get(purpose="case_step")
    # An approved extension moves the due date: the red card clears.
    ClockExtension.objects.create(clock=clock, approver=step.case.applicant_user or _user(), reason="专家评审",
                                  days=5, approved_at=timezone.now())
    clock_services.clock_refresh(clock=clock, today=date(2026, 10, 9))
    sweep(today=date(2026, 10, 9), notify=False)
    assert _levels("time_limit_step") == set()
    assert Alert.objects.get(rule__code="time_limit_step", level="red").status == AlertStatus.AUTO_RESOLVED
    # Overdue again later, and then completed late: the red card stays (a fact, closed by a supervisor).
    sweep(today=date(2026, 10, 30), notify=False)
    assert _levels("time_limit_step") == {"red"}
    Clock.objects.filter(pk=clock.pk).update(stopped_at=at(date(2026, 10, 30)), remaining=-5, status="done")
    sweep(today=date(2026, 10, 30), notify=False)
    assert _levels("time_limit_step") == {"red"}


def _user():
    from tests.conftest import make_user

    return make_user("approver_x")


def test_case_time_limit_yellow_clears_when_finished_in_time(county, standard_item):
    _case(county, standard_item, today=MONDAY, budget=5)
    Clock.objects.filter(purpose="case_step").delete()
    due = Clock.objects.get(purpose="handling").due_date
    assert due == cal.add_workdays(MONDAY, 5)
    sweep(today=due, notify=False)
    assert _levels("time_limit_case") == {"yellow"}
    Clock.objects.filter(purpose="handling").update(stopped_at=at(due), remaining=0, status="done")
    sweep(today=due, notify=False)
    assert _levels("time_limit_case") == set()
    assert _open("time_limit_case") == []
    assert Alert.objects.get(rule__code="time_limit_case").status == AlertStatus.AUTO_RESOLVED


def test_paused_clock_is_not_red(county, standard_item):
    case = _case(county, standard_item, today=MONDAY, budget=2)
    Clock.objects.filter(purpose="case_step").delete()
    clock = Clock.objects.get(purpose="handling")
    ClockSuspension.objects.create(clock=clock, kind="expert_review", reason="专家评审", start=MONDAY,
                                   started_at=at(MONDAY))
    CaseNotice.objects.create(case=case, kind="special", number="N-1", issued_at=at(MONDAY))
    sweep(today=MONDAY + timedelta(days=30), notify=False)
    assert _levels("time_limit_case") == set()
    assert _open("suspension_without_notice") == []


def test_refusal_without_reasons(county, standard_item):
    case = _case(county, standard_item)
    case.status, case.decision, case.decision_reason = CaseStatus.DENIED, "deny", "  "
    case.save()
    sweep(notify=False)
    assert _levels("refusal_without_reasons") == {"red"}
    case.decision_reason = "不符合法定条件"
    case.save()
    sweep(notify=False)
    assert _open("refusal_without_reasons") == []


def test_deemed_acceptance_from_flag_and_from_late_acceptance_clock(county, standard_item):
    case = _case(county, standard_item)
    case.deemed_accepted = True
    case.save()
    sweep(notify=False)
    assert _levels("deemed_acceptance") == {"red"}
    case.deemed_accepted = False
    case.save()
    sweep(notify=False)
    assert _open("deemed_acceptance") == []
    # accepted on the 6th working day after the materials arrived
    clock = clock_services.clock_start(obj=case, start=MONDAY, budget=5, position=None, actor=None,
                                       purpose="acceptance", today=MONDAY)
    sixth = cal.add_workdays(MONDAY, 6)
    Clock.objects.filter(pk=clock.pk).update(stopped_at=at(sixth))
    clock_services.clock_refresh(clock=Clock.objects.get(pk=clock.pk))
    assert Clock.objects.get(pk=clock.pk).remaining < 0
    sweep(notify=False)
    assert _levels("deemed_acceptance") == {"red"}


def test_more_than_one_supplement_notice(county, standard_item, people):
    case = _case(county, standard_item)
    SupplementNotice.objects.create(case=case, sequence=1, items=[], issued_by=people.reviewer, issued_at=at(MONDAY))
    sweep(notify=False)
    assert _open("supplement_repeat") == []
    second = SupplementNotice.objects.create(case=case, sequence=2, items=[], issued_by=people.reviewer,
                                             issued_at=at(MONDAY))
    sweep(notify=False)
    assert _levels("supplement_repeat") == {"red"}
    second.delete()
    sweep(notify=False)
    assert _open("supplement_repeat") == []


def test_step_completed_without_role_or_scope(county, standard_item, people, clerk_b):
    case = _case(county, standard_item)
    step = case.steps.filter(status="ready").first()
    step.status, step.completed_at = StepStatus.COMPLETED, timezone.now()
    step.completed_by, step.completed_by_position = people.reviewer, pos(people.reviewer)
    step.save()
    sweep(notify=False)
    assert _open("step_unauthorised") == []
    # a township window clerk (other role, other department) completed it
    step.completed_by, step.completed_by_position = clerk_b, pos(clerk_b)
    step.save()
    sweep(notify=False)
    alerts = _open("step_unauthorised")
    assert [a.object_id for a in alerts] == [step.pk] and alerts[0].responsible_user_id == clerk_b.pk
    # the approver of the same department: right department, wrong role
    step.completed_by, step.completed_by_position = people.reviewer, pos(people.reviewer)
    step.save()
    sweep(notify=False)
    assert _open("step_unauthorised") == []


def test_step_out_of_order(county, standard_item, people):
    from yiwang.cases import handling

    case = _case(county, standard_item)
    review = case.steps.get(status="ready")
    handling.step_complete(step=review, opinion="同意", actor=people.reviewer, position=pos(people.reviewer))
    sweep(notify=False)
    assert _open("step_out_of_order") == []
    # a "decide" step marked completed outside the engine (the process never reached it)
    decide = case.steps.get(status="ready")
    CaseStep.objects.filter(pk=decide.pk).update(status=StepStatus.COMPLETED, completed_at=timezone.now())
    sweep(notify=False)
    assert _levels("step_out_of_order") == {"red"}
    CaseStep.objects.filter(pk=decide.pk).update(status=StepStatus.READY, completed_at=None)
    sweep(notify=False)
    assert _open("step_out_of_order") == []


def test_licence_issued_late(county, standard_item, people):
    from yiwang.licences.models import Licence

    case = _case(county, standard_item)
    decided = date(2026, 9, 25)
    case.decided_at = at(decided)
    case.save()
    tenth = cal.add_workdays(decided, 10)  # across the National Day holiday
    licence = Licence.objects.create(
        number="L-1", case=case, item=case.item, title="食品经营许可证", holder_name="王秀英",
        department=county.civil_affairs, division=county.county, data={}, data_digest="0" * 64, signature="x",
        public_key="x", verify_code="ABCD", issued_at=at(tenth), valid_from=tenth)
    sweep(notify=False)
    assert _open("licence_late") == []
    Licence.objects.filter(pk=licence.pk).update(issued_at=at(cal.next_workday(tenth + timedelta(days=1))))
    sweep(notify=False)
    assert _levels("licence_late") == {"red"}
    Licence.objects.filter(pk=licence.pk).update(issued_at=at(tenth))
    sweep(notify=False)
    assert _open("licence_late") == []


def test_suspension_without_written_notice(county, standard_item):
    case = _case(county, standard_item, today=MONDAY)
    clock = Clock.objects.get(purpose="handling")
    ClockSuspension.objects.create(clock=clock, kind="inspection", reason="检验", start=MONDAY, started_at=at(MONDAY))
    sweep(notify=False)
    assert _levels("suspension_without_notice") == {"red"}
    CaseNotice.objects.create(case=case, kind="special", number="N-2", issued_at=at(MONDAY))
    sweep(notify=False)
    assert _open("suspension_without_notice") == []


def test_extension_beyond_legal_maximum(county, standard_item, people):
    case = _case(county, standard_item, today=MONDAY)
    clock = Clock.objects.get(purpose="handling")
    ClockExtension.objects.create(clock=clock, approver=people.head, reason="复杂", days=10, approved_at=timezone.now())
    sweep(notify=False)
    assert _open("extension_over_max") == []
    extra = ClockExtension.objects.create(clock=clock, approver=people.head, reason="再延", days=1,
                                          approved_at=timezone.now())
    sweep(notify=False)
    assert _levels("extension_over_max") == {"red"}
    extra.delete()
    sweep(notify=False)
    assert _open("extension_over_max") == []
    assert case.pk == _open_or_any("extension_over_max").case_id


def _open_or_any(code: str) -> Alert:
    return Alert.objects.filter(rule__code=code).first()


def test_joint_case_may_extend_fifteen_days(county, people):
    joint = make_item(name="联合审批事项", department=county.civil_affairs, kind="joint")
    make_case(version=joint, division=county.county, department=county.civil_affairs, today=MONDAY)
    clock = Clock.objects.get(purpose="handling")
    ClockExtension.objects.create(clock=clock, approver=people.head, reason="联合", days=15, approved_at=timezone.now())
    sweep(notify=False)
    assert _open("extension_over_max") == []
    ClockExtension.objects.create(clock=clock, approver=people.head, reason="再延", days=1, approved_at=timezone.now())
    sweep(notify=False)
    assert _levels("extension_over_max") == {"red"}


def test_fee_on_a_free_item_and_fee_not_standard(county, standard_item):
    case = _case(county, standard_item)
    case.fee_paid = Decimal("20.00")
    case.save()
    sweep(notify=False)
    assert _levels("fee_mismatch") == {"red"}
    case.fee_paid = Decimal("0")
    case.save()
    sweep(notify=False)
    assert _open("fee_mismatch") == []
    charged = make_item(name="收费事项", department=county.civil_affairs, fee="30")
    paid = _case(county, charged)
    paid.fee_due = paid.fee_paid = Decimal("30.00")
    paid.save()
    sweep(notify=False)
    assert _open("fee_mismatch") == []
    paid.fee_paid = Decimal("50.00")
    paid.save()
    sweep(notify=False)
    assert [a.case_id for a in _open("fee_mismatch")] == [paid.pk]


def test_risk_point_needs_second_confirmation(county, standard_item, people):
    """The same person reviews and decides: no second person, so both risk steps are flagged once
    the case is decided; an explicit 双人复核 by someone else clears one."""
    from yiwang.cases import handling
    from yiwang.org.models import Position

    case = _case(county, standard_item)
    review = case.steps.get(status="ready")
    CaseStep.objects.filter(pk=review.pk).update(risk_level=2)
    review.refresh_from_db()
    head = pos(people.head)
    # a department head holds both review and decision rights; give them the reviewer's role too
    reviewer_role = Position.objects.create(user=people.head, role="reviewer", division=county.county,
                                            department=county.civil_affairs)
    handling.step_complete(step=review, opinion="同意", actor=people.head, position=reviewer_role)
    sweep(notify=False)
    assert _open("risk_unconfirmed") == []  # undecided: the second person may still come
    decide = case.steps.get(status="ready")
    CaseStep.objects.filter(pk=decide.pk).update(role="department_head", risk_level=1)
    decide.refresh_from_db()
    handling.step_complete(step=decide, opinion="准予", decision="grant", actor=people.head, position=head)
    sweep(notify=False)
    assert {a.object_id for a in _open("risk_unconfirmed")} == {review.pk, decide.pk}
    review.refresh_from_db()
    with pytest.raises(PermissionDenied):  # the completer cannot confirm their own step
        services.risk_confirm(step=review, actor=people.head, position=reviewer_role)
    services.risk_confirm(step=review, actor=people.reviewer2, position=pos(people.reviewer2), note="复核无误")
    sweep(notify=False)
    assert {a.object_id for a in _open("risk_unconfirmed")} == {decide.pk}


def test_risk_steps_by_two_people_raise_nothing(county, standard_item, people):
    """审查 by the reviewer and 决定 by the approver: each is the other's second person."""
    from yiwang.cases import handling

    case = _case(county, standard_item)
    review = case.steps.get(status="ready")
    handling.step_complete(step=review, opinion="同意", actor=people.reviewer, position=pos(people.reviewer))
    decide = case.steps.get(status="ready")
    handling.step_complete(step=decide, opinion="准予", decision="grant", actor=people.approver,
                           position=pos(people.approver))
    CaseStep.objects.filter(case=case).update(risk_level=1)
    sweep(notify=False)
    assert _open("risk_unconfirmed") == []
    assert _open("step_unauthorised") == []


def test_overrides_switch_off_per_department_and_set_thresholds_per_item(county, standard_item, people):
    case = _case(county, standard_item, today=date(2026, 9, 1))
    _quiet_case_clock(case)
    _step_with_clock(case, date(2026, 9, 30))
    rule = Rule.objects.get(code="time_limit_step")
    RuleOverride.objects.create(rule=rule, item=standard_item.item, params={"yellow_workdays": 3})
    sweep(today=date(2026, 9, 25), notify=False)  # 3 working days left (28, 29, 30)
    assert _levels("time_limit_step") == {"yellow"}
    RuleOverride.objects.create(rule=rule, department=county.civil_affairs, is_active=False)
    sweep(today=date(2026, 10, 8), notify=False)
    assert _levels("time_limit_step") == {"yellow"} - {"yellow"}
    assert not Alert.objects.filter(rule=rule, level="red").exists()


def test_a_one_day_step_is_not_yellow_the_day_it_starts(county, standard_item):
    """受理 and 办结 have one working day: no warning the moment they begin, yellow on their last day."""
    case = _case(county, standard_item, today=date(2026, 9, 7))
    _quiet_case_clock(case)
    step = case.steps.filter(status="ready").first()
    Clock.objects.filter(purpose="case_step").delete()
    clock_services.clock_start(obj=step, start=date(2026, 9, 7), budget=1, position=None, actor=None,
                               purpose="case_step", today=date(2026, 9, 7))
    sweep(today=date(2026, 9, 7), notify=False)
    assert _open("time_limit_step") == []
    sweep(today=date(2026, 9, 8), notify=False)
    assert _levels("time_limit_step") == {"yellow"}
    sweep(today=date(2026, 9, 9), notify=False)
    assert _levels("time_limit_step") == {"red"}


def test_step_by_the_right_role_outside_its_scope_is_red(county, standard_item, people):
    """A reviewer of the township's office (right role, wrong division and department) takes a county step."""
    from tests.conftest import make_position, make_user

    case = _case(county, standard_item)
    step = case.steps.filter(status="ready").first()
    outsider = make_user("township_reviewer")
    make_position(outsider, "reviewer", county.township_a, county.civil_affairs_a)
    step.status, step.completed_at = StepStatus.COMPLETED, timezone.now()
    step.completed_by, step.completed_by_position = outsider, pos(outsider)
    step.save()
    sweep(notify=False)
    assert [a.object_id for a in _open("step_unauthorised")] == [step.pk]
