from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "yiwang.core"
    label = "core"
    verbose_name = "核心 Core"

    def ready(self) -> None:
        from yiwang.core.form_messages import install as install_form_messages
        from yiwang.core.triggers import ensure_sqlite_triggers

        install_form_messages()

        post_migrate.connect(ensure_sqlite_triggers, sender=self, dispatch_uid="yiwang.core.sqlite_triggers")
