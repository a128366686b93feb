"""Two staff completing the same step at the same time: exactly one wins (PostgreSQL row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.cases.factories import make_item
from tests.cases.test_handling_helpers import make_case, make_staff, only_open, pos
from yiwang.cases import handling
from yiwang.cases.models import CaseStep, StepStatus
from yiwang.core.errors import Conflict


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_complete_the_same_step_concurrently(county):
    if connection.vendor != "postgresql":
        pytest.skip("row-level locking is exercised on PostgreSQL; SQLite serialises writers")
    staff = make_staff(county)
    version = make_item(name="食品经营许可", department=county.civil_affairs)
    case = make_case(version=version, division=county.county, department=county.civil_affairs)
    step = only_open(case)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def worker(user) -> None:
        try:
            position = pos(user)
            fresh = CaseStep.objects.select_related("case", "division").get(pk=step.pk)
            barrier.wait(timeout=10)
            handling.step_complete(step=fresh, opinion=f"{user.username} 同意", actor=user, position=position)
            results[user.username] = "ok"
        except Conflict as exc:
            results[user.username] = exc
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[user.username] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(u,)) for u in (staff.reviewer, staff.reviewer2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    outcomes = sorted(results.values(), key=lambda v: v != "ok")
    assert outcomes[0] == "ok", results
    assert isinstance(outcomes[1], Conflict), results
    assert outcomes[1].message == "该环节已由他人办理"
    step.refresh_from_db()
    assert step.status == StepStatus.COMPLETED
    # exactly one decide step was created
    assert case.steps.filter(step_kind="decide").count() == 1
