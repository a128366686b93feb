"""Time-limit rules (黄牌/红牌): a clock near or past its due date.

* ``_TimeLimit``: the shared SQL over ``calendar`` clocks (yellow when at most ``yellow_workdays`` remain,
  red when overdue; never yellow on the day a clock starts);
* ``CaseTimeLimit`` (the handling clock), ``StepTimeLimit`` (a step's clock), ``DeferralTimeLimit``
  (容缺: promised materials not supplied in time), ``TicketTimeLimit`` (12345 tickets: their traffic lights become alerts; the sweep only).
"""

# SQL here is assembled only from constants and model table names; values are always bound parameters.
# ruff: noqa: S608
from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.utils.translation import gettext as _

from yiwang.calendar import engine as cal
from yiwang.calendar.models import Clock, ClockSuspension
from yiwang.cases.models import Case, CaseDeferral, CaseStatus, CaseStep
from yiwang.supervision.models import AlertLevel
from yiwang.supervision.rules.base import (
    DEFERRAL_PURPOSE,
    HANDLING_PURPOSES,
    STEP_PURPOSE,
    BaseRule,
    Finding,
    RuleConfig,
    _in,
    ct_id,
    d,
    t,
)


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
