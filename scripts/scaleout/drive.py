"""Driver of the scale-out check (started by ``scripts/scaleout/run.sh``, which sets the environment).

Through the haproxy in front of two app servers (round-robin, no stickiness), it proves:

1. **journey**: the README journey works whichever server answers: the citizen applies for 食品经营许可
   with its required uploads, ``clerk`` accepts, ``samr_reviewer`` reviews, ``samr_approver`` grants; staff pass
   two-factor (TOTP, and a backup code for the clerk); ``supervisor`` switches position. Every form is
   fetched from one server and posted to the other (sessions and CSRF shared), and every uploaded file
   is downloaded back from both servers with the same SHA-256 (shared storage);
2. **periodic**: both consumers enqueue ``core.audit_anchor`` every minute, and each slot runs once;
3. **kill -9**: concurrent submissions with an ``Idempotency-Key`` (API: 生育登记; web forms with uploads:
   食品经营许可)
   while one app server's process group is killed; after retrying the failures with the same keys,
   every key maps to exactly one case, every acknowledged answer names that case, and no case lacks
   its clock, submission event, audit event or materials.

Prints a PASS/FAIL line per check and exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import base64
import collections
import hashlib
import hmac
import os
import re
import signal
import struct
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

PASSWORD = "Yiwang-demo-2026"
TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
FOOD_LICENCE = "010280014000"  # 食品经营许可: the journey and the web submissions, with uploads
BIRTH_REGISTRATION = "200240046000"  # 生育登记: no material to upload, so one API call submits it
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SERVER_HEADER = "X-Yiwang-Server"


class Failure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), the authenticator app's code for the demo secret."""
    key = base64.b32decode(secret)
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def pdf(label: str) -> bytes:
    return PDF + f"% {label}\n".encode()


@dataclass
class Browser:
    """A requests session that records which app server answered each request."""

    base: str
    servers: collections.Counter = field(default_factory=collections.Counter)
    crossings: int = 0  # forms fetched from one server and posted to the other

    def __post_init__(self) -> None:
        self.http = requests.Session()
        self._form_server = ""

    def _note(self, response: requests.Response) -> requests.Response:
        for hop in [*response.history, response]:
            self.servers[hop.headers.get(SERVER_HEADER, "?")] += 1
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        response = self._note(self.http.get(self.base + path, timeout=60, **kwargs))
        self._form_server = response.headers.get(SERVER_HEADER, "")
        return response

    def token(self, html: str) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        check(found is not None, "no CSRF token in the page")
        return found.group(1)  # type: ignore[union-attr]

    def post_form(self, page: requests.Response, path: str, data: dict[str, Any], **kwargs: Any) -> requests.Response:
        """POST a form of ``page`` with the page's CSRF token (a masked token from the server that rendered it)."""
        served_form = self._form_server
        response = self._note(self.http.post(self.base + path, data={"csrfmiddlewaretoken": self.token(page.text),
                                                                     **data}, timeout=60, **kwargs))
        first = (response.history[0] if response.history else response).headers.get(SERVER_HEADER, "")
        if served_form and first and first != served_form:
            self.crossings += 1
        return response

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"X-CSRFToken": self.http.cookies.get("csrftoken", ""), **kwargs.pop("headers", {})}
        return self._note(self.http.request(method, self.base + path, headers=headers, timeout=60, **kwargs))


def sign_in(browser: Browser, username: str, *, backup_code: str | None = None) -> None:
    page = browser.get("/accounts/login/")
    response = browser.post_form(page, "/accounts/login/", {"username": username, "password": PASSWORD})
    check(response.status_code == 200 and "/accounts/login/" not in response.url,
          f"{username}: login failed ({response.status_code} {response.url})")
    if "/accounts/2fa/" not in response.url:
        return
    for attempt in range(3):
        code = backup_code if backup_code and attempt == 0 else totp(TOTP_SECRET)
        answer = browser.post_form(response, "/accounts/2fa/", {"otp_token": code})
        if "/accounts/2fa/" not in answer.url and answer.status_code == 200:
            return
        time.sleep(31 - time.time() % 30)  # a TOTP code is good once per device: wait for the next one
        response = browser.get("/accounts/2fa/")
    raise Failure(f"{username}: two-factor failed")


def _link_id(html: str, pattern: str) -> int:
    found = re.search(pattern, html)
    check(found is not None, f"no link matching {pattern!r}")
    return int(found.group(1))  # type: ignore[union-attr]


def journey(proxy: str) -> dict[str, Any]:
    from yiwang.cases.models import Case, CaseStatus

    browsers: list[Browser] = []

    def browser() -> Browser:
        browsers.append(Browser(proxy))
        return browsers[-1]

    # -- citizen: apply online with its required uploads (form from one server, POST to the other)
    citizen = browser()
    sign_in(citizen, "citizen")
    apply_path = f"/cases/apply/{FOOD_LICENCE}/"
    page = citizen.get(apply_path)
    check(page.status_code == 200, f"apply page: {page.status_code}")
    required = [int(m) for m in re.findall(r'<label for="material_(\d+)">[^<]*<span class="error">', page.text)]
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    check(bool(required) and key is not None, "apply form without required materials or idempotency key")
    uploads = {f"material_{m}": (f"材料{m}.pdf", pdf(f"journey {m} {uuid.uuid4()}"), "application/pdf")
               for m in required}
    response = citizen.post_form(page, apply_path, {"idempotency_key": key.group(1),  # type: ignore[union-attr]
                                                    "address": "莒南县十字路街道人民路 88 号", "delivery": "window",
                                                    "action": "submit"}, files=uploads)
    check(response.status_code == 200 and "/cases/mine/" in response.url, f"submit: {response.status_code}")
    case = Case.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))
    check(case.status == CaseStatus.SUBMITTED, f"case {case.number} is {case.status}")
    check(case.materials.count() == len(required), "materials missing after submission")
    mine = citizen.get(f"/cases/mine/{case.pk}/")
    check(case.number in mine.text, "my case page does not show the number")

    # -- clerk (backup code): the acceptance desk lists it; accept
    clerk = browser()
    sign_in(clerk, "clerk", backup_code="20260001")
    desk = clerk.get("/cases/console/acceptance/")
    check(case.number in desk.text, "the acceptance desk does not list the case")
    page = clerk.get(f"/cases/console/cases/{case.pk}/")
    check(page.status_code == 200, f"desk case page: {page.status_code}")
    accepted = clerk.post_form(page, f"/cases/console/cases/{case.pk}/accept/", {"note": "材料齐全"})
    check(accepted.status_code == 200, f"accept: {accepted.status_code}")
    case.refresh_from_db()
    check(case.status == CaseStatus.IN_PROGRESS and case.accepted_at is not None, f"after accept: {case.status}")
    refused = clerk.http.post(f"{proxy}/cases/console/cases/{case.pk}/accept/", data={}, timeout=60)
    check(refused.status_code == 403, f"a POST without CSRF token got {refused.status_code}, not 403")

    # -- reviewer and approver (TOTP): claim if needed, then complete their step; the reviewer
#    downloads every upload from both servers
    downloads: collections.Counter = collections.Counter()
    for username, data in (("samr_reviewer", {"outcome": "pass", "opinion": "经审查，符合条件"}),
                           ("samr_approver", {"decision": "grant", "reasons": "符合法定条件", "opinion": "同意"})):
        staff = browser()
        sign_in(staff, username)
        inbox = staff.get("/cases/console/inbox/")
        check(case.number in inbox.text, f"{username}: the case is not in the inbox")
        page = staff.get(f"/cases/console/handling/{case.pk}/")
        if username == "samr_reviewer":
            for material in case.materials.all():
                for _ in range(2):  # round-robin: one download from each server
                    got = staff.get(f"/cases/console/handling/materials/{material.pk}/")
                    check(got.status_code == 200, f"download of {material.name}: {got.status_code}")
                    check(hashlib.sha256(got.content).hexdigest() == material.sha256,
                          f"{material.name}: SHA-256 differs")
                    downloads[got.headers.get(SERVER_HEADER, "?")] += 1
        claim = re.search(r'action="(/cases/console/handling/steps/\d+/claim/)"', page.text)
        if claim:
            page = staff.post_form(page, claim.group(1), {})
            check(page.status_code == 200, f"{username}: claim {page.status_code}")
        step = _link_id(page.text, r'action="/cases/console/handling/steps/(\d+)/complete/"')
        version = re.search(r'name="lock_version" value="(\d+)"', page.text)
        done = staff.post_form(page, f"/cases/console/handling/steps/{step}/complete/",
                               {**data, "lock_version": version.group(1) if version else ""})
        check(done.status_code == 200 and "已完成" in done.text, f"{username}: complete {done.status_code}")
    case.refresh_from_db()
    check(case.decision == "grant", f"after the decision: {case.status} / {case.decision}")

    # -- the position switcher: supervisor moves to their other position, seen by the other server too
    supervisor = browser()
    sign_in(supervisor, "supervisor")
    console = supervisor.get("/console/")
    options = re.findall(r'<option value="(\d+)"\s*(selected)?>([^<]+)</option>',
                         console.text.split('name="position"', 1)[-1].split("</select>", 1)[0])
    check(len(options) >= 2, "the supervisor has fewer than two positions")
    target = next(o for o in options if not o[1])
    switched = supervisor.post_form(console, "/console/position/", {"position": target[0]})
    check(switched.status_code == 200, f"switch: {switched.status_code}")
    seen = [supervisor.get("/console/") for _ in range(2)]
    for page in seen:
        check(re.search(rf'<option value="{target[0]}"\s*selected>', page.text) is not None,
              f"{page.headers.get(SERVER_HEADER)} does not show the switched position")

    servers = sum((b.servers for b in browsers), collections.Counter())
    crossings = sum(b.crossings for b in browsers)
    check(servers["app1"] > 0 and servers["app2"] > 0, f"not both servers answered: {dict(servers)}")
    check(set(downloads) == {"app1", "app2"}, f"uploads not downloaded from both servers: {dict(downloads)}")
    check(crossings > 0, "no form was posted to a server other than the one that rendered it")
    return {"case": case.number, "requests": dict(servers), "forms crossing servers": crossings,
            "downloads": dict(downloads), "switched to": target[2].strip()}


PERIODIC_LINE = re.compile(r"INFO yiwang\.core\.periodic periodic core\.audit_anchor slot (\S+): (claimed|skipped)")


def periodic(work: Path, minimum_slots: int) -> dict[str, Any]:
    from yiwang.core.models import PeriodicRun

    deadline = time.time() + 75 * minimum_slots
    while True:
        seen: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        per_consumer: collections.Counter = collections.Counter()
        for name in ("huey1", "huey2"):
            for slot, verdict in PERIODIC_LINE.findall((work / "logs" / f"{name}.log").read_text(errors="replace")):
                seen[slot][verdict] += 1
                per_consumer[f"{name} {verdict}"] += 1
        both = [slot for slot, c in seen.items() if c["claimed"] + c["skipped"] >= 2]
        if len(both) >= minimum_slots or time.time() > deadline:
            break
        time.sleep(5)
    rows = PeriodicRun.objects.filter(name="core.audit_anchor")
    twice = {slot: dict(c) for slot, c in seen.items() if c["claimed"] != 1}
    check(not twice, f"slots not claimed exactly once: {twice}")
    check(len(both) >= minimum_slots, f"only {len(both)} slots were enqueued by both consumers")
    check(rows.count() == len(seen), f"{rows.count()} PeriodicRun rows for {len(seen)} slots")
    return {"slots": len(seen), "enqueued by both": len(both),
            "runs": sum(c["claimed"] for c in seen.values()), "skipped": sum(c["skipped"] for c in seen.values()),
            "per consumer": dict(per_consumer), "claimed by": sorted(set(rows.values_list("claimed_by", flat=True)))}


@dataclass
class Attempt:
    key: str
    via: str
    status: int
    case_id: int | None
    server: str


def kill_mid_load(proxy: str, work: Path, submissions: int, concurrency: int) -> dict[str, Any]:
    from yiwang.calendar.models import Clock
    from yiwang.cases.models import Case, CaseStatus
    from yiwang.core.models import AuditEvent

    citizen = Browser(proxy)
    sign_in(citizen, "citizen2")
    owner_cases_before = set(Case.objects.filter(applicant_user__username="citizen2").values_list("pk", flat=True))
    form_page = citizen.get(f"/cases/apply/{FOOD_LICENCE}/")
    form_token = citizen.token(form_page.text)
    required = [int(m) for m in re.findall(r'<label for="material_(\d+)">[^<]*<span class="error">', form_page.text)]
    keys = [(uuid.uuid4().hex, "form" if i % 4 == 0 else "api") for i in range(submissions)]
    attempts: list[Attempt] = []
    lock = threading.Lock()
    acknowledged = 0
    killed_at: list[int] = []

    local = threading.local()

    def session() -> requests.Session:
        """One HTTP session per thread, all carrying the citizen's session and CSRF cookies."""
        if not hasattr(local, "http"):
            local.http = requests.Session()
            local.http.cookies.update(citizen.http.cookies)
        return local.http

    def submit(key: str, via: str) -> Attempt:
        http = session()
        try:
            if via == "api":
                response = http.post(f"{proxy}/api/v1/cases/apply", timeout=60, headers={
                    "Idempotency-Key": key, "X-CSRFToken": http.cookies.get("csrftoken", "")},
                                       json={"base_code": BIRTH_REGISTRATION, "submit": True,
                                             "form_data": {"address": f"莒南县大店镇 {key[:6]} 号"}})
                ok = response.status_code in (200, 201)
                case_id = response.json().get("id") if ok else None
            else:
                files = {f"material_{m}": (f"{m}.pdf", pdf(f"{key} {m}"), "application/pdf") for m in required}
                response = http.post(f"{proxy}/cases/apply/{FOOD_LICENCE}/", files=files, timeout=60,
                                             allow_redirects=False, data={
                                                 "csrfmiddlewaretoken": form_token, "idempotency_key": key,
                                                 "address": "莒南县大店镇", "delivery": "window", "action": "submit"})
                found = re.search(r"/cases/mine/(\d+)/", response.headers.get("Location", ""))
                ok = response.status_code == 302 and found is not None
                case_id = int(found.group(1)) if ok and found else None
            attempt = Attempt(key, via, response.status_code, case_id, response.headers.get(SERVER_HEADER, "?"))
        except (requests.RequestException, ValueError) as exc:
            attempt = Attempt(key, via, 0, None, type(exc).__name__)
        with lock:
            attempts.append(attempt)
        return attempt

    def load(key: str, via: str) -> None:
        nonlocal acknowledged
        if submit(key, via).case_id is not None:
            with lock:
                acknowledged += 1
                if acknowledged == submissions * 2 // 5 and not killed_at:
                    pgid = int((work / "app1.pid").read_text())
                    os.killpg(pgid, signal.SIGKILL)  # the master and its workers, mid-request
                    killed_at.append(acknowledged)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(lambda kv: load(*kv), keys))
    elapsed = time.monotonic() - started
    check(bool(killed_at), "app1 was never killed")

    # Whatever failed (502 from the proxy, a reset connection) is retried with the same key.
    first_round = collections.Counter("2xx" if a.case_id else f"{a.status or a.server}" for a in attempts)
    retried: collections.Counter = collections.Counter()
    for key, via in keys:
        for _ in range(5):
            if any(a.key == key and a.case_id for a in attempts):
                break
            again = submit(key, via)
            # 200 from the API: the lost answer's case had committed, and the key returned it
            retried[{200: "found committed", 201: "created"}.get(again.status, str(again.status))
                    if via == "api" else f"form {again.status}"] += 1
            time.sleep(0.2)

    by_key: dict[str, set[int]] = collections.defaultdict(set)
    for attempt in attempts:
        if attempt.case_id:
            by_key[attempt.key].add(attempt.case_id)
    unacked = [k for k, _ in keys if not by_key.get(k)]
    check(not unacked, f"{len(unacked)} submissions never acknowledged, even on retry")
    split = {k: ids for k, ids in by_key.items() if len(ids) != 1}
    check(not split, f"keys answered with different cases: {split}")

    new_cases = Case.objects.filter(applicant_user__username="citizen2").exclude(pk__in=owner_cases_before)
    acknowledged_ids = {next(iter(ids)) for ids in by_key.values()}
    check(set(new_cases.values_list("pk", flat=True)) == acknowledged_ids,
          f"{new_cases.count()} new cases in the database for {len(acknowledged_ids)} acknowledged keys")
    from django.contrib.contenttypes.models import ContentType

    from yiwang.cases.models import CaseEvent, CaseMaterial

    case_type = ContentType.objects.get_for_model(Case)
    half: list[str] = []
    form_ids = {next(iter(by_key[k])) for k, via in keys if via == "form"}
    clocks = set(Clock.objects.filter(content_type=case_type, object_id__in=acknowledged_ids)
                 .values_list("object_id", flat=True))
    submitted_events = set(CaseEvent.objects.filter(case_id__in=acknowledged_ids, kind="submitted")
                           .values_list("case_id", flat=True))
    audited = set(AuditEvent.objects.filter(action="case.submit", object_type="cases.case",
                                            object_id__in=[str(i) for i in acknowledged_ids])
                  .values_list("object_id", flat=True))
    media = Path(os.environ["YIWANG_MEDIA_ROOT"])
    for case in new_cases:
        problems = []
        if case.status != CaseStatus.SUBMITTED:
            problems.append(case.status)
        if case.pk not in clocks:
            problems.append("no clock")
        if case.pk not in submitted_events:
            problems.append("no submitted event")
        if str(case.pk) not in audited:
            problems.append("no audit event")
        if case.pk in form_ids:
            materials = list(CaseMaterial.objects.filter(case=case))
            if len(materials) != len(required) or not all((media / m.file.name).is_file() for m in materials):
                problems.append("materials")
        if problems:
            half.append(f"{case.number}: {', '.join(problems)}")
    check(not half, f"half-written cases: {half[:5]}")
    servers = collections.Counter(a.server for a in attempts if a.case_id)
    return {"submissions": submissions, "with uploads": len(form_ids), "concurrency": concurrency,
            "seconds": round(elapsed, 1), "per second": round(submissions / elapsed, 1),
            "killed app1 after acknowledged": killed_at[0], "first round": dict(first_round),
            "retries": dict(retried), "acknowledged by": dict(servers), "cases": len(acknowledged_ids),
            "duplicates": 0, "half-written": 0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--periodic-slots", type=int, default=2)
    args = parser.parse_args()

    import django

    django.setup()
    results: list[tuple[str, bool, Any]] = []
    for name, run in (("journey across both servers", lambda: journey(args.proxy)),
                      ("periodic tasks run once", lambda: periodic(args.work, args.periodic_slots)),
                      ("kill -9 of an app server mid-load",
                       lambda: kill_mid_load(args.proxy, args.work, args.submissions, args.concurrency))):
        try:
            results.append((name, True, run()))
        except Failure as exc:
            results.append((name, False, str(exc)))
        except Exception as exc:  # noqa: BLE001 - report, then go on to the other checks
            results.append((name, False, f"{type(exc).__name__}: {exc}"))
        print(f"[scaleout] {'PASS' if results[-1][1] else 'FAIL'} {name}: {results[-1][2]}", flush=True)
    failed = [name for name, ok, _ in results if not ok]
    print(f"[scaleout] {'PASS' if not failed else 'FAIL'}: {len(results) - len(failed)}/{len(results)} checks passed"
          + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
