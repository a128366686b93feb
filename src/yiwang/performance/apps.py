from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "yiwang.performance"
    label = "performance"
    verbose_name = "绩效与大屏 Performance"
