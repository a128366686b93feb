"""Benchmark: online approval (issue 3) — case submission, task completion, status query.

    .venv/bin/python bench/case_bench.py [--cases 800] [--writers 6] [--steps 200] [--queries 500]

Uses its own PostgreSQL database (``CASEBENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/yiwang_casebench``), created and migrated if missing, and
prints markdown tables. Every figure is a ratio measured in the same run.

(a) **Case submission.** ``case_apply(..., submit=True)`` with one small PDF upload (draft, SHA-256
    and content sniffing, stored file, number sequence, query code, acceptance clock, timeline
    event, SM3-chained audit events, notification messages, one transaction), ``--cases`` times from
    ``--writers`` concurrent processes, against **pgbench** running the equivalent transaction at
    the same concurrency: the same INSERTs (and the number-sequence / audit-chain-head row updates
    the real transaction needs) into ``bench_*`` tables created ``LIKE`` the real ones (same
    columns, defaults, indexes), one ``BEGIN … COMMIT`` each. The script is generated from the
    statements one real submission executes (captured with ``CaptureQueriesContext``), with row
    values copied from that submission and the unique columns randomised. Goal: ≥ 30 %.
(b) **Task completion cost.** ``handling.step_complete`` (locks, engine, step clocks, audit, events,
    notifications) per step on accepted cases of the standard process, against a bare in-memory
    SpiffWorkflow task completion (``task.run()`` + ``do_engine_steps()``).
(c) **Status query** by number and query code: ``GET /api/v1/cases/status?number=&code=`` through
    the Django test client (full middleware stack, rate limiting, lookup, clock) against a bare
    Django JSON view returning a constant dict through the same stack.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yiwang_casebench"
DB_URL = os.environ.get("CASEBENCH_DATABASE_URL", DEFAULT_URL)
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
# Huey as in production: *not* immediate. SMS delivery tasks are enqueued after commit into a Redis
# queue of this run's own name that no consumer reads during the measurement (deleted at the end),
# so a submission pays for writing its Message rows and enqueueing, never for the delivery itself.
os.environ["YIWANG_HUEY_IMMEDIATE"] = "false"
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
HUEY_NAME = f"yiwang-casebench-{os.getpid()}"
os.environ["YIWANG_HUEY_NAME"] = HUEY_NAME
os.environ.setdefault("YIWANG_LOG_LEVEL", "WARNING")
MEDIA = Path(tempfile.mkdtemp(prefix="yiwang-casebench-media-"))
os.environ["YIWANG_MEDIA_ROOT"] = str(MEDIA)  # uploads go to a temporary folder

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
BASE_CODE = "BENCH0000001"


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')  # the operator's own database name
            print(f"created database {name}")


def setup_django() -> None:
    import django
    from django.conf import settings

    django.setup()
    settings.MEDIA_ROOT = str(MEDIA)
    if os.environ.get("CASEBENCH_NO_SUPERVISION"):  # --no-supervision: leave out the after-commit rule check
        settings.SUPERVISION_EVENT_EVALUATION = False


# --- reference data ------------------------------------------------------------------------------

def seed() -> dict[str, Any]:
    """A county, its departments and staff, a citizen and a published standard-process item."""
    from django.core.management import call_command

    from yiwang.accounts.models import User
    from yiwang.calendar import engine as calendar_engine
    from yiwang.calendar.models import CalendarDay, CalendarYear
    from yiwang.calendar.seeding import seed_calendar
    from yiwang.catalog import services as catalog
    from yiwang.catalog.models import ServiceItem
    from yiwang.org.models import Department, Division, DivisionLevel, Position
    from yiwang.workflow.services import process_from_template

    call_command("migrate", verbosity=0)
    seed_calendar(CalendarDay, CalendarYear)
    calendar_engine.invalidate()
    county, _ = Division.objects.get_or_create(code="371327", defaults={"name": "莒南县",
                                                                       "level": DivisionLevel.COUNTY})
    bureau, _ = Department.objects.get_or_create(code="D-APPROVAL", defaults={"name": "莒南县行政审批服务局",
                                                                             "division": county})

    def user(username: str, kind: str = "staff", role: str = "", **extra: str) -> Any:
        found = User.objects.filter(username=username).first()
        if found is None:
            found = User(username=username, kind=kind, real_name=extra.get("name", username))
            if extra.get("id_number"):
                found.set_id_number(extra["id_number"])
            if extra.get("phone"):
                found.set_phone(extra["phone"])
            found.set_password("Correct-Horse-2026")
            found.save()
        if role and not Position.objects.filter(user=found, role=role).exists():
            Position.objects.create(user=found, role=role, division=county, department=bureau)
        return found

    citizen = user("bench_citizen", "citizen", name="王秀英", id_number="110101199003070011", phone="13800000000")
    clerk = user("bench_clerk", role="window_clerk")
    reviewer = user("bench_reviewer", role="reviewer")
    approver = user("bench_approver", role="approver")
    item = ServiceItem.objects.filter(base_code=BASE_CODE).select_related("published_version").first()
    if item is None:
        process = process_from_template(kind="standard", name="标准流程（基准测试）")
        version = catalog.item_create(
            base_code=BASE_CODE, department=bureau, system=True,
            fields={"name": "食品经营许可", "legal_basis": "《中华人民共和国食品安全法》第三十五条",
                    "item_type": "licensing", "levels": ["county"], "statutory_limit": 20, "promised_limit": 10,
                    "process": process, "result_name": "食品经营许可决定", "result_type": "approval"},
            materials=[{"name": "食品经营许可申请书", "required": True}])
        catalog.version_submit(version=version, system=True)
        catalog.version_publish(version=version, system=True, note="基准测试")
        item = ServiceItem.objects.select_related("published_version").get(base_code=BASE_CODE)
    return {"version_id": item.published_version_id, "citizen": citizen.pk, "clerk": clerk.pk,
            "reviewer": reviewer.pk, "approver": approver.pk}


def submit_one(version: Any, citizen: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yiwang.cases.application import case_apply

    material = version.materials.all()[0]
    case, _created = case_apply(
        version=version, actor=citizen, channel="online", form_data={"address": "人民路 1 号", "note": "基准测试"},
        files={material.pk: SimpleUploadedFile("申请书.pdf", PDF_BYTES, content_type="application/pdf")},
        submit=True)
    return case


# --- (a) submission: platform side ----------------------------------------------------------------

def _writer(args: tuple[int, int, dict[str, Any], Any, Any]) -> tuple[int, float, float]:
    index, count, ref, barrier, _unused = args
    setup_django()
    from django.db import connection

    from yiwang.accounts.models import User
    from yiwang.catalog.models import ServiceItemVersion

    version = ServiceItemVersion.objects.get(pk=ref["version_id"])
    citizen = User.objects.get(pk=ref["citizen"])
    list(version.materials.all())
    submit_one(version, citizen)  # warm-up: imports, caches, connection
    barrier.wait()
    started = time.time()
    for _ in range(count):
        submit_one(version, citizen)
    ended = time.time()
    connection.close()
    return index, started, ended


def platform_submissions(n: int, writers: int, ref: dict[str, Any]) -> float:
    from django.db import connections

    connections.close_all()
    context = mp.get_context("fork")
    manager = context.Manager()
    barrier = manager.Barrier(writers)
    per = [n // writers + (1 if i < n % writers else 0) for i in range(writers)]
    with context.Pool(writers) as pool:
        results = pool.map(_writer, [(i, per[i], ref, barrier, None) for i in range(writers)])
    manager.shutdown()
    start = min(r[1] for r in results)
    end = max(r[2] for r in results)
    return n / (end - start)


# --- (a) submission: the equivalent raw transaction for pgbench -----------------------------------

def capture_submission(ref: dict[str, Any]) -> tuple[list[str], int]:
    """The SQL one real submission executes, and the case it created."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yiwang.accounts.models import User
    from yiwang.catalog.models import ServiceItemVersion

    version = ServiceItemVersion.objects.get(pk=ref["version_id"])
    citizen = User.objects.get(pk=ref["citizen"])
    submit_one(version, citizen)  # warm
    with CaptureQueriesContext(connection) as captured:
        case = submit_one(version, citizen)
    return [q["sql"] for q in captured.captured_queries], case.pk


def profile(statements: list[str]) -> list[tuple[str, str, int]]:
    counts: Counter[tuple[str, str]] = Counter()
    for sql in statements:
        head = sql.lstrip()
        kind = head.split(None, 1)[0].upper()
        match = re.search(r'(?:INSERT INTO|UPDATE|FROM)\s+"([a-z0-9_]+)"', head)
        counts[(kind, match.group(1) if match else "—")] += 1
    return [(kind, table, n) for (kind, table), n in counts.most_common()]


def _columns(cursor: Any, table: str) -> list[tuple[str, str, bool, int]]:
    """(name, type, is_identity, max length) of ``table``'s columns in order."""
    cursor.execute(
        "SELECT column_name, data_type, is_identity = 'YES' OR column_default LIKE 'nextval%%', "
        "coalesce(character_maximum_length, 64) "
        "FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position", [table])
    return [(r[0], r[1], bool(r[2]), int(r[3])) for r in cursor.fetchall()]


def _unique_columns(cursor: Any, table: str) -> set[str]:
    """Text columns to randomise so that repeated rows satisfy ``table``'s unique indexes: the
    column of a one-column index, the last text column of a multi-column one."""
    cursor.execute(
        "SELECT i.indexrelid, a.attname, format_type(a.atttypid, a.atttypmod), array_position(i.indkey, a.attnum) "
        "FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = %s::regclass AND i.indisunique AND NOT i.indisprimary", [table])
    by_index: dict[int, list[tuple[int, str, str]]] = {}
    for index, name, type_name, position in cursor.fetchall():
        by_index.setdefault(index, []).append((position, name, type_name))
    chosen = set()
    for columns in by_index.values():
        text = [name for _pos, name, type_name in sorted(columns) if "char" in type_name or type_name == "text"]
        if text:
            chosen.add(text[-1])
    return chosen


def build_pgbench_script(statements: list[str], case_pk: int, path: Path) -> dict[str, int]:
    """One ``BEGIN … COMMIT`` with the same row writes as the captured submission.

    For every table the submission inserted into, ``bench_<table>`` is created ``LIKE`` it
    (``INCLUDING ALL``: columns, defaults, identity, indexes) and receives one row per captured
    INSERT, copied from the row the real submission wrote; unique text columns get a random value.
    Row locks the real transaction takes to serialise writers (the case-number sequence and the
    audit chain head) are reproduced as ``UPDATE`` statements on the same rows.
    """
    from django.conf import settings
    from django.db import connection
    from psycopg import sql as psql
    from psycopg.types.json import Jsonb

    inserts: list[str] = []
    updates: list[str] = []
    for statement in statements:
        head = statement.lstrip()
        m = re.match(r'INSERT INTO "([a-z0-9_]+)"', head)
        if m and m.group(1) == "core_auditchainhead":  # created lazily once per partition
            updates.append(m.group(1))
            continue
        if m:
            inserts.append(m.group(1))
            continue
        m = re.match(r'UPDATE "([a-z0-9_]+)"', head)
        if m:
            updates.append(m.group(1))
    per_table = Counter(inserts)
    lines = ["BEGIN;"]
    with connection.cursor() as cursor:
        raw = cursor.connection
        for table in per_table:
            bench = f"bench_{table}"
            cursor.execute(f'DROP TABLE IF EXISTS "{bench}"')
            cursor.execute(f'CREATE TABLE "{bench}" (LIKE "{table}" INCLUDING ALL)')
        # per table, the rows this submission wrote: the newest ``count`` rows
        templates: dict[str, list[dict[str, Any]]] = {}
        for table, count in per_table.items():
            cols = _columns(cursor, table)
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY id DESC LIMIT %s', [count])
            names = [c.name for c in cursor.description]
            templates[table] = [dict(zip(names, row, strict=True)) for row in reversed(cursor.fetchall())]
        # the audit chain heads, copied (one per partition) so the real chain stays intact
        parts = int(getattr(settings, "AUDIT_PARTITIONS", 1) or 1)
        cursor.execute('DROP TABLE IF EXISTS "bench_core_auditchainhead"')
        cursor.execute('CREATE TABLE "bench_core_auditchainhead" (LIKE "core_auditchainhead" INCLUDING ALL)')
        cursor.execute('INSERT INTO "bench_core_auditchainhead" ("partition", "seq", "hash") '
                       "SELECT p, 0, repeat('0', 64) FROM generate_series(0, %s) AS p", [parts - 1])
        lines[0:0] = [f"\\set part random(0, {parts - 1})"]
        used: Counter[str] = Counter()
        for table in inserts:
            row = templates[table][used[table]]
            used[table] += 1
            cols = [c for c in _columns(cursor, table) if not c[2]]
            unique = _unique_columns(cursor, table)
            values = []
            for name, data_type, _identity, length in cols:
                value = row[name]
                if name in unique and value not in (None, "") and data_type in ("character varying", "text"):
                    values.append(f"left(md5(random()::text), {min(32, length)})")
                elif name in unique and value is not None and data_type == "uuid":
                    values.append("gen_random_uuid()")
                else:
                    if isinstance(value, dict | list):
                        value = Jsonb(value)
                    elif isinstance(value, memoryview):
                        value = bytes(value)
                    values.append(psql.Literal(value).as_string(raw))
            if table == "core_auditevent":  # append to the (copied) chain head, as audit_record does
                lines.append('UPDATE "bench_core_auditchainhead" SET "seq" = "seq" + 1 WHERE "partition" = :part '
                             'RETURNING "seq" AS audit_seq \\gset')
                names = [c[0] for c in cols]
                values[names.index("partition")] = ":part"
                values[names.index("seq")] = ":audit_seq"
            column_list = ", ".join(f'"{c[0]}"' for c in cols)
            lines.append(f'INSERT INTO "bench_{table}" ({column_list}) VALUES ({", ".join(values)});')
        # the case-number sequence row the real transaction locks and bumps (copied, one per county)
        if "cases_casenumbersequence" in updates:
            cursor.execute('DROP TABLE IF EXISTS "bench_cases_casenumbersequence"')
            cursor.execute('CREATE TABLE "bench_cases_casenumbersequence" '
                           '(LIKE "cases_casenumbersequence" INCLUDING ALL)')
            cursor.execute('INSERT INTO "bench_cases_casenumbersequence" SELECT * FROM "cases_casenumbersequence"')
            cursor.execute('SELECT id FROM "cases_casenumbersequence" ORDER BY id DESC LIMIT 1')
            seq = cursor.fetchone()[0]
            begin = lines.index("BEGIN;")
            lines.insert(begin + 1, f'UPDATE "bench_cases_casenumbersequence" SET "last" = "last" + 1 WHERE id = {seq};')
    lines.append("COMMIT;")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dict(per_table)


def run_pgbench(script: Path, clients: int, transactions: int) -> float:
    pgbench = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
    parsed = urlparse(DB_URL)
    cmd = [pgbench, "-n", "-f", str(script), "-c", str(clients), "-j", str(clients), "-t",
           str(max(1, transactions // clients)), "-h", parsed.hostname or "127.0.0.1",
           "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres", parsed.path.lstrip("/")]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"pgbench failed:\n{out.stdout}\n{out.stderr}")
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out.stdout)
    if not match:
        raise SystemExit(f"cannot read pgbench output:\n{out.stdout}")
    return float(match.group(1))


# --- (b) task completion ----------------------------------------------------------------------------

def accepted_cases(k: int, ref: dict[str, Any]) -> list[Any]:
    from yiwang.accounts.models import User
    from yiwang.cases.services import case_accept
    from yiwang.catalog.models import ServiceItemVersion

    version = ServiceItemVersion.objects.get(pk=ref["version_id"])
    citizen = User.objects.get(pk=ref["citizen"])
    clerk = User.objects.get(pk=ref["clerk"])
    position = clerk.positions.get()
    return [case_accept(case=submit_one(version, citizen), actor=clerk, position=position) for _ in range(k)]


def bench_steps(k: int, ref: dict[str, Any]) -> tuple[float, float, float, Counter]:
    """ms per ``step_complete`` (review + decide), ms per bare SpiffWorkflow step, query counts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    from yiwang.accounts.models import User
    from yiwang.cases import handling
    from yiwang.cases.models import StepStatus
    from yiwang.workflow import engine, templates
    from yiwang.workflow.validation import parse_xml

    reviewer = User.objects.get(pk=ref["reviewer"])
    approver = User.objects.get(pk=ref["approver"])
    r_pos, a_pos = reviewer.positions.get(), approver.positions.get()
    cases = accepted_cases(k + 2, ref)

    def open_step(case: Any, kind: str) -> Any:
        return case.steps.get(step_kind=kind, status=StepStatus.READY)

    # warm-up and one profiled step
    handling.step_complete(step=open_step(cases[0], "review"), opinion="同意", actor=reviewer, position=r_pos)
    with CaptureQueriesContext(connection) as captured:
        handling.step_complete(step=open_step(cases[1], "review"), opinion="同意", actor=reviewer, position=r_pos)
    step_profile = Counter(q["sql"].lstrip().split(None, 1)[0].upper() for q in captured.captured_queries)
    steps = [(open_step(c, "review"), reviewer, r_pos) for c in cases[2:]]
    started = time.perf_counter()
    for step, actor, pos in steps:
        handling.step_complete(step=step, opinion="材料齐全，符合条件", actor=actor, position=pos)
    review_ms = (time.perf_counter() - started) * 1000 / len(steps)
    decides = [open_step(c, "decide") for c in cases[2:]]
    started = time.perf_counter()
    for step in decides:
        handling.step_complete(step=step, opinion="同意", decision="grant", actor=approver, position=a_pos)
    decide_ms = (time.perf_counter() - started) * 1000 / len(decides)

    xml = templates.standard()
    spec, subprocess_specs = engine.parse_spec(parse_xml(xml), "Process_standard")
    rounds = []
    for _ in range(3):
        started = time.perf_counter()
        for _case in range(k):
            workflow = BpmnWorkflow(spec, subprocess_specs)
            workflow.do_engine_steps()
            for _step in range(4):
                task = workflow.get_next_task(state=TaskState.READY, manual=True)
                task.data.update({"outcome": "grant"})
                task.run()
                workflow.do_engine_steps()
        rounds.append((time.perf_counter() - started) * 1000 / (k * 4))
    return review_ms, decide_ms, statistics.median(rounds), step_profile


# --- (c) status query -------------------------------------------------------------------------------

def bench_status(m: int, ref: dict[str, Any]) -> tuple[float, float, float, float]:
    from django.http import JsonResponse
    from django.test import Client
    from django.urls import clear_url_caches, path

    import yiwang.urls as root_urls
    from yiwang.accounts.models import User
    from yiwang.catalog.models import ServiceItemVersion

    def bare_view(request: Any) -> JsonResponse:
        return JsonResponse({"number": request.GET.get("number", ""), "status": "in_progress",
                             "status_label": "办理中", "remaining_workdays": 7})

    root_urls.urlpatterns.insert(0, path("bench/bare-status", bare_view))
    clear_url_caches()
    version = ServiceItemVersion.objects.get(pk=ref["version_id"])
    case = submit_one(version, User.objects.get(pk=ref["citizen"]))
    client = Client(REMOTE_ADDR="10.9.8.7")
    url = f"/api/v1/cases/status?number={case.number}&code={case.query_code}"
    first = client.get(url)
    if first.status_code != 200:
        raise SystemExit(f"status query failed: {first.status_code} {first.content[:300]!r}")

    def timed(target: str) -> list[float]:
        out = []
        for i in range(m):
            client.defaults["REMOTE_ADDR"] = f"10.{i % 250}.{(i // 250) % 250}.7"  # stay under rate limits
            started = time.perf_counter()
            response = client.get(target)
            out.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{target}: HTTP {response.status_code} {response.content[:200]!r}")
        return out

    timed(url), timed("/bench/bare-status?number=x")  # warm-up
    real, bare = timed(url), timed(f"/bench/bare-status?number={case.number}")
    return statistics.median(real), pct(real, 0.95), statistics.median(bare), pct(bare, 0.95)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# --- main ---------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=800)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--only", choices=["submission", "steps", "status"], default=None,
                        help="run only one part")
    parser.add_argument("--no-supervision", action="store_true",
                        help="skip the supervision rules evaluated after each case save commits")
    args = parser.parse_args()
    if args.no_supervision:
        os.environ["CASEBENCH_NO_SUPERVISION"] = "1"
    try:
        _run(args)
    finally:
        _drop_queue()
        shutil.rmtree(MEDIA, ignore_errors=True)


def _drop_queue() -> None:
    """Delete this run's never-consumed huey queue (the delivery tasks it collected)."""
    try:
        from huey.contrib.djhuey import HUEY

        HUEY.flush()
    except Exception as exc:  # noqa: BLE001 - cleanup only
        print(f"(could not flush huey queue {HUEY_NAME}: {exc})")


def _run(args: argparse.Namespace) -> None:
    ensure_database(DB_URL)
    setup_django()
    ref = seed()
    if args.only in (None, "submission"):
        bench_submission(args, ref)
    if args.only in (None, "steps"):
        report_steps(args, ref)
    if args.only in (None, "status"):
        report_status(args, ref)


def bench_submission(args: argparse.Namespace, ref: dict[str, Any]) -> None:
    statements, case_pk = capture_submission(ref)
    script = Path(tempfile.mkdtemp(prefix="yiwang-casebench-")) / "submission.sql"
    per_table = build_pgbench_script(statements, case_pk, script)

    print(f"## Case submission on PostgreSQL ({args.writers} concurrent writers, {args.cases} submissions)\n")
    print("One real submission executes:\n")
    print("| statement | table | count |\n|---|---|---:|")
    for kind, table, n in profile(statements):
        print(f"| {kind} | {table} | {n} |")
    print(f"| **total** | | **{len(statements)}** |\n")
    raw_tps = run_pgbench(script, args.writers, args.cases)
    shutil.rmtree(script.parent, ignore_errors=True)
    rate = platform_submissions(args.cases, args.writers, ref)
    print("| | transactions/s |\n|---|---:|")
    print(f"| pgbench, equivalent transaction ({sum(per_table.values())} INSERTs: "
          f"{', '.join(f'{t}×{n}' for t, n in per_table.items())}) | {raw_tps:,.0f} |")
    print(f"| platform `case_apply(submit=True)` with one PDF upload | {rate:,.0f} |")
    print(f"| **platform / raw** | **{rate / raw_tps:.0%}** (goal ≥ 30%) |\n")


def report_steps(args: argparse.Namespace, ref: dict[str, Any]) -> None:
    review_ms, decide_ms, bare_ms, step_profile = bench_steps(args.steps, ref)
    print(f"## Task completion ({args.steps} cases, standard process)\n")
    print("| | ms/step | × bare |\n|---|---:|---:|")
    print(f"| bare SpiffWorkflow task (`run` + `do_engine_steps`, in memory) | {bare_ms:.3f} | 1 |")
    print(f"| `handling.step_complete` — 审查 (review) | {review_ms:.2f} | {review_ms / bare_ms:,.0f} |")
    print(f"| `handling.step_complete` — 决定 (decide: decision, 决定书) | {decide_ms:.2f} | "
          f"{decide_ms / bare_ms:,.0f} |")
    print(f"\nQueries in one review step: {dict(step_profile)}\n")


def report_status(args: argparse.Namespace, ref: dict[str, Any]) -> None:
    real_p50, real_p95, bare_p50, bare_p95 = bench_status(args.queries, ref)
    print(f"## Status query by number and query code ({args.queries} requests, Django test client)\n")
    print("| | median ms | p95 ms |\n|---|---:|---:|")
    print(f"| bare Django JSON view | {bare_p50:.2f} | {bare_p95:.2f} |")
    print(f"| `GET /api/v1/cases/status?number=&code=` | {real_p50:.2f} | {real_p95:.2f} |")
    print(f"| **ratio** | **{real_p50 / bare_p50:.1f}×** | {real_p95 / bare_p95:.1f}× |")


if __name__ == "__main__":
    main()
