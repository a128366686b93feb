"""A staff session that has passed only the password step reaches nothing a visitor cannot.

Until a staff account has passed TOTP (``settings.STAFF_REQUIRE_2FA``) its session reaches only the
two-factor pages, logout and public pages, whatever the URL. These tests walk **every URL pattern**
of the resolver (GET and POST) and **every operation** of the API's OpenAPI document (its own
method) with such a half-signed-in session, on the seeded demo county, and compare each answer
with what an anonymous visitor gets for the same request:

* no staff data: a 401/403/404/405, a redirect to sign-in or two-factor (or where the visitor is
  sent), or the very same content as the visitor sees (CSRF tokens and the "请完成二次验证"
  notice aside);
* no state change: the row count of every model moves exactly as it does for the visitor.

Path parameters are filled with real ids, numbers and codes from the demo county (a case in the
clerk's township, its steps, a ticket, an alert, an assessment…) and action names with the
literals the view compares them with, so that a hole would act on something real.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern
from django.utils import timezone

PERSONAS = ("clerk", "supervisor", "admin")
ALLOWED_FOR_HALF = {"accounts:two_factor", "accounts:two_factor_setup", "accounts:logout", "accounts:login"}
NO_DATA_STATUSES = {400, 401, 403, 404, 405}
DUMMY = {"int": 999_999, "str": "nothing-here", "slug": "nothing-here", "path": "nothing/here",
         "uuid": "00000000-0000-0000-0000-000000000000"}


# --- the demo county, seeded once for the module ----------------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """``seed_demo`` plus one row of each kind the demo does not seed; rolled back afterwards."""
    from django.conf import settings

    with django_db_blocker.unblock(), transaction.atomic():
        old_demo = settings.DEMO_MODE
        settings.DEMO_MODE = True
        try:
            call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        finally:
            settings.DEMO_MODE = old_demo
        yield _extras()
        transaction.set_rollback(True)


def _extras() -> dict[str, Any]:
    from django.contrib.contenttypes.models import ContentType

    from yiwang.accounts.models import User
    from yiwang.cases.models import Case
    from yiwang.evaluation.models import Appeal, Rating, Rectification
    from yiwang.notify.models import Message
    from yiwang.supervision.models import Alert, Rule

    clerk = User.objects.get(username="clerk")
    case = Case.objects.filter(status="submitted", department__code__contains="APPROVAL").order_by("pk").first() \
        or Case.objects.order_by("pk").first()
    Alert.objects.create(rule=Rule.objects.order_by("pk").first(), level="red", case=case,
                         content_type=ContentType.objects.get_for_model(case), object_id=case.pk,
                         department=case.department, division=case.division, responsible_user=clerk,
                         message="测试预警", raised_at=timezone.now())
    rating = Rating.objects.create(target_kind="department", grade=1, department=case.department,
                                   division=case.division, channel="window")
    today = timezone.localdate()
    Rectification.objects.create(rating=rating, department=rating.department, division=rating.division,
                                 start_date=today, due_date=today + timedelta(days=20))
    Appeal.objects.create(rating=rating, department=rating.department, reason="评价与事实不符", filed_by=clerk)
    for username in PERSONAS:
        Message.objects.create(recipient=User.objects.get(username=username), channel="site", template="test",
                               subject="待办提醒", body="您有一件待受理的办件")
    return {"case": case}


def _first(label: str, field: str = "pk", **filters: Any) -> Any:
    model = apps.get_model(label)
    row = model.objects.filter(**filters).order_by("pk").first() or model.objects.order_by("pk").first()
    return getattr(row, field) if row is not None else None


def _case_pk(demo: dict[str, Any]) -> int:
    return demo["case"].pk


# (url name or operation name suffix, parameter) → how to find a real value
def _value_for(name: str, param: str, converter: str, demo: dict[str, Any]) -> Any:
    by_name: dict[str, Any] = {
        "pk": {
            "cases:draft": lambda: _first("cases.Case", status="draft"),
            "cases:notice_download": lambda: _first("cases.CaseNotice"),
            "cases:handling_step_action": lambda: _first("cases.CaseStep", status="pending"),
            "cases:handling_material": lambda: _first("cases.CaseMaterial"),
            "workflow:": lambda: _first("workflow.ProcessDefinition"),
            "hotline:ticket": lambda: _first("hotline.Ticket", status="pending_dispatch"),
            "hotline:kb": lambda: _first("hotline.KnowledgeArticle"),
            "supervision:alert": lambda: _first("supervision.Alert"),
            "supervision:override": lambda: _first("supervision.RuleOverride"),
            "evaluation:console_rectification": lambda: _first("evaluation.Rectification"),
            "evaluation:console_appeal": lambda: _first("evaluation.Appeal"),
            "performance:": lambda: _first("performance.Assessment", status="draft"),
            "cases:": lambda: _case_pk(demo),
            "api:rectification": lambda: _first("evaluation.Rectification"),
            "api:appeal": lambda: _first("evaluation.Appeal"),
            "api:session": lambda: _first("evaluation.WindowSession"),
        },
        "number": {
            "catalog:": lambda: _first("catalog.ServiceItemVersion", "number"),
            "api:manage": lambda: _first("catalog.ServiceItemVersion", "number"),
            "": lambda: _first("licences.Licence", "number"),
        },
    }
    simple: dict[str, Any] = {
        "user_id": lambda: _first("accounts.User", username="citizen"),
        "message_id": lambda: _first("notify.Message", recipient__username__in=PERSONAS),
        "notice_id": lambda: _first("cases.CaseNotice"),
        "base_code": lambda: _first("catalog.ServiceItem", "base_code", published_version__isnull=False),
        "hall_id": lambda: _first("org.ServiceHall"),
        "window_id": lambda: _first("org.Window"),
        "token": lambda: _first("evaluation.RatingInvitation", "token"),
        "code": lambda: (_first("supervision.Rule", "code") if "rule" in name
                         else _first("org.Division", "code")),
        "case_id": lambda: _case_pk(demo),
        "step_id": lambda: _first("cases.CaseStep", status="pending"),
        "ticket_id": lambda: _first("hotline.Ticket", status="pending_dispatch"),
        "assignment_id": lambda: _first("hotline.Assignment"),
        "reply_id": lambda: _first("hotline.Reply"),
        "alert_id": lambda: _first("supervision.Alert"),
        "rating_id": lambda: _first("evaluation.Rating"),
        "assessment_id": lambda: _first("performance.Assessment", status="draft"),
        "scheme_id": lambda: _first("performance.AssessmentScheme"),
        "process_pk": lambda: _first("workflow.ProcessDefinition"),
        "material_id": lambda: _first("catalog.Material"),
        "service_code": lambda: _first("hotline.MatterType", "code"),
        "service_request_id": lambda: _first("hotline.Ticket", "number"),
        "period": lambda: "month",
    }
    if param in by_name:
        for prefix, finder in by_name[param].items():
            if name.startswith(prefix):
                value = finder()
                if value is not None:
                    return value
    if param in simple:
        value = simple[param]()
        if value is not None:
            return value
    return DUMMY.get(converter, DUMMY["str"])


# --- the two clients ---------------------------------------------------------------------------


def _half_signed_in(username: str) -> Client:
    """Password step only, the way the login form leaves it (no OTP device in the session)."""
    from yiwang.accounts.models import User

    client = Client()
    user = User.objects.get(username=username)
    assert user.needs_two_factor
    client.force_login(user)
    return client


def _counts() -> dict[str, int]:
    """Rows of every model (sessions aside), in one query."""
    models = [m for m in apps.get_models() if m is not Session and m._meta.managed and not m._meta.proxy]
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return {m._meta.label: n for m, n in zip(models, row, strict=True)}


def _send(client: Client, method: str, url: str, body: Any = None) -> tuple[Any, dict[str, int]]:
    before = _counts()
    kwargs: dict[str, Any] = {}
    if method in {"POST", "PUT", "PATCH", "DELETE"} and url.startswith("/api/"):
        kwargs = {"data": json.dumps(body if body is not None else {}), "content_type": "application/json"}
    elif method == "POST":
        kwargs = {"data": body or {}}
    with transaction.atomic():  # a 500 inside must not break the module's transaction
        try:
            response = client.generic(method, url, **kwargs) if method not in {"GET", "POST"} else \
                getattr(client, method.lower())(url, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a crash is reported, not raised
            response = _Crash(exc)
    after = _counts()
    return response, {k: after[k] - before[k] for k in after if after[k] != before[k]}


_VISITOR: dict[tuple[str, str], tuple[Any, dict[str, int]]] = {}


def _as_visitor(method: str, url: str) -> tuple[Any, dict[str, int]]:
    """The anonymous answer (the same for every persona, so asked once per module)."""
    if (method, url) not in _VISITOR:
        _VISITOR[method, url] = _send(Client(), method, url)
    return _VISITOR[method, url]


class _Crash:
    def __init__(self, exc: Exception) -> None:
        self.status_code = 500
        self.content = repr(exc).encode()
        self.headers: dict[str, str] = {}


_NOISE = [
    re.compile(rb'<div class="tools">.*?</header>', re.S),  # who is signed in, or the 请完成二次验证 link
    re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"'),
    re.compile(rb'"X-CSRFToken": ?"[^"]*"'),
    re.compile(rb'data-csrf-token="[^"]*"'),
    re.compile(rb'name="idempotency_key" value="[^"]*"'),
    re.compile(rb"\b\d{2}:\d{2}(:\d{2})?\b"),  # clocks on displays
    re.compile(rb'content="[A-Za-z0-9]{64}"'),
    re.compile(rb'nonce="[^"]*"'),
    # flash messages left by this session's own earlier requests in the walk (e.g. 验证码已失效)
    re.compile(rb'<div class="messages" role="status">.*?</div>', re.S),
]


def _normalised(content: bytes) -> bytes:
    for pattern in _NOISE:
        content = pattern.sub(b"", content)
    return re.sub(rb"\s+", b" ", content)  # layout whitespace around what was removed


def _problem(half: Any, anon: Any, half_delta: dict[str, int], anon_delta: dict[str, int]) -> str:
    """'' when the half-signed-in answer leaks nothing and changed nothing a visitor would not have."""
    if half.status_code >= 500:
        return f"server error {half.status_code}"
    if half_delta != anon_delta:
        return f"changed state {half_delta} (visitor: {anon_delta})"
    if half.status_code in NO_DATA_STATUSES:
        return ""
    if 300 <= half.status_code < 400:
        target = half.headers.get("Location", "")
        sign_in = (reverse("accounts:login"), reverse("accounts:two_factor"), reverse("admin:login"))
        if target.split("?")[0].startswith(sign_in) or target == anon.headers.get("Location", ""):
            return ""
        return f"redirect to {target}"
    if anon.status_code != half.status_code:
        return f"status {half.status_code} (visitor: {anon.status_code})"
    kind = half.headers.get("Content-Type", "")
    if kind != anon.headers.get("Content-Type", ""):
        return f"content type {kind} (visitor: {anon.headers.get('Content-Type', '')})"
    if not kind.startswith(("text/", "application/json")):
        return ""  # a file the visitor gets too (a PDF differs only in its creation stamp)
    if _normalised(half.content) != _normalised(anon.content):
        import difflib

        diff = difflib.unified_diff(_normalised(anon.content).decode(errors="replace").splitlines(),
                                    _normalised(half.content).decode(errors="replace").splitlines(), lineterm="", n=0)
        return "content differs from the visitor's: " + " | ".join(list(diff)[2:8])
    return ""


# --- every URL pattern -------------------------------------------------------------------------


def _patterns(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _patterns(entry.url_patterns, namespace)
        elif entry.name:
            yield prefix + entry.name, entry
        else:
            yield prefix + repr(entry.pattern), entry


def _literal_choices(view: Any, param: str) -> list[str]:
    """The string literals a view compares ``param`` with (``action == "accept"``), unwrapping decorators."""
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    try:
        source = inspect.getsource(view)
    except (OSError, TypeError):
        return []
    found = re.findall(rf'\b{param}\s*==\s*"([^"]+)"', source)
    found += [m for group in re.findall(rf'\b{param}\s+in\s+\(([^)]*)\)', source) for m in re.findall(r'"([^"]+)"', group)]
    return list(dict.fromkeys(found))


def _regex_choices(regex: str, param: str) -> list[str]:
    match = re.search(rf"\(\?P<{param}>([A-Za-z0-9_|]+)\)", regex)
    return match.group(1).split("|") if match else []


def _urls(demo: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(name, concrete path) for every URL pattern, with each action literal where the view has some."""
    from yiwang.supervision.models import ActionKind

    for name, entry in _patterns(get_resolver().url_patterns):
        if isinstance(entry.pattern, RegexPattern):
            params = {p: "str" for p in entry.pattern.regex.groupindex}
        else:
            params = {p: type(c).__name__.replace("Converter", "").lower()
                      for p, c in entry.pattern.converters.items()}
        variants: list[dict[str, Any]] = [{}]
        for param, converter in params.items():
            choices = _regex_choices(entry.pattern.regex.pattern, param) or (
                _literal_choices(entry.callback, param) if param in {"action", "kind"} else [])
            if param == "kind" and not choices:
                choices = [str(v) for v in ActionKind.values]
            if not choices:
                choices = [_value_for(name, param, converter, demo)]
            variants = [{**v, param: c} for v in variants for c in choices[:8]]
        for kwargs in variants:
            try:
                path = reverse(name, kwargs=kwargs or None) if ":" in name or entry.name else None
            except Exception:  # noqa: BLE001 - duplicated names (API operations) are walked from OpenAPI
                path = None
            if path is None:
                route = str(entry.pattern)
                for key, value in kwargs.items():
                    route = re.sub(rf"<(\w+:)?{key}>|\(\?P<{key}>[^)]*\)", str(value), route)
                path = "/" + route.lstrip("^").rstrip("$").replace("\\", "")
            yield name, path


@pytest.mark.django_db
@pytest.mark.parametrize("username", PERSONAS)
def test_every_url_pattern_is_closed_to_a_half_signed_in_staff_session(demo, username, settings):
    # given: a staff account that has passed only the password step, and a visitor
    settings.STAFF_REQUIRE_2FA = True
    half = _half_signed_in(username)
    problems = []
    walked = 0
    # when: each pattern is requested with GET and POST
    for name, path in _urls(demo):
        if name in ALLOWED_FOR_HALF:
            continue
        for method in ("GET", "POST"):
            anon_response, anon_delta = _as_visitor(method, path)
            half_response, half_delta = _send(half, method, path)
            walked += 1
            problem = _problem(half_response, anon_response, half_delta, anon_delta)
            if problem:
                problems.append(f"{method} {path} [{name}]: {problem}")
    # then: nothing leaked, nothing changed
    assert walked > 300
    assert not problems, "\n".join(problems)


# --- every API operation ----------------------------------------------------------------------


def _operations(demo: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    schema = Client().get("/api/v1/openapi.json").json()
    for template, methods in schema["paths"].items():
        for method, operation in methods.items():
            path = template
            for param in re.findall(r"\{(\w+)\}", template):
                path = path.replace("{" + param + "}",
                                    str(_value_for("api:" + operation["operationId"], param, "str", demo)))
            yield method.upper(), path, operation["operationId"]


@pytest.mark.django_db
@pytest.mark.parametrize("username", PERSONAS)
def test_every_api_operation_is_closed_to_a_half_signed_in_staff_session(demo, username, settings):
    # given
    settings.STAFF_REQUIRE_2FA = True
    half = _half_signed_in(username)
    problems = []
    operations = list(_operations(demo))
    # when: each operation is called with its own method (and an empty JSON body)
    for method, path, operation_id in operations:
        anon_response, anon_delta = _as_visitor(method, path)
        half_response, half_delta = _send(half, method, path)
        problem = _problem(half_response, anon_response, half_delta, anon_delta)
        if problem:
            problems.append(f"{method} {path} [{operation_id}]: {problem}")
    # then
    assert len(operations) > 90
    assert not problems, "\n".join(problems)


def test_every_api_operation_declares_auth_or_is_listed_public():
    """Deny by default: an operation without authentication is public only when it is named here."""
    public = {
        "yiwang_calendar_api_deadline", "yiwang_calendar_api_days_list", "yiwang_accounts_api_register_citizen",
        "yiwang_accounts_api_register_citizen_confirm",
        "yiwang_accounts_api_register_enterprise", "yiwang_catalog_api_items", "yiwang_catalog_api_item_detail",
        "yiwang_workflow_api_process_detail", "yiwang_cases_api_fee_quote", "yiwang_cases_api_status",
        "yiwang_licences_api_verify", "yiwang_hotline_stats_api_hotline_stats", "yiwang_hotline_api_kb_search",
        "yiwang_evaluation_api_invitation", "yiwang_evaluation_api_submit", "yiwang_evaluation_api_rate_public",
        "yiwang_evaluation_api_public_summary", "yiwang_performance_api_report_list",
        "yiwang_performance_api_report_detail", "yiwang_performance_api_hall_display",
    }
    schema = Client().get("/api/v1/openapi.json").json()
    open_operations = {op["operationId"] for methods in schema["paths"].values() for op in methods.values()
                       if not op.get("security")}
    assert open_operations - public == set()

