"""A crafted month of cases with clocks and completion dates set directly (deterministic).

Township A (handled by 十字路街道社会事务办):

====  =========  ==========  ==========  ==============================  =====================
case  start      due         completed   on time?                        working days (start, done]
====  =========  ==========  ==========  ==============================  =====================
a1    03-02      03-16       03-10       yes                             6
a2    03-02      03-05       03-12       no                              8
a3    03-02      03-09       open        no (overdue, due in March)      —
a4    03-25      04-20       open        not counted (due in April)      —
====  =========  ==========  ==========  ==============================  =====================

Township B: b1 start 03-02, due 03-16, completed 03-04 (2 working days), on time.
Statutory limit 20 working days for all. So township A: on-time 1/3, avg 7 days vs 20 → 提速 65%.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.cases.factories import at, make_accepted_case


def set_clocks(case: Any, *, start: date, due: date, completed: date | None, statutory: int = 20) -> Any:
    from django.contrib.contenttypes.models import ContentType

    from yiwang.calendar.models import Clock
    from yiwang.cases.models import Case, CaseStatus

    ct = ContentType.objects.get_for_model(Case)
    clocks = Clock.objects.filter(content_type=ct, object_id=case.pk)
    clocks.filter(purpose="handling").update(start_date=start, due_date=due,
                                             stopped_at=at(completed) if completed else None)
    clocks.filter(purpose="statutory").update(start_date=start, budget=statutory, unit="workdays")
    if completed:
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.COMPLETED, completed_at=at(completed, 15),
                                               submitted_at=at(start, 9))
    else:
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.IN_PROGRESS, submitted_at=at(start, 9))
    case.refresh_from_db()
    return case


def craft_march(*, county: Any, item: Any, clerk_a: Any, clerk_b: Any, applicant: Any) -> dict[str, Any]:
    def accepted(clerk: Any, division: Any) -> Any:
        return make_accepted_case(clerk=clerk, version=item, applicant=applicant, division=division,
                                  received_on=date(2026, 3, 2))

    a1 = set_clocks(accepted(clerk_a, county.village_a1), start=date(2026, 3, 2), due=date(2026, 3, 16),
                    completed=date(2026, 3, 10))
    a2 = set_clocks(accepted(clerk_a, county.village_a1), start=date(2026, 3, 2), due=date(2026, 3, 5),
                    completed=date(2026, 3, 12))
    a3 = set_clocks(accepted(clerk_a, county.village_a1), start=date(2026, 3, 2), due=date(2026, 3, 9),
                    completed=None)
    a4 = set_clocks(accepted(clerk_a, county.village_a1), start=date(2026, 3, 25), due=date(2026, 4, 20),
                    completed=None)
    b1 = set_clocks(accepted(clerk_b, county.village_b1), start=date(2026, 3, 2), due=date(2026, 3, 16),
                    completed=date(2026, 3, 4))
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "b1": b1}


def add_rating(*, grade: int, department: Any, division: Any, day: date, staff: Any = None, window: Any = None,
               hall: Any = None, status: str = "valid") -> Any:
    from yiwang.evaluation.models import Rating

    kind = "staff" if staff else "window" if window else "hall" if hall else "department"
    rating = Rating.objects.create(target_kind=kind, grade=grade, department=department, division=division,
                                   staff=staff, window=window, hall=hall, channel="window", status=status)
    Rating.objects.filter(pk=rating.pk).update(created_at=at(day, 11))
    return rating


def add_alert(*, level: str, case: Any, day: date, responsible: Any = None) -> Any:
    from django.contrib.contenttypes.models import ContentType

    from yiwang.supervision.models import Alert, Rule

    rule = Rule.objects.order_by("id").first()
    return Alert.objects.create(
        rule=rule, level=level, content_type=ContentType.objects.get_for_model(case), object_id=case.pk, case=case,
        department=case.department, division=case.division, responsible_user=responsible,
        message="测试预警", raised_at=at(day, 9))


def add_rectification(*, rating: Any, due: date, done: date | None) -> Any:
    from yiwang.evaluation.models import Rectification

    return Rectification.objects.create(
        rating=rating, department=rating.department, division=rating.division, start_date=due,
        due_date=due, done_on=done, done_at=at(done) if done else None, status="done" if done else "rectifying")


def craft_quality(*, county: Any, cases: dict[str, Any], clerk_a: Any) -> None:
    """Township A: ratings 5,4,3,1 (75% satisfied), one rectification on time, a yellow and a red card.
    Plus one excluded rating (grade 1) that must not count, and a rating of clerk_a at window A1."""
    from yiwang.org.models import Window

    dept, div = county.civil_affairs_a, county.township_a
    for grade in (5, 4, 3):
        add_rating(grade=grade, department=dept, division=div, day=date(2026, 3, 10))
    bad = add_rating(grade=1, department=dept, division=div, day=date(2026, 3, 11))
    add_rating(grade=1, department=dept, division=div, day=date(2026, 3, 11), status="excluded")
    add_rectification(rating=bad, due=date(2026, 3, 31), done=date(2026, 3, 20))
    window = Window.objects.get(hall__division=county.township_a, number="1")
    add_rating(grade=5, department=dept, division=div, day=date(2026, 4, 2), staff=clerk_a, window=window)
    add_alert(level="yellow", case=cases["a2"], day=date(2026, 3, 5))
    add_alert(level="red", case=cases["a3"], day=date(2026, 3, 10), responsible=clerk_a)
