"""The two-server scale-out check (scripts/scaleout/run.sh) as a test: run with YIWANG_SCALEOUT=1.

It needs PostgreSQL, Redis and haproxy (installed with apt-get when missing) and takes a few
minutes, so it is skipped unless asked for; ``make scaleout`` runs the script directly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(os.environ.get("YIWANG_SCALEOUT") != "1",
                                reason="the scale-out check runs only with YIWANG_SCALEOUT=1 (make scaleout)")


def test_two_app_servers_and_two_consumers_behind_haproxy():
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.setdefault("PYTHON", sys.executable)

    run = subprocess.run([str(ROOT / "scripts" / "scaleout" / "run.sh")], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=1800, check=False)

    summary = [line for line in run.stdout.splitlines() if line.startswith("[scaleout]")]
    print("\n".join(summary))  # shown with -rA or -s
    assert run.returncode == 0, "\n".join(summary) + "\n" + run.stderr[-3000:]
    assert summary[-1].startswith("[scaleout] PASS")
