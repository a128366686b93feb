"""Reads for performance: the dashboard (scoped to the acting position), assessments and the hall display."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases.models import Case, CaseStatus, Channel
from yiwang.core.errors import InvalidInput, NotFound, PermissionDenied
from yiwang.core.masking import mask_name
from yiwang.org.models import Department, Position, ServiceHall
from yiwang.org.roles import Perm
from yiwang.org.scope import Scope, has_perm, scope_filter
from yiwang.performance import metrics
from yiwang.performance.models import Assessment, AssessmentScore, AssessmentStatus, TargetKind

MAX_RANGE_DAYS = 3 * 366


def require_view(position: Position | None) -> Position:
    if position is None or not has_perm(position, Perm.PERFORMANCE_VIEW):
        raise PermissionDenied(_("当前岗位无权查看绩效与统计"),
                               details={"required_permission": str(Perm.PERFORMANCE_VIEW)})
    return position


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date


def date_range(start: str | date | None, end: str | date | None, *, today: date | None = None) -> DateRange:
    """Parse ``start``/``end`` (YYYY-MM-DD); default: the last 12 months up to today."""
    today = today or timezone.localdate()

    def parse(value: str | date | None, name: str) -> date | None:
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError as exc:
            raise InvalidInput(_("日期格式应为 YYYY-MM-DD"), details={name: value}) from exc

    e = parse(end, "end") or today
    s = parse(start, "start") or (e.replace(day=1) - timedelta(days=335)).replace(day=1)
    if s > e:
        raise InvalidInput(_("开始日期不能晚于结束日期"), details={"start": str(s), "end": str(e)})
    if (e - s).days > MAX_RANGE_DAYS:
        raise InvalidInput(_("统计区间不能超过三年"), details={"start": str(s), "end": str(e)})
    return DateRange(s, e)


def dashboard_data(*, position: Position | None, start: str | date | None = None, end: str | date | None = None,
                   today: date | None = None, platform_wide: bool = False) -> dict[str, Any]:
    """Everything the leader/staff dashboard shows, for the position's scope (division subtree;
    departmental roles: their department). Needs ``performance.view``. ``platform_wide`` (API keys
    with ``performance:read``, checked by the caller) covers every division: aggregates only."""
    from yiwang.evaluation.models import Rectification
    from yiwang.supervision.models import Alert

    if not platform_wide:
        position = require_view(position)

    def _scoped(qs: QuerySet) -> QuerySet:
        return qs if platform_wide else scope_filter(qs, position)

    today = today or timezone.localdate()
    rng = date_range(start, end, today=today)
    s, e = rng.start, rng.end
    cases = _scoped(Case.objects.exclude(status=CaseStatus.DRAFT))
    ratings = _scoped(metrics.rating_queryset())
    alerts = _scoped(Alert.objects.all())
    rects = _scoped(Rectification.objects.all())

    overall = metrics.merge(metrics.case_timeliness(cases, s, e, today=today),
                            metrics.processing_time(cases, s, e)).get(None, {})
    sat = metrics.satisfaction(ratings, s, e).get(None, {})
    rect = metrics.rectification_timeliness(rects, s, e, today=today).get(None, {})
    alert_total = metrics.alert_counts(alerts, s, e).get(None, {})
    submitted_in_range = cases.filter(submitted_at__isnull=False).annotate(day=TruncDate("submitted_at")).filter(
        day__gte=s, day__lte=e)

    completed_in_range = cases.filter(completed_at__isnull=False).annotate(day=TruncDate("completed_at")).filter(
        day__gte=s, day__lte=e)
    dept_names = dict(Department.objects.values_list("pk", "name"))
    by_dept = metrics.merge(
        {k: {"submitted": v} for k, v in metrics.grouped_counts(submitted_in_range, "department").items()},
        metrics.case_timeliness(cases, s, e, today=today, group_by=("department",)),
        metrics.processing_time(cases, s, e, group_by=("department",)),
        metrics.satisfaction(ratings, s, e, group_by=("department",)),
        {k: {"alerts": v["total"], "red": v["red"], "yellow": v["yellow"]}
         for k, v in metrics.alert_counts(alerts, s, e, group_by=("department",)).items()},
    )
    departments = sorted(
        ({"department_id": k, "label": dept_names.get(k, "—"), "submitted": v.get("submitted", 0),
          "due": v.get("due", 0), "on_time": v.get("on_time", 0), "on_time_rate": v.get("on_time_rate"),
          "completed": v.get("completed", 0), "avg_days": v.get("avg_days"),
          "avg_statutory_days": v.get("avg_statutory_days"), "speedup": v.get("speedup"),
          "ratings": v.get("ratings", 0), "satisfaction_rate": v.get("satisfaction_rate"),
          "alerts": v.get("alerts", 0), "yellow": v.get("yellow", 0), "red": v.get("red", 0)}
         for k, v in by_dept.items() if k is not None),
        key=lambda r: (-r["submitted"], r["label"]))
    channel_labels = dict(Channel.choices)
    channels = [{"channel": k, "label": str(channel_labels.get(k, k)), "total": n}
                for k, n in sorted(metrics.grouped_counts(submitted_in_range, "channel").items(),
                                   key=lambda kv: -kv[1])]
    grade_labels = {5: _("非常满意"), 4: _("满意"), 3: _("基本满意"), 2: _("不满意"), 1: _("非常不满意")}
    level_labels = {"warning": _("提示"), "yellow": _("黄牌"), "red": _("红牌"), "recommendation": _("监察建议书")}
    if platform_wide or position is None:
        scope_info: dict[str, Any] = {"division": _("全部区划"), "department": None}
    else:
        scope = Scope.of(position)
        scope_info = {"division": position.division.name,
                      "department": position.department.name if scope.department_id and position.department
                      else None}
    return {
        "range": {"start": s.isoformat(), "end": e.isoformat()},
        "scope": scope_info,
        "summary": {
            "submitted": submitted_in_range.count(),
            "due": overall.get("due", 0), "on_time": overall.get("on_time", 0),
            "on_time_rate": overall.get("on_time_rate"),
            "completed": completed_in_range.count(), "timed_completed": overall.get("completed", 0),
            "avg_days": overall.get("avg_days"),
            "avg_statutory_days": overall.get("avg_statutory_days"), "speedup": overall.get("speedup"),
            "ratings": sat.get("ratings", 0), "satisfaction_rate": sat.get("satisfaction_rate"),
            "bad_ratings": sat.get("bad", 0),
            "rectifications": rect.get("rectifications", 0), "rectification_rate": rect.get("rectification_rate"),
            "alerts": alert_total.get("total", 0),
        },
        "by_month": metrics.volumes_by_month(cases, s, e),
        "by_department": departments,
        "by_channel": channels,
        "ratings_by_grade": [{"grade": g, "label": str(grade_labels[g]), "total": sat.get(f"grade_{g}", 0)}
                             for g in (5, 4, 3, 2, 1)],
        "alerts_by_level": [{"level": lv, "label": str(level_labels[lv]), "total": alert_total.get(lv, 0)}
                            for lv in metrics.ALERT_LEVELS],
    }


# --- assessments -----------------------------------------------------------------------------
def assessment_list_public() -> QuerySet[Assessment]:
    return (Assessment.objects.filter(status=AssessmentStatus.PUBLISHED).select_related("division", "scheme")
            .order_by("-period", "division__code"))


def assessment_get_public(*, pk: int) -> Assessment:
    found = assessment_list_public().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("考核报告不存在或尚未发布"))
    return found


def assessment_list_for_position(*, position: Position | None) -> QuerySet[Assessment]:
    """Assessments covering the position's division: its own subtree and the divisions above it."""
    position = require_view(position)
    path = position.division.path
    ancestors = [path[:i + 1] for i, ch in enumerate(path) if ch == "/" and i > 0]
    return (Assessment.objects.filter(Q(division__path__startswith=path) | Q(division__path__in=ancestors))
            .select_related("division", "scheme", "published_by").order_by("-period", "division__code"))


def assessment_get_for_position(*, position: Position | None, pk: int) -> Assessment:
    found = assessment_list_for_position(position=position).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("考核不存在或不在您的权限范围内"))
    return found


def score_list(*, assessment: Assessment, position: Position | None = None, public: bool = False,
               kind: str | None = None) -> QuerySet[AssessmentScore]:
    """Scores of ``assessment``: public (published; departments and windows only) or the position's scope."""
    qs = assessment.scores.select_related("department", "window", "window__hall", "division")
    if public:
        if not assessment.is_published:
            return qs.none()
        qs = qs.exclude(target_kind=TargetKind.STAFF)
    else:
        qs = scope_filter(qs, require_view(position))
    if kind:
        if kind not in TargetKind.values:
            raise InvalidInput(_("考核对象类型不正确"), details={"kind": kind})
        qs = qs.filter(target_kind=kind)
    return qs.order_by("target_kind", "rank", "label")


# --- hall display ----------------------------------------------------------------------------
def hall_get_public(*, pk: int) -> ServiceHall:
    hall = ServiceHall.objects.filter(pk=pk, is_active=True).select_related("division").first()
    if hall is None:
        raise NotFound(_("服务大厅不存在"))
    return hall


def hall_display_data(*, hall: ServiceHall, today: date | None = None, now: Any = None) -> dict[str, Any]:
    """Today's queue, completions and ratings at ``hall`` (its own division). Masked names only."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    cases = Case.objects.filter(division_id=hall.division_id).exclude(status=CaseStatus.DRAFT)
    submitted_today = cases.filter(submitted_at__isnull=False).annotate(day=TruncDate("submitted_at")).filter(
        day=today)
    waiting = cases.filter(status=CaseStatus.SUBMITTED)
    completed_today = cases.filter(completed_at__isnull=False).annotate(day=TruncDate("completed_at")).filter(
        day=today)
    ratings = metrics.rating_queryset().filter(
        Q(hall=hall) | Q(window__hall=hall) | Q(case__division_id=hall.division_id))
    sat = metrics.satisfaction(ratings, today, today).get(None, {})
    grade_labels = {5: _("非常满意"), 4: _("满意"), 3: _("基本满意"), 2: _("不满意"), 1: _("非常不满意")}

    def row(case: Case, at: Any) -> dict[str, Any]:
        return {"number": case.number or "", "applicant": mask_name(case.applicant_name),
                "item": case.version.name if case.version_id else "",
                "time": timezone.localtime(at).strftime("%H:%M") if at else ""}

    queue = [row(c, c.submitted_at) for c in waiting.select_related("version").order_by("submitted_at")[:10]]
    done = [row(c, c.completed_at)
            for c in completed_today.select_related("version").order_by("-completed_at")[:10]]
    return {
        "hall": {"id": hall.pk, "name": hall.name},
        "date": today.isoformat(),
        "updated_at": timezone.localtime(now).strftime("%H:%M:%S"),
        "submitted_today": submitted_today.count(),
        "waiting": waiting.count(),
        "completed_today": completed_today.count(),
        "queue": queue,
        "completions": done,
        "ratings": {
            "total": sat.get("ratings", 0), "satisfaction_rate": sat.get("satisfaction_rate"),
            "by_grade": [{"grade": g, "label": str(grade_labels[g]), "total": sat.get(f"grade_{g}", 0)}
                         for g in (5, 4, 3, 2, 1)],
        },
    }
