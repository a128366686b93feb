from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "yiwang.cases"
    label = "cases"
    verbose_name = "办件 Cases"

    def ready(self) -> None:
        from yiwang.accounts.services import pii_field_register
        from yiwang.cases.models import Case

        pii_field_register(Case, "applicant_id_enc", b"case_applicant_id")
        pii_field_register(Case, "applicant_phone_enc", b"case_applicant_phone")
        from yiwang.cases import signals  # noqa: F401  (the status-query cache follows case changes)
