"""Data scope: a position sees only its division subtree (and department, where departmental)."""

import pytest

from tests.conftest import make_position, make_user
from yiwang.core.errors import InvalidInput, NotFound, PermissionDenied
from yiwang.core.models import AuditEvent
from yiwang.org import selectors, services
from yiwang.org.models import Division, Position
from yiwang.org.scope import Scope, has_perm, scope_filter


def position_of(user) -> Position:
    return Position.objects.get(user=user)


def test_clerk_sees_own_township_subtree_only(clerk_a, county):
    # given
    position = position_of(clerk_a)
    # when
    codes = set(selectors.division_list_for_position(position=position).values_list("code", flat=True))
    # then
    assert codes == {county.township_a.code, county.village_a1.code}


def test_clerk_of_other_township_cannot_get_township_a_village(clerk_b, county):
    with pytest.raises(NotFound):
        selectors.division_get_for_position(position=position_of(clerk_b), code=county.village_a1.code)


def test_county_supervisor_sees_whole_county(supervisor, county):
    codes = set(selectors.division_list_for_position(position=position_of(supervisor)).values_list("code", flat=True))
    assert {county.county.code, county.township_a.code, county.township_b.code, county.village_b1.code} <= codes


def test_departmental_role_limited_to_its_department(clerk_a, county):
    departments = list(selectors.department_list_for_position(position=position_of(clerk_a)))
    assert departments == [county.civil_affairs_a]


def test_no_position_means_nothing(county):
    assert not has_perm(None, "org.view")
    with pytest.raises(PermissionDenied):
        selectors.division_list_for_position(position=None)
    assert scope_filter(Division.objects.all(), None).count() == 0


def test_inactive_position_sees_nothing(clerk_a):
    position = position_of(clerk_a)
    position.is_active = False
    position.save()
    with pytest.raises(PermissionDenied):
        selectors.division_list_for_position(position=position)


def test_scope_path_is_prefix_safe(county):
    # 371327001 must not match a sibling whose code merely starts with the same digits.
    sibling = Division.objects.create(code="3713270011", name="假区划", level="township", parent=county.county)
    scope = Scope(division_path=county.township_a.path, department_id=None)
    assert not scope.contains_division_path(sibling.path)


def test_positions_people_listing_scoped(clerk_a, clerk_b, supervisor, county):
    head = make_user("head_a")
    make_position(head, "department_head", county.township_a, county.civil_affairs_a)
    visible = {p.user.username for p in selectors.staff_positions_for_position(position=position_of(head))}
    assert visible == {"clerk_a", "head_a"}
    assert "clerk_b" in {p.user.username for p in
                         selectors.staff_positions_for_position(position=position_of(supervisor))}


def test_division_create_requires_manage_permission_and_scope(clerk_a, admin_user, county):
    with pytest.raises(PermissionDenied):
        services.division_create(code="371327001299", name="新村", parent=county.township_a,
                                 actor=clerk_a, position=position_of(clerk_a))
    created = services.division_create(code="371327001299", name="新村", parent=county.township_a,
                                       actor=admin_user, position=position_of(admin_user))
    assert created.level == "village"
    assert created.path == f"{county.township_a.path}371327001299/"
    assert AuditEvent.objects.filter(action="org.division.create", object_id=str(created.pk)).exists()


def test_division_create_rejects_bad_code_and_village_children(admin_user, county):
    with pytest.raises(InvalidInput):
        services.division_create(code="12AB", name="坏代码", parent=county.township_a)
    with pytest.raises(InvalidInput):
        services.division_create(code="371327001201999"[:12], name="村下村", parent=county.village_a1)


def test_division_retire_keeps_history(admin_user, county):
    from datetime import date

    new = services.division_create(code="371327001202", name="东关新村", parent=county.township_a)
    services.division_retire(division=county.village_a1, valid_to=date(2026, 6, 30), superseded_by=new,
                             actor=admin_user, position=position_of(admin_user))
    county.village_a1.refresh_from_db()
    assert county.village_a1.valid_to == date(2026, 6, 30)
    assert Division.objects.filter(code="371327001201").exists()
    current = set(selectors.division_list_for_position(position=position_of(admin_user)).values_list("code", flat=True))
    assert "371327001201" not in current
    history = selectors.division_list_for_position(position=position_of(admin_user), include_history=True)
    assert history.filter(code="371327001201").exists()


def test_position_assign_needs_department_for_departmental_role(county):
    user = make_user("newbie")
    with pytest.raises(InvalidInput):
        services.position_assign(user=user, role="reviewer", division=county.county)
    with pytest.raises(InvalidInput):
        services.position_assign(user=user, role="no_such_role", division=county.county)


def test_position_assign_is_idempotent_and_revoke_audited(county, admin_user):
    user = make_user("twice")
    first = services.position_assign(user=user, role="reviewer", division=county.county,
                                     department=county.civil_affairs)
    again = services.position_assign(user=user, role="reviewer", division=county.county,
                                     department=county.civil_affairs)
    assert first.pk == again.pk
    services.position_revoke(target=first, actor=admin_user, position=position_of(admin_user))
    first.refresh_from_db()
    assert not first.is_active
    assert AuditEvent.objects.filter(action="org.position.revoke").count() == 1
