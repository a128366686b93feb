"""person_unmask: who may see a person's full ID and phone, for which case or ticket, how often; every view
is audited and unusual volumes alert supervision."""

from __future__ import annotations

import pytest

from tests.conftest import make_position, make_user
from yiwang.accounts.unmasking import person_unmask
from yiwang.core.errors import InvalidInput, NotFound, PermissionDenied, RateLimited
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _position(user):
    return user.positions.get()


@pytest.fixture
def applicant_case(county, applicant):
    """A case the applicant filed online, handled in township A by its social affairs office (clerk A's scope)."""
    from tests.cases.factories import make_item, make_submitted_case

    version = make_item(department=county.civil_affairs_a, levels=["township", "village"])
    return make_submitted_case(version=version, applicant=applicant)


def test_clerk_may_unmask_a_citizen_and_it_is_audited(clerk_a, applicant, applicant_case):
    # when
    revealed = person_unmask(actor=clerk_a, position=_position(clerk_a), user_id=applicant.pk,
                             reason="受理户籍证明申请，核对身份", case_number=applicant_case.number)
    # then
    assert revealed == {"name": "王秀英", "id_number": "110101199003070011", "phone": "13800000000"}
    event = AuditEvent.objects.get(action="person.unmask")
    assert event.actor_id == clerk_a.pk
    assert event.position_id == _position(clerk_a).pk
    assert event.object_id == str(applicant.pk)
    assert event.after["reason"] == "受理户籍证明申请，核对身份"
    assert event.after["link"] == {"case": applicant_case.number}
    assert "110101199003070011" not in str(event.after) and "13800000000" not in str(event.after)


def test_clerk_may_unmask_staff_in_own_scope(county, clerk_a):
    colleague = make_user("reviewer_a", real_name="周审查", phone="13900000009")
    make_position(colleague, "reviewer", county.township_a, county.civil_affairs_a)
    revealed = person_unmask(actor=clerk_a, position=_position(clerk_a), user_id=colleague.pk, reason="核对联系方式")
    assert revealed["phone"] == "13900000009"


def test_clerk_b_cannot_unmask_staff_of_township_a(clerk_a, clerk_b):
    with pytest.raises(PermissionDenied):
        person_unmask(actor=clerk_b, position=_position(clerk_b), user_id=clerk_a.pk, reason="好奇")
    assert not AuditEvent.objects.filter(action="person.unmask").exists()


def test_departmental_scope_applies_to_staff(county, clerk_a):
    """Same township, other department: outside a window clerk's (departmental) scope."""
    other = make_user("bureau_clerk", phone="13900000010")
    make_position(other, "reviewer", county.township_a, county.civil_affairs_b)
    with pytest.raises(PermissionDenied):
        person_unmask(actor=clerk_a, position=_position(clerk_a), user_id=other.pk, reason="核对")


def test_county_administrator_may_unmask_township_staff(admin_user, clerk_b):
    revealed = person_unmask(actor=admin_user, position=_position(admin_user), user_id=clerk_b.pk, reason="账户核查")
    assert revealed["phone"] == "13900000002"


def test_supervisor_lacks_the_permission(supervisor, applicant):
    with pytest.raises(PermissionDenied):
        person_unmask(actor=supervisor, position=_position(supervisor), user_id=applicant.pk, reason="检查")


def test_position_must_belong_to_actor(clerk_a, clerk_b, applicant):
    with pytest.raises(PermissionDenied):
        person_unmask(actor=clerk_b, position=_position(clerk_a), user_id=applicant.pk, reason="冒用岗位")


def test_inactive_position_is_refused(clerk_a, applicant):
    position = _position(clerk_a)
    position.is_active = False
    position.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        person_unmask(actor=clerk_a, position=position, user_id=applicant.pk, reason="核对")


@pytest.mark.parametrize("reason", ["", "   ", "a"])
def test_reason_is_required(clerk_a, applicant, reason):
    with pytest.raises(InvalidInput):
        person_unmask(actor=clerk_a, position=_position(clerk_a), user_id=applicant.pk, reason=reason)
    assert not AuditEvent.objects.filter(action="person.unmask").exists()


def test_unknown_person(clerk_a):
    with pytest.raises(NotFound):
        person_unmask(actor=clerk_a, position=_position(clerk_a), user_id=999999, reason="核对")


# --- through the console ------------------------------------------------------------------------


def test_console_unmask_view(login_as, clerk_a, applicant, applicant_case):
    client = login_as(clerk_a)
    response = client.post(f"/console/people/{applicant.pk}/unmask/",
                           {"reason": "受理核对", "case_number": applicant_case.number})
    assert response.status_code == 200
    assert "110101199003070011" in response.content.decode()
    assert AuditEvent.objects.filter(action="person.unmask", actor_id=clerk_a.pk).count() == 1


def test_console_unmask_forbidden_for_other_township(login_as, clerk_a, clerk_b):
    client = login_as(clerk_b)
    response = client.post(f"/console/people/{clerk_a.pk}/unmask/", {"reason": "看看"})
    assert response.status_code == 403
    assert "11010119900307003X" not in response.content.decode()


def test_console_unmask_anonymous_redirects_to_login(client, applicant):
    response = client.post(f"/console/people/{applicant.pk}/unmask/", {"reason": "看看"})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


# --- purpose: a case or ticket in scope ------------------------------------------------------------


def test_citizen_without_a_link_is_refused(clerk_a, applicant, applicant_case):
    with pytest.raises(InvalidInput) as exc:
        person_unmask(actor=clerk_a, position=_position(clerk_a), user_id=applicant.pk, reason="核对身份")
    assert exc.value.details["errors"][0]["field"] == "link"
    assert not AuditEvent.objects.filter(action="person.unmask").exists()


def test_case_outside_the_clerks_scope_is_refused(clerk_b, applicant, applicant_case):
    with pytest.raises(PermissionDenied):
        person_unmask(actor=clerk_b, position=_position(clerk_b), user_id=applicant.pk, reason="核对身份",
                      case_number=applicant_case.number)
    assert not AuditEvent.objects.filter(action="person.unmask").exists()


def test_case_about_someone_else_is_refused(clerk_a, applicant_case):
    stranger = make_user("stranger", kind="citizen", real_name="陌生人", phone="13800000009")
    with pytest.raises(PermissionDenied):
        person_unmask(actor=clerk_a, position=_position(clerk_a), user_id=stranger.pk, reason="核对身份",
                      case_number=applicant_case.number)


def test_unknown_case_and_ticket_outside_scope_are_refused(clerk_a, applicant):
    from yiwang.hotline.services.intake import ticket_create

    ticket = ticket_create(category="complaint", channel="web", content="噪音扰民", actor=applicant)
    for link in ({"case_number": "YW3713272026999999"}, {"ticket_number": ticket.number}):
        with pytest.raises(PermissionDenied):
            person_unmask(actor=clerk_a, position=_position(clerk_a), user_id=applicant.pk, reason="核对身份",
                          **link)


def test_console_refuses_a_citizen_without_a_link(login_as, clerk_a, applicant):
    response = login_as(clerk_a).post(f"/console/people/{applicant.pk}/unmask/", {"reason": "受理核对"})
    assert response.status_code == 400
    assert "110101199003070011" not in response.content.decode()


# --- volume: rate limit and supervision alert ------------------------------------------------------


def _unmask(clerk, applicant, case):
    return person_unmask(actor=clerk, position=_position(clerk), user_id=applicant.pk, reason="核对身份",
                         case_number=case.number)


def test_views_per_position_per_hour_are_limited(settings, clerk_a, applicant, applicant_case):
    settings.PERSON_UNMASK_LIMIT_PER_HOUR = 3
    for _i in range(3):
        _unmask(clerk_a, applicant, applicant_case)
    with pytest.raises(RateLimited) as exc:
        _unmask(clerk_a, applicant, applicant_case)
    assert exc.value.status == 429 and exc.value.details["limit_per_hour"] == 3
    assert AuditEvent.objects.filter(action="person.unmask").count() == 3


def test_supervision_is_alerted_above_the_threshold_and_not_below(
        settings, django_capture_on_commit_callbacks, clerk_a, applicant, applicant_case):
    from yiwang.supervision.models import Alert

    settings.PERSON_UNMASK_ALERT_PER_HOUR = 2
    # given views up to the threshold: no alert
    with django_capture_on_commit_callbacks(execute=True):
        _unmask(clerk_a, applicant, applicant_case)
        _unmask(clerk_a, applicant, applicant_case)
    assert not Alert.objects.filter(rule__code="unmask_volume").exists()
    # when one more view crosses it
    with django_capture_on_commit_callbacks(execute=True):
        _unmask(clerk_a, applicant, applicant_case)
    # then supervision has one alert on the clerk's position
    alert = Alert.objects.get(rule__code="unmask_volume")
    position = _position(clerk_a)
    assert (alert.object_id, alert.level, alert.department_id) == (position.pk, "yellow", position.department_id)
    assert "3" in alert.message
    # and more views keep the one alert
    with django_capture_on_commit_callbacks(execute=True):
        _unmask(clerk_a, applicant, applicant_case)
    assert Alert.objects.filter(rule__code="unmask_volume").count() == 1
