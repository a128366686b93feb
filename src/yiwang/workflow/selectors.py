"""Reads of process definitions. Valid definitions are public (their diagrams appear on guide
pages); invalid ones and the list are for positions that manage processes."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yiwang.core.errors import NotFound, PermissionDenied
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm
from yiwang.workflow.models import ProcessDefinition, ProcessStatus


def process_list_for_position(*, position: Any) -> QuerySet[ProcessDefinition]:
    if not has_perm(position, Perm.PROCESS_MANAGE):
        raise PermissionDenied(_("无权管理审批流程"))
    return ProcessDefinition.objects.defer("bpmn_xml", "spec_json").order_by("-created_at", "-id")


def process_get_for_position(*, position: Any, pk: int) -> ProcessDefinition:
    """A definition: any valid one, or any at all for positions with ``process.manage``."""
    definition = ProcessDefinition.objects.filter(pk=pk).first()
    if definition is None:
        raise NotFound(_("流程定义不存在"))
    if definition.status != ProcessStatus.VALID and not has_perm(position, Perm.PROCESS_MANAGE):
        raise NotFound(_("流程定义不存在"))
    return definition


def process_get_public(*, pk: int) -> ProcessDefinition:
    """A valid definition for public pages (diagram); 404 for anything else."""
    return process_get_for_position(position=None, pk=pk)
