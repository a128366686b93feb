"""Every status change sends an SMS (and an inbox copy) to the applicant; agents get an inbox copy."""

from __future__ import annotations

import pytest

from tests.cases.factories import make_submitted_case, pdf_upload, position_of
from yiwang.cases import services
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db


def test_status_changes_send_sms(item, applicant, clerk_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_submitted_case(version=item, applicant=applicant, upload="required")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_request_supplement(case=case, actor=clerk_a, position=position_of(clerk_a),
                                         items=[{"material_id": item.materials.first().pk, "problem": "模糊"}])
    with django_capture_on_commit_callbacks(execute=True):
        services.case_supplement_upload(case=case, item_key="1", upload=pdf_upload(), actor=applicant)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reject(case=case, actor=clerk_a, position=position_of(clerk_a), reason="不符合条件")
    sms = list(Message.objects.filter(recipient=applicant, channel="sms", template="case.status_changed")
               .order_by("created_at", "id"))
    assert len(sms) == 4
    assert [m.template for m in sms] == ["case.status_changed"] * 4
    assert "待补正" in sms[1].body and "不予受理" in sms[3].body
    assert case.number in sms[0].body
    assert Message.objects.filter(recipient=applicant, channel="inbox", template="case.status_changed").count() == 4


def test_agent_filing_notifies_villager_and_agent(village_item, agent, villager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_submitted_case(version=village_item, channel="agent", filer=agent)
    assert Message.objects.filter(recipient=villager, channel="sms").count() == 1
    assert Message.objects.filter(recipient=agent, channel="inbox").count() == 1
    assert not Message.objects.filter(recipient=agent, channel="sms").exists()


def test_window_filing_without_account_gets_sms_to_bare_number(item, clerk_a, django_capture_on_commit_callbacks):
    # given: a clerk files at the window for someone who has no account
    info = {"name": "赵老汉", "id_number": "110101194101050054", "phone": "13700001111"}
    with django_capture_on_commit_callbacks(execute=True):
        case = make_submitted_case(version=item, channel="window", filer=clerk_a, applicant_info=info)
    # then: the status SMS goes to the bare number, recorded and masked
    assert case.applicant_user_id is None
    sms = Message.objects.get(recipient__isnull=True, channel="sms")
    assert sms.destination == "137****1111"
    assert case.number in sms.body
