from django.apps import AppConfig


class LicencesConfig(AppConfig):
    name = "yiwang.licences"
    label = "licences"
    verbose_name = "电子证照 Licences"
