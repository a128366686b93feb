"""Browser journey: 一次一评 on the window evaluator device. The clerk has started a service; the
citizen taps a grade on the tablet (a bad grade asks for a reason), sees the thank-you screen and
the device resets for the next person."""

from __future__ import annotations

import pytest

from tests.cases.conftest import _calendar  # noqa: F401 - official holidays (re-seeded after flushes)
from tests.cases.factories import position_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def device(county, clerk_a):
    from yiwang.evaluation import services
    from yiwang.org.models import Window

    window = Window.objects.get(hall__division=county.township_a)
    token = services.window_device_register(window=window, actor=clerk_a, position=position_of(clerk_a))
    return window, token


def _start(clerk, window, service):
    from yiwang.evaluation import services

    return services.window_session_start(window=window, actor=clerk, position=position_of(clerk), service=service)


def test_citizen_taps_very_satisfied(page, live_server, device, clerk_a):
    from yiwang.evaluation.models import Rating

    window, token = device
    session = _start(clerk_a, window, "食品经营许可申请")
    page.goto(f"{live_server.url}/ratings/window/{window.pk}/device/?k={token}")
    assert page.get_by_test_id("staff-name").inner_text() == "李娜"
    assert page.get_by_test_id("service").inner_text() == "食品经营许可申请"
    page.get_by_role("button", name="非常满意").click()
    page.get_by_test_id("thanks").wait_for()
    rating = Rating.objects.get()
    assert (rating.grade, rating.staff_id, rating.window_id, rating.session_id) == (5, clerk_a.pk, window.pk,
                                                                                  session.pk)
    assert rating.channel == "window" and rating.status == "valid"
    page.get_by_role("link", name="返回").click()
    page.get_by_test_id("idle").wait_for()  # reset: nothing left to rate


def test_citizen_taps_dissatisfied_with_a_reason(page, live_server, device, clerk_a):
    from yiwang.evaluation.models import Rating, Rectification

    window, token = device
    _start(clerk_a, window, "高龄津贴申请")
    page.goto(f"{live_server.url}/ratings/window/{window.pk}/device/?k={token}")
    page.get_by_role("button", name="不满意", exact=True).click()
    page.get_by_label("多次跑腿").check()
    page.get_by_role("button", name="提交评价").click()
    page.get_by_test_id("thanks").wait_for()
    rating = Rating.objects.get()
    assert rating.grade == 2 and rating.reasons == ["multiple_trips"]
    assert Rectification.objects.filter(rating=rating, status="open").exists()
