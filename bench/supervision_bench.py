"""Benchmark: the supervision sweep over 1,000,000 open clocked cases, and rules on one event (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_supbench .venv/bin/python bench/supervision_bench.py [N]

Creates (if missing) and migrates its own database, bulk-loads N (default 1,000,000) in-progress
cases with their handling clocks (``INSERT … SELECT generate_series``; due dates spread from 15
days overdue to 44 days ahead), then, in the same run, times

* a bare SQL scan that classifies the same clocks (``SELECT CASE … END, count(*) … GROUP BY``);
* the time-limit sweep (classification + alert upsert + auto-resolve): run 1 creates the alerts,
  run 2 is idempotent (nothing changes) — the steady state every 15 minutes;
* a full sweep of every active rule (run 2, idempotent);
* evaluating every rule on one event (``evaluate_case``), per event, against a ``post_save`` with a
  no-op receiver and a plain ``case.save()``.

Prints a markdown table.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
os.environ.setdefault("YIWANG_HUEY_IMMEDIATE", "true")

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
EVENTS = 200


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')  # name comes from the operator's own DATABASE_URL
            print(f"created database {name}", flush=True)


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> int:  # noqa: PLR0915 - a linear script
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("supervision_bench needs DATABASE_URL pointing at PostgreSQL, e.g.\n  DATABASE_URL=postgres://"
              "postgres@127.0.0.1:5432/yiwang_supbench .venv/bin/python bench/supervision_bench.py", file=sys.stderr)
        return 2
    ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection
    from django.db.models.signals import post_save
    from django.utils import timezone

    settings.SUPERVISION_EVENT_EVALUATION = False  # loading is not an event
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - t0:.1f} s", flush=True)

    from yiwang.calendar import engine as cal
    from yiwang.cases.models import Case
    from yiwang.org.models import Department, Division
    from yiwang.supervision.engine import evaluate_case, sweep

    today = timezone.localdate()
    ct = ContentType.objects.get_for_model(Case).pk
    loaded = Case.objects.filter(number__startswith="BENCH").count()
    if loaded != N:
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE supervision_alert, supervision_alertaction")
            cursor.execute("DELETE FROM calendar_clock WHERE purpose = 'handling'")
            cursor.execute("DELETE FROM cases_case WHERE number LIKE 'BENCH%%'")
        division, _ = Division.objects.get_or_create(code="371327", valid_from="2000-01-01",
                                                     defaults={"name": "莒南县", "level": "county"})
        department, _ = Department.objects.get_or_create(code="BENCH-D", defaults={"name": "莒南县民政局",
                                                                                    "division": division})
        from tests.cases.factories import make_item

        version = make_item(name="基准事项", department=department)
        template = Case(number="BENCH-T", item=version.item, version=version, applicant_name="基准",
                        division=division, department=department, status="in_progress",
                        accepted_at=timezone.now(), materials_received_on=today)
        fields = [f for f in Case._meta.concrete_fields if not f.primary_key and f.name != "number"]
        cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        values, params = [], []
        for f in fields:
            value = f.pre_save(template, add=True) if f.name in ("created_at", "updated_at") else getattr(
                template, f.attname)
            values.append("%s")
            params.append(f.get_db_prep_save(value, connection))
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO cases_case (number, {cols}) SELECT 'BENCH' || g, {', '.join(values)} "
                           "FROM generate_series(1, %s) g", [*params, N])
            cursor.execute(
                "INSERT INTO calendar_clock (content_type_id, object_id, purpose, unit, budget, start_date, started_at,"
                " due_date, status, remaining, created_at) SELECT %s, c.id, 'handling', 'workdays', 20, %s, now(),"
                " %s::date + ((c.id %% 60) - 15)::int, 'green', 0, now() FROM cases_case c WHERE c.number LIKE 'BENCH%%'",
                [ct, today - timedelta(days=20), today])
            cursor.execute("ANALYZE cases_case; ANALYZE calendar_clock; ANALYZE supervision_alert")
        print(f"loaded {N:,} cases + clocks in {time.perf_counter() - t0:.1f} s", flush=True)
    else:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE supervision_alert, supervision_alertaction")
            cursor.execute("ANALYZE supervision_alert")

    yellow_limit = cal.add_workdays(today, 2)

    def bare() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN due_date < %s THEN 'red' WHEN due_date < %s THEN 'yellow' ELSE 'green' END, count(*) "
                "FROM calendar_clock WHERE stopped_at IS NULL GROUP BY 1 ORDER BY 1", [today, yellow_limit])
            return cursor.fetchall()

    bare()  # warm the cache
    t_bare, rows = timed(bare, repeat=3)
    print("bare scan:", rows, f"{t_bare * 1000:.0f} ms", flush=True)

    t_run1, r1 = timed(lambda: sweep(today=today, notify=False, codes=["time_limit_case"]))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE supervision_alert")
    t_run2, r2 = timed(lambda: sweep(today=today, notify=False, codes=["time_limit_case"]), repeat=3)
    t_full, r3 = timed(lambda: sweep(today=today, notify=False), repeat=1)
    created1 = r1.total_created  # type: ignore[attr-defined]
    print(f"sweep run 1: {t_run1:.2f} s ({created1:,} alerts); run 2: {t_run2:.2f} s "
          f"({r2.total_created} new, {r2.total_resolved} resolved); full: {t_full:.2f} s", flush=True)  # type: ignore[attr-defined]
    assert r2.total_created == 0 and r2.total_resolved == 0  # type: ignore[attr-defined]
    assert r3.total_created == 0  # type: ignore[attr-defined]

    # --- one event -------------------------------------------------------------------------------
    ids = list(Case.objects.filter(number__startswith="BENCH").order_by("?").values_list("pk", flat=True)[:EVENTS])
    evaluate_case(ids[0], today=today, notify=False)
    t0 = time.perf_counter()
    for pk in ids:
        evaluate_case(pk, today=today, notify=False)
    per_event = (time.perf_counter() - t0) / len(ids)

    def noop(sender, **kwargs) -> None:  # noqa: ANN001
        return None

    class Marker:
        pass

    post_save.connect(noop, sender=Marker, dispatch_uid="bench-noop")
    t0 = time.perf_counter()
    for _ in range(10_000):
        post_save.send(sender=Marker, instance=None, created=False)
    per_signal = (time.perf_counter() - t0) / 10_000
    cases = list(Case.objects.filter(pk__in=ids))
    t0 = time.perf_counter()
    for case in cases:
        case.save(update_fields=["updated_at"])
    per_save = (time.perf_counter() - t0) / len(cases)

    samples = []
    for pk in ids[:50]:
        t0 = time.perf_counter()
        evaluate_case(pk, today=today, notify=False)
        samples.append(time.perf_counter() - t0)

    print()
    print(f"| Measure ({N:,} open clocked cases, PostgreSQL) | Time | vs bare scan |")
    print("|---|---:|---:|")
    print(f"| Bare SQL scan classifying the clocks (GROUP BY light) | {t_bare * 1000:.0f} ms | 1.0× |")
    print(f"| Time-limit sweep, run 1 (creates {created1:,} alerts) | {t_run1 * 1000:.0f} ms | {t_run1 / t_bare:.1f}× |")
    print(f"| Time-limit sweep, run 2 (idempotent, nothing changes) | {t_run2 * 1000:.0f} ms | {t_run2 / t_bare:.1f}× |")
    print(f"| Full sweep, all 12 rules (idempotent) | {t_full * 1000:.0f} ms | {t_full / t_bare:.1f}× |")
    print()
    print("| Per event | Time |")
    print("|---|---:|")
    print(f"| Evaluate all rules for one case (`evaluate_case`), mean of {len(ids)} | {per_event * 1000:.2f} ms |")
    print(f"| … median of 50 | {statistics.median(samples) * 1000:.2f} ms |")
    print(f"| `post_save` with a no-op receiver | {per_signal * 1e6:.1f} µs |")
    print(f"| plain `case.save(update_fields=…)` | {per_save * 1000:.2f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
