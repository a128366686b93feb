"""``{% process_diagram definition completed current %}``: the inline SVG of a process."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe

from yiwang.workflow.diagram import render_svg
from yiwang.workflow.models import ProcessDefinition

register = template.Library()


@register.simple_tag
def process_diagram(definition: ProcessDefinition | None, completed: Iterable[str] | None = None,
                    current: Iterable[str] | None = None) -> SafeString:
    """Every text in the SVG is escaped by :func:`render_svg`, so it is safe to inline."""
    if definition is None or not definition.is_usable:
        return mark_safe("")  # noqa: S308 - empty string
    svg = render_svg(definition, completed=set(completed or ()), current=set(current or ()))
    return mark_safe(f'<figure class="process-diagram-figure">{svg}</figure>')  # noqa: S308 - escaped above
