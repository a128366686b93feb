"""The platform's settings with one extra URL: the bare baseline view of the status benchmark."""

from yiwang.settings import *  # noqa: F403

ROOT_URLCONF = "bench.status_http.urls"
