"""``{% position_perms as position_perms %}``: the permission codes of the acting position.

Templates use it only to decide which navigation links to show; every view still checks the
permission itself, so a hidden link is a convenience, never the protection.
"""

from __future__ import annotations

from typing import Any

from django import template

from yiwang.org.roles import ROLE_PERMISSIONS

register = template.Library()


def perms_of(position: Any) -> frozenset[str]:
    """Permission codes of ``position`` (empty for none or an inactive one)."""
    if position is None or not getattr(position, "is_active", False):
        return frozenset()
    return frozenset(str(p) for p in ROLE_PERMISSIONS.get(position.role, frozenset()))


@register.simple_tag(takes_context=True)
def position_perms(context: template.Context) -> frozenset[str]:
    position = context.get("current_position")
    if position is None:
        request = context.get("request")
        position = getattr(request, "position", None) if request is not None else None
    return perms_of(position)
