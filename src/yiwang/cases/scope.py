"""Which cases a staff position may see or accept (scope, 一窗受理).

* ``acceptance_q``/``can_accept``: a window position accepts cases in its division subtree, of its
  department or of a division whose comprehensive window (综合受理窗口) its department staffs;
* ``staff_q``: what a staff position may see (adds department steps and cases its holder filed);
* ``township_of``: the township a filing division belongs to.
"""

from __future__ import annotations

from django.db.models import Q

from yiwang.cases.models import Case
from yiwang.org.models import Division, DivisionLevel, Position, Window
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm


def township_of(division: Division) -> Division | None:
    if division.level == DivisionLevel.TOWNSHIP:
        return division
    if division.level == DivisionLevel.VILLAGE:
        return division.parent
    return None


def comprehensive_division_ids(position: Position) -> list[int]:
    """Divisions whose comprehensive window (综合受理窗口, 一窗受理) the position's department staffs."""
    if position.department_id is None:
        return []
    return list(Window.objects.filter(is_comprehensive=True, is_active=True, departments=position.department_id,
                                      hall__division__path__startswith=position.division.path)
                .values_list("hall__division_id", flat=True).distinct())


def acceptance_q(position: Position) -> Q:
    """Cases a window position may accept: in its division subtree and either its own department's
    or handled in a division whose comprehensive window its department staffs (一窗受理)."""
    q = Q(division__path__startswith=position.division.path)
    if position.department_id is None:
        return q
    return q & (Q(department_id=position.department_id) | Q(division_id__in=comprehensive_division_ids(position)))


def can_accept(position: Position | None, case: Case) -> bool:
    if position is None or not has_perm(position, Perm.CASE_ACCEPT):
        return False
    return Case.objects.filter(pk=case.pk).filter(acceptance_q(position)).exists()


def staff_q(position: Position) -> Q:
    """Cases a staff position may see: scope (division subtree and department), 一窗受理 divisions,
    cases with a step for its department, and cases the position's holder filed (agents)."""
    q = acceptance_q(position)
    if position.department_id is not None:
        q |= Q(steps__department_id=position.department_id, steps__division__path__startswith=position.division.path)
    elif position.role not in ("window_clerk",):
        q |= Q(division__path__startswith=position.division.path)
    q |= Q(filed_by_id=position.user_id)
    return q
