"""``manage.py seed_calendar``: (re)load official holiday data from ``chinesecalendar``.

Idempotent. Days an administrator edited are kept unless ``--force``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from yiwang.calendar import engine
from yiwang.calendar.models import CalendarDay, CalendarYear
from yiwang.calendar.seeding import package_years, seed_calendar
from yiwang.core.audit import audit_record


class Command(BaseCommand):
    help = "从 chinesecalendar 载入国务院节假日安排到工作日历（可重复执行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, action="append", help="只载入指定年份（可多次指定）")
        parser.add_argument("--force", action="store_true", help="覆盖管理员修改过的日期")

    def handle(self, *args: Any, **options: Any) -> None:
        available = package_years()
        years = options["year"] or available
        unknown = sorted(set(years) - set(available))
        if unknown:
            self.stderr.write(f"chinesecalendar 没有这些年份的数据: {unknown}（可用 {available[0]}–{available[-1]}）")
            years = [y for y in years if y in available]
        with transaction.atomic():
            stats = seed_calendar(CalendarDay, CalendarYear, years=years, force=options["force"])
            audit_record(action="calendar.seed", object_type="calendar.calendaryear",
                         after={"years": years, **stats})
        engine.invalidate()
        self.stdout.write(
            f"calendar: {stats['years']} years, {stats['created']} created, {stats['updated']} updated, "
            f"{stats['kept']} admin edits kept"
        )
