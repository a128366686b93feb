"""Database guards that keep the audit tables append-only (see migration 0003).

On SQLite, Django rebuilds a table (and loses its triggers) whenever a migration alters it, so
the UPDATE guard is re-created after every ``migrate``/``flush`` by a ``post_migrate`` hook.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

SQLITE_TABLES = ("core_auditevent", "core_auditanchor")


def ensure_sqlite_triggers(*, using: str = "default", **_: Any) -> None:
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in SQLITE_TABLES:
            if table in existing:
                cursor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'audit table {table} is append-only: UPDATE refused'); END;"
                )
