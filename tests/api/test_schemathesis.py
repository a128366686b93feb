"""Schemathesis over every operation of ``/api/v1``: no input gives a 500, every answer fits its schema.

The run is bounded and deterministic (derandomized Hypothesis): ``YIWANG_SCHEMATHESIS_EXAMPLES``
examples per operation and generation mode (default 8), once anonymous and once signed in as staff
who passed two-factor. Run it longer (see docs/api.md)::

    YIWANG_SCHEMATHESIS_EXAMPLES=200 pytest tests/api/test_schemathesis.py

The database holds a small county (tests/conftest.py) with its personas, a published item and a
submitted case, so operations reach real code rather than only 404s.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import openapi
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.cases.factories import make_item, make_submitted_case
from tests.conftest import login

EXAMPLES = int(os.environ.get("YIWANG_SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
OPENAPI_PATH = "/api/v1/openapi.json"


@pytest.fixture
def realistic_county(county, applicant, clerk_a, supervisor, admin_user):
    """A published item in township A, a submitted case of the applicant, and the personas."""
    version = make_item(name="食品经营许可", department=county.civil_affairs, levels=["township", "village"])
    case = make_submitted_case(version=version, applicant=applicant)
    return {"version": version, "case": case}


def _session_cookies(client, user) -> dict[str, str]:
    login(client, user)
    whoami = client.get("/api/v1/system/whoami").json()
    assert whoami["auth"] == "session" and whoami["user"], whoami  # fully signed in: the run reaches staff code
    token = "schemathesis0csrf0token000000000"  # an unmasked secret: cookie and header carry the same
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    cookies["csrftoken"] = token
    return {"cookies": cookies, "headers": {"X-CSRFToken": token}}


def _run(schema, call_kwargs: dict[str, Any]) -> list[str]:
    """Every operation in both generation modes; one line per (operation, failed check), with an example."""
    failures: dict[tuple[str, str], str] = {}
    app = schema.app

    def check_operation(operation: Any, mode: GenerationMode) -> None:
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def run_case(case: Any) -> None:
            response = case.call(app=app, headers=dict(call_kwargs.get("headers", {})),
                                 cookies=dict(call_kwargs.get("cookies", {})))
            try:
                case.validate_response(response, checks=CHECKS)
            except (AssertionError, FailureGroup) as exc:
                for error in getattr(exc, "exceptions", [exc]):
                    title = str(error).splitlines()[0]
                    failures.setdefault((operation.label, title), (
                        f"[{mode.value}] {operation.label}: {title} (HTTP {response.status_code}) "
                        f"e.g. {case.method} {case.formatted_path} query={case.query!r:.200} "
                        f"body={getattr(case, 'body', None)!r:.200} -> {response.text[:300]}"))

        try:
            run_case()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE, operation.label  # no invalid input exists

    for result in schema.get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            check_operation(result.ok(), mode)
    return list(failures.values())


# On PostgreSQL a database error inside one request aborts the test's wrapping transaction, so every
# later request fails too and the run reports noise instead of findings. Until the run uses a
# transaction per request there (like production), it runs on SQLite only: see docs/api.md.
pytestmark = pytest.mark.skipif(connection.vendor != "sqlite",
                                reason="schemathesis run needs per-request transactions on PostgreSQL")


def _schema():
    return openapi.from_wsgi(OPENAPI_PATH, WSGIHandler())


@pytest.mark.django_db(transaction=False)
def test_every_operation_anonymous(realistic_county):
    failures = _run(_schema(), {})
    assert not failures, "\n".join(failures)


@pytest.mark.django_db(transaction=False)
def test_every_operation_as_staff_with_two_factor(realistic_county, admin_user, client):
    failures = _run(_schema(), _session_cookies(client, admin_user))
    assert not failures, "\n".join(failures)

