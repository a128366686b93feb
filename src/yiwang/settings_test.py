"""Settings for the test suite: the platform's settings with ``YIWANG_TESTING`` said explicitly.

pytest points ``DJANGO_SETTINGS_MODULE`` here (pyproject.toml). Setting the variable in the
environment, not only in this module, carries test mode into ``manage.py`` subprocesses that
the tests start.
"""

import os

os.environ["YIWANG_TESTING"] = "true"

from yiwang.settings import *  # noqa: E402, F403

# Parallel workers (pytest-xdist) share one Redis server, and a test that clears the cache
# flushes its whole database: give each worker its own Redis database (1..15 after the
# configured one), so one worker's clear() never resets another's throttle counters.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _worker.startswith("gw"):  # noqa: F405
    from urllib.parse import urlsplit, urlunsplit

    _parts = urlsplit(REDIS_URL)  # noqa: F405
    _base = int(_parts.path.strip("/") or 0)
    _db = (_base + 1 + int(_worker[2:])) % 16
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": urlunsplit(_parts._replace(path=f"/{_db}"))}}
