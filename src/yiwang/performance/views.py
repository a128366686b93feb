"""Pages: the leader/staff dashboard, console assessments, public monthly reports and the hall display.

Every table can be downloaded as Excel with ``?format=xlsx`` (and ``&table=<name>`` on the
dashboard). Reads go through :mod:`yiwang.performance.selectors`, writes through services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yiwang.console.views import staff_required
from yiwang.core.errors import DomainError, InvalidInput
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm
from yiwang.performance import reports, selectors, services
from yiwang.performance.models import AssessmentScheme, TargetKind

HALL_REFRESH_SECONDS = 30


def _xlsx(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=reports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _pdf(body: bytes, name: str, *, public: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response


# --- dashboard ----------------------------------------------------------------------------------
def dashboard_tables() -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """Every dashboard table: key → (title, columns). The same keys as the JSON data."""
    return {
        "by_month": (_("按月受理与办结"), [("period", _("月份")), ("submitted", _("受理量")),
                                        ("completed", _("办结量"))]),
        "by_department": (_("各部门指标"), [
            ("label", _("部门")), ("submitted", _("受理量")), ("due", _("应办结")), ("on_time", _("按时办结")),
            ("on_time_rate", _("按时办结率")), ("completed", _("办结量")), ("avg_days", _("平均用时（工作日）")),
            ("avg_statutory_days", _("法定时限（工作日）")), ("speedup", _("提速比例")), ("ratings", _("评价数")),
            ("satisfaction_rate", _("满意率")), ("alerts", _("预警")), ("yellow", _("黄牌")), ("red", _("红牌"))]),
        "by_channel": (_("申请渠道"), [("label", _("渠道")), ("total", _("受理量"))]),
        "ratings_by_grade": (_("评价等级分布"), [("label", _("评价等级")), ("total", _("数量"))]),
        "alerts_by_level": (_("预警级别分布"), [("label", _("预警级别")), ("total", _("数量"))]),
        "summary": (_("核心指标"), [("label", _("指标")), ("value", _("数值"))]),
    }


def summary_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"key": "submitted", "label": _("受理量"), "value": summary["submitted"]},
        {"key": "completed", "label": _("办结量"), "value": summary["completed"]},
        {"key": "on_time_rate", "label": _("按时办结率"), "value": summary["on_time_rate"]},
        {"key": "avg_days", "label": _("平均办理用时（工作日）"), "value": summary["avg_days"]},
        {"key": "avg_statutory_days", "label": _("平均法定时限（工作日）"), "value": summary["avg_statutory_days"]},
        {"key": "speedup", "label": _("提速比例"), "value": summary["speedup"]},
        {"key": "satisfaction_rate", "label": _("满意率"), "value": summary["satisfaction_rate"]},
        {"key": "rectification_rate", "label": _("整改及时率"), "value": summary["rectification_rate"]},
        {"key": "alerts", "label": _("预警数"), "value": summary["alerts"]},
    ]


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """``/performance/dashboard/``: volumes, on-time rate, processing time vs the statutory limit,
    satisfaction and alerts for the acting position's scope. ``?format=xlsx&table=…`` exports."""
    position = request.position  # type: ignore[attr-defined]
    try:
        data = selectors.dashboard_data(position=position, start=request.GET.get("start"),
                                        end=request.GET.get("end"))
        error = ""
    except InvalidInput as exc:
        data = selectors.dashboard_data(position=position)
        error = exc.message
    summary = summary_rows(data["summary"])
    if request.GET.get("format") == "xlsx":
        tables = dashboard_tables()
        key = request.GET.get("table", "by_department")
        if key not in tables:
            raise Http404
        title, columns = tables[key]
        rows = summary if key == "summary" else data[key]
        subtitle = f"{data['scope']['department'] or data['scope']['division']} · {data['range']['start']} — " \
                   f"{data['range']['end']}"
        return _xlsx(reports.table_xlsx(str(title), columns, rows, subtitle=subtitle),
                     f"performance-{key}-{data['range']['start']}-{data['range']['end']}.xlsx")
    return render(request, "performance/dashboard.html", {
        "data": data, "summary": summary, "error": error,
        "chart_data": {**data, "labels": {
            "submitted": _("受理量"), "completed": _("办结量"), "on_time_rate": _("按时办结率"),
            "satisfaction_rate": _("满意率"), "avg_days": _("平均用时（工作日）"),
            "avg_statutory_days": _("法定时限（工作日）"), "no_data": _("该期间暂无数据")}},
        "can_manage": has_perm(position, Perm.PERFORMANCE_MANAGE),
    }, status=400 if error else 200)


@staff_required
def dashboard_json(request: HttpRequest) -> JsonResponse:
    try:
        data = selectors.dashboard_data(position=request.position,  # type: ignore[attr-defined]
                                        start=request.GET.get("start"), end=request.GET.get("end"))
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse(data)


# --- console assessments -----------------------------------------------------------------------
@staff_required
def assessment_list(request: HttpRequest) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    assessments = selectors.assessment_list_for_position(position=position)[:120]
    default_month = services.previous_month(timezone.localdate())
    return render(request, "performance/assessments.html", {
        "assessments": assessments, "can_manage": has_perm(position, Perm.PERFORMANCE_MANAGE),
        "schemes": AssessmentScheme.objects.all(), "default_month": default_month.strftime("%Y-%m"),
    })


@require_POST
@staff_required
def assessment_compute(request: HttpRequest) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    scheme = None
    if scheme_id := request.POST.get("scheme"):
        scheme = AssessmentScheme.objects.filter(pk=int(scheme_id) if scheme_id.isdigit() else 0).first()
        if scheme is None:
            raise InvalidInput(_("考核方案不存在"))
    assessment = services.assessment_compute(month=request.POST.get("month", ""), scheme=scheme,
                                             actor=request.user, position=position)
    messages.success(request, _("已计算 %(label)s 的考核（草稿）") % {"label": assessment.label})
    return redirect("performance:assessment", pk=assessment.pk)


def _score_tables(scores: list[Any]) -> list[dict[str, Any]]:
    titles: dict[str, str] = {TargetKind.DEPARTMENT: _("部门"), TargetKind.WINDOW: _("窗口"),
                              TargetKind.STAFF: _("工作人员")}
    return [{"kind": kind, "title": titles[kind], "rows": [s for s in scores if s.target_kind == kind]}
            for kind in TargetKind.values if any(s.target_kind == kind for s in scores)]


@staff_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    assessment = selectors.assessment_get_for_position(position=position, pk=pk)
    fmt = request.GET.get("format")
    kind = request.GET.get("kind") or None
    scores = list(selectors.score_list(assessment=assessment, position=position, kind=kind))
    name = f"assessment-{assessment.division.code}-{assessment.period:%Y%m}"
    if fmt == "xlsx":
        if kind:
            return _xlsx(reports.table_xlsx(reports.report_title(assessment), reports.score_columns(),
                                            [reports.score_row(s) for s in scores]), f"{name}-{kind}.xlsx")
        return _xlsx(reports.assessment_xlsx(assessment, scores), f"{name}.xlsx")
    if fmt == "pdf":
        return _pdf(reports.assessment_pdf(assessment, scores), f"{name}.pdf", public=False)
    return render(request, "performance/assessment.html", {
        "assessment": assessment, "tables": _score_tables(scores),
        "can_publish": has_perm(position, Perm.PERFORMANCE_MANAGE) and not assessment.is_published
        and assessment.division.path.startswith(position.division.path),
    })


@require_POST
@staff_required
def assessment_publish(request: HttpRequest, pk: int) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    assessment = selectors.assessment_get_for_position(position=position, pk=pk)
    services.assessment_publish(assessment=assessment, actor=request.user, position=position)
    messages.success(request, _("已发布 %(label)s 的考核结果") % {"label": assessment.label})
    return redirect("performance:assessment", pk=assessment.pk)


# --- public reports -------------------------------------------------------------------------------
def report_list(request: HttpRequest) -> HttpResponse:
    """``/performance/reports/``: every published month."""
    return render(request, "performance/reports.html", {"assessments": selectors.assessment_list_public()[:240]})


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        assessment = selectors.assessment_get_public(pk=pk)
    except DomainError as exc:
        return render(request, "portal/error.html", {"title": _("无法查看"), "message": exc.message},
                      status=exc.status)
    scores = list(selectors.score_list(assessment=assessment, public=True, kind=None))
    fmt = request.GET.get("format")
    name = f"performance-{assessment.division.code}-{assessment.period:%Y%m}"
    if fmt == "xlsx":
        return _xlsx(reports.assessment_xlsx(assessment, scores), f"{name}.xlsx")
    if fmt == "pdf":
        return _pdf(reports.assessment_pdf(assessment, scores), f"{name}.pdf", public=True)
    return render(request, "performance/report.html", {"assessment": assessment, "tables": _score_tables(scores)})


# --- hall display ----------------------------------------------------------------------------------
def hall_display(request: HttpRequest, hall_id: int) -> HttpResponse:
    """``/performance/hall/<id>/display/``: the public 大厅显示屏; reloads itself every 30 s
    (meta refresh, and htmx polling of the panel when JavaScript runs)."""
    try:
        hall = selectors.hall_get_public(pk=hall_id)
    except DomainError as exc:
        return render(request, "portal/error.html", {"title": _("无法显示"), "message": exc.message},
                      status=exc.status)
    data = selectors.hall_display_data(hall=hall)
    template = "performance/_hall_panel.html" if request.headers.get("HX-Request") else "performance/hall.html"
    response = render(request, template, {"d": data, "hall": hall, "refresh": HALL_REFRESH_SECONDS})
    response["Cache-Control"] = "no-store"
    return response

