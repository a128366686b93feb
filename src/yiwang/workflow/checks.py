"""System check ``workflow.W001``: every step of every published process can be taken by some active
position (see :mod:`yiwang.workflow.assignment`). It reads the database, so it runs only with
``manage.py check --database default``."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.database)
def process_reachability_check(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[Warning]:
    if not databases:
        return []
    from yiwang.workflow.assignment import catalogue_unreachable

    try:
        found = catalogue_unreachable()
    except DatabaseError:  # not migrated yet: nothing to check
        return []
    return [Warning(str(step), hint="为该环节的角色、部门和层级配置在岗人员，或调整流程", obj=step.process,
                    id="workflow.W001") for step in found]
