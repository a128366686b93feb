"""Who takes a process step (环节的办理岗位), and the reachability check (流程可达性校验).

A user task names a **role**, optionally a **department** (a code, or ``$item``) and a **level**
(``county``, ``township``, ``village``). For a case handled at a place (division + department)
the step lands on:

* **division** — the case's division raised to the step's level (:func:`step_division`);
* **department** — :func:`step_department`:

  - ``$item``: the case's department when the step stays at the handling place, else the
    service item's own (county) department — a township case's 县级审查 goes to the county bureau;
  - a department code: that department;
  - ``window_clerk`` without a department: whoever staffs the comprehensive window (综合受理窗口)
    of the step's division — 一窗受理、一窗出件; the clerk who accepted for the acceptance step;
  - other departmental roles: the case's department; the rest: none.

A position may take the step when it holds the role, its division contains the step's division
and, for departmental roles, its department is the step's (:func:`positions_for_step_place`).

:func:`unreachable_steps` walks every place an item version can be handled
(:func:`handling_places`) and reports each step that no active position can take; a case on such
a step would wait for ever and count as overdue. :func:`catalogue_unreachable` runs it over the
published catalogue: the ``check_process_reachability`` command, the ``workflow.W001`` system
check (demo mode) and the tests use it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from yiwang.org.models import Department, Division, DivisionLevel, Position
from yiwang.org.roles import DEPARTMENTAL_ROLES, Role

if TYPE_CHECKING:
    from yiwang.catalog.models import ServiceItemVersion

ITEM_DEPARTMENT = "$item"
# Steps completed by whoever files or accepts the case, never from an inbox.
FILER_STEP_KINDS = frozenset({"agent_collect"})


def township_of(division: Division) -> Division:
    """The township (乡镇/街道) on ``division``'s path; the division itself when there is none."""
    if division.level == DivisionLevel.TOWNSHIP:
        return division
    for node in reversed(division.ancestors()):
        if node.level == DivisionLevel.TOWNSHIP:
            return node
    return division


def county_of(division: Division) -> Division:
    """The county (root) of ``division``'s path."""
    chain = division.ancestors()
    for node in chain:
        if node.level == DivisionLevel.COUNTY:
            return node
    return chain[0] if chain else division


def step_division(level: str | None, case_division: Division) -> Division:
    if level == DivisionLevel.TOWNSHIP:
        return township_of(case_division)
    if level == DivisionLevel.COUNTY:
        return county_of(case_division)
    return case_division


def window_department(division: Division, preferred: Department | None = None) -> Department | None:
    """The department that staffs the comprehensive window (综合受理窗口) of ``division``'s halls;
    ``preferred`` when it is one of them; ``preferred`` again when the division has no such window."""
    from yiwang.org.models import Window

    ids = list(Window.objects.filter(is_comprehensive=True, is_active=True, hall__division=division)
               .values_list("departments", flat=True).distinct())
    ids = [i for i in ids if i is not None]
    if not ids:
        return preferred
    if preferred is not None and preferred.pk in ids:
        return preferred
    return Department.objects.filter(pk__in=ids, is_active=True).order_by("code").first() or preferred


def step_department(*, role: str, code: str | None, division: Division, case_division: Division,
                    case_department: Department | None, item_department: Department | None,
                    acting_position: Position | None = None) -> Department | None:
    """The department a step lands on (see the module docstring). Raises ``Department.DoesNotExist``
    for an unknown code."""
    if code == ITEM_DEPARTMENT:
        if division.pk == case_division.pk or item_department is None:
            return case_department
        return item_department
    if code:
        return Department.objects.get(code=code)
    if role == Role.WINDOW_CLERK:
        if acting_position is not None and acting_position.department_id is not None:
            return acting_position.department
        return window_department(division, case_department)
    return case_department if role in DEPARTMENTAL_ROLES else None


def positions_for_step_place(*, role: str, division: Division, department: Department | None,
                             below: bool = False) -> QuerySet[Position]:
    """Active positions that may take a step of ``role`` at ``division`` / ``department``.
    ``below``: positions inside the division also count (a village step of a township case)."""
    prefixes = [division.path[:i + 1] for i, ch in enumerate(division.path) if ch == "/" and i > 0]
    qs = Position.objects.filter(role=role, is_active=True, user__is_active=True)
    if role in DEPARTMENTAL_ROLES:
        qs = qs.filter(department=department) if department is not None else qs.none()
    if below:
        from django.db.models import Q

        return qs.filter(Q(division__path__in=prefixes) | Q(division__path__startswith=division.path))
    return qs.filter(division__path__in=prefixes)


# --- reachability -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UnreachableStep:
    """A step that no active position can take, at one place an item can be handled."""

    item: str
    process: str
    step: str
    spec_name: str
    role: str
    division: str
    department: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.division}{'/' + self.department if self.department else ''}"
        return f"{self.item}：环节“{self.step}”（{self.role}）在 {where} 无人可办"


def handling_places(version: ServiceItemVersion) -> list[tuple[str, Division, Department]]:
    """(level, division, department) of every place ``version`` can be handled: the county
    department for ``county``; each township's service centre for ``township``/``village``."""
    levels = set(version.levels or [])
    department = version.department
    county = county_of(department.division)
    places: list[tuple[str, Division, Department]] = []
    if "county" in levels:
        places.append(("county", department.division, department))
    if levels & {"township", "village"}:
        townships = Division.objects.filter(path__startswith=county.path, level=DivisionLevel.TOWNSHIP,
                                            valid_to__isnull=True).order_by("code")
        for township in townships:
            deps = Department.objects.filter(division=township, is_active=True).order_by("code")
            local = deps.filter(parent_id=department.pk).first() or deps.first()
            if local is not None:
                places.append(("township", township, local))
    return places


def unreachable_steps(version: ServiceItemVersion,
                      places: list[tuple[str, Division, Department]] | None = None) -> list[UnreachableStep]:
    """Every (place, step) of ``version``'s process that no active position can take."""
    from yiwang.workflow import engine

    process = version.process
    if process is None:
        return []
    found: list[UnreachableStep] = []
    steps = engine.spec_steps(process)
    for _level, division, department in places if places is not None else handling_places(version):
        for step in steps:
            where = step_division(step["level"], division)
            below = step["step_kind"] in FILER_STEP_KINDS or step["level"] == DivisionLevel.VILLAGE
            try:
                dept = step_department(role=step["role"], code=step["department"], division=where,
                                       case_division=division, case_department=department,
                                       item_department=version.department)
            except Department.DoesNotExist:
                dept = None
            if not positions_for_step_place(role=step["role"], division=where, department=dept,
                                            below=below).exists():
                found.append(UnreachableStep(
                    item=version.name, process=process.name, step=step["name"], spec_name=step["spec_name"],
                    role=step["role"], division=where.name, department=dept.name if dept else None))
    return found


def catalogue_unreachable(versions: Any = None) -> list[UnreachableStep]:
    """:func:`unreachable_steps` over ``versions`` (default: every published version with a process)."""
    from yiwang.catalog.models import ServiceItemVersion, VersionStatus

    if versions is None:
        versions = (ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED, process__isnull=False)
                    .select_related("department__division", "process").order_by("pk"))
    found: list[UnreachableStep] = []
    for version in versions:
        found.extend(unreachable_steps(version))
    return found
