from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "yiwang.supervision"
    label = "supervision"
    verbose_name = "电子监察 Supervision"

    def ready(self) -> None:
        from yiwang.supervision import signals

        signals.connect()
