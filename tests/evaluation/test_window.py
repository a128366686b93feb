"""一次一评 at the window: clerk sessions and the evaluator device page."""

from __future__ import annotations

import pytest

from tests.cases.factories import position_of
from tests.conftest import login
from yiwang.core.errors import Conflict, PermissionDenied
from yiwang.evaluation import selectors, services
from yiwang.evaluation.models import Rating, Rectification, WindowSession


def _start(clerk, window, service="食品经营许可申请"):
    return services.window_session_start(window=window, actor=clerk, position=position_of(clerk), service=service,
                                         ticket="A012")


def test_clerk_starts_session_only_at_own_windows(windows, clerk_a, clerk_b, supervisor):
    session = _start(clerk_a, windows.a)
    assert session.staff == clerk_a and session.department == position_of(clerk_a).department
    with pytest.raises(PermissionDenied):
        _start(clerk_b, windows.a)
    with pytest.raises(PermissionDenied):  # no CASE_ACCEPT
        services.window_session_start(window=windows.a, actor=supervisor, position=position_of(supervisor))
    # A new session closes the previous unrated one.
    second = _start(clerk_a, windows.a, "高龄津贴")
    session.refresh_from_db()
    assert session.finished_at is not None and services.window_current_session(windows.a) == second


def test_device_rating_counts_for_window_staff_and_department(windows, clerk_a):
    session = _start(clerk_a, windows.a)
    rating = services.rating_submit_window(window=windows.a, grade=5, session_id=session.pk)
    assert rating.target_kind == "window" and rating.staff == clerk_a and rating.channel == "window"
    assert not rating.named and rating.rater_key == ""
    session.refresh_from_db()
    assert session.rated and services.window_current_session(windows.a) is None
    with pytest.raises(Conflict):  # the device resets: no second rating for the same service
        services.rating_submit_window(window=windows.a, grade=1, reasons=["slow"], session_id=session.pk)
    today = rating.created_at.date()
    assert selectors.satisfaction_by_staff(today, today)[clerk_a.pk]["good"] == 1
    assert selectors.satisfaction_by_window(today, today)[windows.a.pk]["total"] == 1
    assert selectors.satisfaction_by_department(today, today)[session.department_id]["rate"] == 1.0


def test_anonymous_bad_window_rating_needs_no_callback(windows, clerk_a, county):
    from tests.conftest import make_position, make_user

    head = make_user("head_a", real_name="吴主任")
    make_position(head, "department_head", county.township_a, county.civil_affairs_a)
    _start(clerk_a, windows.a)
    rating = services.rating_submit_window(window=windows.a, grade=2, reasons=["slow"])
    rect = Rectification.objects.get(rating=rating)
    assert not rect.callback_required
    rect = services.rectification_complete(rectification=rect, actor=head, position=position_of(head),
                                           plan="增加高峰时段窗口", result="已增开窗口")
    assert rect.status == "done" and rect.feedback_sent_at is None  # nobody to tell


def test_device_page_needs_device_token_or_clerk(client, windows, clerk_a, clerk_b):
    url = f"/ratings/window/{windows.a.pk}/device/"
    _start(clerk_a, windows.a)
    assert client.get(url).status_code == 403
    assert client.get(url + "?k=wrong").status_code == 403
    token = services.window_device_register(window=windows.a, actor=clerk_a, position=position_of(clerk_a))
    page = client.get(f"{url}?k={token}")
    assert page.status_code == 200 and "李娜" in page.content.decode()
    assert client.get(url).status_code == 200  # remembered in the device's session
    other = login(client.__class__(), clerk_b)
    assert other.get(url).status_code == 403
    mine = login(client.__class__(), clerk_a)
    assert mine.get(url).status_code == 200


def test_device_page_bad_grade_asks_for_reason(client, windows, clerk_a):
    url = f"/ratings/window/{windows.a.pk}/device/"
    session = _start(clerk_a, windows.a)
    token = services.window_device_register(window=windows.a, actor=clerk_a, position=position_of(clerk_a))
    client.get(f"{url}?k={token}")
    asked = client.post(url, {"grade": "2", "session": session.pk})
    assert asked.status_code == 200 and 'name="reasons"' in asked.content.decode()
    assert not Rating.objects.exists()
    done = client.post(url, {"grade": "2", "session": session.pk, "reasons": ["attitude"]})
    assert done.status_code == 200 and 'data-testid="thanks"' in done.content.decode()
    assert Rating.objects.get().reasons == ["attitude"]
    idle = client.get(url)
    assert 'data-testid="idle"' in idle.content.decode()
    assert client.post(url, {"grade": "5"}).status_code == 409


def test_console_window_page(client, windows, clerk_a):
    login(client, clerk_a)
    assert client.get("/ratings/console/window/").status_code == 200
    client.post("/ratings/console/window/", {"action": "start", "window": windows.a.pk, "service": "低保申请"})
    session = WindowSession.objects.get()
    assert session.service == "低保申请"
    device = client.post("/ratings/console/window/", {"action": "device", "window": windows.a.pk})
    assert f"/ratings/window/{windows.a.pk}/device/?k=" in device.content.decode()
    client.post("/ratings/console/window/", {"action": "finish", "session": session.pk})
    session.refresh_from_db()
    assert session.finished_at is not None
