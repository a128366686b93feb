"""Benchmark: deadline computations per second (办理时限计算).

Compares the cached engine (``yiwang.calendar.engine.add_workdays``) with a naive reference
that walks day by day with ``chinese_calendar.is_workday``, and the public HTTP endpoint with
a bare Django view returning JSON (same middleware, Django test Client, no network).

Uses the configured database, seeded by ``manage.py migrate``::

    .venv/bin/python bench/deadline_bench.py [--n 20000] [--http 2000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")

import django  # noqa: E402

django.setup()

import chinese_calendar  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

from yiwang.calendar import engine  # noqa: E402


def bare_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"due": request.GET.get("start", "")})


urlpatterns = [path("bare/", bare_view), path("", include("yiwang.urls"))]


def naive_add_workdays(start: date, n: int) -> date:
    d = start
    while n:
        d += timedelta(days=1)
        if chinese_calendar.is_workday(d):
            n -= 1
    return d


def cases(count: int, seed: int) -> list[tuple[date, int]]:
    rng = random.Random(seed)
    first = date(2025, 1, 1).toordinal()
    last = date(2026, 9, 15).toordinal()  # + 60 working days stays inside 2026 (chinesecalendar data)
    return [(date.fromordinal(rng.randint(first, last)), rng.randint(1, 60)) for _ in range(count)]


def rate(fn, items) -> tuple[float, list]:
    t0 = time.perf_counter()
    out = [fn(s, n) for s, n in items]
    return len(items) / (time.perf_counter() - t0), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="engine computations")
    parser.add_argument("--naive", type=int, default=2000, help="naive reference computations")
    parser.add_argument("--http", type=int, default=2000, help="HTTP requests per endpoint")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    if not engine.is_year_complete(2026):
        sys.exit("calendar table is empty: run `manage.py migrate` first")
    items = cases(args.n, args.seed)
    t0 = time.perf_counter()
    engine.reset()
    engine.snapshot()
    load_ms = (time.perf_counter() - t0) * 1000

    engine_rate, engine_out = rate(engine.add_workdays, items)
    naive_items = items[: args.naive]
    naive_rate, naive_out = rate(naive_add_workdays, naive_items)
    mismatches = sum(1 for a, b in zip(engine_out, naive_out, strict=False) if a != b)

    client = Client()
    http_items = items[: args.http]
    with override_settings(ROOT_URLCONF=__name__):
        for s, n in http_items[:50]:  # warm up
            client.get("/api/v1/calendar/deadline", {"start": s.isoformat(), "workdays": n})
            client.get("/bare/", {"start": s.isoformat()})
        t0 = time.perf_counter()
        for s, n in http_items:
            response = client.get("/api/v1/calendar/deadline", {"start": s.isoformat(), "workdays": n})
            assert response.status_code == 200, response.content
        api_rate = len(http_items) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for s, _n in http_items:
            response = client.get("/bare/", {"start": s.isoformat()})
            assert response.status_code == 200
        bare_rate = len(http_items) / (time.perf_counter() - t0)

    db = django.db.connection.vendor
    print(f"# Deadline benchmark ({db}, seed {args.seed}, snapshot load {load_ms:.1f} ms)\n")
    print("| What | Count | Per second | Ratio |")
    print("|---|---:|---:|---:|")
    print(f"| engine `add_workdays` (start 2025–2026, N 1–60) | {len(items)} | {engine_rate:,.0f} | "
          f"{engine_rate / naive_rate:,.1f}× naive |")
    print(f"| naive loop with `chinese_calendar.is_workday` | {len(naive_items)} | {naive_rate:,.0f} | 1.0× |")
    print(f"| `GET /api/v1/calendar/deadline` (test Client) | {len(http_items)} | {api_rate:,.0f} | "
          f"{api_rate / bare_rate:.2f}× bare |")
    print(f"| bare Django view returning JSON (test Client) | {len(http_items)} | {bare_rate:,.0f} | 1.0× |")
    print(f"\nengine vs naive mismatches: {mismatches} of {len(naive_items)}")
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
