"""Nightly retraining of the dispatch classifier (huey periodic task, daily at 02:40 on the huey clock).

Registered when this module is imported: ``hotline/tasks.py`` imports it so the consumer's
autodiscovery finds it."""

from __future__ import annotations

import logging
from typing import Any

from huey import crontab

from yiwang.core.periodic import periodic_once
from yiwang.hotline import classifier

log = logging.getLogger(__name__)


@periodic_once(crontab(hour="2", minute="40"))
def retrain_dispatch_classifier() -> dict[str, Any]:
    result = classifier.retrain_from_db()
    log.info("dispatch classifier retrained: %s", {k: v for k, v in result.items() if k != "path"})
    return result
