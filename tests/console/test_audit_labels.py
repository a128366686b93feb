"""The console audit page names actions and object types in Chinese, with the code for auditors."""

import re

from django.urls import reverse

from yiwang.core.audit import audit_record
from yiwang.org.models import Position


def _write(clerk, action, **kwargs):
    return audit_record(action=action, actor=clerk, position=Position.objects.get(user=clerk), **kwargs)


def _rows(body: str) -> str:
    return body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_audit_page_shows_chinese_action_labels_with_the_code(login_as, supervisor, clerk_a):
    # given events with a literal code, a run-time family code and an admin code
    _write(clerk_a, "account.2fa_pass", object_type="accounts.user", object_id="7")
    _write(clerk_a, "hotline.escalation.supervise", object_type="hotline.escalation", object_id="3")
    _write(clerk_a, "org.division.change.admin", object_type="org.division", object_id="1")
    # when the supervisor opens the audit page
    rows = _rows(login_as(supervisor).get(reverse("console:audit")).content.decode())
    # then each action reads in Chinese, the code stays visible for auditors
    assert "通过二次验证" in rows
    assert "<code class=\"help\">account.2fa_pass</code>" in rows
    assert "工单督办" in rows
    assert "后台修改：行政区划" in rows
    # and object types are the models' verbose names
    assert "用户 #7" in rows
    assert "行政区划 #1" in rows
    # and no cell shows a bare English code as its text
    cells = re.findall(r"<td title=\"[^\"]*\">([^<]*)", rows)
    assert cells and all(re.search(r"[\u4e00-\u9fff]", cell) for cell in cells)


def test_audit_page_filter_offers_chinese_labels(login_as, supervisor):
    body = login_as(supervisor).get(reverse("console:audit")).content.decode()
    select = body.split('<select id="action" name="action">', 1)[1].split("</select>", 1)[0]
    assert '<option value="case.accept" title="case.accept">受理办件</option>' in select
    assert '<optgroup label="办件">' in select
    assert 'value="case."' in select  # the whole area
    # every option text is Chinese
    texts = re.findall(r"<option [^>]*>([^<]*)</option>", select)
    assert len(texts) > 100
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in texts)


def test_filter_by_a_chosen_action_is_exact(login_as, supervisor, clerk_a):
    # given a code that is a prefix of another code
    _write(clerk_a, "hotline.assignment.return", object_type="x", object_id="1")
    _write(clerk_a, "hotline.assignment.return_review", object_type="x", object_id="2")
    client = login_as(supervisor)
    # when the supervisor chooses 申请退回工单
    body = client.get(reverse("console:audit"), {"action": "hotline.assignment.return"}).content.decode()
    # then only that action is listed, and it stays selected
    rows = _rows(body)
    assert "申请退回工单" in rows
    assert "审核工单退回" not in rows
    assert '<option value="hotline.assignment.return" title="hotline.assignment.return" selected>' in body
    # and the area option still matches by prefix
    rows = _rows(client.get(reverse("console:audit"), {"action": "hotline."}).content.decode())
    assert "申请退回工单" in rows and "审核工单退回" in rows


def test_filter_by_an_unlisted_prefix_still_works(login_as, supervisor, clerk_a):
    _write(clerk_a, "test.visible", object_type="x", object_id="1")
    body = login_as(supervisor).get(reverse("console:audit"), {"action": "test."}).content.decode()
    assert "test.visible" in _rows(body)
    assert '<option value="test." selected>test.</option>' in body
