"""容缺受理: a material promised in writing turns yellow near its promised date, red when the date passed
with the material still missing, and never alerts when it arrives on time (``time_limit_deferral``)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.cases.factories import at, make_item, make_submitted_case, pdf_upload, position_of
from yiwang.cases import deferral, services
from yiwang.cases.models import CaseDeferral, CaseStatus
from yiwang.supervision.engine import evaluate_case, sweep
from yiwang.supervision.models import Alert, AlertStatus, Rule

pytestmark = pytest.mark.django_db

CODE = "time_limit_deferral"
APPLICANT = {"name": "王秀英", "id_number": "110101199003070011", "phone": "13800000000"}
PROMISE = {"text": "本人承诺于规定期限内补交经营场所照片。", "promised_by": "王秀英"}


@pytest.fixture
def deferred_case(county, clerk_a):
    """Accepted on Wednesday 30 September 2026 against a promise to supply the venue photos within
    5 working days: due Tuesday 13 October (National Day 1–7 October, Saturday 10 October a working day)."""
    version = make_item(name="食品经营许可", department=county.civil_affairs, levels=["township", "village"],
                        extra_fields={"deferral_days": 5},
                        materials=[{"name": "食品经营许可申请书", "required": True},
                                   {"name": "经营场所照片", "required": True, "deferrable": True}])
    case = make_submitted_case(version=version, channel="window", filer=clerk_a, applicant_info=APPLICANT,
                               received_on=date(2026, 9, 29), upload=["食品经营许可申请书"])
    case = services.case_accept(case=case, actor=clerk_a, position=position_of(clerk_a), now=at(date(2026, 9, 30)),
                                promise=PROMISE)
    assert CaseDeferral.objects.get(case=case).due_date == date(2026, 10, 13)
    return case


def _open() -> list[Alert]:
    return list(Alert.objects.filter(rule__code=CODE).exclude(status__in=("closed", "auto_resolved")).order_by("id"))


def _sweep(day: date) -> set[str]:
    sweep(today=day, notify=False, codes=[CODE])
    return {a.level for a in _open()}


def test_rule_is_seeded_with_its_threshold():
    rule = Rule.objects.get(code=CODE)
    assert rule.is_active and rule.kind == "time_limit" and rule.params == {"yellow_workdays": 1}


def test_late_promise_turns_yellow_then_red(deferred_case, clerk_a):
    # two working days left on Saturday 10 October (a working day): silent
    assert _sweep(date(2026, 10, 10)) == set()
    # one working day left: yellow, on the deferral, for the case, its department and the accepting clerk
    assert _sweep(date(2026, 10, 12)) == {"yellow"}
    alert = _open()[0]
    row = CaseDeferral.objects.get(case=deferred_case)
    assert (alert.object_id, alert.case_id, alert.department_id, alert.responsible_user_id) == (
        row.pk, deferred_case.pk, deferred_case.department_id, clerk_a.pk)
    assert "容缺材料" in alert.message
    # the promised date passed with the material missing: red, and the yellow card resolves itself
    assert _sweep(date(2026, 10, 14)) == {"red"}
    assert Alert.objects.get(rule__code=CODE, level="yellow").status == AlertStatus.AUTO_RESOLVED
    # supplying it late does not erase the fact
    deferral.case_deferred_supply(deferral_id=row.pk, upload=pdf_upload("照片.pdf"), actor=clerk_a,
                                  position=position_of(clerk_a), now=at(date(2026, 10, 15)))
    assert _sweep(date(2026, 10, 16)) == {"red"}


def test_event_time_evaluation_raises_the_red_card(deferred_case):
    evaluate_case(deferred_case.pk, today=date(2026, 10, 14), notify=False)
    assert {a.level for a in _open()} == {"red"}


def test_promise_kept_on_time_never_alerts(deferred_case, clerk_a):
    assert _sweep(date(2026, 10, 9)) == set()
    row = CaseDeferral.objects.get(case=deferred_case)
    # the applicant brings the photos to the window on Saturday 10 October, before the yellow threshold
    deferral.case_deferred_supply(deferral_id=row.pk, upload=pdf_upload("照片.pdf"), actor=clerk_a,
                                  position=position_of(clerk_a), now=at(date(2026, 10, 10)))
    for day in (date(2026, 10, 12), date(2026, 10, 14), date(2026, 11, 2)):
        assert _sweep(day) == set()
    assert not Alert.objects.filter(rule__code=CODE).exists()


def test_yellow_clears_when_supplied_on_the_last_day(deferred_case, clerk_a):
    assert _sweep(date(2026, 10, 12)) == {"yellow"}
    row = CaseDeferral.objects.get(case=deferred_case)
    deferral.case_deferred_supply(deferral_id=row.pk, upload=pdf_upload("照片.pdf"), actor=clerk_a,
                                  position=position_of(clerk_a), now=at(date(2026, 10, 13)))
    assert _sweep(date(2026, 10, 14)) == set()
    assert Alert.objects.get(rule__code=CODE).status == AlertStatus.AUTO_RESOLVED


def test_a_case_that_ended_no_longer_waits(deferred_case):
    assert _sweep(date(2026, 10, 14)) == {"red"}
    deferred_case.status = CaseStatus.WITHDRAWN
    deferred_case.save(update_fields=["status"])
    assert _sweep(date(2026, 10, 15)) == set()
