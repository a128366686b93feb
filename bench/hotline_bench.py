"""Benchmark: 12345 hotline ticket intake and Open311 ``GET requests.json`` at 1,000,000 tickets
(PostgreSQL only).

    .venv/bin/python bench/hotline_bench.py [--create 1000] [--tickets 1000000] [--requests 50]

Uses its own database (``HOTBENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/yiwang_hotbench``), created and migrated if missing.

(a) **Intake throughput**: ``ticket_create`` (validation, SM4-encrypted phone + blind index, ticket
    row, number, timeline event, SM3-chained audit event, one transaction per ticket) against the raw
    database equivalent — the same rows inserted with plain SQL, one transaction per ticket, into
    ``bench_*`` tables created ``LIKE`` the real ones (same columns and indexes).
(b) **Open311 latency**: bulk-loads tickets (``INSERT … SELECT generate_series``: two years of
    tickets, 24 matter types, 13 townships, one timeline event each) up to ``--tickets``, then times
    ``GET /open311/v2/requests.json`` through the Django test client (full middleware, JSON
    rendering of up to 1000 requests) with typical filters, and prints the median and p95.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yiwang_hotbench"
os.environ["DATABASE_URL"] = os.environ.get("HOTBENCH_DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
os.environ.setdefault("YIWANG_HUEY_IMMEDIATE", "true")
os.environ.setdefault("YIWANG_LOG_LEVEL", "WARNING")


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')  # the operator's own database name
            print(f"created database {name}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def seed_reference_data() -> dict:
    """Divisions, departments and matter types of the demo county (idempotent)."""
    from yiwang.hotline.demo_tickets import MATTER_TYPES, township_code
    from yiwang.hotline.models import MatterType
    from yiwang.org.demo_data import COUNTY, TOWNSHIPS
    from yiwang.org.models import Department, Division, DivisionLevel

    county, _ = Division.objects.get_or_create(code=COUNTY[0], defaults={"name": COUNTY[1],
                                                                         "level": DivisionLevel.COUNTY})
    townships = []
    for three, name, _villages in TOWNSHIPS:
        division, _ = Division.objects.get_or_create(
            code=township_code(three), defaults={"name": name, "level": DivisionLevel.TOWNSHIP, "parent": county})
        townships.append(division)
        Department.objects.get_or_create(code=f"T-{three}", defaults={"name": f"{name}便民服务中心",
                                                                     "division": division})
    units = {}
    for code, name, category, unit, _assist, _township in MATTER_TYPES:
        units[unit], _ = Department.objects.get_or_create(code=unit, defaults={"name": f"县{unit}", "division": county})
        MatterType.objects.get_or_create(code=code, defaults={"name": name, "default_category": category})
    return {
        "divisions": [d.pk for d in townships],
        "matter_types": list(MatterType.objects.order_by("code").values_list("pk", flat=True)),
        "units": [u.pk for u in units.values()],
        "township": townships[1],
        "matter": MatterType.objects.get(code="ROAD"),
    }


def bench_intake(n: int, ref: dict) -> tuple[float, float]:
    from django.db import connection, transaction

    from yiwang.hotline.demo_tickets import demo_ticket_rows
    from yiwang.hotline.models import Ticket
    from yiwang.hotline.services.intake import ticket_create

    texts = [r["content"] for r in demo_ticket_rows()]
    run = int(time.time())
    # warm up (imports, caches, prepared plans)
    for i in range(20):
        ticket_create(category="help", channel="web", content=texts[i], caller_phone="13812345678",
                      division=ref["township"], matter_type=ref["matter"], idempotency_key=f"warm-{run}-{i}")
    t0 = time.perf_counter()
    for i in range(n):
        ticket_create(category="help", channel="web", content=texts[i % len(texts)], caller_phone="13812345678",
                      caller_name="王先生", division=ref["township"], matter_type=ref["matter"],
                      address="人民路 1 号", publish_consent=bool(i % 2))
    service_rate = n / (time.perf_counter() - t0)

    # The raw equivalent: same rows, plain SQL, one transaction per ticket.
    template = Ticket.objects.order_by("-id").first()
    assert template is not None
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_ticket (LIKE hotline_ticket INCLUDING ALL)")
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_ticketevent (LIKE hotline_ticketevent INCLUDING ALL)")
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_auditevent (LIKE core_auditevent INCLUDING ALL)")
        cursor.execute("TRUNCATE bench_ticket, bench_ticketevent, bench_auditevent RESTART IDENTITY")
        cursor.execute("SELECT * FROM core_auditevent ORDER BY id DESC LIMIT 1")
        audit_cols = [c.name for c in cursor.description]
        audit_row = dict(zip(audit_cols, cursor.fetchone(), strict=True))
    from psycopg.types.json import Jsonb

    ticket_sql = (
        "INSERT INTO bench_ticket (number, category, channel, urgency, title, content, caller_name, "
        "caller_phone_enc, caller_phone_index, caller_phone_masked, anonymous, publish_consent, query_code_hash, "
        "address, division_id, matter_type_id, status, diversion_kind, diversion_reason, diversion_message, "
        "reopen_count, leader_flag, service_code, token, light, created_at, updated_at, lock_version) "
        "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'','','',0,false,'',%s,'',now(),now(),0) "
        "RETURNING id"
    )
    event_sql = ("INSERT INTO bench_ticketevent (ticket_id, kind, text, public, at) "
                 "VALUES (%s, 'registered', %s, true, now())")
    audit_fields = [c for c in audit_cols if c != "id"]
    audit_sql = (f"INSERT INTO bench_auditevent ({', '.join(audit_fields)}) "
                 f"VALUES ({', '.join(['%s'] * len(audit_fields))})")
    t0 = time.perf_counter()
    for i in range(n):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(ticket_sql, [
                f"TMP-{run}-{i}", "help", "web", "normal", texts[i % len(texts)][:30], texts[i % len(texts)],
                "王先生", template.caller_phone_enc, template.caller_phone_index, template.caller_phone_masked,
                False, bool(i % 2), template.query_code_hash, "人民路 1 号", ref["township"].pk, ref["matter"].pk,
                "registered", f"{run:x}{i:012x}",
            ])
            ticket_id = cursor.fetchone()[0]
            cursor.execute("UPDATE bench_ticket SET number = %s WHERE id = %s", [f"B{run}{ticket_id:08d}", ticket_id])
            cursor.execute(event_sql, [ticket_id, "网站/移动端受理"])
            values = []
            for field in audit_fields:
                value = audit_row[field]
                if field == "hash":
                    value = hashlib.sha256(f"{run}-{i}".encode()).hexdigest()
                elif field == "seq":
                    value = run * 100000 + i
                elif isinstance(value, dict | list):
                    value = Jsonb(value)
                values.append(value)
            cursor.execute(audit_sql, values)
    raw_rate = n / (time.perf_counter() - t0)
    return service_rate, raw_rate


LOAD_SQL = """
INSERT INTO hotline_ticket (
  number, category, channel, urgency, title, content, caller_name, caller_phone_enc, caller_phone_index,
  caller_phone_masked, anonymous, publish_consent, query_code_hash, address, division_id, latitude, longitude,
  matter_type_id, status, lead_unit_id, diversion_kind, diversion_reason, diversion_message, reopen_count,
  leader_flag, service_code, token, expected_at, light, created_at, updated_at, dispatched_at, replied_at,
  closed_at, lock_version)
SELECT
  'B' || lpad(g::text, 10, '0'),
  (ARRAY['consult','help','complaint','report','suggestion'])[1 + g %% 5],
  (ARRAY['phone','phone','phone','mailbox','sms','web','open311'])[1 + g %% 7],
  CASE WHEN g %% 20 = 0 THEN 'urgent' ELSE 'normal' END,
  left((%(texts)s::text[])[1 + g %% %(ntexts)s], 30),
  (%(texts)s::text[])[1 + g %% %(ntexts)s],
  '', '', '', '138****0000', false, g %% 5 < 3, '', '', (%(divisions)s::bigint[])[1 + g %% %(ndiv)s],
  35.1 + (g %% 1000) / 10000.0, 118.8 + (g %% 997) / 10000.0,
  (%(matters)s::bigint[])[1 + (g * 7) %% %(nmat)s],
  CASE WHEN age > interval '10 days' THEN (CASE WHEN g %% 50 = 0 THEN 'merged' ELSE 'closed' END)
       ELSE (ARRAY['registered','dispatched','handling','replied','callback','closed'])[1 + g %% 6] END,
  (%(units)s::bigint[])[1 + g %% %(nunits)s],
  '', '', '', 0, false, '', md5(g::text), created + interval '5 days', 'green',
  created, created + interval '2 days', created + interval '30 minutes',
  CASE WHEN age > interval '10 days' THEN created + interval '3 days' END,
  CASE WHEN age > interval '10 days' THEN created + interval '4 days' END,
  0
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g,
     LATERAL (SELECT (g::double precision / %(total)s) * interval '730 days' AS age) a,
     LATERAL (SELECT now() - a.age AS created) c
"""

EVENT_SQL = """
INSERT INTO hotline_ticketevent (ticket_id, kind, text, actor_id, unit_id, public, at)
SELECT id, 'dispatched', '派至承办单位主办', NULL, lead_unit_id, true, dispatched_at
FROM hotline_ticket WHERE number LIKE 'B%%' AND id > %(after)s
"""


def bulk_load(target: int, ref: dict) -> tuple[int, float]:
    from django.db import connection, transaction

    from yiwang.hotline.demo_tickets import demo_ticket_rows
    from yiwang.hotline.models import Ticket

    texts = sorted({r["content"] for r in demo_ticket_rows()})
    have = Ticket.objects.filter(number__startswith="B0").count()
    if have >= target:
        return have, 0.0
    t0 = time.perf_counter()
    batch = 250_000
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM hotline_ticket")
        before_id = cursor.fetchone()[0]
        for first in range(have + 1, target + 1, batch):
            last = min(first + batch - 1, target)
            with transaction.atomic():
                cursor.execute(LOAD_SQL, {
                    "texts": texts, "ntexts": len(texts), "divisions": ref["divisions"], "ndiv": len(ref["divisions"]),
                    "matters": ref["matter_types"], "nmat": len(ref["matter_types"]), "units": ref["units"],
                    "nunits": len(ref["units"]), "first": first, "last": last, "total": target,
                })
            print(f"  loaded tickets {first:,}–{last:,} ({time.perf_counter() - t0:.0f} s)", flush=True)
        with transaction.atomic():
            cursor.execute(EVENT_SQL, {"after": before_id})
        cursor.execute("ANALYZE hotline_ticket")
        cursor.execute("ANALYZE hotline_ticketevent")
    return Ticket.objects.filter(number__startswith="B0").count(), time.perf_counter() - t0


def bench_open311(n_requests: int) -> tuple[list[tuple[str, int, float, float, int, float]], str]:
    from datetime import timedelta

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from yiwang.hotline.models import Ticket
    from yiwang.hotline.open311.lookup import requests_queryset

    client = Client()
    now = timezone.now()
    some = list(Ticket.objects.filter(number__startswith="B0").order_by("?").values_list("number", flat=True)[:10])
    month_ago = (now - timedelta(days=30)).isoformat(timespec="seconds")
    cases = [
        ("default (last 90 days)", {}),
        ("status=open", {"status": "open"}),
        ("service_code=ROAD", {"service_code": "ROAD"}),
        ("service_code=NOISE,WAGE & status=closed & 30 days",
         {"service_code": "NOISE,WAGE", "status": "closed", "start_date": month_ago}),
        ("start_date/end_date one week, a year ago",
         {"start_date": (now - timedelta(days=372)).date().isoformat(),
          "end_date": (now - timedelta(days=365)).date().isoformat()}),
        ("service_request_id (5 ids)", {"service_request_id": ",".join(some[:5])}),
    ]
    for _name, params in cases:  # warm up
        assert client.get("/open311/v2/requests.json", params).status_code == 200
    rows = []
    per_case = max(1, n_requests // len(cases))
    for name, params in cases:
        timings = []
        count = 0
        for _ in range(per_case):
            t0 = time.perf_counter()
            response = client.get("/open311/v2/requests.json", params)
            timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.content[:300]
            count = len(response.json())
        query_ms = []
        for _ in range(5):
            t0 = time.perf_counter()
            list(requests_queryset(params))
            query_ms.append((time.perf_counter() - t0) * 1000)
        rows.append((name, per_case, statistics.median(timings), pct(timings, 0.95), count,
                     statistics.median(query_ms)))
    query = requests_queryset({"status": "open"}).query
    sql, sql_params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF) " + sql, sql_params)
        plan = "\n".join(r[0] for r in cursor.fetchall()[:8])
    return rows, plan


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--create", type=int, default=1000, help="tickets created per intake variant")
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets stored for the Open311 run")
    parser.add_argument("--requests", type=int, default=60, help="Open311 GET requests in all")
    args = parser.parse_args()

    url = os.environ["DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        print("hotline_bench needs PostgreSQL (HOTBENCH_DATABASE_URL)", file=sys.stderr)
        return 2
    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - t0:.1f} s", flush=True)
    ref = seed_reference_data()

    service_rate, raw_rate = bench_intake(args.create, ref)
    stored, load_s = bulk_load(args.tickets, ref)
    rows, plan = bench_open311(args.requests)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM hotline_ticket")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(",")[0]

    print(f"\n# Hotline benchmark ({version})\n")
    print("## (a) Ticket intake, one transaction per ticket\n")
    print("| What | Tickets | Per second | Ratio |")
    print("|---|---:|---:|---:|")
    print(f"| `ticket_create` (validation, SM4 phone, event, SM3-chained audit) | {args.create} | "
          f"{service_rate:,.0f} | {service_rate / raw_rate:.2f}× raw |")
    print(f"| raw SQL: same ticket + number + event + audit rows | {args.create} | {raw_rate:,.0f} | 1.00× |")
    print(f"\n## (b) `GET /open311/v2/requests.json` with {total:,} tickets stored"
          + (f" (bulk load {load_s:.0f} s)" if load_s else "") + "\n")
    print("| Filter | Requests | Median ms | p95 ms | Requests returned | of which query (ORM) ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, n, median, p95, count, query in rows:
        print(f"| {name} | {n} | {median:.1f} | {p95:.1f} | {count} | {query:.1f} |")
    print(f"\nPlan of the `status=open` query:\n\n```\n{plan}\n```")
    del stored
    return 0


if __name__ == "__main__":
    sys.exit(main())
