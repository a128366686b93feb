"""Organisation API: API keys with scopes, sessions with position scope, forbidden paths."""

from io import StringIO

from django.core.management import call_command


def make_key(scopes: str) -> str:
    out = StringIO()
    call_command("create_api_key", name="test-system", scopes=scopes, stdout=out)
    return next(line.strip() for line in out.getvalue().splitlines() if line.strip().startswith("yw_"))


def test_anonymous_gets_401_with_error_shape(client, county):
    response = client.get("/api/v1/org/divisions")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "details"}


def test_api_key_with_scope_sees_county_directory(client, county):
    key = make_key("org:read")
    response = client.get("/api/v1/org/divisions", HTTP_X_API_KEY=key)
    assert response.status_code == 200
    codes = {d["code"] for d in response.json()}
    assert {"371327", "371327001", "371327101"} <= codes


def test_api_key_without_scope_is_forbidden(client, county):
    key = make_key("calendar:read")
    response = client.get("/api/v1/org/departments", HTTP_X_API_KEY=key)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_session_clerk_sees_only_own_subtree(login_as, clerk_a, county):
    response = login_as(clerk_a).get("/api/v1/org/divisions")
    assert response.status_code == 200
    assert {d["code"] for d in response.json()} == {"371327001", "371327001201"}


def test_session_clerk_b_cannot_read_township_a_division(login_as, clerk_b, county):
    response = login_as(clerk_b).get("/api/v1/org/divisions/371327001201")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_citizen_session_has_no_org_permission(client, applicant):
    client.force_login(applicant)
    response = client.get("/api/v1/org/halls")
    assert response.status_code == 403


def test_staff_session_without_two_factor_is_refused(client, clerk_a):
    client.force_login(clerk_a)
    assert client.get("/api/v1/org/divisions").status_code == 401


def test_departments_for_departmental_clerk(login_as, clerk_a, county):
    body = login_as(clerk_a).get("/api/v1/org/departments").json()
    assert [d["code"] for d in body] == ["D-CIVIL-A"]
