"""Settings for the test suite: the platform's settings with ``YIWANG_TESTING`` said explicitly.

pytest points ``DJANGO_SETTINGS_MODULE`` here (pyproject.toml). Setting the variable in the
environment, not only in this module, carries test mode into ``manage.py`` subprocesses that
the tests start.
"""

import os

os.environ["YIWANG_TESTING"] = "true"

from yiwang.settings import *  # noqa: E402, F403
