"""Alert lifecycle and permissions: scope, who may close a red card, API authentication, pages."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.factories import PDF_BYTES
from tests.cases.test_handling_helpers import make_case
from tests.conftest import login, make_position, make_user
from tests.supervision.conftest import pos
from yiwang.core.audit import AuditEvent  # type: ignore[attr-defined]
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.supervision import selectors, services
from yiwang.supervision.engine import sweep
from yiwang.supervision.models import ActionKind, Alert, AlertLevel, AlertStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def township_head(county):
    user = make_user("szl_head", real_name="十字路负责人", phone="13900000031")
    make_position(user, "department_head", county.township_a, county.civil_affairs_a)
    return user


@pytest.fixture
def red_alert(county, standard_item, people):
    """A red card (charge on a free item) on a case handled by township A's department."""
    case = make_case(version=standard_item, division=county.township_a, department=county.civil_affairs_a)
    case.fee_paid = Decimal("15")
    case.save()
    sweep(notify=False, codes=["fee_mismatch"])
    alert = Alert.objects.get(rule__code="fee_mismatch")
    assert alert.level == AlertLevel.RED
    return alert


def test_other_township_supervisor_cannot_see_the_alert(red_alert, people, supervisor):
    assert list(selectors.alert_list(position=pos(people.supervisor_a))) == [red_alert]
    assert list(selectors.alert_list(position=pos(supervisor))) == [red_alert]  # the county sees all
    assert not selectors.alert_list(position=pos(people.supervisor_b)).exists()
    with pytest.raises(NotFound):
        selectors.alert_get(position=pos(people.supervisor_b), pk=red_alert.pk)
    with pytest.raises(NotFound):
        services.alert_close(alert=red_alert, text="", actor=people.supervisor_b, position=pos(people.supervisor_b))


def test_department_cannot_close_its_own_red_alert(red_alert, township_head, people):
    head = pos(township_head)
    services.alert_correct(alert=red_alert, text="已退还多收费用", actor=township_head, position=head,
                           attachment=SimpleUploadedFile("退款凭证.pdf", PDF_BYTES, content_type="application/pdf"))
    with pytest.raises(PermissionDenied):
        services.alert_close(alert=red_alert, text="已整改", actor=township_head, position=head)
    red_alert.refresh_from_db()
    assert red_alert.status == AlertStatus.CORRECTED
    action = red_alert.actions.get(kind=ActionKind.CORRECT)
    assert action.attachment_name == "退款凭证.pdf" and len(action.attachment_sha256) == 64
    # another department's head does not even see it
    with pytest.raises(NotFound):
        services.alert_explain(alert=red_alert, text="x", actor=people.head, position=pos(people.head))
    # the supervisor verifies and closes it; closing twice is a no-op
    sup = pos(people.supervisor_a)
    services.alert_verify(alert=red_alert, text="核实属实", actor=people.supervisor_a, position=sup)
    services.alert_close(alert=red_alert, text="整改到位", actor=people.supervisor_a, position=sup)
    services.alert_close(alert=red_alert, text="整改到位", actor=people.supervisor_a, position=sup)
    red_alert.refresh_from_db()
    assert red_alert.status == AlertStatus.CLOSED and red_alert.closed_at is not None
    assert red_alert.actions.filter(kind=ActionKind.CLOSE).count() == 1
    assert set(AuditEvent.objects.filter(object_id=str(red_alert.pk), action__startswith="supervision.alert_")
               .values_list("action", flat=True)) == {"supervision.alert_correct", "supervision.alert_verify",
                                                      "supervision.alert_close"}


def test_supervisor_cannot_close_an_untouched_red_alert_nor_verify_before_correction(red_alert, people):
    sup = pos(people.supervisor_a)
    with pytest.raises(Conflict):
        services.alert_verify(alert=red_alert, text="", actor=people.supervisor_a, position=sup)
    with pytest.raises(Conflict):
        services.alert_close(alert=red_alert, text="", actor=people.supervisor_a, position=sup)


def test_department_closes_its_yellow_alert_after_explaining(red_alert, township_head):
    Alert.objects.filter(pk=red_alert.pk).update(level=AlertLevel.YELLOW)
    red_alert.refresh_from_db()
    head = pos(township_head)
    with pytest.raises(Conflict):
        services.alert_close(alert=red_alert, text="", actor=township_head, position=head)
    services.alert_explain(alert=red_alert, text="系统录入错误，已更正", actor=township_head, position=head)
    services.alert_close(alert=red_alert, text="", actor=township_head, position=head)
    red_alert.refresh_from_db()
    assert red_alert.status == AlertStatus.CLOSED


def test_bad_attachment_and_empty_text_are_refused(red_alert, township_head):
    head = pos(township_head)
    with pytest.raises(InvalidInput):
        services.alert_explain(alert=red_alert, text="  ", actor=township_head, position=head)
    with pytest.raises(InvalidInput):
        services.alert_correct(alert=red_alert, text="见附件", actor=township_head, position=head,
                               attachment=SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf"))
    red_alert.refresh_from_db()
    assert red_alert.status == AlertStatus.RAISED


def test_escalation_issues_a_recommendation_pdf(red_alert, people, township_head):
    sup = pos(people.supervisor_a)
    services.alert_escalate(alert=red_alert, text="限期三日内整改", actor=people.supervisor_a, position=sup)
    red_alert.refresh_from_db()
    assert red_alert.status == AlertStatus.ESCALATED
    action = red_alert.actions.get(kind=ActionKind.ESCALATE)
    assert action.attachment.read(5) == b"%PDF-" and len(action.attachment_sha256) == 64
    recommendation = Alert.objects.get(level=AlertLevel.RECOMMENDATION)
    assert recommendation.object_id == red_alert.object_id and recommendation.department_id == red_alert.department_id
    with pytest.raises(PermissionDenied):
        services.alert_escalate(alert=red_alert, text="x", actor=township_head, position=pos(township_head))


def test_notification_goes_to_responsible_department_head(red_alert, township_head, people):
    from yiwang.notify.models import Message

    services.alerts_notify(alert_ids=[red_alert.pk])
    services.alerts_notify(alert_ids=[red_alert.pk])
    assert {m.channel for m in Message.objects.filter(recipient=township_head)} == {"inbox", "sms"}
    assert Message.objects.filter(recipient=township_head).count() == 2
    assert not Message.objects.filter(recipient=people.head).exists()
    red_alert.refresh_from_db()
    assert red_alert.status == AlertStatus.NOTIFIED


def test_rule_update_needs_rule_manage(people, township_head):
    from yiwang.supervision.models import Rule

    rule = Rule.objects.get(code="time_limit_step")
    with pytest.raises(PermissionDenied):
        services.rule_update(rule=rule, actor=township_head, position=pos(township_head), is_active=False)
    services.rule_update(rule=rule, actor=people.supervisor_a, position=pos(people.supervisor_a),
                         params={"yellow_workdays": 2})
    rule.refresh_from_db()
    assert rule.params["yellow_workdays"] == 2
    with pytest.raises(InvalidInput):
        services.rule_update(rule=rule, actor=people.supervisor_a, position=pos(people.supervisor_a),
                             params={"yellow_workdays": "many"})


# --- API ----------------------------------------------------------------------------------------


def test_api_anonymous_401_and_citizen_403(client, red_alert, people):
    assert client.get("/api/v1/supervision/alerts").status_code == 401
    login(client, people.citizen)
    response = client.get("/api/v1/supervision/alerts")
    assert response.status_code == 403
    assert client.post(f"/api/v1/supervision/alerts/{red_alert.pk}/actions", data=json.dumps(
        {"kind": "close"}), content_type="application/json").status_code == 403


def test_api_scope_and_lifecycle(client, red_alert, people, township_head):
    login(client, people.supervisor_b)
    assert client.get("/api/v1/supervision/alerts").json()["count"] == 0
    assert client.get(f"/api/v1/supervision/alerts/{red_alert.pk}").status_code == 404
    login(client, township_head)
    body = client.get("/api/v1/supervision/alerts?level=red").json()
    assert [row["id"] for row in body["results"]] == [red_alert.pk]
    url = f"/api/v1/supervision/alerts/{red_alert.pk}/actions"
    assert client.post(url, data=json.dumps({"kind": "explain", "text": "已说明"}),
                       content_type="application/json").status_code == 200
    assert client.post(url, data=json.dumps({"kind": "close"}), content_type="application/json").status_code == 403
    assert client.post(url, data=json.dumps({"kind": "fly"}), content_type="application/json").status_code == 400
    login(client, people.supervisor_a)
    assert client.post(url, data=json.dumps({"kind": "verify", "text": "ok"}),
                       content_type="application/json").status_code == 200
    detail = client.post(url, data=json.dumps({"kind": "close", "text": "ok"}), content_type="application/json").json()
    assert detail["status"] == "closed" and [a["kind"] for a in detail["actions"]] == ["explain", "verify", "close"]
    counts = client.get("/api/v1/supervision/counts").json()
    assert counts["levels"]["red"] == 0
    assert counts["service_points"][0]["code"] == "371327001"


def test_api_rules(client, people, township_head):
    login(client, township_head)
    assert client.get("/api/v1/supervision/rules").status_code == 403
    login(client, people.supervisor_a)
    rules = client.get("/api/v1/supervision/rules").json()
    assert "time_limit_step" in {r["code"] for r in rules}
    response = client.patch("/api/v1/supervision/rules/time_limit_step", data=json.dumps(
        {"is_active": False, "params": {"yellow_workdays": 2}}), content_type="application/json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert client.patch("/api/v1/supervision/rules/nope", data=json.dumps({}),
                        content_type="application/json").status_code == 404


# --- pages ---------------------------------------------------------------------------------------


def test_console_pages(client, red_alert, people, township_head, county):
    login(client, people.supervisor_a)
    page = client.get("/supervision/")
    assert page.status_code == 200
    html = page.content.decode()
    assert red_alert.message in html and "十字路街道便民服务中心" in html
    partial = client.get("/supervision/?level=red", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "hx-trigger" in partial.content.decode()
    detail = client.get(f"/supervision/alerts/{red_alert.pk}/")
    assert detail.status_code == 200
    assert client.get("/supervision/rules/").status_code == 200
    login(client, people.supervisor_b)
    assert red_alert.message not in client.get("/supervision/").content.decode()
    assert client.get(f"/supervision/alerts/{red_alert.pk}/").status_code == 404
    login(client, township_head)
    response = client.post(f"/supervision/alerts/{red_alert.pk}/correct/", {"text": "已纠正"})
    assert response.status_code == 302
    red_alert.refresh_from_db()
    assert red_alert.status == AlertStatus.CORRECTED
    assert client.get("/supervision/rules/").status_code == 403
