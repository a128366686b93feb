"""差评整改 and 申诉复核: the 15-working-day clock across 国庆 2026, callbacks for named raters,
feedback, appeals that exclude (or keep) a rating, statistics and permissions."""

from __future__ import annotations

from datetime import date

import pytest

from tests.cases.factories import at, position_of
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.evaluation import selectors, services
from yiwang.evaluation.models import Appeal, Rating, Rectification
from yiwang.evaluation.services.rectification import RECTIFY_CLOCK_PURPOSE

RATED_ON = date(2026, 9, 28)  # Monday before 国庆: Oct 1–7 off, Sat Oct 10 a working day


def _bad_rating(case, *, on: date = RATED_ON, grade: int = 1) -> Rating:
    invitation = services.invitation_issue(case=case, now=at(on, 9))
    return services.rating_submit_online(token=invitation.token, grade=grade, reasons=["attitude"],
                                         comment="窗口人员态度生硬", now=at(on, 11))


def test_bad_rating_opens_rectification_with_15_workday_clock_across_national_day(case):
    from yiwang.calendar import engine
    from yiwang.calendar.selectors import clock_for_object

    rating = _bad_rating(case)
    rect = Rectification.objects.get(rating=rating)
    # 9/29, 9/30, 10/8, 10/9, 10/10 (调休), 10/12–16, 10/19–23: the 15th working day is Fri 23 Oct.
    assert rect.due_date == date(2026, 10, 23) == engine.add_workdays(RATED_ON, 15)
    assert rect.start_date == RATED_ON and rect.budget_workdays == 15
    assert rect.department == case.department and rect.status == "open" and rect.callback_required
    clock = clock_for_object(rect, purpose=RECTIFY_CLOCK_PURPOSE)
    assert clock is not None and clock.due_date == rect.due_date and clock.budget == 15


def test_rectification_budget_is_configurable(case, settings):
    settings.YIWANG_RECTIFY_WORKDAYS = 5
    rect = _bad_rating(case).rectification
    assert rect.budget_workdays == 5 and rect.due_date == date(2026, 10, 10)  # 9/29, 9/30, 10/8, 10/9, 10/10


def test_good_rating_opens_no_rectification(case):
    invitation = services.invitation_issue(case=case)
    services.rating_submit_online(token=invitation.token, grade=3)
    assert not Rectification.objects.exists()


def test_named_rater_needs_callback_before_completion_and_gets_feedback(case, depthead, applicant,
                                                                        django_capture_on_commit_callbacks):
    from yiwang.notify.models import Message

    rect = _bad_rating(case).rectification
    position = position_of(depthead)
    with pytest.raises(Conflict) as exc:
        services.rectification_complete(rectification=rect, actor=depthead, position=position,
                                        plan="加强培训", result="已约谈并培训")
    assert exc.value.code == "callback_required"
    with pytest.raises(InvalidInput):
        services.rectification_callback(rectification=rect, actor=depthead, position=position, verified=True,
                                        note="  ")
    rect = services.rectification_callback(rectification=rect, actor=depthead, position=position, verified=True,
                                           note="电话回访，情况属实")
    assert rect.status == "rectifying" and rect.callback_verified is True
    with django_capture_on_commit_callbacks(execute=True):
        rect = services.rectification_complete(rectification=rect, actor=depthead, position=position,
                                               plan="加强服务礼仪培训", result="已约谈当事人并组织培训",
                                               now=at(date(2026, 10, 20)))
    assert rect.status == "done" and rect.done_on == date(2026, 10, 20) and rect.on_time
    assert rect.feedback_sent_at is not None
    assert Message.objects.filter(recipient=applicant, template="rating.feedback").exists()
    with pytest.raises(Conflict):
        services.rectification_complete(rectification=rect, actor=depthead, position=position, plan="x", result="y")


def test_department_heads_are_told_of_a_bad_rating(case, depthead, django_capture_on_commit_callbacks):
    from yiwang.notify.models import Message

    with django_capture_on_commit_callbacks(execute=True):
        _bad_rating(case)
    assert Message.objects.filter(recipient=depthead, template="rating.bad_received").exists()


def test_other_department_cannot_rectify(case, other_head, clerk_a):
    rect = _bad_rating(case).rectification
    with pytest.raises((NotFound, PermissionDenied)):
        services.rectification_callback(rectification=rect, actor=other_head, position=position_of(other_head),
                                        verified=True, note="回访")
    with pytest.raises(PermissionDenied):  # a window clerk has no RATING_RECTIFY
        services.rectification_callback(rectification=rect, actor=clerk_a, position=position_of(clerk_a),
                                        verified=True, note="回访")
    with pytest.raises(NotFound):
        selectors.rectification_get_for_position(position=position_of(other_head), pk=rect.pk)
    rect.refresh_from_db()
    assert rect.callback_at is None


def test_acting_with_someone_elses_position_is_refused(case, depthead, other_head):
    rect = _bad_rating(case).rectification
    with pytest.raises(PermissionDenied):
        services.rectification_callback(rectification=rect, actor=other_head, position=position_of(depthead),
                                        verified=True, note="回访")


def _appeal(case, depthead) -> Appeal:
    rating = _bad_rating(case)
    return services.appeal_file(rating=rating, actor=depthead, position=position_of(depthead),
                                reason="评价人当天未到窗口办理，系误评", evidence="窗口监控录像")


def test_appeal_upheld_excludes_rating_from_statistics(case, depthead, supervisor):
    appeal = _appeal(case, depthead)
    rating = appeal.rating
    rating.refresh_from_db()
    assert rating.status == "under_appeal"
    stats = selectors.satisfaction_by_department(RATED_ON, RATED_ON)
    assert stats[case.department_id] == {"total": 1, "good": 0, "bad": 1, "rate": 0.0}
    services.appeal_review(appeal=appeal, actor=supervisor, position=position_of(supervisor), uphold=True,
                           note="经核查录像，申诉成立")
    rating.refresh_from_db()
    assert rating.status == "excluded"
    assert case.department_id not in selectors.satisfaction_by_department(RATED_ON, RATED_ON)
    rect = Rectification.objects.get(rating=rating)
    assert rect.status == "cancelled"
    assert selectors.rectification_timeliness(date(2026, 10, 1), date(2026, 10, 31)) == {}


def test_appeal_rejected_keeps_rating(case, depthead, supervisor):
    appeal = _appeal(case, depthead)
    appeal = services.appeal_review(appeal=appeal, actor=supervisor, position=position_of(supervisor),
                                    uphold=False, note="证据不足")
    assert appeal.status == "rejected" and appeal.reviewer == supervisor
    appeal.rating.refresh_from_db()
    assert appeal.rating.status == "valid"
    assert selectors.satisfaction_by_department(RATED_ON, RATED_ON)[case.department_id]["bad"] == 1
    assert appeal.rating.rectification.status == "open"
    with pytest.raises(Conflict):  # reviewed once; and one appeal per rating
        services.appeal_review(appeal=appeal, actor=supervisor, position=position_of(supervisor), uphold=True,
                               note="再议")
    with pytest.raises(Conflict):
        services.appeal_file(rating=appeal.rating, actor=depthead, position=position_of(depthead), reason="再次申诉")


def test_appeal_permissions(case, depthead, other_head, applicant, supervisor):
    rating = _bad_rating(case)
    with pytest.raises(NotFound):  # another department cannot appeal this rating
        services.appeal_file(rating=rating, actor=other_head, position=position_of(other_head), reason="误评")
    appeal = services.appeal_file(rating=rating, actor=depthead, position=position_of(depthead), reason="误评")
    with pytest.raises(PermissionDenied):  # a citizen has no position
        services.appeal_review(appeal=appeal, actor=applicant, position=None, uphold=True, note="成立")
    with pytest.raises(PermissionDenied):  # the department cannot review its own appeal
        services.appeal_review(appeal=appeal, actor=depthead, position=position_of(depthead), uphold=True,
                               note="成立")
    with pytest.raises(InvalidInput):
        services.appeal_review(appeal=appeal, actor=supervisor, position=position_of(supervisor), uphold=True,
                               note="")
    appeal.refresh_from_db()
    assert appeal.status == "pending"


def test_township_supervisor_cannot_review_county_appeal(case, depthead, county):
    from tests.conftest import make_position, make_user

    szl = make_user("szl_supervisor", real_name="十字路监察")
    make_position(szl, "supervisor", county.township_b)
    appeal = _appeal(case, depthead)  # the case is handled in village A1 (township A)
    with pytest.raises(NotFound):
        services.appeal_review(appeal=appeal, actor=szl, position=position_of(szl), uphold=True, note="成立")
    assert not selectors.appeal_list_for_position(position=position_of(szl)).exists()


def test_satisfaction_selectors_and_timeliness(case, depthead, county):
    from tests.cases.factories import make_item, make_submitted_case

    good = services.invitation_issue(case=case, now=at(RATED_ON, 9))
    services.rating_submit_online(token=good.token, grade=5, now=at(RATED_ON, 10))
    other = make_submitted_case(version=make_item(department=county.civil_affairs, levels=["township", "village"]),
                                applicant=case.applicant_user)
    rect = _bad_rating(other).rectification
    stats = selectors.satisfaction_by_department(RATED_ON, RATED_ON)
    assert stats[case.department_id] == {"total": 2, "good": 1, "bad": 1, "rate": 0.5}
    assert selectors.satisfaction_by_department(date(2026, 9, 29), date(2026, 9, 30)) == {}
    position = position_of(depthead)
    services.rectification_callback(rectification=rect, actor=depthead, position=position, verified=True, note="回访")
    services.rectification_complete(rectification=rect, actor=depthead, position=position, plan="p", result="r",
                                    now=at(date(2026, 10, 26)))  # after the 23 Oct deadline
    timeliness = selectors.rectification_timeliness(date(2026, 10, 1), date(2026, 10, 31))
    assert timeliness[case.department_id] == {"due": 1, "on_time": 0, "late": 1, "open": 0, "rate": 0.0}


def test_overdue_marking_is_set_based(case):
    rect = _bad_rating(case).rectification
    assert services.rectifications_mark_overdue(today=date(2026, 10, 23)) == 0
    assert services.rectifications_mark_overdue(today=date(2026, 10, 24)) == 1
    rect.refresh_from_db()
    assert rect.status == "overdue"


def test_console_pages(client, case, depthead, supervisor, other_head):
    from tests.conftest import login

    rect = _bad_rating(case).rectification
    login(client, depthead)
    assert client.get("/ratings/console/").status_code == 200
    assert client.get("/ratings/console/rectifications/").status_code == 200
    page = client.get(f"/ratings/console/rectifications/{rect.pk}/")
    assert page.status_code == 200 and "窗口人员态度生硬" in page.content.decode()
    client.post(f"/ratings/console/rectifications/{rect.pk}/", {"action": "callback", "verified": "1",
                                                                 "callback_note": "电话回访属实"})
    client.post(f"/ratings/console/rectifications/{rect.pk}/", {"action": "appeal", "reason": "误评"})
    rect.refresh_from_db()
    assert rect.callback_verified is True
    appeal = Appeal.objects.get()
    login(client, supervisor)
    assert client.get("/ratings/console/appeals/").status_code == 200
    client.post(f"/ratings/console/appeals/{appeal.pk}/", {"decision": "reject", "note": "证据不足"})
    appeal.refresh_from_db()
    assert appeal.status == "rejected"
    login(client, other_head)
    assert client.get(f"/ratings/console/rectifications/{rect.pk}/").status_code == 404


def test_public_page_masks_personal_data(client, case, applicant):
    _bad_rating(case)
    response = client.get("/ratings/public/?start=2026-09-01&end=2026-09-30")
    html = response.content.decode()
    assert response.status_code == 200
    assert case.department.name in html and "态度不好" in html
    assert applicant.real_name not in html and "13800000000" not in html
    assert client.get("/ratings/public/?start=bad").status_code == 200
