"""Writes for performance assessment: schemes, monthly computation and publication."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases.models import Case, CaseStep
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.org.models import Department, Division, Position, Window
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm
from yiwang.performance import metrics
from yiwang.performance.models import (
    Assessment,
    AssessmentScheme,
    AssessmentScore,
    AssessmentStatus,
    TargetKind,
)
from yiwang.performance.scoring import ranks, scheme_snapshot, score

SCHEME_FIELDS = (
    "name", "is_default", "weight_on_time", "weight_satisfaction", "weight_rectification", "weight_alerts",
    "penalty_warning", "penalty_yellow", "penalty_red", "penalty_recommendation",
    "threshold_excellent", "threshold_good", "threshold_pass", "notes",
)


def _require(position: Any, perm: str) -> None:
    if not has_perm(position, perm):
        raise PermissionDenied(_("当前岗位无权执行此操作"), details={"required_permission": str(perm)})


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def _scheme_dict(scheme: AssessmentScheme) -> dict[str, Any]:
    return {f: str(getattr(scheme, f)) for f in SCHEME_FIELDS}


def scheme_validate(scheme: AssessmentScheme) -> None:
    errors: dict[str, str] = {}
    for field in SCHEME_FIELDS:
        value = getattr(scheme, field)
        if isinstance(value, Decimal) and (value < 0 or value > 100):
            errors[field] = _("应在 0 到 100 之间")
    if scheme.total_weight != Decimal(100):
        errors["weights"] = _("各项权重之和应为 100 分")
    if not scheme.threshold_excellent >= scheme.threshold_good >= scheme.threshold_pass:
        errors["thresholds"] = _("分数线应满足 优秀 ≥ 良好 ≥ 合格")
    if not (scheme.name or "").strip():
        errors["name"] = _("此项必填")
    if errors:
        raise InvalidInput(_("考核方案设置不正确"), details={"fields": errors})


def scheme_save(*, scheme: AssessmentScheme, actor: Any, position: Any) -> AssessmentScheme:
    """Create or update a scheme (weights, penalties, thresholds). Needs ``performance.manage``."""
    _require(position, Perm.PERFORMANCE_MANAGE)
    scheme_validate(scheme)
    with transaction.atomic():
        before = None
        if scheme.pk:
            old = AssessmentScheme.objects.select_for_update().filter(pk=scheme.pk).first()
            before = _scheme_dict(old) if old else None
        if scheme.is_default:
            AssessmentScheme.objects.filter(is_default=True).exclude(pk=scheme.pk).update(is_default=False)
        scheme.save()
        audit_record(action="performance.scheme_save", actor=actor, position=position, obj=scheme,
                     before=before, after=_scheme_dict(scheme))
    return scheme


def default_scheme() -> AssessmentScheme:
    scheme = AssessmentScheme.objects.filter(is_default=True).first() or AssessmentScheme.objects.first()
    if scheme is None:
        scheme = AssessmentScheme.objects.create(name=_("默认考核方案"), is_default=True)
    return scheme


# --- computation -------------------------------------------------------------------------------
def _bucket_values(
    key: Any, *, timeliness: dict, processing: dict, sat: dict, rect: dict, alerts: dict
) -> dict[str, Any]:
    t = timeliness.get(key, {})
    p = processing.get(key, {})
    s = sat.get(key, {})
    r = rect.get(key, {})
    a = alerts.get(key, {})
    return {
        "cases_due": t.get("due", 0), "cases_on_time": t.get("on_time", 0), "on_time_rate": t.get("on_time_rate"),
        "completed": p.get("completed", 0), "avg_days": p.get("avg_days"),
        "avg_statutory_days": p.get("avg_statutory_days"), "speedup": p.get("speedup"),
        "ratings": s.get("ratings", 0), "bad_ratings": s.get("bad", 0),
        "satisfaction_rate": s.get("satisfaction_rate"),
        "rectifications": r.get("rectifications", 0), "rectifications_on_time": r.get("on_time", 0),
        "rectification_rate": r.get("rectification_rate"),
        **{level: a.get(level, 0) for level in metrics.ALERT_LEVELS},
    }


def _has_activity(values: dict[str, Any]) -> bool:
    return bool(values["cases_due"] or values["completed"] or values["ratings"] or values["rectifications"]
                or any(values[level] for level in metrics.ALERT_LEVELS))


def compute_targets(*, division: Division, start: date, end: date, today: date) -> list[dict[str, Any]]:
    """Component values for every department, window and staff member of ``division``'s subtree
    with any activity in [start, end]. Each metric is one grouped SQL query per target kind."""
    from yiwang.evaluation.models import Rectification
    from yiwang.supervision.models import Alert

    path = division.path
    cases = Case.objects.filter(division__path__startswith=path)
    steps = CaseStep.objects.filter(case__division__path__startswith=path, completed_by__isnull=False)
    ratings = metrics.rating_queryset().filter(
        models_q_division(path, "division", "department__division"))
    rects = Rectification.objects.filter(models_q_division(path, "division", "department__division"))
    alerts = Alert.objects.filter(models_q_division(path, "division", "department__division"))
    out: list[dict[str, Any]] = []

    def collect(kind: str, groups: dict[str, tuple[str, ...]], label_of: Any) -> None:
        timeliness = (metrics.step_timeliness(steps, start, end, group_by=groups["steps"]) if kind == TargetKind.STAFF
                      else metrics.case_timeliness(cases, start, end, today=today, group_by=groups["cases"]))
        processing = ({} if kind == TargetKind.STAFF
                      else metrics.processing_time(cases, start, end, group_by=groups["cases"]))
        sat = metrics.satisfaction(ratings, start, end, group_by=groups["ratings"])
        rect = metrics.rectification_timeliness(rects, start, end, today=today, group_by=groups["rects"])
        alert = metrics.alert_counts(alerts, start, end, group_by=groups["alerts"])
        for key in sorted(metrics.keys_of(timeliness, processing, sat, rect, alert)):
            values = _bucket_values(key, timeliness=timeliness, processing=processing, sat=sat, rect=rect,
                                    alerts=alert)
            target = label_of(key)
            if target is not None and _has_activity(values):
                out.append({"kind": kind, **target, "values": values})

    departments = {d.pk: d for d in Department.objects.filter(division__path__startswith=path)}
    collect(TargetKind.DEPARTMENT, {"cases": ("department",), "ratings": ("department",),
                                    "rects": ("department",), "alerts": ("department",)},
            lambda pk: ({"department": departments[pk], "division": departments[pk].division_id,
                         "label": departments[pk].name} if pk in departments else None))

    windows = {w.pk: w for w in Window.objects.filter(hall__division__path__startswith=path)
               .select_related("hall")}
    collect(TargetKind.WINDOW, {"cases": ("filed_by_position__window",), "ratings": ("window",),
                                "rects": ("rating__window",), "alerts": ("responsible_position__window",)},
            lambda pk: ({"window": windows[pk], "division": windows[pk].hall.division_id,
                         "label": str(windows[pk])} if pk in windows else None))

    positions: dict[int, Position] = {}
    for p in (Position.objects.filter(division__path__startswith=path, is_active=True)
              .select_related("user", "department").order_by("user_id", "-department_id", "id")):
        positions.setdefault(p.user_id, p)
    collect(TargetKind.STAFF, {"steps": ("completed_by",), "ratings": ("staff",), "rects": ("responsible",),
                               "alerts": ("responsible_user",)},
            lambda pk: ({"staff": positions[pk].user, "department": positions[pk].department,
                         "division": positions[pk].division_id,
                         "label": positions[pk].user.real_name or positions[pk].user.username}
                        if pk in positions else None))
    return out


def models_q_division(path: str, division_field: str, fallback_field: str) -> Any:
    """Rows whose division (or, without one, whose department's division) lies under ``path``."""
    from django.db.models import Q

    return Q(**{f"{division_field}__path__startswith": path}) | (
        Q(**{f"{division_field}__isnull": True}) & Q(**{f"{fallback_field}__path__startswith": path}))


def _parse_month(month: date | str) -> date:
    if isinstance(month, str):
        try:
            parts = month.strip().split("-")
            return date(int(parts[0]), int(parts[1]), 1)
        except (ValueError, IndexError) as exc:
            raise InvalidInput(_("月份格式应为 YYYY-MM"), details={"month": month}) from exc
    return month.replace(day=1)


def assessment_compute(
    *,
    month: date | str,
    scheme: AssessmentScheme | None = None,
    actor: Any,
    position: Position | None,
    division: Division | None = None,
    system: bool = False,
    today: date | None = None,
) -> Assessment:
    """Compute (or recompute) the draft assessment of ``month`` for ``division`` (default: the
    acting position's division). Needs ``performance.manage``; a published month is final."""
    if not system:
        _require(position, Perm.PERFORMANCE_MANAGE)
        assert position is not None
        if division is None:
            division = position.division
        elif not division.path.startswith(position.division.path):
            raise PermissionDenied(_("考核范围超出当前岗位的权限"))
    if division is None:
        raise InvalidInput(_("请指定考核范围"), details={"field": "division"})
    today = today or timezone.localdate()
    first = _parse_month(month)
    start, end = month_bounds(first)
    if start > today:
        raise InvalidInput(_("不能考核尚未开始的月份"), details={"month": first.isoformat()})
    scheme = scheme or default_scheme()
    targets = compute_targets(division=division, start=start, end=end, today=today)
    summary_totals = metrics.merge(
        metrics.case_timeliness(Case.objects.filter(division__path__startswith=division.path), start, end,
                                today=today),
        metrics.processing_time(Case.objects.filter(division__path__startswith=division.path), start, end),
    ).get(None, {})
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().filter(division=division, period=start).first()
        before = None
        if assessment is not None:
            if assessment.is_published:
                raise Conflict(_("该月考核已发布，不能重新计算"), code="assessment_published",
                               details={"assessment": assessment.pk})
            before = {"scheme": assessment.scheme_id, "scores": assessment.scores.count()}
            assessment.scores.all().delete()
        else:
            assessment = Assessment(division=division, period=start)
        assessment.scheme = scheme
        assessment.scheme_snapshot = scheme_snapshot(scheme)
        assessment.computed_at = timezone.now()
        assessment.computed_by = actor if getattr(actor, "pk", None) else None
        assessment.status = AssessmentStatus.DRAFT
        rows: list[AssessmentScore] = []
        for target in targets:
            components, total, grade = score(target["values"], scheme)
            rows.append(AssessmentScore(
                assessment=assessment, target_kind=target["kind"], department=target.get("department"),
                window=target.get("window"), staff=target.get("staff"), division_id=target["division"],
                label=target["label"][:200], components=components, total=total, grade=grade, rank=0))
        for kind in TargetKind.values:
            of_kind = [r for r in rows if r.target_kind == kind]
            for row, rank in zip(of_kind, ranks([r.total for r in of_kind]), strict=True):
                row.rank = rank
        grades: dict[str, int] = {}
        for r in rows:
            if r.target_kind == TargetKind.DEPARTMENT:
                grades[r.grade] = grades.get(r.grade, 0) + 1
        assessment.summary = {
            "on_time_rate": summary_totals.get("on_time_rate"), "cases_due": summary_totals.get("due", 0),
            "completed": summary_totals.get("completed", 0), "avg_days": summary_totals.get("avg_days"),
            "avg_statutory_days": summary_totals.get("avg_statutory_days"),
            "speedup": summary_totals.get("speedup"),
            "targets": {k: sum(1 for r in rows if r.target_kind == k) for k in TargetKind.values},
            "department_grades": grades,
        }
        assessment.save()
        AssessmentScore.objects.bulk_create(rows)
        audit_record(action="performance.assessment_compute", actor=actor if getattr(actor, "pk", None) else None,
                     position=position, obj=assessment, before=before,
                     after={"period": start.isoformat(), "scheme": scheme.pk, "scores": len(rows)})
    return assessment


def assessment_publish(*, assessment: Assessment, actor: Any, position: Position | None) -> Assessment:
    """Publish a draft month (the public monthly report). Needs ``performance.manage`` in scope."""
    _require(position, Perm.PERFORMANCE_MANAGE)
    assert position is not None
    if not assessment.division.path.startswith(position.division.path):
        raise NotFound(_("考核不存在或不在您的权限范围内"))
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.is_published:
            raise Conflict(_("该月考核已发布"), code="assessment_published")
        locked.status = AssessmentStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.published_by = actor
        locked.save(update_fields=["status", "published_at", "published_by"])
        audit_record(action="performance.assessment_publish", actor=actor, position=position, obj=locked,
                     before={"status": AssessmentStatus.DRAFT}, after={"status": AssessmentStatus.PUBLISHED})
    return locked


def assessments_compute_last_month(*, today: date | None = None) -> list[int]:
    """The monthly job: a draft of last month for every county-level (root) division not yet published."""
    today = today or timezone.localdate()
    month = previous_month(today)
    done: list[int] = []
    for division in Division.objects.filter(parent__isnull=True, valid_to__isnull=True):
        if Assessment.objects.filter(division=division, period=month, status=AssessmentStatus.PUBLISHED).exists():
            continue
        done.append(assessment_compute(month=month, actor=None, position=None, division=division, system=True,
                                       today=today).pk)
    return done
