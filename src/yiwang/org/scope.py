"""Data scope (数据权限): a position sees and acts only inside its division subtree and,
for departmental roles, inside its department. Selectors apply it; templates never do."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from yiwang.org.models import Position
from yiwang.org.roles import DEPARTMENTAL_ROLES, ROLE_PERMISSIONS


@dataclass(frozen=True)
class Scope:
    division_path: str
    department_id: int | None

    @classmethod
    def of(cls, position: Position) -> Scope:
        department_id = position.department_id if position.role in DEPARTMENTAL_ROLES else None
        return cls(division_path=position.division.path, department_id=department_id)

    def q(self, *, division_field: str = "division", department_field: str | None = "department") -> Q:
        """A filter for rows whose division lies in the subtree (and department matches)."""
        condition = Q(**{f"{division_field}__path__startswith": self.division_path})
        if self.department_id is not None and department_field is not None:
            condition &= Q(**{f"{department_field}_id": self.department_id})
        return condition

    def contains_division_path(self, path: str) -> bool:
        return path.startswith(self.division_path)


def scope_filter(
    queryset: QuerySet, position: Position | None, *, division_field: str = "division",
    department_field: str | None = "department",
) -> QuerySet:
    """Restrict ``queryset`` to what ``position`` may see. No position: nothing."""
    if position is None or not position.is_active:
        return queryset.none()
    return queryset.filter(Scope.of(position).q(division_field=division_field, department_field=department_field))


def perms_of(position: Position | None) -> frozenset[str]:
    """The permission codes of ``position`` (none for no position or an inactive one)."""
    if position is None or not position.is_active:
        return frozenset()
    return frozenset(str(p) for p in ROLE_PERMISSIONS.get(position.role, frozenset()))


def has_perm(position: Position | None, perm: str) -> bool:
    # Hot path: a membership test on the role's set, without building the string set of perms_of.
    if position is None or not position.is_active:
        return False
    return perm in ROLE_PERMISSIONS.get(position.role, frozenset())
