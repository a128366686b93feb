"""Every step of a process can be taken by some position (流程可达性): the check, its command and
system check, and where the 受理 and 办结 steps land (一窗受理、一窗出件)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tests.cases.factories import make_item
from tests.conftest import make_position, make_user
from yiwang.workflow.assignment import catalogue_unreachable, step_department, unreachable_steps

pytestmark = pytest.mark.django_db


def _staff(username, role, division, department=None):
    user = make_user(username)
    make_position(user, role, division, department)
    return user


@pytest.fixture
def county_hall(county):
    """The county service centre: its comprehensive window is staffed by the approval bureau."""
    from yiwang.org.models import ServiceHall, Window

    hall = ServiceHall.objects.create(name="莒南县政务服务中心", division=county.county)
    window = Window.objects.create(hall=hall, number="1", name="综合受理窗口", is_comprehensive=True)
    window.departments.add(county.approval_bureau)
    return window


def test_a_step_without_a_holder_is_reported(county, county_hall):
    # given: a county item of the civil affairs bureau with a reviewer and an approver but no clerk
    version = make_item(department=county.civil_affairs)
    _staff("rev", "reviewer", county.county, county.civil_affairs)
    _staff("appr", "approver", county.county, county.civil_affairs)
    # when / then: 受理 and 办结 (window clerk) cannot be taken
    assert sorted(s.spec_name for s in unreachable_steps(version)) == ["accept", "complete"]
    with pytest.raises(CommandError):
        call_command("check_process_reachability")
    # a clerk of the civil affairs bureau does not help: the comprehensive window is the bureau's
    _staff("civil_clerk", "window_clerk", county.county, county.civil_affairs)
    assert sorted(s.spec_name for s in unreachable_steps(version)) == ["accept", "complete"]
    # the approval bureau's clerk at the comprehensive window takes them
    _staff("clerk", "window_clerk", county.county, county.approval_bureau)
    assert unreachable_steps(version) == []
    assert catalogue_unreachable() == []
    call_command("check_process_reachability")


def test_system_check_warns_only_with_the_database(county):
    from django.core import checks

    make_item(department=county.civil_affairs)
    assert [m for m in checks.run_checks() if m.id == "workflow.W001"] == []
    found = [m for m in checks.run_checks(databases=["default"]) if m.id == "workflow.W001"]
    assert {"审查", "决定", "受理", "办结"} <= {m.msg.split("“")[1].split("”")[0] for m in found}


def test_window_steps_go_to_the_comprehensive_window(county, county_hall):
    from yiwang.org.models import Position

    clerk = Position.objects.get(user=_staff("clerk", "window_clerk", county.county, county.approval_bureau))
    common = {"division": county.county, "case_division": county.county, "case_department": county.civil_affairs,
              "item_department": county.civil_affairs}
    assert step_department(role="window_clerk", code=None, **common) == county.approval_bureau
    assert step_department(role="window_clerk", code=None, acting_position=clerk, **common) == county.approval_bureau
    assert step_department(role="reviewer", code=None, **common) == county.civil_affairs
    # a township case's county review goes to the item's county department, not the township centre
    assert step_department(role="reviewer", code="$item", division=county.county,
                           case_division=county.township_a, case_department=county.civil_affairs_a,
                           item_department=county.civil_affairs) == county.civil_affairs
    assert step_department(role="reviewer", code="$item", division=county.township_a,
                           case_division=county.township_a, case_department=county.civil_affairs_a,
                           item_department=county.civil_affairs) == county.civil_affairs_a


def test_demo_county_is_reachable_with_realistic_history_and_quiet_supervision(settings):
    """The demo county: every published item's every step has a demo position that can take it; the
    seeded history gives realistic figures; and a sweep over it raises no procedure or risk card."""
    from datetime import timedelta

    from django.utils import timezone

    from yiwang.cases.models import Case
    from yiwang.evaluation.models import Rating
    from yiwang.performance import metrics
    from yiwang.performance.models import Assessment
    from yiwang.supervision.engine import sweep
    from yiwang.supervision.models import Alert

    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=io.StringIO())
    found = catalogue_unreachable()
    assert found == [], "\n".join(map(str, found[:20]))

    today = timezone.localdate()
    cases = Case.objects.all()
    assert cases.filter(number__startswith="LS").count() > 300
    assert set(cases.values_list("status", flat=True)) >= {"completed", "rejected", "denied", "withdrawn",
                                                            "in_progress"}
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    month = metrics.case_timeliness(cases, last_month, today.replace(day=1) - timedelta(days=1), today=today)[None]
    assert month["due"] > 30 and 0.8 <= month["on_time_rate"] < 1
    assert Rating.objects.filter(grade__lte=2).exists() and Rating.objects.count() > 200
    assert Assessment.objects.filter(status="published").count() >= 6
    # idempotent: a second run adds nothing
    count = cases.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Case.objects.count() == count

    sweep(notify=False)
    noisy = Alert.objects.filter(rule__code__in=("step_unauthorised", "risk_unconfirmed", "step_out_of_order",
                                                 "refusal_without_reasons"))
    assert list(noisy.values_list("rule__code", "case__number")) == []
