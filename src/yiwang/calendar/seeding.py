"""Seeding the calendar table from the ``chinesecalendar`` package (国务院节假日安排, 2004 起)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from chinese_calendar.constants import Holiday

SOURCE = f"chinesecalendar {getattr(chinese_calendar, '__version__', '')}".strip()


@dataclass(frozen=True)
class SeedDay:
    date: date
    is_workday: bool
    kind: str
    name: str


def package_years() -> list[int]:
    """Years for which the installed ``chinesecalendar`` has official data."""
    known = set(chinese_calendar.holidays) | set(chinese_calendar.workdays)
    return list(range(min(known).year, max(known).year + 1))


def chinese_name(english: str | None) -> str:
    if not english:
        return ""
    try:
        return Holiday(english).chinese
    except ValueError:
        return english


def seed_days(year: int) -> list[SeedDay]:
    """Every day of ``year`` as the package describes it."""
    out = []
    d = date(year, 1, 1)
    while d.year == year:
        workday = chinese_calendar.is_workday(d)
        _on_holiday, english = chinese_calendar.get_holiday_detail(d)
        name = chinese_name(english)
        weekend = d.weekday() >= 5
        if workday:
            kind = "adjusted_workday" if weekend else "normal"
        else:
            kind = "holiday" if (name or not weekend) else "weekend"
        out.append(SeedDay(d, workday, kind, name))
        d += timedelta(days=1)
    return out


def seed_calendar(day_model, year_model, *, years: list[int] | None = None, force: bool = False) -> dict[str, int]:
    """Create or correct seeded rows (idempotent). Rows edited by an administrator are kept
    unless ``force``. Works with real models and with ``apps.get_model`` models alike."""
    years = years or package_years()
    stats = {"created": 0, "updated": 0, "kept": 0, "years": 0}
    for year in years:
        wanted = seed_days(year)
        existing = {row.date: row for row in day_model.objects.filter(date__year=year)}
        new, changed = [], []
        for item in wanted:
            row = existing.get(item.date)
            if row is None:
                new.append(day_model(date=item.date, is_workday=item.is_workday, kind=item.kind, name=item.name,
                                     source="seed"))
            elif row.source != "seed" and not force:
                stats["kept"] += 1
            elif (row.is_workday, row.kind, row.name, row.source) != (item.is_workday, item.kind, item.name, "seed"):
                row.is_workday, row.kind, row.name, row.source = item.is_workday, item.kind, item.name, "seed"
                changed.append(row)
        day_model.objects.bulk_create(new, batch_size=1000)
        if changed:
            day_model.objects.bulk_update(changed, ["is_workday", "kind", "name", "source"], batch_size=1000)
        year_model.objects.update_or_create(year=year, defaults={"complete": True, "source": SOURCE})
        stats["created"] += len(new)
        stats["updated"] += len(changed)
        stats["years"] += 1
    return stats
