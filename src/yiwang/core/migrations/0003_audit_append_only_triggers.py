"""Make the audit tables append-only inside the database (等保 2.0 security audit).

* PostgreSQL: a row-level trigger refuses UPDATE and DELETE on ``core_auditevent`` and
  ``core_auditanchor``. TRUNCATE is not a row operation and still works (pytest-django flushes
  with it); only the table owner / a superuser can TRUNCATE or disable the trigger, and
  ``audit_verify`` detects what they change.
* SQLite: a trigger refuses UPDATE only. Django flushes SQLite tables with ``DELETE FROM``
  (``flush``, TransactionTestCase), so a DELETE trigger would break that; deletions are caught
  by ``audit_verify`` (sequence gaps, chain heads, anchors). Whoever can write the SQLite file
  can drop triggers anyway, so on SQLite the trigger only guards against application bugs.
"""

from django.db import migrations

TABLES = ("core_auditevent", "core_auditanchor")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION yiwang_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION yiwang_audit_append_only();"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'audit table {table} is append-only: UPDATE refused'); END;"
            )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        schema_editor.execute("DROP FUNCTION IF EXISTS yiwang_audit_append_only();")
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_anchor_prev_digest")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
