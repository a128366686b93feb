from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "yiwang.console"
    label = "console"
    verbose_name = "工作台 Console"
