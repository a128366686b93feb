"""Restore what data migrations seed (rules, notification templates, themes, the calendar, the
default assessment scheme) after a transactional test has flushed the database.

Each seeding function is idempotent (``update_or_create`` / exists checks), so running them on a
database that still has the rows changes nothing. Browser journeys call this before seeding the
demo county, so a journey never passes "without an alert" because the rules were flushed away.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.db import migrations

DATA_MIGRATIONS = [
    "yiwang.calendar.migrations.0002_seed_calendar_from_chinesecalendar",
    "yiwang.notify.migrations.0002_seed_templates",
    "yiwang.cases.migrations.0002_seed_notification_templates",
    "yiwang.evaluation.migrations.0002_notification_templates",
    "yiwang.licences.migrations.0002_notification_templates",
    "yiwang.catalog.migrations.0003_standard_themes",
    "yiwang.performance.migrations.0002_default_scheme",
    "yiwang.supervision.migrations.0002_seed_rules_and_templates",
    "yiwang.supervision.migrations.0004_ticket_time_limit_rule",
    "yiwang.supervision.migrations.0005_deferral_time_limit_rule",
    "yiwang.accounts.migrations.0003_unmask_volume_rule",
]


def restore_migration_data() -> None:
    for path in DATA_MIGRATIONS:
        module = importlib.import_module(path)
        for operation in module.Migration.operations:
            if isinstance(operation, migrations.RunPython):
                operation.code(apps, None)
