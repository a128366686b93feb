"""The staff console: position switcher, scoped pages, forbidden paths."""

import pytest
from django.urls import reverse

from tests.conftest import make_position
from yiwang.core.models import AuditEvent
from yiwang.org.models import Position


def test_anonymous_visitor_is_sent_to_login(client, county):
    response = client.get(reverse("console:home"))
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_staff_without_two_factor_is_sent_to_two_factor(client, clerk_a):
    client.force_login(clerk_a)
    response = client.get(reverse("console:home"))
    assert response.status_code == 302
    assert reverse("accounts:two_factor") in response["Location"]


def test_citizen_without_position_gets_403(client, applicant):
    client.force_login(applicant)
    assert client.get(reverse("console:home")).status_code == 403


def test_clerk_console_shows_position(login_as, clerk_a):
    response = login_as(clerk_a).get(reverse("console:home"))
    assert response.status_code == 200
    assert "十字路街道社会事务办" in response.content.decode()


def test_org_page_shows_only_scope(login_as, clerk_a, county):
    body = login_as(clerk_a).get(reverse("console:org")).content.decode()
    assert "东关村" in body
    assert "大店村" not in body


def test_position_switcher(login_as, supervisor, county):
    second = make_position(supervisor, "leader", county.county)
    client = login_as(supervisor)
    page = client.get(reverse("console:home")).content.decode()
    assert 'id="position-select"' in page
    response = client.post(reverse("console:switch_position"), {"position": second.pk})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="position.switch", object_id=str(second.pk)).exists()
    assert "领导" in client.get(reverse("console:home")).content.decode()


def test_cannot_switch_to_someone_elses_position(login_as, clerk_a, clerk_b):
    other = Position.objects.get(user=clerk_b)
    response = login_as(clerk_a).post(reverse("console:switch_position"), {"position": other.pk})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="position.switch").exists()


def test_people_list_masks_personal_data(login_as, clerk_a, supervisor):
    body = login_as(supervisor).get(reverse("console:people")).content.decode()
    assert "1101**********003X" in body
    assert "11010119900307003X" not in body
    assert "139****0001" in body


def test_audit_log_forbidden_for_clerk(login_as, clerk_a):
    assert login_as(clerk_a).get(reverse("console:audit")).status_code == 403


def test_audit_log_for_supervisor_lists_events_in_scope(login_as, supervisor, clerk_a, county):
    from yiwang.core.audit import audit_record

    audit_record(action="test.visible", actor=clerk_a, position=Position.objects.get(user=clerk_a),
                 object_type="x", object_id="1")
    body = login_as(supervisor).get(reverse("console:audit")).content.decode()
    assert "test.visible" in body


@pytest.mark.parametrize("name", ["console:home", "console:org", "console:people", "console:audit"])
def test_console_pages_render_for_admin(login_as, admin_user, name):
    assert login_as(admin_user).get(reverse(name)).status_code == 200
