"""Full-text search over pre-segmented ``search_text``: an FTS5 table on SQLite, a GIN expression
index on PostgreSQL. Other databases fall back to ``icontains`` and get nothing here."""

from django.db import migrations

FTS_TABLE = "catalog_search_fts"


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(version_id UNINDEXED, body, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
        schema_editor.execute(
            f"INSERT INTO {FTS_TABLE} (version_id, body) "  # noqa: S608 - constant table name
            "SELECT id, search_text FROM catalog_serviceitemversion WHERE status = 'published'"
        )
    elif connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS catalog_version_search_gin ON catalog_serviceitemversion "
            "USING gin (to_tsvector('simple'::regconfig, search_text))"
        )


def drop_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_version_search_gin")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_service_catalogue")]

    operations = [migrations.RunPython(create_index, drop_index)]
