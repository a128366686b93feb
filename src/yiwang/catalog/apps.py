from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_table(sender, using: str = "default", **kwargs) -> None:
    """The SQLite FTS table is not a model: make sure it exists after every ``migrate``."""
    from django.db import connections

    from yiwang.catalog.search import CREATE_FTS_SQL

    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(CREATE_FTS_SQL)


class CatalogConfig(AppConfig):
    name = "yiwang.catalog"
    label = "catalog"
    verbose_name = "事项 Service catalogue"

    def ready(self) -> None:
        post_migrate.connect(_ensure_search_table, sender=self, dispatch_uid="catalog_fts_table")
