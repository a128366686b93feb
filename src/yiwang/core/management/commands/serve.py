"""Serve the platform on gunicorn with the huey worker alongside (what ``make run`` calls)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

# Drops gunicorn's "Server" banner (see the module).
GUNICORN_CONFIG = "python:yiwang.gunicorn_conf"


class Command(BaseCommand):
    help = "Run gunicorn and the huey consumer together; stop both on Ctrl-C or SIGTERM."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("YIWANG_BIND_HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("YIWANG_WEB_WORKERS", "2")))

    def handle(self, *args, port: int, host: str, workers: int, **options) -> None:
        python = sys.executable
        manage = os.path.join(os.getcwd(), "manage.py")
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
        children = [
            subprocess.Popen([python, manage, "run_huey", "--quiet"], env=env),
            subprocess.Popen(
                [python, "-m", "gunicorn", "yiwang.wsgi:application", "-c", GUNICORN_CONFIG,
                 "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", "4", "--timeout", "60",
                 "--access-logfile", "-", "--forwarded-allow-ips", os.environ.get("YIWANG_PROXY_IPS", "127.0.0.1")],
                env=env,
            ),
        ]
        self.stdout.write(self.style.SUCCESS(f"Yiwang 一网 is serving at http://{host}:{port}/ (Ctrl-C stops)"))

        def stop(signum, frame) -> None:  # noqa: ARG001
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop(None, None)
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
        codes = [child.returncode for child in children]
        if any(code not in (0, -signal.SIGTERM, -signal.SIGINT) for code in codes):
            raise SystemExit(1)
