"""Seed the working-day calendar from the ``chinesecalendar`` package (2004–2026).

Self-contained on purpose (no app imports): ``manage.py seed_calendar`` does the same later.
"""

from datetime import date, timedelta

from django.db import migrations


def seed(apps, schema_editor):
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    CalendarDay = apps.get_model("calendar", "CalendarDay")
    CalendarYear = apps.get_model("calendar", "CalendarYear")
    known = set(chinese_calendar.holidays) | set(chinese_calendar.workdays)
    first, last = min(known).year, max(known).year
    source = f"chinesecalendar {getattr(chinese_calendar, '__version__', '')}".strip()
    names = {h.value: h.chinese for h in Holiday}
    existing = set(CalendarDay.objects.filter(date__year__gte=first, date__year__lte=last)
                   .values_list("date", flat=True))
    rows = []
    d = date(first, 1, 1)
    end = date(last, 12, 31)
    while d <= end:
        if d not in existing:
            workday = chinese_calendar.is_workday(d)
            name = names.get(chinese_calendar.get_holiday_detail(d)[1] or "", "")
            weekend = d.weekday() >= 5
            if workday:
                kind = "adjusted_workday" if weekend else "normal"
            else:
                kind = "holiday" if (name or not weekend) else "weekend"
            rows.append(CalendarDay(date=d, is_workday=workday, kind=kind, name=name, source="seed"))
        d += timedelta(days=1)
    CalendarDay.objects.bulk_create(rows, batch_size=1000)
    for year in range(first, last + 1):
        CalendarYear.objects.get_or_create(year=year, defaults={"complete": True, "source": source})


def unseed(apps, schema_editor):
    apps.get_model("calendar", "CalendarDay").objects.filter(source="seed").delete()
    apps.get_model("calendar", "CalendarYear").objects.filter(source__startswith="chinesecalendar").delete()


class Migration(migrations.Migration):
    dependencies = [("calendar", "0001_calendar_and_clock_ledger")]

    operations = [migrations.RunPython(seed, unseed)]
