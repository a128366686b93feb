"""Reads of electronic supervision, always through the acting position's scope.

* supervisors see alerts in their division subtree (another township's supervisor sees nothing of ours);
* departmental positions (ALERT_CORRECT) see their own department's alerts in their subtree;
* counts are set-based aggregates (``GROUP BY``), never loops over objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.calendar import engine as cal
from yiwang.calendar.models import Clock, ClockSuspension
from yiwang.cases.models import Case, CaseEvent, CaseStep
from yiwang.core.errors import NotFound, PermissionDenied
from yiwang.org.models import Department, Division, Position, ServiceHall
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm, scope_filter
from yiwang.supervision.models import OPEN_ALERT_STATUSES, Alert, AlertLevel, Rule, RuleOverride
from yiwang.supervision.rules.base import HANDLING_PURPOSES


def _require(position: Position | None, perm: str = Perm.ALERT_VIEW) -> Position:
    if not has_perm(position, perm):
        raise PermissionDenied(_("当前岗位无权查看电子监察"), details={"required_permission": perm})
    assert position is not None
    return position


def alerts_for_position(*, position: Position | None) -> QuerySet[Alert]:
    _require(position)
    return scope_filter(Alert.objects.all(), position).select_related(
        "rule", "case", "department", "division", "item")


def alert_list(*, position: Position | None, division: str = "", department: int | None = None,
               item: int | None = None, level: str = "", status: str = "", rule: str = "",
               open_only: bool = False) -> QuerySet[Alert]:
    """The live list with its filters (division code → its subtree)."""
    qs = alerts_for_position(position=position)
    if division:
        node = Division.objects.filter(code=division).order_by("-valid_from").first()
        qs = qs.filter(division__path__startswith=node.path) if node else qs.none()
    if department:
        qs = qs.filter(department_id=department)
    if item:
        qs = qs.filter(item_id=item)
    if level:
        qs = qs.filter(level=level)
    if status:
        qs = qs.filter(status=status)
    if rule:
        qs = qs.filter(rule__code=rule)
    if open_only:
        qs = qs.filter(status__in=OPEN_ALERT_STATUSES)
    return qs.order_by("-raised_at", "-id")


def alert_get(*, position: Position | None, pk: int) -> Alert:
    alert = alerts_for_position(position=position).filter(pk=pk).first()
    if alert is None:
        raise NotFound(_("预警不存在或不在您的监察范围内"))
    return alert


def alert_timeline(alert: Alert) -> list[CaseEvent]:
    """The case's timeline (办理进度, including internal entries) for the alert's case."""
    if alert.case_id is None:
        return []
    return list(CaseEvent.objects.filter(case_id=alert.case_id).order_by("at", "id"))


def alert_steps(alert: Alert) -> list[CaseStep]:
    if alert.case_id is None:
        return []
    return list(CaseStep.objects.filter(case_id=alert.case_id).select_related("department", "completed_by")
                .order_by("sequence", "id"))


def level_counts(*, position: Position | None) -> dict[str, int]:
    rows = (alerts_for_position(position=position).filter(status__in=OPEN_ALERT_STATUSES)
            .values("level").annotate(n=Count("id")))
    counts = {str(level): 0 for level in AlertLevel.values}
    counts.update({row["level"]: row["n"] for row in rows})
    return counts


@dataclass
class Light:
    department_id: int
    name: str
    green: int = 0
    yellow: int = 0
    red: int = 0
    paused: int = 0

    @property
    def total(self) -> int:
        return self.green + self.yellow + self.red + self.paused


def traffic_lights(*, position: Position | None, today: date | None = None,
                   yellow_workdays: int | None = None) -> list[Light]:
    """Green / yellow / red running case clocks per department (set-based: one grouped query)."""
    position = _require(position)
    today = today or timezone.localdate()
    if yellow_workdays is None:
        rule = Rule.objects.filter(code="time_limit_case").first()
        yellow_workdays = int((rule.params if rule else {}).get("yellow_workdays", 1))
    limit = cal.add_workdays(today, yellow_workdays + 1)
    cases = scope_filter(Case.objects.all(), position)
    clocks = (Clock.objects.filter(content_type=ContentType.objects.get_for_model(Case), purpose__in=HANDLING_PURPOSES,
                                   stopped_at__isnull=True, object_id__in=cases.values("pk"))
              .annotate(paused=Exists(ClockSuspension.objects.filter(clock=OuterRef("pk"), end__isnull=True))))
    department_of = Case.objects.filter(pk=OuterRef("object_id")).values("department_id")[:1]
    rows = (clocks.annotate(dep=Subquery(department_of)).values("dep").annotate(
        red=Count("id", filter=Q(paused=False, due_date__lt=today)),
        yellow=Count("id", filter=Q(paused=False, due_date__gte=today, due_date__lt=limit, start_date__lt=today)),
        green=Count("id", filter=Q(paused=False, due_date__gte=limit)
                    | Q(paused=False, due_date__gte=today, due_date__lt=limit, start_date__gte=today)),
        paused_n=Count("id", filter=Q(paused=True)),
    ).order_by())
    names = dict(Department.objects.values_list("pk", "name"))
    lights = [Light(row["dep"], names.get(row["dep"], "-"), row["green"], row["yellow"], row["red"], row["paused_n"])
              for row in rows if row["dep"] is not None]
    return sorted(lights, key=lambda light: (-light.red, -light.yellow, light.name))


@dataclass
class TreeNode:
    division: Division
    halls: list[ServiceHall] = field(default_factory=list)
    open_alerts: int = 0
    red_alerts: int = 0
    children: list[TreeNode] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.red_alerts:
            return "red"
        return "yellow" if self.open_alerts else "green"


def service_point_tree(*, position: Position | None) -> list[TreeNode]:
    """Township and village service points (halls) under the position's division, with subtree alert counts."""
    position = _require(position)
    root_path = position.division.path
    divisions = list(Division.objects.filter(path__startswith=root_path, valid_to__isnull=True).order_by("path"))
    halls: dict[int, list[ServiceHall]] = {}
    for hall in ServiceHall.objects.filter(division__in=divisions, is_active=True).order_by("name"):
        halls.setdefault(hall.division_id, []).append(hall)
    open_rows = (alerts_for_position(position=position).filter(status__in=OPEN_ALERT_STATUSES)
                 .values("division__path").annotate(n=Count("id"), red=Count("id", filter=Q(
                     level__in=(AlertLevel.RED, AlertLevel.RECOMMENDATION)))))
    nodes = {d.path: TreeNode(d, halls.get(d.pk, [])) for d in divisions}
    for row in open_rows:
        path = row["division__path"] or ""
        for node_path, node in nodes.items():  # per division (dozens), not per alert
            if path.startswith(node_path):
                node.open_alerts += row["n"]
                node.red_alerts += row["red"]
    roots: list[TreeNode] = []
    for division in divisions:
        node = nodes[division.path]
        parent = nodes.get(division.parent.path) if division.parent_id and division.parent else None
        if parent is not None and division.path != root_path:
            parent.children.append(node)
        else:
            roots.append(node)
    return roots


def rule_list(*, position: Position | None) -> QuerySet[Rule]:
    _require(position, Perm.RULE_MANAGE)
    return Rule.objects.prefetch_related("overrides__item", "overrides__department").order_by("kind", "code")


def rule_get(*, position: Position | None, code: str) -> Rule:
    rule = rule_list(position=position).filter(code=code).first()
    if rule is None:
        raise NotFound(_("规则不存在"))
    return rule


def override_get(*, position: Position | None, pk: int) -> RuleOverride:
    _require(position, Perm.RULE_MANAGE)
    override = RuleOverride.objects.select_related("rule").filter(pk=pk).first()
    if override is None:
        raise NotFound(_("规则调整不存在"))
    return override


def filter_choices(*, position: Position | None) -> dict[str, Any]:
    position = _require(position)
    return {
        "divisions": list(Division.objects.filter(path__startswith=position.division.path, valid_to__isnull=True)
                          .order_by("path")),
        "departments": list(scope_filter(Department.objects.filter(is_active=True), position,
                                         department_field=None).order_by("code")),
        "levels": AlertLevel.choices,
        "rules": list(Rule.objects.order_by("kind", "code")),
    }
