"""Performance API at ``/api/v1/performance/``: dashboard metrics, assessments (list, detail,
compute, publish), schemes, public reports and the hall display data.

* Reads take an API key with ``performance:read`` (platform-wide aggregates; published and draft
  assessments without staff scores) or a session whose position has ``performance.view`` (its scope).
* Compute, publish and scheme changes need a session position with ``performance.manage``.
* ``/reports`` and ``/halls/{id}/display`` are public.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from yiwang.api.auth import ApiKeyAuth, SessionAuth, UnauthenticatedError, api_key_of, require_access
from yiwang.api.schemas import ErrorOut
from yiwang.core.errors import NotFound
from yiwang.org.roles import Perm
from yiwang.performance import selectors, services
from yiwang.performance.models import Assessment, AssessmentScheme, AssessmentScore, TargetKind

router = Router(tags=["performance"])
AUTH = [ApiKeyAuth(), SessionAuth()]


class ScoreOut(Schema):
    target_kind: str
    label: str
    department_id: int | None
    window_id: int | None
    staff_id: int | None
    total: Decimal
    grade: str
    rank: int
    components: dict[str, Any]


class AssessmentOut(Schema):
    id: int
    division: str
    division_code: str
    period: str
    status: str
    scheme: str
    summary: dict[str, Any]
    computed_at: datetime | None
    published_at: datetime | None


class AssessmentDetailOut(AssessmentOut):
    scheme_snapshot: dict[str, Any]
    scores: list[ScoreOut]


class ComputeIn(Schema):
    month: str
    scheme_id: int | None = None


class SchemeOut(Schema):
    id: int
    name: str
    is_default: bool
    weight_on_time: Decimal
    weight_satisfaction: Decimal
    weight_rectification: Decimal
    weight_alerts: Decimal
    penalty_warning: Decimal
    penalty_yellow: Decimal
    penalty_red: Decimal
    penalty_recommendation: Decimal
    threshold_excellent: Decimal
    threshold_good: Decimal
    threshold_pass: Decimal
    notes: str


class SchemeIn(Schema):
    name: str
    is_default: bool = False
    weight_on_time: Decimal
    weight_satisfaction: Decimal
    weight_rectification: Decimal
    weight_alerts: Decimal
    penalty_warning: Decimal
    penalty_yellow: Decimal
    penalty_red: Decimal
    penalty_recommendation: Decimal
    threshold_excellent: Decimal
    threshold_good: Decimal
    threshold_pass: Decimal
    notes: str = ""


def _assessment(a: Assessment) -> dict[str, Any]:
    return {"id": a.pk, "division": a.division.name, "division_code": a.division.code,
            "period": a.period.strftime("%Y-%m"), "status": a.status, "scheme": a.scheme.name,
            "summary": a.summary or {}, "computed_at": a.computed_at, "published_at": a.published_at}


def _score(s: AssessmentScore) -> dict[str, Any]:
    return {"target_kind": s.target_kind, "label": s.label, "department_id": s.department_id,
            "window_id": s.window_id, "staff_id": s.staff_id, "total": s.total, "grade": s.grade, "rank": s.rank,
            "components": s.components}


def _session_position(request: HttpRequest) -> Any:
    position = getattr(request, "position", None)
    if position is None:
        raise UnauthenticatedError(_("需要登录或有效的 API 密钥"))
    return position


@router.get("/dashboard", auth=AUTH, summary="绩效与统计大屏数据")
def dashboard(request: HttpRequest, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    require_access(request, scope="performance:read", perm=Perm.PERFORMANCE_VIEW)
    if api_key_of(request) is not None:
        return selectors.dashboard_data(position=None, start=start, end=end, platform_wide=True)
    return selectors.dashboard_data(position=request.position, start=start, end=end)  # type: ignore[attr-defined]


@router.get("/assessments", auth=AUTH, response=list[AssessmentOut], summary="月度绩效考核列表")
def assessment_list(request: HttpRequest, status: str | None = None) -> list[dict[str, Any]]:
    require_access(request, scope="performance:read", perm=Perm.PERFORMANCE_VIEW)
    if api_key_of(request) is not None:
        qs = Assessment.objects.select_related("division", "scheme").order_by("-period")
    else:
        qs = selectors.assessment_list_for_position(position=request.position)  # type: ignore[attr-defined]
    if status:
        qs = qs.filter(status=status)
    return [_assessment(a) for a in qs[:500]]


@router.get("/assessments/{assessment_id}", auth=AUTH, response=AssessmentDetailOut, summary="考核详情与得分")
def assessment_detail(request: HttpRequest, assessment_id: int, kind: str | None = None) -> dict[str, Any]:
    require_access(request, scope="performance:read", perm=Perm.PERFORMANCE_VIEW)
    if api_key_of(request) is not None:
        found = Assessment.objects.select_related("division", "scheme").filter(pk=assessment_id).first()
        if found is None:
            raise NotFound(_("考核不存在"))
        scores = selectors.score_list(assessment=found, public=True, kind=kind) if found.is_published else \
            found.scores.exclude(target_kind=TargetKind.STAFF)
        assessment = found
    else:
        assessment = selectors.assessment_get_for_position(position=request.position,  # type: ignore[attr-defined]
                                                           pk=assessment_id)
        scores = selectors.score_list(assessment=assessment, position=request.position,  # type: ignore[attr-defined]
                                      kind=kind)
    return {**_assessment(assessment), "scheme_snapshot": assessment.scheme_snapshot,
            "scores": [_score(s) for s in scores]}


@router.post("/assessments", auth=SessionAuth(), response={201: AssessmentOut, 404: ErrorOut}, summary="计算月度考核（草稿）")
def assessment_compute(request: HttpRequest, payload: ComputeIn) -> Status:
    scheme = None
    if payload.scheme_id is not None:
        scheme = AssessmentScheme.objects.filter(pk=payload.scheme_id).first()
        if scheme is None:
            raise NotFound(_("考核方案不存在"))
    assessment = services.assessment_compute(month=payload.month, scheme=scheme, actor=request.user,
                                             position=_session_position(request))
    return Status(201, _assessment(assessment))


@router.post("/assessments/{assessment_id}/publish", auth=SessionAuth(), response=AssessmentOut,
             summary="发布月度考核")
def assessment_publish(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    position = _session_position(request)
    assessment = selectors.assessment_get_for_position(position=position, pk=assessment_id)
    return _assessment(services.assessment_publish(assessment=assessment, actor=request.user, position=position))


@router.get("/schemes", auth=AUTH, response=list[SchemeOut], summary="考核方案")
def scheme_list(request: HttpRequest) -> list[AssessmentScheme]:
    require_access(request, scope="performance:read", perm=Perm.PERFORMANCE_VIEW)
    return list(AssessmentScheme.objects.all())


@router.put("/schemes/{scheme_id}", auth=SessionAuth(), response=SchemeOut, summary="修改考核方案权重与分数线")
def scheme_update(request: HttpRequest, scheme_id: int, payload: SchemeIn) -> AssessmentScheme:
    scheme = AssessmentScheme.objects.filter(pk=scheme_id).first()
    if scheme is None:
        raise NotFound(_("考核方案不存在"))
    for field, value in payload.dict().items():
        setattr(scheme, field, value)
    return services.scheme_save(scheme=scheme, actor=request.user, position=_session_position(request))


@router.get("/reports", auth=None, response=list[AssessmentOut], summary="已发布的月度考核（公开）")
def report_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_assessment(a) for a in selectors.assessment_list_public()[:500]]


@router.get("/reports/{assessment_id}", auth=None, response=AssessmentDetailOut, summary="月度考核报告（公开）")
def report_detail(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    assessment = selectors.assessment_get_public(pk=assessment_id)
    return {**_assessment(assessment), "scheme_snapshot": assessment.scheme_snapshot,
            "scores": [_score(s) for s in selectors.score_list(assessment=assessment, public=True)]}


@router.get("/halls/{hall_id}/display", auth=None, summary="大厅显示屏数据（公开，姓名已脱敏）")
def hall_display(request: HttpRequest, hall_id: int) -> dict[str, Any]:
    return selectors.hall_display_data(hall=selectors.hall_get_public(pk=hall_id))
