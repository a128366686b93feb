"""Production settings refuse what is unsafe, pass ``check --deploy``, and the server hides its name.

Settings are read once per process, so each case imports them in a fresh subprocess.
"""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("YIWANG_", "DJANGO_")) and k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({
        "PYTHONPATH": str(REPO / "src"),
        "DJANGO_SETTINGS_MODULE": "yiwang.settings",
        "YIWANG_VAR_DIR": str(tmp_path / "var"),
        "YIWANG_ENV": "production",
        "YIWANG_SECRET_KEY": secrets.token_urlsafe(50),
        "YIWANG_PII_KEYS": f"k0001:{secrets.token_hex(16)}",
        "YIWANG_PII_INDEX_KEY": secrets.token_hex(32),
        "YIWANG_AUDIT_SM2_KEY": secrets.token_hex(32),
        "YIWANG_ALLOWED_HOSTS": "zwfw.example.gov.cn",
    })
    env.update(extra)
    return env


def _import_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-c", "import yiwang.settings"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_production_settings_load(tmp_path):
    result = _import_settings(_env(tmp_path))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("name", "value"), [("YIWANG_DEBUG", "true"), ("YIWANG_STAFF_REQUIRE_2FA", "false"),
                                             ("YIWANG_TESTING", "true")])
def test_production_refuses_unsafe_switches(tmp_path, name, value):
    result = _import_settings(_env(tmp_path, **{name: value}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr


def test_test_mode_is_never_inferred_from_imports(tmp_path):
    # importing pytest first must not switch the platform into test mode
    code = "import pytest, yiwang.settings as s; print(s.TESTING)"
    result = subprocess.run([PYTHON, "-c", code], env=_env(tmp_path, YIWANG_ENV="local"), cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_check_deploy_is_clean_in_production(tmp_path):
    result = subprocess.run([PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            env=_env(tmp_path), cwd=REPO, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_sends_no_server_banner(tmp_path):
    from yiwang.core.management.commands.serve import GUNICORN_CONFIG

    port = _free_port()
    # test mode: plain static storage, so that pages render without collectstatic
    env = _env(tmp_path, YIWANG_ENV="local", YIWANG_TESTING="true", YIWANG_ALLOWED_HOSTS="127.0.0.1")
    server = subprocess.Popen([PYTHON, "-m", "gunicorn", "yiwang.wsgi:application", "-c", GUNICORN_CONFIG,
                               "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                              env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        headers = None
        for _attempt in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/no-such-page/")  # a 404 page rendered by Django
                headers = conn.getresponse().getheaders()
                break
            except OSError:
                time.sleep(0.3)
        assert headers is not None, "gunicorn did not answer"
        names = {name.lower() for name, _value in headers}
        assert "server" not in names
        assert "content-security-policy" in names
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_health_check_is_exempt_from_the_https_redirect(tmp_path):
    code = ("import re, yiwang.settings as s; "
            "print(s.SECURE_SSL_REDIRECT, any(re.match(p, 'healthz') for p in s.SECURE_REDIRECT_EXEMPT))")
    result = subprocess.run([PYTHON, "-c", code], env=_env(tmp_path), cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.split() == ["True", "True"], result.stderr
