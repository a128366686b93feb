from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "yiwang.notify"
    label = "notify"
    verbose_name = "通知 Notifications"

    def ready(self) -> None:
        from yiwang.accounts.services import pii_field_register
        from yiwang.notify.models import Message

        pii_field_register(Message, "phone_enc", b"phone")
