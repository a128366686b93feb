"""The supervision rules (监察规则) as code; their switches and thresholds are data (:class:`Rule`).

Every rule is a small class with

* ``source(cfg, today)`` — a set-based SQL query (portable between PostgreSQL and SQLite) that
  returns one row per *current* finding with the standard columns :data:`COLUMNS`; the sweep
  feeds it straight into ``INSERT … SELECT … ON CONFLICT`` (see :mod:`yiwang.supervision.engine`),
  and event-time evaluation runs the same query restricted to one case; or, for the few rules
  that need the working-day calendar or the workflow engine per object,
* ``findings(cfg, today, case_id)`` — Python over a set-based *pre-filtered* candidate query.

``evaluate(case, cfg, today)`` returns the findings for one case either way.
"""

# SQL here is assembled only from constants and model table names; values are always bound parameters.
# ruff: noqa: S608
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, F
from django.utils.translation import gettext as _

from yiwang.calendar import engine as cal
from yiwang.calendar.models import Clock, ClockExtension, ClockSuspension
from yiwang.cases.models import (
    Case,
    CaseDeferral,
    CaseNotice,
    CaseStatus,
    CaseStep,
    StepStatus,
    SupplementNotice,
)
from yiwang.catalog.models import FeeItem, ServiceItemVersion
from yiwang.org.models import Division, Position
from yiwang.org.roles import DEPARTMENTAL_ROLES
from yiwang.supervision.models import Alert, AlertLevel, RiskConfirmation, RiskPoint, Rule, RuleOverride
from yiwang.workflow.models import ProcessDefinition

logger = logging.getLogger(__name__)

COLUMNS = ("level", "content_type_id", "object_id", "case_id", "item_id", "department_id", "division_id",
           "responsible_user_id", "message")

HANDLING_PURPOSES = ("handling", "case_handling", "handle")
STEP_PURPOSE = "case_step"
DEFERRAL_PURPOSE = "deferral"  # yiwang.cases.deferral.DEFERRAL_PURPOSE
ACCEPTANCE_PURPOSE = "acceptance"


@dataclass(frozen=True)
class Finding:
    rule: str
    level: str
    content_type_id: int
    object_id: int
    case_id: int | None
    item_id: int | None
    department_id: int | None
    division_id: int | None
    responsible_user_id: int | None
    message: str

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.content_type_id, self.object_id, self.level)


@dataclass
class RuleConfig:
    """A rule's row plus its overrides: thresholds and switches per item / department / level."""

    rule: Rule
    overrides: list[RuleOverride] = field(default_factory=list)

    def param(self, name: str, default: Any) -> Any:
        return (self.rule.params or {}).get(name, default)

    def scoped(self, name: str) -> list[tuple[int | None, int | None, str, Any]]:
        """Overrides that set ``name``: (item_id, department_id, level, value), most specific first."""
        rows = [(o.item_id, o.department_id, o.level, o.params[name]) for o in self.overrides
                if o.is_active and name in (o.params or {})]
        return sorted(rows, key=lambda r: -((r[0] is not None) * 2 + (r[1] is not None)))

    def disabled(self) -> list[tuple[int | None, int | None, str]]:
        return [(o.item_id, o.department_id, o.level) for o in self.overrides if not o.is_active]

    def value_for(self, name: str, default: Any, *, item_id: int | None, department_id: int | None,
                  level: str = "") -> Any:
        for o_item, o_dept, o_level, value in self.scoped(name):
            if (o_item in (None, item_id) and o_dept in (None, department_id)
                    and (not o_level or o_level == level)):
                return value
        return self.param(name, default)


def t(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def ct_id(model: Any) -> int:
    return ContentType.objects.get_for_model(model).pk


def d(value: date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _in(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(["%s"] * len(values))


class BaseRule:
    code: ClassVar[str]
    name: ClassVar[str]
    kind: ClassVar[str]
    levels: ClassVar[tuple[str, ...]] = (AlertLevel.RED,)
    python: ClassVar[bool] = False  # True: findings() in Python instead of source() in SQL

    def source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        raise NotImplementedError

    def findings(self, cfg: RuleConfig, today: date, case_id: int | None) -> list[Finding]:
        raise NotImplementedError

    def resolve_source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        """The rows whose alerts must *not* be auto-resolved (default: the current findings)."""
        return self.source(cfg, today)

    def evaluate(self, case: Case | int, cfg: RuleConfig, today: date) -> list[Finding]:
        """The findings of this rule for one case (event-time evaluation)."""
        case_id = case if isinstance(case, int) else case.pk
        if self.python:
            return self.findings(cfg, today, case_id)
        sql, params = self.source(cfg, today)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join('f.' + c for c in COLUMNS)} FROM ({sql}) f WHERE f.case_id = %s",
                           [*params, case_id])
            rows = cursor.fetchall()
        return [Finding(self.code, *row) for row in rows]


# --- time limits (黄牌/红牌) ---------------------------------------------------------------


class _TimeLimit(BaseRule):
    """Yellow when at most ``yellow_workdays`` working days remain, red when overdue. A clock that
    started today is never yellow: a one-day step (受理, 办结) would otherwise warn the moment it
    begins; it turns yellow on its last day like any other."""

    kind = "time_limit"
    levels = (AlertLevel.YELLOW, AlertLevel.RED)
    purposes: ClassVar[tuple[str, ...]]

    def _yellow_limit(self, cfg: RuleConfig, today: date, item_col: str, dept_col: str) -> tuple[str, list[Any]]:
        """SQL for the first due date that is *not* yellow: ``add_workdays(today, N + 1)``.

        At most N working days remain in (today, due] exactly when due precedes the (N+1)-th
        working day after today.
        """
        def limit(n: Any) -> Any:
            return d(cal.add_workdays(today, max(int(n), 0) + 1))

        parts: list[str] = []
        params: list[Any] = []
        for item_id, dept_id, _level, value in cfg.scoped("yellow_workdays"):
            conds = []
            if item_id is not None:
                conds.append(f"{item_col} = %s")
                params.append(item_id)
            if dept_id is not None:
                conds.append(f"{dept_col} = %s")
                params.append(dept_id)
            if not conds:
                continue
            parts.append(f"WHEN {' AND '.join(conds)} THEN %s")
            params.append(limit(value))
        default = limit(cfg.param("yellow_workdays", 1))
        if not parts:
            return "%s", [default]
        return f"(CASE {' '.join(parts)} ELSE %s END)", [*params, default]

    def source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        return self._source(cfg, today, late=False)

    def resolve_source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        # A red card stays when the clock stopped late (办结超期): a fact, not a condition that clears.
        # Same single scan of the clocks, with the stopped-late ones added.
        return self._source(cfg, today, late=True)

    def sweep_source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        """The resolve source plus an ``is_current`` column (1: a current finding, i.e. a row of :meth:`source`;
        0: only a stopped-late clock that keeps its red card) — one clock scan serves both the insert and
        the auto-resolve of the single-statement PostgreSQL sweep."""
        return self._source(cfg, today, late=True, current=True)

    def _source(self, cfg: RuleConfig, today: date, *, late: bool, current: bool = False) -> tuple[str, list[Any]]:
        raise NotImplementedError

    @staticmethod
    def _late(late: bool) -> str:
        return " OR (c.stopped_at IS NOT NULL AND c.remaining < 0)" if late else ""

    @staticmethod
    def _current(current: bool) -> str:
        # Within the late source a row is a current finding exactly when its clock still runs.
        return "CASE WHEN c.stopped_at IS NULL THEN 1 ELSE 0 END AS is_current, " if current else ""


class CaseTimeLimit(_TimeLimit):
    code = "time_limit_case"
    name = "办件办理时限"
    purposes = HANDLING_PURPOSES

    def _source(self, cfg: RuleConfig, today: date, *, late: bool, current: bool = False) -> tuple[str, list[Any]]:
        # Without overrides the case row is not needed to classify: the engine fills item, department and
        # division from the case only for the alerts it inserts (so the steady-state sweep is a clock scan).
        scoped = bool(cfg.overrides)
        limit_sql, limit_params = self._yellow_limit(cfg, today, "k.item_id", "k.department_id")
        cols = ("k.item_id AS item_id, k.department_id AS department_id, k.division_id AS division_id, " if scoped
                else "CAST(NULL AS BIGINT) AS item_id, CAST(NULL AS BIGINT) AS department_id, "
                     "CAST(NULL AS BIGINT) AS division_id, ")
        join = f"JOIN {t(Case)} k ON k.id = c.object_id " if scoped else ""
        sql = (
            "SELECT CASE WHEN c.stopped_at IS NOT NULL OR c.due_date < %s THEN 'red' ELSE 'yellow' END AS level, "
            "c.content_type_id AS content_type_id, c.object_id AS object_id, c.object_id AS case_id, "
            f"{cols}CAST(NULL AS BIGINT) AS responsible_user_id, "
            f"{self._current(current)}CASE WHEN c.due_date < %s THEN %s ELSE %s END AS message "
            f"FROM {t(Clock)} c {join}"
            f"WHERE c.content_type_id = %s AND c.purpose IN ({_in(self.purposes)}) AND ((c.stopped_at IS NULL "
            f"AND c.start_date < %s AND c.due_date < {limit_sql} AND NOT EXISTS (SELECT 1 FROM {t(ClockSuspension)} s "
            f"WHERE s.clock_id = c.id AND s.\"end\" IS NULL)){self._late(late)})"
        )
        params = [d(today), d(today), _("办件已超过承诺办结时限（红牌）"), _("办件临近承诺办结时限（黄牌）"),
                  ct_id(Case), *self.purposes, d(today), *limit_params]
        return sql, params


class StepTimeLimit(_TimeLimit):
    code = "time_limit_step"
    name = "办理环节时限"
    purposes = (STEP_PURPOSE,)

    def _source(self, cfg: RuleConfig, today: date, *, late: bool, current: bool = False) -> tuple[str, list[Any]]:
        limit_sql, limit_params = self._yellow_limit(cfg, today, "k.item_id", "st.department_id")
        sql = (
            "SELECT CASE WHEN c.stopped_at IS NOT NULL OR c.due_date < %s THEN 'red' ELSE 'yellow' END AS level, "
            "c.content_type_id AS content_type_id, c.object_id AS object_id, k.id AS case_id, "
            "k.item_id AS item_id, COALESCE(st.department_id, k.department_id) AS department_id, "
            "st.division_id AS division_id, st.assignee_id AS responsible_user_id, "
            f"{self._current(current)}CASE WHEN c.due_date < %s THEN %s ELSE %s END AS message "
            f"FROM {t(Clock)} c JOIN {t(CaseStep)} st ON st.id = c.object_id JOIN {t(Case)} k ON k.id = st.case_id "
            "WHERE c.content_type_id = %s AND c.purpose = %s AND ((c.stopped_at IS NULL "
            f"AND c.start_date < %s AND c.due_date < {limit_sql} AND NOT EXISTS (SELECT 1 FROM {t(ClockSuspension)} s "
            f"WHERE s.clock_id = c.id AND s.\"end\" IS NULL)){self._late(late)})"
        )
        params = [d(today), d(today), _("办理环节已超时（红牌）"), _("办理环节临近时限（黄牌）"),
                  ct_id(CaseStep), STEP_PURPOSE, d(today), *limit_params]
        return sql, params


class DeferralTimeLimit(_TimeLimit):
    """容缺受理: a material the applicant promised in writing to supply later (:class:`CaseDeferral`, its
    ``deferral`` clock). Yellow near the promised date, red once it passed with the material still
    missing; supplying it stops the clock, so a promise kept on time never alerts, and a late one keeps
    its red card. Only while the case is being handled: a case that ended no longer waits for it."""

    code = "time_limit_deferral"
    name = "容缺材料承诺补交期限"
    purposes = (DEFERRAL_PURPOSE,)
    HANDLING = (CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED)

    def _source(self, cfg: RuleConfig, today: date, *, late: bool, current: bool = False) -> tuple[str, list[Any]]:
        limit_sql, limit_params = self._yellow_limit(cfg, today, "k.item_id", "k.department_id")
        sql = (
            "SELECT CASE WHEN c.stopped_at IS NOT NULL OR c.due_date < %s THEN 'red' ELSE 'yellow' END AS level, "
            "c.content_type_id AS content_type_id, c.object_id AS object_id, k.id AS case_id, "
            "k.item_id AS item_id, k.department_id AS department_id, k.division_id AS division_id, "
            "df.recorded_by_id AS responsible_user_id, "
            f"{self._current(current)}CASE WHEN c.due_date < %s THEN %s ELSE %s END AS message "
            f"FROM {t(Clock)} c JOIN {t(CaseDeferral)} df ON df.id = c.object_id JOIN {t(Case)} k ON k.id = df.case_id "
            "WHERE c.content_type_id = %s AND c.purpose = %s AND ((c.stopped_at IS NULL AND df.supplied_at IS NULL "
            f"AND k.status IN ({_in(self.HANDLING)}) AND c.start_date < %s AND c.due_date < {limit_sql} "
            f"AND NOT EXISTS (SELECT 1 FROM {t(ClockSuspension)} s WHERE s.clock_id = c.id AND s.\"end\" IS NULL))"
            f"{self._late(late)})"
        )
        params = [d(today), d(today), _("容缺材料已超过承诺补交期限仍未补交（红牌）"), _("容缺材料临近承诺补交期限（黄牌）"),
                  ct_id(CaseDeferral), DEFERRAL_PURPOSE, *[str(s) for s in self.HANDLING], d(today), *limit_params]
        return sql, params


class TicketTimeLimit(BaseRule):
    """12345 工单时限: the hotline's clocks (natural hours or working days, per service level) already
    set each open ticket's traffic light; yellow and red lights become supervision alerts."""

    code = "time_limit_ticket"
    name = "12345 工单办理时限"
    kind = "time_limit"
    levels = (AlertLevel.YELLOW, AlertLevel.RED)
    OPEN = ("dispatched", "handling", "returned", "replied", "callback", "reopened")

    def source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        from yiwang.hotline.models import Ticket

        sql = (
            "SELECT tk.light AS level, %s AS content_type_id, tk.id AS object_id, CAST(NULL AS BIGINT) AS case_id, "
            "CAST(NULL AS BIGINT) AS item_id, tk.lead_unit_id AS department_id, tk.division_id AS division_id, "
            "CAST(NULL AS BIGINT) AS responsible_user_id, "
            "CASE WHEN tk.light = 'red' THEN %s ELSE %s END AS message "
            f"FROM {t(Ticket)} tk WHERE tk.light IN ('yellow', 'red') AND tk.status IN ({_in(self.OPEN)})"
        )
        return sql, [ct_id(Ticket), _("12345 工单已超过办理时限（红牌）"), _("12345 工单临近办理时限（黄牌）"),
                     *self.OPEN]

    def evaluate(self, case: Case | int, cfg: RuleConfig, today: date) -> list[Finding]:
        return []  # tickets are not cases: the periodic sweep (and the hotline's own sweep) covers them


class UnmaskVolume(BaseRule):
    """查看完整个人信息 at an unusual volume (个人信息保护法 Art. 51: access control and audit): a position
    that unmasked more people within one hour than ``per_hour`` (the rule's param, else the setting
    ``PERSON_UNMASK_ALERT_PER_HOUR``) during the last day. Raised at once by ``accounts.unmasking.person_unmask``
    when a position crosses the threshold; the periodic sweep keeps it for a day."""

    code = "unmask_volume"
    name = "查看个人信息次数异常"
    kind = "risk"
    levels = (AlertLevel.YELLOW,)
    python = True
    ACTION = "person.unmask"

    def findings(self, cfg: RuleConfig, today: date, case_id: int | None) -> list[Finding]:
        if case_id is not None:
            return []  # not about a case
        from django.conf import settings
        from django.utils import timezone

        from yiwang.core.models import AuditEvent

        per_hour = int(cfg.param("per_hour", getattr(settings, "PERSON_UNMASK_ALERT_PER_HOUR", 10)))
        since = timezone.now() - timedelta(days=1)
        events = AuditEvent.objects.filter(action=self.ACTION, occurred_at__gte=since, position_id__isnull=False)
        busy = [pk for pk in events.values("position_id").annotate(n=Count("id")).filter(n__gt=per_hour)
                .values_list("position_id", flat=True) if pk is not None]
        out: list[Finding] = []
        for position in Position.objects.filter(pk__in=busy).order_by("pk"):
            times = sorted(events.filter(position_id=position.pk).values_list("occurred_at", flat=True))
            peak = max(sum(1 for later in times[i:] if later - start < timedelta(hours=1))
                       for i, start in enumerate(times))
            if peak > per_hour:
                out.append(Finding(self.code, AlertLevel.YELLOW, ct_id(Position), position.pk, None, None,
                                   position.department_id, position.division_id, position.user_id,
                                   _("该岗位一小时内查看完整个人信息 %(n)s 次，超过 %(limit)s 次") % {
                                       "n": peak, "limit": per_hour}))
        return out

    def evaluate(self, case: Case | int, cfg: RuleConfig, today: date) -> list[Finding]:
        return []


# --- procedure (行政许可法 Art. 72/74) ------------------------------------------------------


def _case_row(level_sql: str = "'red'") -> str:
    return (f"SELECT {level_sql} AS level, %s AS content_type_id, k.id AS object_id, k.id AS case_id, "
            "k.item_id AS item_id, k.department_id AS department_id, k.division_id AS division_id, "
            "CAST(NULL AS BIGINT) AS responsible_user_id, %s AS message ")


class RefusalWithoutReasons(BaseRule):
    code = "refusal_without_reasons"
    name = "不予受理/不予许可未说明理由"
    kind = "procedure"

    def source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        sql = (_case_row() + f"FROM {t(Case)} k WHERE (k.status = 'rejected' AND TRIM(k.outcome_note) = '') "
               "OR (k.decision = 'deny' AND TRIM(k.decision_reason) = '')")
        return sql, [ct_id(Case), _("作出不予受理或不予许可决定未说明理由")]


class DeemedAcceptance(BaseRule):
    code = "deemed_acceptance"
    name = "超过5个工作日未作受理决定"
    kind = "procedure"

    def source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        sql = (_case_row() + f"FROM {t(Case)} k WHERE k.deemed_accepted = %s OR EXISTS ("
               f"SELECT 1 FROM {t(Clock)} c WHERE c.content_type_id = %s AND c.object_id = k.id AND c.purpose = %s "
               "AND ((c.stopped_at IS NOT NULL AND c.remaining < 0) OR (c.stopped_at IS NULL AND c.due_date < %s "
               f"AND NOT EXISTS (SELECT 1 FROM {t(ClockSuspension)} s WHERE s.clock_id = c.id "
               "AND s.\"end\" IS NULL))))")
        return sql, [ct_id(Case), _("收到申请材料后超过5个工作日未作出是否受理的决定（视为受理）"), True, ct_id(Case),
                     ACCEPTANCE_PURPOSE, d(today)]


class SupplementRepeat(BaseRule):
    code = "supplement_repeat"
    name = "多次要求补正材料"
    kind = "procedure"

    def source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        max_notices = int(cfg.param("max_notices", 1))
        sql = (_case_row() + f"FROM {t(Case)} k WHERE EXISTS (SELECT 1 FROM {t(SupplementNotice)} n "
               "WHERE n.case_id = k.id AND n.sequence > %s)")
        return sql, [ct_id(Case), _("违反一次性告知：多次要求申请人补正材料"), max_notices]


class StepUnauthorised(BaseRule):
    code = "step_unauthorised"
    name = "无相应角色或超出权限范围办理环节"
    kind = "procedure"

    def source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        roles = tuple(str(r) for r in DEPARTMENTAL_ROLES)
        sql = (
            "SELECT 'red' AS level, %s AS content_type_id, st.id AS object_id, k.id AS case_id, "
            "k.item_id AS item_id, COALESCE(st.department_id, k.department_id) AS department_id, "
            "st.division_id AS division_id, st.completed_by_id AS responsible_user_id, %s AS message "
            f"FROM {t(CaseStep)} st JOIN {t(Case)} k ON k.id = st.case_id "
            f"JOIN {t(Position)} p ON p.id = st.completed_by_position_id "
            f"JOIN {t(Division)} pd ON pd.id = p.division_id JOIN {t(Division)} sd ON sd.id = st.division_id "
            "WHERE st.status = 'completed' AND (p.role <> st.role "
            "OR SUBSTR(sd.path, 1, LENGTH(pd.path)) <> pd.path "
            f"OR (p.role IN ({_in(roles)}) AND st.department_id IS NOT NULL "
            "AND (p.department_id IS NULL OR p.department_id <> st.department_id)))"
        )
        return sql, [ct_id(CaseStep), _("环节由无相应角色或超出权限范围的岗位办理"), *roles]


class SuspensionWithoutNotice(BaseRule):
    code = "suspension_without_notice"
    name = "中止计时未出具书面告知"
    kind = "procedure"

    def source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        sql = (_case_row() + f"FROM {t(Case)} k WHERE EXISTS (SELECT 1 FROM {t(ClockSuspension)} s "
               f"JOIN {t(Clock)} c ON c.id = s.clock_id WHERE c.content_type_id = %s AND c.object_id = k.id "
               f"AND NOT EXISTS (SELECT 1 FROM {t(CaseNotice)} n WHERE n.case_id = k.id AND n.kind = "
               "CASE WHEN s.kind = 'supplement' THEN 'supplement' ELSE 'special' END))")
        return sql, [ct_id(Case), _("中止计时（特别程序/补正）未向申请人出具书面告知"), ct_id(Case)]


class ExtensionOverMax(BaseRule):
    code = "extension_over_max"
    name = "延期超过法定最长期限"
    kind = "procedure"

    def source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        normal, joint = int(cfg.param("max_days", 10)), int(cfg.param("max_joint_days", 15))
        m2m = ServiceItemVersion.joint_departments.through
        sql = (
            _case_row()
            + f"FROM {t(Case)} k JOIN {t(ServiceItemVersion)} v ON v.id = k.version_id "
            f"LEFT JOIN {t(ProcessDefinition)} pd ON pd.id = v.process_id "
            f"WHERE (SELECT COALESCE(MAX(x.total), 0) FROM (SELECT c.object_id AS oid, SUM(e.days) AS total "
            f"FROM {t(ClockExtension)} e JOIN {t(Clock)} c ON c.id = e.clock_id "
            f"WHERE c.content_type_id = %s AND c.purpose IN ({_in(HANDLING_PURPOSES)}) GROUP BY c.id, c.object_id) x "
            "WHERE x.oid = k.id) > CASE WHEN pd.kind = 'joint' OR EXISTS (SELECT 1 FROM "
            f"{t(m2m)} j WHERE j.serviceitemversion_id = v.id) THEN %s ELSE %s END"
        )
        return sql, [ct_id(Case), _("延长办理期限超过法定最长期限（10日，联合办理15日）"), ct_id(Case),
                     *HANDLING_PURPOSES, joint, normal]


class FeeMismatch(BaseRule):
    code = "fee_mismatch"
    name = "收费与标准不符"
    kind = "fee"

    def source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        standard = (f"CASE WHEN v.is_charged = %s THEN (SELECT COALESCE(SUM(fi.amount), 0) FROM {t(FeeItem)} fi "
                    "WHERE fi.version_id = v.id) ELSE 0 END")
        sql = (
            _case_row()
            + f"FROM {t(Case)} k JOIN {t(ServiceItemVersion)} v ON v.id = k.version_id "
            f"WHERE (k.fee_due > 0 OR k.fee_paid > 0) AND (k.fee_due <> {standard} OR k.fee_paid > {standard})"
        )
        return sql, [ct_id(Case), _("收费金额与事项收费标准不符或对免费事项收费"), True, True]


class RiskUnconfirmed(BaseRule):
    """A level 1–2 risk step (风险点) that no second person looked at (双人复核).

    The second person is either an explicit :class:`RiskConfirmation`, or the procedure itself:
    审查 and 决定 are separate steps (审批分离), so a substantive step of the same case
    (:data:`SECOND_PERSON_KINDS`) completed by someone else is the second pair of eyes. The rule
    waits until the case is decided or closed — until then the second person may still come —
    and then fires when the same person did every substantive step (e.g. reviewed and decided).
    """

    code = "risk_unconfirmed"
    name = "风险点环节未经第二人复核"
    kind = "risk"
    levels = (AlertLevel.YELLOW,)
    SECOND_PERSON_KINDS = ("preliminary", "review", "joint_review", "decide", "countersign")

    def source(self, cfg: RuleConfig, today: date) -> tuple[str, list[Any]]:
        kinds = self.SECOND_PERSON_KINDS
        sql = (
            "SELECT 'yellow' AS level, %s AS content_type_id, st.id AS object_id, k.id AS case_id, "
            "k.item_id AS item_id, COALESCE(st.department_id, k.department_id) AS department_id, "
            "st.division_id AS division_id, st.completed_by_id AS responsible_user_id, %s AS message "
            f"FROM {t(CaseStep)} st JOIN {t(Case)} k ON k.id = st.case_id "
            "WHERE st.status = 'completed' AND (st.risk_level IN (1, 2) OR EXISTS (SELECT 1 FROM "
            f"{t(RiskPoint)} r WHERE r.is_active = %s AND r.level <= 2 AND r.spec_name = st.spec_name "
            "AND (r.item_id IS NULL OR r.item_id = k.item_id))) "
            "AND (k.decided_at IS NOT NULL OR k.completed_at IS NOT NULL) "
            f"AND NOT EXISTS (SELECT 1 FROM {t(RiskConfirmation)} rc WHERE rc.step_id = st.id "
            "AND (st.completed_by_id IS NULL OR rc.confirmed_by_id <> st.completed_by_id)) "
            f"AND NOT EXISTS (SELECT 1 FROM {t(CaseStep)} o WHERE o.case_id = st.case_id AND o.id <> st.id "
            f"AND o.status = 'completed' AND o.step_kind IN ({_in(kinds)}) AND o.completed_by_id IS NOT NULL "
            "AND (st.completed_by_id IS NULL OR o.completed_by_id <> st.completed_by_id))"
        )
        return sql, [ct_id(CaseStep), _("一、二级风险点环节办结后未经第二人复核"), True, *kinds]


# --- rules that need the calendar or the workflow engine per object ------------------------


class LicenceLate(BaseRule):
    code = "licence_late"
    name = "作出准予决定后超过10个工作日发证"
    kind = "procedure"
    python = True

    def findings(self, cfg: RuleConfig, today: date, case_id: int | None) -> list[Finding]:
        from django.utils import timezone

        from yiwang.licences.models import Licence

        days = int(cfg.param("max_workdays", 10))
        # Set-based pre-filter: 10 working days span at least 10 calendar days.
        qs = (Licence.objects.filter(case__decided_at__isnull=False,
                                     issued_at__gt=F("case__decided_at") + timedelta(days=days))
              .select_related("case"))
        if case_id is not None:
            qs = qs.filter(case_id=case_id)
        out: list[Finding] = []
        licence_ct = ct_id(Licence)
        for licence in qs.iterator(chunk_size=500):
            case = licence.case
            assert case is not None and case.decided_at is not None
            decided = timezone.localdate(case.decided_at)
            if timezone.localdate(licence.issued_at) > cal.add_workdays(decided, days):
                out.append(Finding(self.code, AlertLevel.RED, licence_ct, licence.pk, case.pk, case.item_id,
                                   case.department_id, case.division_id, licence.issued_by_id,
                                   _("作出准予许可决定后超过10个工作日才颁发证照")))
        return out


class StepOutOfOrder(BaseRule):
    code = "step_out_of_order"
    name = "跳过环节或未按流程顺序办理"
    kind = "procedure"
    python = True

    def findings(self, cfg: RuleConfig, today: date, case_id: int | None) -> list[Finding]:
        from django.utils import timezone

        from yiwang.workflow import engine

        if case_id is not None:
            case_ids = [case_id]
        else:  # set-based candidates: cases with a step completed in the window
            since = timezone.now() - timedelta(days=int(cfg.param("window_days", 2)))
            case_ids = list(CaseStep.objects.filter(status=StepStatus.COMPLETED, completed_at__gte=since)
                            .values_list("case_id", flat=True).distinct())
        out: list[Finding] = []
        for case in (Case.objects.filter(pk__in=case_ids, workflow_state__isnull=False)
                     .select_related("version__process")):
            definition = case.version.process
            if definition is None or case.workflow_state is None:
                continue
            steps = list(CaseStep.objects.filter(case=case, parent__isnull=True).exclude(task_id="")
                         .order_by("completed_at", "sequence"))
            if any(s.status == StepStatus.RETURNED for s in steps):
                continue  # a return (退回) legitimately re-runs earlier steps
            try:
                done = engine.completed_steps(definition, case.workflow_state)
            except Exception:  # noqa: BLE001 - a broken state is itself reported elsewhere
                logger.warning("supervision: cannot read workflow state of case %s", case.pk)
                continue
            engine_order = [row["spec_name"] for row in done]
            step_order = [s.spec_name for s in steps if s.status == StepStatus.COMPLETED]
            if engine_order == step_order:
                continue
            missing = [name for name in engine_order if name not in step_order]
            message = (_("流程环节被跳过：{names}").format(names="、".join(missing)) if missing
                       else _("环节未按流程顺序办理"))
            out.append(Finding(self.code, AlertLevel.RED, ct_id(Case), case.pk, case.pk, case.item_id,
                               case.department_id, case.division_id, None, message[:500]))
        return out


RULES: dict[str, BaseRule] = {r.code: r for r in (
    CaseTimeLimit(), StepTimeLimit(), DeferralTimeLimit(), RefusalWithoutReasons(), DeemedAcceptance(), SupplementRepeat(),
    StepUnauthorised(), StepOutOfOrder(), LicenceLate(), SuspensionWithoutNotice(), ExtensionOverMax(),
    FeeMismatch(), RiskUnconfirmed(), TicketTimeLimit(), UnmaskVolume(),
)}


def load_configs(*, active_only: bool = True) -> list[tuple[BaseRule, RuleConfig]]:
    rules = Rule.objects.filter(code__in=list(RULES)).prefetch_related("overrides")
    if active_only:
        rules = rules.filter(is_active=True)
    return [(RULES[r.code], RuleConfig(r, list(r.overrides.all()))) for r in rules]


def alert_model() -> type[Alert]:
    return Alert
