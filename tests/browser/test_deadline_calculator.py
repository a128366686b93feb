"""Browser journey: a villager computes a legal deadline across the 2026 National Day holiday."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def seeded_calendar(transactional_db):
    # Transactional tests flush tables between tests, so re-seed the calendar for this one.
    from yiwang.calendar import engine
    from yiwang.calendar.models import CalendarDay, CalendarYear
    from yiwang.calendar.seeding import seed_calendar

    seed_calendar(CalendarDay, CalendarYear, years=[2025, 2026])
    engine.invalidate()


def test_deadline_calculator_crosses_national_day(page, live_server, seeded_calendar):
    # given: the public calculator page
    page.goto(f"{live_server.url}/deadline/")
    assert page.locator("h1").inner_text() == "办理时限计算器"
    # when: 2026-09-30 + 1 working day, typed with the keyboard
    page.get_by_label("起算日").fill("2026-09-30")
    page.get_by_label("天数").fill("1")
    page.get_by_role("button", name="计算到期日").click()
    # then: 10/1–10/7 are holidays, so the due date is Thursday 2026-10-08
    result = page.locator("#result")
    result.wait_for()
    assert "2026-10-08" in result.inner_text()
    assert "国庆" in result.inner_text()


def test_deadline_calculator_counts_adjusted_saturday(page, live_server, seeded_calendar):
    page.goto(f"{live_server.url}/deadline/?start=2026-02-13&workdays=1")
    # 2026-02-14 (Saturday) is a 调休 working day before 春节.
    assert "2026-02-14" in page.locator("#result").inner_text()


def test_deadline_calculator_shows_field_error(page, live_server, seeded_calendar):
    page.goto(f"{live_server.url}/deadline/?start=2026-13-45&workdays=1")
    assert page.locator("#start-error").is_visible()
    assert page.locator("#result").count() == 0


def test_large_font_mode_toggles(page, live_server, seeded_calendar):
    page.goto(f"{live_server.url}/deadline/")
    page.get_by_role("button", name="大字模式").click()
    page.wait_for_load_state()
    assert "large-font" in (page.locator("html").get_attribute("class") or "")
