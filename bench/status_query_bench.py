"""Public status query over HTTP: the platform's ``GET /api/v1/cases/status`` against a bare view
doing one indexed SELECT through the same middleware (``bench/status_http/urls.py``).

    .venv/bin/python bench/status_query_bench.py [--rounds 5] [--seconds 8]

gunicorn as ``manage.py serve`` runs it (2 workers × 4 threads), PostgreSQL (``STATUSBENCH_DATABASE_URL``,
default ``postgres://postgres@127.0.0.1:5432/yiwang_statusbench``) and Redis db 4, the demo county
seeded once; ``wrk`` (2 threads, 8 connections) alternates between the two URLs round by round,
so both see the same machine load. Prints requests per second per round and the ratio.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8141


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.update({
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
        "DJANGO_SETTINGS_MODULE": "bench.status_http.settings",
        "DATABASE_URL": os.environ.get("STATUSBENCH_DATABASE_URL",
                                       "postgres://postgres@127.0.0.1:5432/yiwang_statusbench"),
        "REDIS_URL": "redis://127.0.0.1:6379/4",
        "YIWANG_VAR_DIR": str(ROOT / "var" / "statusbench"),
        "YIWANG_STATUS_QUERY_LIMIT": "1000000000",  # the throttle is per client; wrk is one client
        "YIWANG_DEMO": "true",
    })
    return e


def manage(*args: str) -> str:
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env(), check=True,
                          capture_output=True, text=True).stdout


def wrk(url: str, seconds: int) -> float:
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", url], capture_output=True, text=True,
                         check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} non-2xx answers\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "CREATE DATABASE yiwang_statusbench"],
                   capture_output=True)
    manage("migrate", "--noinput")
    manage("seed_demo", "--if-empty")
    number, code = manage("shell", "-c", "from yiwang.cases.models import Case\n"
                          "c = Case.objects.exclude(number=None).exclude(query_code='').order_by('pk').first()\n"
                          "print('CASE', c.number, c.query_code)").split("CASE", 1)[1].split()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "bench.status_http.wsgi_app:application",
                               "--bind", f"127.0.0.1:{PORT}", "--workers", "2", "--threads", "4",
                               "--config", str(ROOT / "src" / "yiwang" / "gunicorn_conf.py")],
                              env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{PORT}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/bench/bare-status/?number={number}&code={code}", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        urls = {"status": f"{base}/api/v1/cases/status?number={number}&code={code}",
                "bare": f"{base}/bench/bare-status/?number={number}&code={code}"}
        for url in urls.values():  # warm both (caches, connections, the calendar snapshot)
            wrk(url, 2)
        rates: dict[str, list[float]] = {"status": [], "bare": []}
        for _ in range(args.rounds):
            for name, url in urls.items():
                rates[name].append(wrk(url, args.seconds))
        ratios = [s / b for s, b in zip(rates["status"], rates["bare"], strict=True)]
        print("| round | status query rps | bare view rps | ratio |\n|---:|---:|---:|---:|")
        for i, (s, b, r) in enumerate(zip(rates["status"], rates["bare"], ratios, strict=True), start=1):
            print(f"| {i} | {s:.0f} | {b:.0f} | {r:.0%} |")
        print(f"\nmedian ratio {statistics.median(ratios):.0%} (range {min(ratios):.0%}–{max(ratios):.0%})")
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
