from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "yiwang.calendar"
    label = "calendar"
    verbose_name = "工作日历 Calendar"
