"""API keys, session auth with two-factor and CSRF, scopes, and the one error shape."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from tests.conftest import login
from yiwang.api.models import ApiKey
from yiwang.api.services import api_key_authenticate, api_key_create, api_key_revoke, hash_key
from yiwang.core.errors import InvalidInput, PermissionDenied

WHOAMI = "/api/v1/system/whoami"


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert body["message"]
    return body


def create_key(*scopes: str, expires_days: int | None = None) -> str:
    out, err = StringIO(), StringIO()
    args = ["create_api_key", "--name", "对接系统", "--scopes", ",".join(scopes)]
    if expires_days is not None:
        args += ["--expires-days", str(expires_days)]
    call_command(*args, stdout=out, stderr=err)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1, "stdout carries the key alone"
    assert "shown only once" in err.getvalue()
    return lines[0]


@pytest.mark.django_db
def test_create_api_key_prints_a_key_that_works(client: Client):
    raw = create_key("org:read", "calendar:read")
    assert raw.startswith("yw_")
    key = ApiKey.objects.get()
    assert key.prefix == raw.split("_")[1]
    assert key.key_hash == hash_key(raw) and raw not in key.key_hash  # only the hash is stored
    assert key.scopes == ["calendar:read", "org:read"]

    response = client.get(WHOAMI, HTTP_X_API_KEY=raw)

    assert response.status_code == 200
    body = response.json()
    assert body["auth"] == "api_key"
    assert body["api_key"]["prefix"] == key.prefix
    assert body["api_key"]["scopes"] == ["calendar:read", "org:read"]
    assert body["user"] is None


@pytest.mark.django_db
def test_create_api_key_writes_an_audit_event():
    from yiwang.core.models import AuditEvent

    _, raw = api_key_create(name="审计", scopes=["audit:read"])
    event = AuditEvent.objects.get(action="apikey.create")
    assert raw not in json.dumps(event.after, ensure_ascii=False)
    assert event.after["scopes"] == ["audit:read"]


@pytest.mark.django_db
@pytest.mark.parametrize("scopes", ["org:read,bogus:write", "", " , "])
def test_create_api_key_rejects_unknown_or_missing_scopes(scopes):
    with pytest.raises(CommandError):
        call_command("create_api_key", "--name", "x", "--scopes", scopes, stdout=StringIO(), stderr=StringIO())
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_expires_days_sets_expiry_and_rejects_nonsense():
    key, _ = api_key_create(name="限期", scopes=["org:read"], expires_days=30)
    assert timedelta(days=29) < key.expires_at - timezone.now() <= timedelta(days=30)
    with pytest.raises(InvalidInput):
        api_key_create(name="限期", scopes=["org:read"], expires_days=0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        "nonsense",
        "yw_deadbeef_" + "x" * 43,  # well-formed, unknown prefix
        "",
    ],
)
def test_wrong_key_is_401_with_the_error_shape(client: Client, header: str):
    create_key("org:read")
    response = client.get(WHOAMI, HTTP_X_API_KEY=header) if header else client.get(WHOAMI)
    assert_error_shape(response, 401, "unauthenticated")


@pytest.mark.django_db
def test_right_prefix_wrong_secret_is_401(client: Client):
    raw = create_key("org:read")
    tampered = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    body = assert_error_shape(client.get(WHOAMI, HTTP_X_API_KEY=tampered), 401, "unauthenticated")
    assert body["details"] == {"reason": "invalid"}


@pytest.mark.django_db
def test_revoked_key_is_401(client: Client):
    raw = create_key("org:read")
    assert client.get(WHOAMI, HTTP_X_API_KEY=raw).status_code == 200
    out = StringIO()
    call_command("revoke_api_key", "--prefix", raw.split("_")[1], stdout=out)
    assert "Revoked" in out.getvalue()

    body = assert_error_shape(client.get(WHOAMI, HTTP_X_API_KEY=raw), 401, "unauthenticated")
    assert body["details"] == {"reason": "revoked"}


@pytest.mark.django_db
def test_revoke_unknown_prefix_fails():
    with pytest.raises(CommandError):
        call_command("revoke_api_key", "--prefix", "00000000", stdout=StringIO())


@pytest.mark.django_db
def test_expired_key_is_401(client: Client):
    raw = create_key("org:read", expires_days=1)
    ApiKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    body = assert_error_shape(client.get(WHOAMI, HTTP_X_API_KEY=raw), 401, "unauthenticated")
    assert body["details"] == {"reason": "expired"}


@pytest.mark.django_db
def test_bad_key_is_refused_even_with_a_valid_session(client: Client, applicant):
    client.force_login(applicant)
    assert client.get(WHOAMI).json()["auth"] == "session"
    assert_error_shape(client.get(WHOAMI, HTTP_X_API_KEY="yw_00000000_" + "a" * 40), 401, "unauthenticated")


@pytest.mark.django_db
def test_last_used_is_touched_at_most_once_a_minute():
    _, raw = api_key_create(name="k", scopes=["org:read"])
    first = api_key_authenticate(raw).last_used_at
    assert first is not None
    assert api_key_authenticate(raw).last_used_at == first
    ApiKey.objects.update(last_used_at=timezone.now() - timedelta(minutes=2))
    assert api_key_authenticate(raw).last_used_at > first


@pytest.mark.django_db
def test_missing_scope_is_403(client: Client, applicant):
    raw = create_key("org:read")
    response = client.post(
        "/api/v1/notify/send",
        data={"username": applicant.username, "template": "generic", "context": {"title": "t", "text": "x"}},
        content_type="application/json",
        HTTP_X_API_KEY=raw,
    )
    body = assert_error_shape(response, 403, "forbidden")
    assert body["details"]["required_scope"] == "notify:send"


@pytest.mark.django_db
def test_staff_session_without_two_factor_is_refused(client: Client, clerk_a):
    client.force_login(clerk_a)  # password only, no OTP
    body = assert_error_shape(client.get(WHOAMI), 401, "unauthenticated")
    assert body["details"] == {"reason": "two_factor_required"}


@pytest.mark.django_db
def test_staff_session_with_two_factor_sees_its_position(client: Client, clerk_a):
    login(client, clerk_a)
    body = client.get(WHOAMI).json()
    assert body["auth"] == "session"
    assert body["user"]["username"] == "clerk_a"
    assert body["user"]["two_factor_verified"] is True
    assert body["position"]["role"] == "window_clerk"


@pytest.mark.django_db
def test_citizen_session_needs_no_two_factor(client: Client, applicant):
    client.force_login(applicant)
    body = client.get(WHOAMI).json()
    assert body["auth"] == "session" and body["position"] is None


@pytest.mark.django_db
def test_anonymous_is_401(client: Client):
    assert_error_shape(client.get(WHOAMI), 401, "unauthenticated")


@pytest.mark.django_db
def test_session_post_needs_csrf(applicant):
    from yiwang.notify.services import notify_person

    message = notify_person(user=applicant, template="generic", context={"title": "t", "text": "x"},
                            channels=["inbox"])[0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)
    url = f"/api/v1/notify/inbox/{message.pk}/read"

    body = assert_error_shape(client.post(url), 403, "forbidden")
    assert body["details"] == {"reason": "csrf"}
    message.refresh_from_db()
    assert message.read_at is None

    client.get("/inbox/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    assert client.post(url, HTTP_X_CSRFTOKEN=token).status_code == 200
    message.refresh_from_db()
    assert message.read_at is not None


@pytest.mark.django_db
def test_api_key_post_needs_no_csrf(applicant):
    raw = create_key("notify:send")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/notify/send",
        data={"username": applicant.username, "template": "generic", "context": {"title": "t", "text": "x"},
              "channels": ["inbox"]},
        content_type="application/json",
        HTTP_X_API_KEY=raw,
    )
    assert response.status_code == 200, response.content
    assert response.json()[0]["channel"] == "inbox"


def test_require_scope_refuses_undeclared_scopes():
    from django.test import RequestFactory

    from yiwang.api.auth import require_scope

    request = RequestFactory().get("/")
    with pytest.raises(ValueError):
        require_scope(request, "made:up")
    request.api_key = ApiKey(scopes=["org:read"])
    require_scope(request, "org:read")
    with pytest.raises(PermissionDenied):
        require_scope(request, "audit:read")


@pytest.mark.django_db
def test_require_access_checks_position_permissions_for_sessions(rf, clerk_a, admin_user):
    from yiwang.api.auth import require_access
    from yiwang.org.roles import Perm

    request = rf.get("/")
    request.api_key = None
    request.position = clerk_a.positions.get()
    with pytest.raises(PermissionDenied):
        require_access(request, scope="audit:read", perm=Perm.AUDIT_VIEW)
    request.position = admin_user.positions.get()
    require_access(request, scope="audit:read", perm=Perm.AUDIT_VIEW)


@pytest.mark.django_db
def test_staff_without_permission_cannot_create_keys(clerk_a):
    with pytest.raises(PermissionDenied):
        api_key_create(name="x", scopes=["org:read"], actor=clerk_a, position=clerk_a.positions.get())
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_revoke_is_idempotent():
    key, _ = api_key_create(name="k", scopes=["org:read"])
    first = api_key_revoke(prefix=key.prefix).revoked_at
    assert api_key_revoke(prefix=key.prefix).revoked_at == first


@pytest.mark.django_db
def test_openapi_lists_security_schemes(client: Client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "apiKey", "in": "header", "name": "X-API-Key"}.items() <= schemes["ApiKeyAuth"].items()
    assert schemes["SessionAuth"]["in"] == "cookie"
    assert "/api/v1/system/whoami" in schema["paths"]


@pytest.mark.django_db
def test_malformed_json_body_is_400_not_500(client: Client):
    raw = create_key("notify:send")
    response = client.post("/api/v1/notify/send", data="{not json", content_type="application/json",
                           HTTP_X_API_KEY=raw)
    assert_error_shape(response, 400, "invalid")


@pytest.mark.django_db
def test_invalid_body_is_400_with_field_errors(client: Client):
    raw = create_key("notify:send")
    response = client.post("/api/v1/notify/send", data={"template": "generic"}, content_type="application/json",
                           HTTP_X_API_KEY=raw)
    body = assert_error_shape(response, 400, "invalid")
    assert any("username" in err["loc"] for err in body["details"]["errors"])


@pytest.mark.django_db
def test_unknown_api_path_is_json_404(client: Client, settings):
    settings.DEBUG = False
    response = client.get("/api/v1/no/such/thing")
    assert_error_shape(response, 404, "not_found")
    assert response["Content-Type"].startswith("application/json")
