"""好差评 reads. Staff reads take the acting position and filter by its scope; the statistics
functions (used by performance assessment and the public page) are SQL aggregates that leave
out ratings excluded after an upheld appeal."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.errors import NotFound, PermissionDenied
from yiwang.evaluation.models import (
    BAD_GRADES,
    GOOD_GRADES,
    Appeal,
    AppealStatus,
    Grade,
    Rating,
    RatingStatus,
    Rectification,
    RectificationStatus,
)
from yiwang.org.models import Position
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm, scope_filter

COUNTED_STATUSES = (RatingStatus.VALID, RatingStatus.UNDER_APPEAL)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in local time: ``end`` is inclusive."""
    lo = timezone.make_aware(datetime.combine(start, time.min))
    hi = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    return lo, hi


def counted_ratings(start: date, end: date) -> QuerySet[Rating]:
    lo, hi = _bounds(start, end)
    return Rating.objects.filter(created_at__gte=lo, created_at__lt=hi, status__in=COUNTED_STATUSES)


def _aggregate(qs: QuerySet[Rating], field: str) -> dict[int, dict[str, Any]]:
    rows = (qs.exclude(**{f"{field}__isnull": True}).values(field)
            .annotate(total=Count("id"), good=Count("id", filter=Q(grade__in=GOOD_GRADES)),
                      bad=Count("id", filter=Q(grade__in=BAD_GRADES)))
            .order_by(field))
    return {
        row[field]: {"total": row["total"], "good": row["good"], "bad": row["bad"],
                     "rate": round(row["good"] / row["total"], 4) if row["total"] else None}
        for row in rows
    }


def satisfaction_by_department(start: date, end: date) -> dict[int, dict[str, Any]]:
    """{department_id: {"total", "good", "bad", "rate"}}; rate = good / total (good = 基本满意 or better)."""
    return _aggregate(counted_ratings(start, end), "department_id")


def satisfaction_by_window(start: date, end: date) -> dict[int, dict[str, Any]]:
    return _aggregate(counted_ratings(start, end), "window_id")


def satisfaction_by_staff(start: date, end: date) -> dict[int, dict[str, Any]]:
    return _aggregate(counted_ratings(start, end), "staff_id")


def rectification_timeliness(start: date, end: date) -> dict[int, dict[str, Any]]:
    """Rectifications due in [start, end], per department: {"due", "on_time", "late", "open", "rate"}.

    on_time = done on or before the due date; late = done after it or still open past it. Cancelled
    rectifications (appeal upheld) are left out. ``rate`` is on_time / due (None when nothing was due)."""
    today = timezone.localdate()
    rows = (Rectification.objects.filter(due_date__gte=start, due_date__lte=end, department__isnull=False)
            .exclude(status=RectificationStatus.CANCELLED)
            .values("department_id")
            .annotate(due=Count("id"),
                      n_on_time=Count("id", filter=Q(done_on__isnull=False, done_on__lte=F("due_date"))),
                      open=Count("id", filter=Q(done_on__isnull=True)),
                      open_overdue=Count("id", filter=Q(done_on__isnull=True, due_date__lt=today)))
            .order_by("department_id"))
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        due, on_time = row["due"], row["n_on_time"]
        late = due - on_time - (row["open"] - row["open_overdue"])
        out[row["department_id"]] = {"due": due, "on_time": on_time, "late": late, "open": row["open"],
                                     "rate": round(on_time / due, 4) if due else None}
    return out


def grade_counts(qs: QuerySet[Rating]) -> dict[int, int]:
    counts = {g: 0 for g in Grade.values}
    for row in qs.values("grade").annotate(n=Count("id")).order_by():
        counts[row["grade"]] = row["n"]
    return counts


# --- public page ---------------------------------------------------------------------------------


def public_summary(start: date, end: date) -> list[dict[str, Any]]:
    """Per department: counts per grade, satisfaction rate, rectifications by status. No personal data."""
    from yiwang.org.models import Department

    qs = counted_ratings(start, end).filter(department__isnull=False)
    grade_rows = qs.values("department_id", "grade").annotate(n=Count("id")).order_by()
    by_dept: dict[int, dict[str, Any]] = {}
    for row in grade_rows:
        entry = by_dept.setdefault(row["department_id"], {"grades": {g: 0 for g in Grade.values}})
        entry["grades"][row["grade"]] = row["n"]
    lo, hi = _bounds(start, end)
    rect_rows = (Rectification.objects.filter(rating__created_at__gte=lo, rating__created_at__lt=hi,
                                              department__isnull=False)
                 .values("department_id", "status").annotate(n=Count("id")).order_by())
    for rect_row in rect_rows:
        entry = by_dept.setdefault(rect_row["department_id"], {"grades": {g: 0 for g in Grade.values}})
        entry.setdefault("rectifications", {})[rect_row["status"]] = rect_row["n"]
    names = dict(Department.objects.filter(pk__in=by_dept).values_list("pk", "name"))
    out = []
    for dept_id, entry in by_dept.items():
        grades = entry["grades"]
        total = sum(grades.values())
        good = sum(grades[g] for g in GOOD_GRADES)
        out.append({
            "department_id": dept_id, "department": names.get(dept_id, ""), "total": total, "good": good,
            "bad": total - good, "rate": round(good / total, 4) if total else None,
            "grades": [{"grade": g, "label": str(Grade(g).label), "count": grades[g]} for g in
                       sorted(Grade.values, reverse=True)],
            "rectifications": entry.get("rectifications", {}),
        })
    out.sort(key=lambda e: (-e["total"], e["department"]))
    return out


def public_rectifications(*, limit: int = 50) -> QuerySet[Rectification]:
    """Recent rectifications for the public page (shown with masked rater names only)."""
    return (Rectification.objects.exclude(status=RectificationStatus.CANCELLED)
            .select_related("rating", "department").order_by("-created_at")[:limit])


# --- staff ---------------------------------------------------------------------------------------


def _require_any(position: Position | None, *perms: str) -> Position:
    if position is None or not position.is_active or not any(has_perm(position, p) for p in perms):
        raise PermissionDenied(_("当前岗位无权查看评价"))
    return position


def rating_list_for_position(*, position: Position | None, bad_only: bool = False,
                             department_id: int | None = None) -> QuerySet[Rating]:
    position = _require_any(position, Perm.RATING_RECTIFY, Perm.RATING_REVIEW, Perm.PERFORMANCE_VIEW)
    qs = scope_filter(Rating.objects.select_related("department", "window", "staff", "case"), position)
    if bad_only:
        qs = qs.filter(grade__in=BAD_GRADES)
    if department_id:
        qs = qs.filter(department_id=department_id)
    return qs.order_by("-created_at", "-id")


def rating_get_for_position(*, position: Position | None, pk: int) -> Rating:
    rating = rating_list_for_position(position=position).filter(pk=pk).first()
    if rating is None:
        raise NotFound(_("记录不存在或不在您的权限范围内"))
    return rating


def rectification_list_for_position(*, position: Position | None, status: str | None = None
                                    ) -> QuerySet[Rectification]:
    position = _require_any(position, Perm.RATING_RECTIFY, Perm.RATING_REVIEW, Perm.PERFORMANCE_VIEW)
    qs = scope_filter(Rectification.objects.select_related("rating", "department", "rating__window",
                                                           "rating__staff", "rating__case"), position)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("due_date", "id")


def rectification_get_for_position(*, position: Position | None, pk: int) -> Rectification:
    rect = rectification_list_for_position(position=position).filter(pk=pk).first()
    if rect is None:
        raise NotFound(_("记录不存在或不在您的权限范围内"))
    return rect


def appeal_list_for_position(*, position: Position | None, status: str | None = None) -> QuerySet[Appeal]:
    position = _require_any(position, Perm.RATING_RECTIFY, Perm.RATING_REVIEW)
    qs = scope_filter(Appeal.objects.select_related("rating", "department", "filed_by", "reviewer"), position,
                      division_field="rating__division", department_field="rating__department")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-filed_at", "-id")


def appeal_get_for_position(*, position: Position | None, pk: int) -> Appeal:
    appeal = appeal_list_for_position(position=position).filter(pk=pk).first()
    if appeal is None:
        raise NotFound(_("记录不存在或不在您的权限范围内"))
    return appeal


def pending_appeal_count(*, position: Position | None) -> int:
    try:
        return appeal_list_for_position(position=position, status=AppealStatus.PENDING).count()
    except PermissionDenied:
        return 0
