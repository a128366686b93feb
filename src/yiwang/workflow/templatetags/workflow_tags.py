"""``{% process_diagram definition completed current %}``: the inline SVG of a process; and the
Chinese names of a step's kind, role and level (``{{ s.step_kind|step_kind_label }}``)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from yiwang.workflow.diagram import render_svg
from yiwang.workflow.models import ProcessDefinition

register = template.Library()

STEP_KIND_LABELS = {
    "accept": gettext_lazy("受理"), "review": gettext_lazy("审查"), "joint_review": gettext_lazy("联合审查"),
    "decide": gettext_lazy("决定"), "complete": gettext_lazy("办结"), "preliminary": gettext_lazy("初审"),
    "agent_collect": gettext_lazy("代办收件"),
}


@register.filter
def step_kind_label(kind: str) -> str:
    return str(STEP_KIND_LABELS.get(kind, kind))


@register.filter
def role_label(role: str) -> str:
    from yiwang.org.roles import Role

    return str(Role(role).label) if role in Role.values else role


@register.filter
def level_label(level: str) -> str:
    from yiwang.org.models import DivisionLevel

    return str(DivisionLevel(level).label) if level in DivisionLevel.values else level


@register.simple_tag
def process_diagram(definition: ProcessDefinition | None, completed: Iterable[str] | None = None,
                    current: Iterable[str] | None = None) -> SafeString:
    """Every text in the SVG is escaped by :func:`render_svg`, so it is safe to inline."""
    if definition is None or not definition.is_usable:
        return mark_safe("")  # noqa: S308 - empty string
    svg = render_svg(definition, completed=set(completed or ()), current=set(current or ()))
    return mark_safe(f'<figure class="process-diagram-figure">{svg}</figure>')  # noqa: S308 - escaped above


@register.filter
def department_label(code: str) -> str:
    """``$item`` (the item's own department) in words; other department codes as they are."""
    return str(gettext_lazy("事项实施部门")) if code == "$item" else code
