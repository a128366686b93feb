from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "yiwang.hotline"
    label = "hotline"
    verbose_name = "12345 热线 Hotline"

    def ready(self) -> None:
        from yiwang.accounts.services import pii_field_register
        from yiwang.hotline.models import Ticket

        pii_field_register(Ticket, "caller_phone_enc", b"ticket-phone")
