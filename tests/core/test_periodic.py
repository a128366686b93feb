"""Periodic tasks run once per schedule slot, however many consumers enqueue them (core/periodic.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from huey import crontab
from huey.contrib.djhuey import HUEY

from yiwang.core import periodic
from yiwang.core.models import PeriodicRun
from yiwang.core.periodic import periodic_once, schedule_slot

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock:
    def __init__(self, when: datetime) -> None:
        self.when = when

    def __call__(self) -> datetime:
        return self.when


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(datetime(2026, 12, 3, 10, 15, 2, tzinfo=SHANGHAI))
    monkeypatch.setattr(periodic, "_now", clock)
    return clock


@pytest.fixture
def every_quarter():
    """A periodic task registered for the test only, counting how often its body runs."""
    calls: list[str] = []

    @periodic_once(crontab(minute="*/15"), name="tests.every_quarter")
    def every_quarter_task(label: str = "x") -> str:
        calls.append(label)
        if label == "boom":
            raise RuntimeError("body failed")
        return label

    yield every_quarter_task, calls
    every_quarter_task.unregister()


@pytest.mark.django_db
def test_two_consumers_enqueuing_the_same_slot_run_the_body_once(clock, every_quarter):
    # given: the task every consumer's scheduler enqueued at 10:15
    task, calls = every_quarter

    # when: both copies run (the second a few seconds later, on the other consumer)
    task()
    clock.when = clock.when.replace(second=40)
    task()

    # then
    assert calls == ["x"]
    run = PeriodicRun.objects.get(name="tests.every_quarter")
    assert run.slot == datetime(2026, 12, 3, 10, 15, tzinfo=SHANGHAI)
    assert run.finished_at is not None


@pytest.mark.django_db
def test_the_next_slot_runs_again(clock, every_quarter):
    task, calls = every_quarter
    task()
    clock.when = datetime(2026, 12, 3, 10, 30, 1, tzinfo=SHANGHAI)

    task()
    task()

    assert calls == ["x", "x"]
    assert PeriodicRun.objects.filter(name="tests.every_quarter").count() == 2


@pytest.mark.django_db
def test_a_copy_delayed_in_the_queue_still_finds_its_slot(clock, every_quarter):
    task, calls = every_quarter
    task()
    clock.when = datetime(2026, 12, 3, 10, 17, 30, tzinfo=SHANGHAI)  # the backlog held the 10:15 copy

    task()

    assert calls == ["x"]


@pytest.mark.django_db
def test_a_failed_body_releases_the_slot_for_a_retry(clock, every_quarter):
    task, calls = every_quarter
    task("boom")  # huey logs the error; periodic tasks keep no result
    assert not PeriodicRun.objects.exists()

    task("retry")

    assert calls == ["boom", "retry"]
    assert PeriodicRun.objects.count() == 1


@pytest.mark.django_db
def test_call_local_is_the_unguarded_body(clock, every_quarter):
    task, calls = every_quarter
    task()

    task.call_local("by hand")

    assert calls == ["x", "by hand"]
    assert PeriodicRun.objects.count() == 1


@pytest.mark.django_db
def test_different_tasks_in_the_same_slot_each_run(clock, every_quarter):
    task, calls = every_quarter
    other_calls: list[int] = []

    @periodic_once(crontab(minute="*/5"), name="tests.every_five")
    def every_five() -> None:
        other_calls.append(1)

    try:
        task()
        every_five()
        every_five()
    finally:
        every_five.unregister()

    assert calls == ["x"] and other_calls == [1]


@pytest.mark.django_db
def test_old_claims_are_pruned(clock, every_quarter):
    task, _ = every_quarter
    PeriodicRun.objects.create(
        name="tests.every_quarter", slot=datetime(2026, 9, 1, 0, 0, tzinfo=SHANGHAI), started_at=clock.when
    )

    task()

    assert list(PeriodicRun.objects.values_list("slot", flat=True)) == [
        datetime(2026, 12, 3, 10, 15, tzinfo=SHANGHAI)
    ]


@pytest.mark.parametrize(
    ("schedule", "now", "slot"),
    [
        (crontab(minute="*/15"), datetime(2026, 12, 3, 10, 15, 59), datetime(2026, 12, 3, 10, 15)),
        (crontab(minute="*/15"), datetime(2026, 12, 3, 10, 29, 0), datetime(2026, 12, 3, 10, 15)),
        (crontab(hour="0", minute="20"), datetime(2026, 12, 3, 0, 19, 0), datetime(2026, 12, 2, 0, 20)),
        (crontab(day="1", hour="2", minute="30"), datetime(2026, 12, 3, 9, 0), datetime(2026, 12, 1, 2, 30)),
    ],
)
def test_the_slot_is_the_latest_matching_minute_in_the_platform_zone(monkeypatch, schedule, now, slot):
    monkeypatch.setattr(HUEY, "utc", False)

    found = schedule_slot(schedule, now=now.replace(tzinfo=SHANGHAI))

    assert found == slot.replace(tzinfo=SHANGHAI)


def test_the_slot_follows_huey_when_it_schedules_in_utc(monkeypatch):
    monkeypatch.setattr(HUEY, "utc", True)
    daily_at_0020 = crontab(hour="0", minute="20")

    found = schedule_slot(daily_at_0020, now=datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI))  # 01:00 UTC

    assert found == datetime(2026, 12, 3, 0, 20, tzinfo=UTC)


def test_a_time_off_the_schedule_for_a_month_falls_back_to_the_current_minute(monkeypatch):
    monkeypatch.setattr(HUEY, "utc", False)
    never = crontab(month="2", day="30")

    found = schedule_slot(never, now=datetime(2026, 12, 3, 9, 7, 33, tzinfo=SHANGHAI))

    assert found == datetime(2026, 12, 3, 9, 7, tzinfo=SHANGHAI)


def test_every_periodic_task_of_the_platform_goes_through_the_guard():
    from pathlib import Path

    import yiwang

    root = Path(yiwang.__file__).parent
    unguarded = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "db_periodic_task(" in path.read_text(encoding="utf-8") and path.name != "periodic.py"
    ]

    assert unguarded == []
