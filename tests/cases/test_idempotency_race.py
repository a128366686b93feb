"""Idempotent submission under a race: the loser of the unique key gets the winner's case."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.cases.factories import make_item, make_submitted_case
from yiwang.cases import application
from yiwang.cases.models import Case


@pytest.mark.django_db
def test_race_between_check_and_insert_returns_the_same_case(item, applicant, monkeypatch):
    first = make_submitted_case(version=item, applicant=applicant, idempotency_key="race")
    real = application._existing_for_key
    calls = {"n": 0}

    def blind_first(key):  # the second request checked before the first one had committed
        calls["n"] += 1
        return None if calls["n"] <= 2 else real(key)

    monkeypatch.setattr(application, "_existing_for_key", blind_first)
    again = make_submitted_case(version=item, applicant=applicant, idempotency_key="race")
    assert again.pk == first.pk
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")
def test_concurrent_submissions_create_one_case(county, applicant):
    item = make_item(levels=["township", "village"], department=county.civil_affairs)
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        try:
            barrier.wait()
            results.append(make_submitted_case(version=item, applicant=applicant, idempotency_key="same").pk)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(set(results)) == 1 and Case.objects.count() == 1
