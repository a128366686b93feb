"""The Content-Security-Policy holds and the pages still work under it in Chromium: no violation
on public pages, registration, the TOTP pages, ECharts dashboards, htmx and the language switcher."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import login, make_position, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Injected by the browser itself (not subject to the page's policy): records every violation.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""


@pytest.fixture
def watched(page):
    page.add_init_script(WATCH)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


def _violations(page) -> list[str]:
    return page.evaluate("window.__csp || []")


def _as(page, live_server, user) -> None:
    client = login(Client(), user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def test_public_pages_run_under_the_policy(watched, live_server, county):
    for path in ["/", "/services/", "/hotline/mailbox/", "/hotline/stats/", "/ratings/public/", "/ratings/rate/",
                 "/accounts/login/", "/accounts/register/citizen/", "/calendar/deadline/"]:
        response = watched.goto(f"{live_server.url}{path}")
        assert response is not None and response.status < 500, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        watched.wait_for_load_state("load")
        assert _violations(watched) == [], path
    assert watched.errors == []


def test_an_injected_inline_script_is_blocked(watched, live_server, county):
    watched.goto(f"{live_server.url}/")
    watched.evaluate("""() => { const s = document.createElement('script');
                                s.textContent = 'window.__pwned = true'; document.body.appendChild(s); }""")
    assert watched.evaluate("window.__pwned === undefined")
    assert any(v.startswith("script-src") for v in _violations(watched))


def test_language_switcher_submits_without_inline_handler(watched, live_server, county):
    watched.goto(f"{live_server.url}/accounts/login/")
    with watched.expect_navigation():
        watched.select_option("#lang-select", "en")
    assert watched.locator("html").get_attribute("lang") == "en"
    assert _violations(watched) == []


def test_echarts_dashboard_draws_under_the_policy(watched, live_server, county):
    supervisor = make_user("supervisor", real_name="赵监察", phone="13900000003")
    make_position(supervisor, "supervisor", county.county)
    _as(watched, live_server, supervisor)
    response = watched.goto(f"{live_server.url}/performance/dashboard/")
    assert response is not None and response.status == 200
    watched.wait_for_load_state("load")
    assert watched.evaluate("typeof window.echarts") == "object"
    drawn = watched.evaluate("""() => {
        const el = document.createElement('div'); el.style.width = '300px'; el.style.height = '200px';
        document.body.appendChild(el);
        const chart = echarts.init(el);
        chart.setOption({xAxis: {type: 'category', data: ['a', 'b']}, yAxis: {type: 'value'},
                         series: [{type: 'bar', data: [1, 2]}]});
        return el.querySelectorAll('canvas').length;
    }""")
    assert drawn >= 1
    assert _violations(watched) == []
    assert watched.errors == []


def test_totp_setup_page_shows_qr_under_the_policy(watched, live_server, county):
    user = make_user("clerk_csp", real_name="李娜", phone="13900000001")
    make_position(user, "window_clerk", county.township_a, county.civil_affairs_a)
    watched.goto(f"{live_server.url}/accounts/login/")
    watched.get_by_label("用户名").fill("clerk_csp")
    watched.locator("#id_password").fill("Correct-Horse-2026")
    watched.get_by_role("button", name="登录").last.click()
    watched.wait_for_url("**/accounts/2fa/setup/**")
    assert watched.locator("svg").first.is_visible()
    assert _violations(watched) == []
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_hotline_quick_phrases_work_without_inline_handlers(watched, live_server, county):
    from yiwang.org.models import Department

    centre = Department.objects.create(name="12345热线中心", code="HOTLINE", division=county.county)
    operator = make_user("op_csp", real_name="郑丽", phone="13900000011")
    make_position(operator, "hotline_operator", county.county, centre)
    _as(watched, live_server, operator)
    response = watched.goto(f"{live_server.url}/hotline/intake/")
    assert response is not None and response.status == 200
    phrase = watched.locator("button[data-append-to]").first
    text = phrase.inner_text()
    phrase.click()
    assert text in watched.locator("#id_content").input_value()
    assert _violations(watched) == []
    assert watched.errors == []
