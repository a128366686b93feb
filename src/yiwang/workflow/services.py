"""Writes for process definitions (流程定义).

``process_from_template`` creates (or finds) a definition from a built-in template;
``process_upload`` stores an administrator's BPMN file with its validation result. Both are
idempotent by the SHA-256 of the XML: the same file is stored once.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record
from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm
from yiwang.workflow import templates
from yiwang.workflow.models import ProcessDefinition, ProcessKind, ProcessStatus
from yiwang.workflow.validation import (
    ITEM_DEPARTMENT_MARKERS,
    ValidationIssue,
    executable_process,
    parse_xml,
    task_properties,
    validate_bpmn,
)


def _sha256(xml: str) -> str:
    return hashlib.sha256(xml.encode("utf-8")).hexdigest()


def _department_issues(xml: str) -> list[ValidationIssue]:
    """Department codes named in task properties must exist (``$item`` is always fine)."""
    from yiwang.org.models import Department

    process = executable_process(parse_xml(xml))
    if process is None:
        return []
    wanted: dict[str, str | None] = {}
    for element in process:
        props = task_properties(element)
        code = props.get("department")
        if code and code not in ITEM_DEPARTMENT_MARKERS:
            wanted[code] = element.get("id")
    if not wanted:
        return []
    known = set(Department.objects.filter(code__in=wanted).values_list("code", flat=True))
    return [ValidationIssue("department_unknown", _("未知部门代码：{code}").format(code=code), element_id)
            for code, element_id in wanted.items() if code not in known]


def _spec_json(xml: str, process_id: str) -> dict[str, Any]:
    from yiwang.workflow.engine import parse_spec, spec_to_json

    spec, subprocess_specs = parse_spec(parse_xml(xml), process_id)
    return spec_to_json(spec, subprocess_specs)


def _create(*, name: str, kind: str, xml: str, digest: str, actor: Any, issues: list[ValidationIssue]
            ) -> tuple[ProcessDefinition, bool]:
    """Insert, or return the row a concurrent writer inserted first (``sha256`` is unique)."""
    existing = ProcessDefinition.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing, False
    process = None if issues else executable_process(parse_xml(xml))
    process_id = process.get("id", "") if process is not None else ""
    definition = ProcessDefinition(
        name=name[:200],
        kind=kind,
        process_id=process_id[:100],
        bpmn_xml=xml,
        sha256=digest,
        status=ProcessStatus.INVALID if issues else ProcessStatus.VALID,
        validation_errors=[i.as_dict() for i in issues],
        spec_json=None if issues else _spec_json(xml, process_id),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            definition.save(force_insert=True)
    except IntegrityError:
        return ProcessDefinition.objects.get(sha256=digest), False
    return definition, True


def process_from_template(*, kind: str, name: str, departments: list[str] | None = None,
                          actor: Any = None) -> ProcessDefinition:
    """A definition from a built-in template (``standard``, ``township_county``, ``joint``,
    ``village_agent``); returns the existing one when the XML is identical.

    Templates are fixed, pre-validated code, so no permission is needed here: the action that
    binds the definition to an item (catalogue edit) checks its own.
    """
    if kind not in templates.TEMPLATE_KINDS:
        raise InvalidInput(_("未知的流程模板：{kind}").format(kind=kind), code="process_template_unknown")
    department_names: dict[str, str] = {}
    if kind == "joint":
        if not departments:
            raise InvalidInput(_("联审流程至少需要一个部门"), code="process_departments_missing")
        from yiwang.org.models import Department

        department_names = dict(Department.objects.filter(code__in=departments).values_list("code", "name"))
    xml = templates.render_template(kind, name=name, departments=departments, department_names=department_names)
    digest = _sha256(xml)
    existing = ProcessDefinition.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        issues = validate_bpmn(xml)
        if kind == "joint":
            issues += _department_issues(xml)
        if issues:  # a template bug, or unknown department codes from the caller
            raise InvalidInput(_("流程模板校验未通过"), code="process_invalid",
                               details={"issues": [i.as_dict() for i in issues]})
        definition, created = _create(name=name, kind=kind, xml=xml, digest=digest, actor=actor, issues=[])
        if created:
            audit_record(action="workflow.process_from_template", actor=actor, obj=definition,
                         after={"name": definition.name, "kind": kind, "sha256": digest,
                                "departments": departments or []})
    return definition


def process_upload(*, name: str, xml: str | bytes, actor: Any, position: Any) -> ProcessDefinition:
    """Store an uploaded BPMN file (上传流程) with its validation result.

    Needs ``Perm.PROCESS_MANAGE``. An invalid file is stored with status ``invalid`` and its
    issues, so the administrator can see them; it can never be bound or run.
    """
    if not has_perm(position, Perm.PROCESS_MANAGE):
        raise PermissionDenied(_("无权管理审批流程"))
    if getattr(position, "user_id", None) is not None and getattr(actor, "pk", None) != position.user_id:
        raise PermissionDenied(_("岗位不属于当前用户"))
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("请填写流程名称"), code="process_name_missing", details={"field": "name"})
    if isinstance(xml, bytes):
        try:
            xml = xml.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(_("文件不是 UTF-8 编码的 XML"), code="xml_invalid") from exc
    xml = xml.lstrip("\ufeff")
    if not xml.strip():
        raise InvalidInput(_("文件为空"), code="xml_invalid")
    issues = validate_bpmn(xml)
    if not issues:
        issues = _department_issues(xml)
    digest = _sha256(xml)
    with transaction.atomic():
        definition, created = _create(name=name, kind=ProcessKind.CUSTOM, xml=xml, digest=digest, actor=actor,
                                      issues=issues)
        if created:
            audit_record(action="workflow.process_upload", actor=actor, position=position, obj=definition,
                         after={"name": definition.name, "sha256": digest, "status": definition.status,
                                "issues": [i.code for i in issues]})
    return definition
