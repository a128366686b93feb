"""Benchmark: cost of the SM3-chained audit trail against plain inserts (PostgreSQL only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_bench .venv/bin/python bench/audit_bench.py [N]

Creates (if missing) and migrates its own database, then, in one run, has 8 concurrent writers
(threads, each with its own connection) append N events each, every event in its own
transaction:

* ``audit_record`` on varied objects (spread over ``AUDIT_PARTITIONS`` chains);
* ``audit_record`` on one hot object (every write in one partition: one row lock);
* plain ORM inserts into ``bench_plain_event``, a table of the same shape without chaining.

Prints a markdown table of events/second and the ratio to plain inserts, then times
``audit_verify`` over everything written.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
os.environ.setdefault("YIWANG_HUEY_IMMEDIATE", "true")

WRITERS = 8
PER_WRITER = int(sys.argv[1]) if len(sys.argv) > 1 else 250

PLAIN_TABLE = """
CREATE TABLE IF NOT EXISTS bench_plain_event (
    id bigserial PRIMARY KEY,
    partition smallint NOT NULL,
    seq bigint NOT NULL,
    prev_hash varchar(64) NOT NULL,
    hash varchar(64) NOT NULL UNIQUE,
    occurred_at timestamptz NOT NULL,
    actor_id bigint NULL,
    actor_label varchar(150) NOT NULL,
    position_id bigint NULL,
    position_label varchar(200) NOT NULL,
    action varchar(100) NOT NULL,
    object_type varchar(100) NOT NULL,
    object_id varchar(64) NOT NULL,
    before jsonb NULL,
    after jsonb NULL,
    ip inet NULL,
    request_id varchar(32) NOT NULL
);
CREATE INDEX IF NOT EXISTS bench_plain_event_occurred ON bench_plain_event (occurred_at);
CREATE INDEX IF NOT EXISTS bench_plain_event_actor ON bench_plain_event (actor_id);
CREATE INDEX IF NOT EXISTS bench_plain_event_action ON bench_plain_event (action);
CREATE INDEX IF NOT EXISTS bench_plain_event_object ON bench_plain_event (object_type, object_id);
"""


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')  # name comes from the operator's own DATABASE_URL
            print(f"created database {name}")


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("audit_bench needs DATABASE_URL pointing at PostgreSQL, e.g.\n"
              "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_bench .venv/bin/python bench/audit_bench.py",
              file=sys.stderr)
        return 2
    ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections, models, transaction
    from django.utils import timezone

    from yiwang.core.audit import audit_record
    from yiwang.core.verify import audit_verify

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(PLAIN_TABLE)
        cursor.execute("TRUNCATE bench_plain_event, core_auditevent, core_auditchainhead, core_auditanchor")

    class PlainEvent(models.Model):
        partition = models.PositiveSmallIntegerField()
        seq = models.PositiveBigIntegerField()
        prev_hash = models.CharField(max_length=64)
        hash = models.CharField(max_length=64)
        occurred_at = models.DateTimeField()
        actor_id = models.BigIntegerField(null=True)
        actor_label = models.CharField(max_length=150)
        position_id = models.BigIntegerField(null=True)
        position_label = models.CharField(max_length=200)
        action = models.CharField(max_length=100)
        object_type = models.CharField(max_length=100)
        object_id = models.CharField(max_length=64)
        before = models.JSONField(null=True)
        after = models.JSONField(null=True)
        ip = models.GenericIPAddressField(null=True)
        request_id = models.CharField(max_length=32)

        class Meta:
            app_label = "core"
            managed = False
            db_table = "bench_plain_event"

        def __str__(self) -> str:
            return str(self.pk)

    counter = iter(range(10**12))
    counter_lock = threading.Lock()

    def plain_write(worker: int, i: int, object_id: str) -> None:
        with counter_lock:
            n = next(counter)
        with transaction.atomic():
            PlainEvent.objects.create(
                partition=0, seq=n, prev_hash="0" * 64, hash=f"{n:064x}", occurred_at=timezone.now(),
                actor_id=worker, actor_label=f"writer{worker}", position_id=None, position_label="",
                action="bench.write", object_type="bench.thing", object_id=object_id,
                before={"i": i - 1}, after={"i": i, "worker": worker}, ip="10.0.0.1", request_id="",
            )

    def chained_write(worker: int, i: int, object_id: str) -> None:
        with transaction.atomic():
            audit_record(action="bench.write", object_type="bench.thing", object_id=object_id,
                         before={"i": i - 1}, after={"i": i, "worker": worker}, ip="10.0.0.1")

    def run(write, *, hot: bool) -> float:
        barrier = threading.Barrier(WRITERS + 1)
        errors: list[BaseException] = []

        def worker(w: int) -> None:
            try:
                connection.ensure_connection()
                barrier.wait()
                for i in range(PER_WRITER):
                    write(w, i, "hot" if hot else f"{w}-{i}")
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(WRITERS)]
        for t in threads:
            t.start()
        barrier.wait()
        started = time.perf_counter()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        if errors:
            raise RuntimeError(f"{len(errors)} writer(s) failed: {errors[0]!r}")
        return elapsed

    total = WRITERS * PER_WRITER
    # warm-up (connections, caches, first partition heads), not measured
    run(plain_write, hot=False)
    run(chained_write, hot=False)
    rows = []
    for label, write, hot in [
        ("plain insert, varied objects", plain_write, False),
        ("audit_record, varied objects", chained_write, False),
        ("plain insert, one hot object", plain_write, True),
        ("audit_record, one hot object (1 partition)", chained_write, True),
    ]:
        elapsed = run(write, hot=hot)
        rows.append((label, elapsed, total / elapsed))
    plain_rate = {False: rows[0][2], True: rows[2][2]}

    print(f"\nPostgreSQL {connection.pg_version // 10000}, {WRITERS} writer threads x {PER_WRITER} events, "
          f"one transaction per event, AUDIT_PARTITIONS={settings.AUDIT_PARTITIONS}, {os.cpu_count()} CPU(s)\n")
    print("| scenario | events | seconds | events/s | vs plain |")
    print("|---|---:|---:|---:|---:|")
    for label, elapsed, rate in rows:
        base = plain_rate["hot" in label]
        print(f"| {label} | {total} | {elapsed:.2f} | {rate:,.0f} | {rate / base:.2f}x |")

    from yiwang.core.models import AuditEvent
    from yiwang.core.services import audit_anchor_create

    audit_anchor_create()
    started = time.perf_counter()
    result = audit_verify()
    elapsed = time.perf_counter() - started
    print(f"\naudit_verify over {result.events} events in {result.partitions} partitions: {elapsed:.2f} s "
          f"({result.events / elapsed:,.0f} events/s), intact={result.ok}")
    assert result.events == AuditEvent.objects.count()
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
