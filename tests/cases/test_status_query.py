"""The public status query: one statement on a miss, none on a hit, never stale after a change,
and the same answer as the full clock computation (calendar.clocks.clock_state)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.factories import make_accepted_case, make_submitted_case, position_of
from yiwang.cases import selectors, services
from yiwang.cases.status_query import case_status_lookup


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _full(case, today):
    """The reference: the old path through the case object and clock_state."""
    clock = selectors.main_clock(case, today=today)
    return {
        "due_date": clock.due_date if clock and not clock.stopped else None,
        "remaining_workdays": clock.remaining if clock and not clock.stopped else None,
        "clock_status": clock.status if clock else "",
    }


def test_a_miss_is_one_statement_and_a_hit_is_none(item, applicant):
    case = make_submitted_case(version=item, applicant=applicant)
    assert connection.features.supports_json_field  # a once-per-connection probe, not part of the query
    with CaptureQueriesContext(connection) as miss:
        first = case_status_lookup(number=case.number, code=case.query_code)
    assert len(miss.captured_queries) == 1, [q["sql"] for q in miss.captured_queries]
    with CaptureQueriesContext(connection) as hit:
        second = case_status_lookup(number=case.number, code=case.query_code)
    assert len(hit.captured_queries) == 0
    assert first == second
    assert first["timeline"] and first["timeline"][0]["title"]


def test_wrong_code_on_a_cached_case_is_refused(item, applicant):
    from yiwang.core.errors import NotFound

    case = make_submitted_case(version=item, applicant=applicant)
    case_status_lookup(number=case.number, code=case.query_code)  # now cached
    with pytest.raises(NotFound):
        case_status_lookup(number=case.number, code="WRONG1")
    with pytest.raises(NotFound):
        case_status_lookup(number=case.number, code="")


@pytest.mark.parametrize("today", [date(2026, 3, 2), date(2026, 9, 30), date(2027, 1, 4)])
def test_clock_fields_match_the_full_computation(item, applicant, clerk_a, today):
    submitted = make_submitted_case(version=item, applicant=applicant)
    accepted = make_accepted_case(clerk=clerk_a, version=item, applicant=applicant)
    for case in (submitted, accepted):
        cache.clear()
        result = case_status_lookup(number=case.number, code=case.query_code, today=today)
        expected = _full(case, today)
        assert {k: result[k] for k in expected} == expected, case.status


def test_a_change_to_the_case_is_seen_at_once(item, applicant, clerk_a):
    case = make_submitted_case(version=item, applicant=applicant)
    before = case_status_lookup(number=case.number, code=case.query_code)
    assert before["status"] == "submitted"
    services.case_accept(case=case, actor=clerk_a, position=position_of(clerk_a))
    after = case_status_lookup(number=case.number, code=case.query_code)
    case.refresh_from_db()
    assert after["status"] == case.status != "submitted"
    assert len(after["timeline"]) > len(before["timeline"])
    expected = _full(case, date.today())
    assert {k: after[k] for k in expected} == expected


def test_a_new_public_event_alone_invalidates(item, applicant):
    from django.utils import timezone

    from yiwang.cases.models import CaseEvent

    case = make_submitted_case(version=item, applicant=applicant)
    before = case_status_lookup(number=case.number, code=case.query_code)
    CaseEvent.objects.create(case=case, kind="note", title="材料已转交审查", at=timezone.now(), public=True)
    CaseEvent.objects.create(case=case, kind="note", title="内部备注", at=timezone.now(), public=False)
    after = case_status_lookup(number=case.number, code=case.query_code)
    titles = [e["title"] for e in after["timeline"]]
    assert len(after["timeline"]) == len(before["timeline"]) + 1
    assert titles[-1] == "材料已转交审查" and "内部备注" not in titles
