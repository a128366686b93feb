"""Acceptance needs every demanded material (REGULATIONS.md after Art. 32), except 免提交 materials
and under 容缺受理 (a written promise, its own deadline, no grant until supplied)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.cases.factories import at, make_item, make_submitted_case, pdf_upload, position_of
from yiwang.calendar.selectors import clock_for_object
from yiwang.cases import deferral, services
from yiwang.cases.models import CaseDeferral, CaseStatus
from yiwang.core.errors import Conflict, InvalidInput
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db

RECEIVED = date(2026, 9, 29)
APPLICANT = {"name": "王秀英", "id_number": "110101199003070011", "phone": "13800000000"}


def _window_case(version, clerk, **kwargs):
    return make_submitted_case(version=version, channel="window", filer=clerk, applicant_info=APPLICANT,
                               received_on=RECEIVED, **kwargs)


def _notice_text(notice) -> str:
    from tests.licences.test_notices import _text

    return _text(notice)


@pytest.fixture
def deferral_item(county):
    """容缺受理 configured: the venue photos may follow within 5 working days; the licence is 免提交."""
    return make_item(name="食品经营许可", department=county.civil_affairs, levels=["township", "village"],
                     extra_fields={"deferral_days": 5},
                     materials=[{"name": "食品经营许可申请书", "required": True},
                                {"name": "营业执照", "required": True, "can_share": True},
                                {"name": "经营场所照片", "required": True, "deferrable": True}])


def test_clerk_cannot_accept_without_required_materials(item, clerk_a):
    # given a window filing with no materials at all
    case = _window_case(item, clerk_a, upload=[])
    # when the clerk tries to accept, then it is refused, naming every missing material
    with pytest.raises(InvalidInput) as exc:
        services.case_accept(case=case, actor=clerk_a, position=position_of(clerk_a))
    assert exc.value.code == "materials_missing"
    assert {m["name"] for m in exc.value.details["missing"]} == {"营业执照", "经营场所证明"}
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    # a promise does not help on an item without 容缺 configuration
    with pytest.raises(InvalidInput):
        services.case_accept(case=case, actor=clerk_a, position=position_of(clerk_a),
                             promise={"text": "承诺补交", "promised_by": "王秀英"})


def test_complete_case_is_accepted_silently(item, clerk_a):
    case = _window_case(item, clerk_a, upload="required")
    case = services.case_accept(case=case, actor=clerk_a, position=position_of(clerk_a))
    assert case.status == CaseStatus.IN_PROGRESS and not CaseDeferral.objects.exists()


def test_shared_material_is_not_demanded(deferral_item, applicant):
    # the online applicant uploads what only they can give; the licence is obtained by the platform
    case = make_submitted_case(version=deferral_item, applicant=applicant,
                               upload=["食品经营许可申请书", "经营场所照片"])
    assert case.status == CaseStatus.SUBMITTED
    assert services.case_accept  # and the acceptance gate finds nothing missing
    assert deferral.acceptance_gap(case).missing == []


def test_deferred_acceptance_needs_written_promise(deferral_item, clerk_a):
    case = _window_case(deferral_item, clerk_a, upload=["食品经营许可申请书"])
    with pytest.raises(InvalidInput) as exc:
        services.case_accept(case=case, actor=clerk_a, position=position_of(clerk_a))
    assert exc.value.code == "promise_required" and exc.value.details["deferral_days"] == 5


def test_core_material_cannot_be_deferred(deferral_item, clerk_a):
    case = _window_case(deferral_item, clerk_a, upload=["经营场所照片"])
    with pytest.raises(InvalidInput) as exc:
        services.case_accept(case=case, actor=clerk_a, position=position_of(clerk_a),
                             promise={"text": "承诺补交", "promised_by": "王秀英"})
    assert exc.value.code == "materials_missing"


def test_deferred_acceptance_records_promise_clock_and_blocks_grant_until_supplied(deferral_item, clerk_a,
                                                                                    applicant):
    from yiwang.cases import handling

    case = _window_case(deferral_item, clerk_a, upload=["食品经营许可申请书"])
    # when the clerk accepts against the applicant's written promise
    case = services.case_accept(case=case, actor=clerk_a, position=position_of(clerk_a), now=at(date(2026, 9, 30)),
                                promise={"text": "本人承诺于规定期限内补交经营场所照片，逾期未补交的承担相应后果。",
                                         "promised_by": "王秀英"})
    # then the promise is recorded with its own clock: 5 working days after 9-30 (holidays 10-1..10-7):
    # 10-08, 10-09, 10-10 (adjusted Saturday), 10-12, 10-13
    assert case.status == CaseStatus.IN_PROGRESS
    row = CaseDeferral.objects.get(case=case)
    assert row.name == "经营场所照片" and row.promised_by == "王秀英"
    clock = clock_for_object(row, purpose="deferral")
    assert clock.due_date == row.due_date == date(2026, 10, 13)
    assert AuditEvent.objects.filter(action="case.deferral.promise").count() == 1
    assert case.notices.get(kind="accept").context["deferred"][0]["name"] == "经营场所照片"
    # and the 受理通知书 lists the deferred material with its promised date
    notice_text = _notice_text(case.notices.get(kind="accept"))
    assert "容缺受理" in notice_text and "经营场所照片" in notice_text and "2026年10月13日" in notice_text
    # and late it shows as overdue
    assert list(deferral.overdue_deferrals(today=date(2026, 10, 14))) == [row]
    # and a grant is refused until the material arrives
    with pytest.raises(Conflict) as exc:
        deferral.require_supplied(case)
    assert exc.value.code == "deferral_outstanding"
    assert handling.is_joint(case) is False
    # when the applicant supplies it
    deferral.case_deferred_supply(deferral_id=row.pk, upload=pdf_upload("照片.pdf"), actor=applicant,
                                  now=at(date(2026, 10, 12)))
    row.refresh_from_db()
    assert row.supplied_at is not None and row.supplied_material.name == "经营场所照片"
    assert clock_for_object(row, purpose="deferral").stopped_at is not None
    deferral.require_supplied(case)  # no longer blocks
    assert list(deferral.overdue_deferrals(today=date(2026, 10, 15))) == []


def test_applicant_supplies_deferred_material_from_my_case(client, deferral_item, clerk_a, applicant):
    import json

    from tests.conftest import login

    case = _window_case(deferral_item, clerk_a, upload=["食品经营许可申请书"])
    # the API takes the promise too
    login(client, clerk_a)
    refused = client.post(f"/api/v1/cases/{case.pk}/accept", data="{}", content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "promise_required"
    accepted = client.post(f"/api/v1/cases/{case.pk}/accept", content_type="application/json",
                           data=json.dumps({"promise_text": "本人承诺按期补交", "promised_by": "王秀英"}))
    assert accepted.status_code == 200, accepted.content
    client.logout()
    login(client, applicant)
    row = CaseDeferral.objects.get(case=case)
    page = client.get(f"/cases/mine/{case.pk}/").content.decode()
    assert "请按承诺补交容缺材料" in page and "经营场所照片" in page
    response = client.post(f"/cases/mine/{case.pk}/deferrals/{row.pk}/", {"file": pdf_upload("照片.pdf")})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.supplied_at is not None
    assert "请按承诺补交容缺材料" not in client.get(f"/cases/mine/{case.pk}/").content.decode()


def test_supplement_acceptance_days_is_a_documented_setting(settings, monkeypatch):
    from pathlib import Path

    from django.core.exceptions import ImproperlyConfigured

    from yiwang.cases.acceptance import supplement_acceptance_days
    from yiwang.env import env_int

    # the acceptance period that restarts after the last supplemented material: 5 working days by default
    assert settings.CASE_SUPPLEMENT_ACCEPTANCE_DAYS == 5 == supplement_acceptance_days()
    settings.CASE_SUPPLEMENT_ACCEPTANCE_DAYS = 7
    assert supplement_acceptance_days() == 7
    # set from the environment, documented in .env.example, and never zero
    assert "YIWANG_CASE_SUPPLEMENT_ACCEPTANCE_DAYS=5" in (Path(__file__).parents[2] / ".env.example").read_text()
    monkeypatch.setenv("YIWANG_CASE_SUPPLEMENT_ACCEPTANCE_DAYS", "0")
    with pytest.raises(ImproperlyConfigured):
        env_int("YIWANG_CASE_SUPPLEMENT_ACCEPTANCE_DAYS", 5, minimum=1)
