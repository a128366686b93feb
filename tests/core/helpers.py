"""Helpers that play an attacker with database rights: lift the append-only guards, tamper."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

GUARDED = ("core_auditevent", "core_auditanchor")


@contextmanager
def guards_lifted() -> Iterator[None]:
    """Disable the append-only triggers (as a DBA could), restore them afterwards."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in GUARDED:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        else:
            for table in GUARDED:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in GUARDED:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
            else:
                from yiwang.core.triggers import ensure_sqlite_triggers

                ensure_sqlite_triggers(using=connection.alias)
