"""The README's "Things to try", in Chromium, on the seeded demo county (``seed_demo``).

食品经营许可: ``citizen`` applies online with its materials; ``clerk`` accepts at the window (一窗受理);
``samr_reviewer`` reviews; ``samr_approver`` grants; ``clerk`` closes the case (办结, 一窗出件); the
licence verifies on its QR page; and supervision, swept at the end, has **no alert** for the case:
correct work raises no card.

Citizens sign in through the login page; staff sessions are created server-side with two-factor
passed (the TOTP screen has its own journey in ``test_login_totp.py``).
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.browser import sessions
from tests.browser.sessions import flash
from tests.migration_data import restore_migration_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def demo(transactional_db, settings):
    """The demo county as ``make run`` seeds it (calendar data come back after each flush)."""
    from yiwang.calendar import engine
    from yiwang.calendar.models import CalendarDay, CalendarYear
    from yiwang.calendar.seeding import seed_calendar

    seed_calendar(CalendarDay, CalendarYear)
    restore_migration_data()  # rules, templates, themes: another test may have flushed them
    engine.invalidate()
    engine.reset()
    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=io.StringIO())
    yield
    engine.reset()


def _user(username: str) -> Any:
    from yiwang.accounts.models import User

    return User.objects.get(username=username)


def as_staff(page: Any, live_server: Any, username: str) -> None:
    sessions.as_staff(page, live_server, _user(username))


def as_citizen(page: Any, live_server: Any, username: str) -> None:
    from yiwang.org.demo_data import DEMO_PASSWORD

    sessions.as_citizen(page, live_server, username, DEMO_PASSWORD)


def case_row(page: Any, number: str) -> Any:
    return page.get_by_role("row").filter(has_text=number)


def _complete_from_inbox(page: Any, live_server: Any, username: str, number: str, step: str, *,
                         opinion: str = "", grant: bool = False) -> None:
    as_staff(page, live_server, username)
    page.goto(f"{live_server.url}/cases/console/inbox/")
    row = case_row(page, number)
    assert step in row.inner_text()
    row.get_by_role("link", name="办理").click()
    if grant:
        page.get_by_role("radio", name="准予").check()
    if opinion:
        page.get_by_label("审查意见").fill(opinion)
    page.get_by_role("button", name="完成本环节").click()
    page.wait_for_load_state()
    assert f"已完成：{step}" in flash(page)


def test_readme_journey_food_licence_without_a_single_alert(page, live_server, demo):
    from yiwang.cases.models import Case, CaseStatus
    from yiwang.catalog.models import ServiceItemVersion
    from yiwang.licences.models import Licence
    from yiwang.supervision.engine import sweep
    from yiwang.supervision.models import Alert

    version = ServiceItemVersion.objects.get(name="食品经营许可", status="published")
    before = set(Case.objects.values_list("pk", flat=True))

    # -- the citizen searches the home page and applies with every material
    as_citizen(page, live_server, "citizen")
    page.goto(f"{live_server.url}/")
    page.get_by_role("searchbox").first.fill("食品经营许可")
    page.get_by_role("searchbox").first.press("Enter")
    page.wait_for_load_state()
    page.get_by_role("link", name="食品经营许可").first.click()
    page.goto(f"{live_server.url}/cases/apply/{version.item.base_code}/")
    assert page.get_by_role("heading", name="申请：食品经营许可").is_visible()
    if page.get_by_label("通讯地址").count():
        page.get_by_label("通讯地址").fill("莒南县十字路街道人民路 88 号")
    files = page.locator("input[type=file]")
    for index in range(files.count()):
        files.nth(index).set_input_files({"name": f"材料{index + 1}.pdf", "mimeType": "application/pdf",
                                          "buffer": PDF_BYTES})
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/cases/mine/*/")
    assert "申请已提交" in flash(page)
    case = Case.objects.exclude(pk__in=before).get(version=version)
    number = case.number

    # -- the clerk accepts at the comprehensive window, and can open the handling page it links to
    as_staff(page, live_server, "clerk")
    page.goto(f"{live_server.url}/cases/console/acceptance/")
    case_row(page, number).get_by_role("link", name=number).click()
    page.get_by_role("button", name="受理并出具受理通知书").click()
    page.wait_for_load_state()
    assert "已受理，受理通知书已出具" in flash(page)
    response = page.goto(f"{live_server.url}{reverse('cases:handling_case', kwargs={'pk': case.pk})}")
    assert response is not None and response.status == 200
    # the notices on the staff page download through the permission-checked view
    notice_link = page.get_by_role("link", name="下载").first
    href = notice_link.get_attribute("href") or ""
    assert "/media/" not in href
    if href:
        assert page.request.get(f"{live_server.url}{href}").status == 200

    # -- review, decision, and 办结 at the window (一窗出件)
    _complete_from_inbox(page, live_server, "samr_reviewer", number, "审查", opinion="材料齐全，现场核查符合要求")
    _complete_from_inbox(page, live_server, "samr_approver", number, "决定", opinion="同意核发食品经营许可证",
                         grant=True)
    _complete_from_inbox(page, live_server, "clerk", number, "办结")
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED and case.completed_at is not None
    basic = page.get_by_role("region", name="基本信息").inner_text()
    assert "已办结" in basic and "准予" in basic

    # -- the licence verifies on its QR page, which points at the server actually running
    licence = Licence.objects.get(case=case)
    from yiwang.licences.pdf import verify_url

    verify = (f"{live_server.url}{reverse('licences:verify', kwargs={'number': licence.number})}?"
              f"{urlencode({'code': licence.verify_code})}")
    page.context.clear_cookies()
    page.goto(verify)
    assert page.locator("#verify-status").inner_text().endswith("有效")
    assert verify_url(licence).endswith(verify[len(live_server.url):])

    # -- and supervision has nothing to say about this case, at event time or in the sweep
    # (with its rules in place: a silence because the rules were missing would prove nothing)
    from yiwang.supervision.models import Rule

    assert Rule.objects.filter(is_active=True).count() >= 10
    sweep(notify=False)
    alerts = list(Alert.objects.filter(case_id=case.pk).values_list("rule__code", "level", "message"))
    assert alerts == []
