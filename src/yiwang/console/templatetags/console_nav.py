"""``{% position_perms as position_perms %}``: the permission codes of the acting position.

Templates use it only to decide which navigation links to show; every view still checks the
permission itself, so a hidden link is a convenience, never the protection.
"""

from __future__ import annotations

from django import template

from yiwang.org.scope import perms_of

register = template.Library()


@register.simple_tag(takes_context=True)
def position_perms(context: template.Context) -> frozenset[str]:
    position = context.get("current_position")
    if position is None:
        request = context.get("request")
        position = getattr(request, "position", None) if request is not None else None
    return perms_of(position)
