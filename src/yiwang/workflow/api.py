"""Process API at ``/api/v1/workflow/``: validate BPMN, read a definition with its steps."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from yiwang.api.auth import SessionAuth
from yiwang.core.errors import PermissionDenied
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm
from yiwang.workflow import engine, selectors
from yiwang.workflow.validation import MAX_BPMN_BYTES, validate_bpmn

router = Router()


class ValidateIn(Schema):
    xml: str = Field(..., min_length=1, max_length=MAX_BPMN_BYTES)


class IssueOut(Schema):
    code: str
    message: str
    element_id: str | None = None


class ValidateOut(Schema):
    valid: bool
    issues: list[IssueOut]


class ProcessStepOut(Schema):
    spec_name: str
    name: str
    role: str
    department: str | None
    level: str | None
    step_kind: str
    step_days: int | None
    risk_level: int | None
    properties: dict[str, str]


class ProcessOut(Schema):
    id: int
    name: str
    kind: str
    process_id: str
    sha256: str
    status: str
    usable: bool
    validation_errors: list[IssueOut]
    steps: list[ProcessStepOut]
    diagram_url: str


@router.post("/validate", response=ValidateOut, auth=SessionAuth(), summary="校验 BPMN 文件")
def validate(request: HttpRequest, payload: ValidateIn) -> dict[str, Any]:
    """Check a BPMN 2.0 file against the platform's rules without storing it (needs ``process.manage``)."""
    if not has_perm(getattr(request, "position", None), Perm.PROCESS_MANAGE):
        raise PermissionDenied("当前岗位无权管理审批流程", details={"required_permission": Perm.PROCESS_MANAGE})
    issues = validate_bpmn(payload.xml)
    return {"valid": not issues, "issues": [i.as_dict() for i in issues]}


@router.get("/processes/{process_pk}", response=ProcessOut, auth=None, summary="流程定义与环节")
def process_detail(request: HttpRequest, process_pk: int) -> dict[str, Any]:
    """A valid definition (public, as its diagram is) or, for ``process.manage``, any definition."""
    position = getattr(request, "position", None) if getattr(request, "user", None) and \
        request.user.is_authenticated else None
    definition = selectors.process_get_for_position(position=position, pk=process_pk)
    steps = engine.spec_steps(definition) if definition.is_usable else []
    from django.urls import reverse

    return {
        "id": definition.pk, "name": definition.name, "kind": definition.kind, "process_id": definition.process_id,
        "sha256": definition.sha256, "status": definition.status, "usable": definition.is_usable,
        "validation_errors": definition.validation_errors or [], "steps": steps,
        "diagram_url": reverse("workflow:diagram", args=[definition.pk]),
    }
