"""Procedure rules (行政许可法 Arts. 72, 74): a case handled against the procedure.

* ``RefusalWithoutReasons``: 不予受理/不予许可 without reasons;
* ``DeemedAcceptance``: no acceptance decision within 5 working days;
* ``SupplementRepeat``: 补正 asked for more than once;
* ``StepUnauthorised``: a step handled without the role or outside the scope;
* ``SuspensionWithoutNotice``: the clock suspended (中止计时) without a written notice;
* ``ExtensionOverMax``: 延期 beyond the statutory maximum;
* ``FeeMismatch``: fees not matching the catalogue's standard;
* ``RiskUnconfirmed``: a level 1–2 risk step (风险点) no second person looked at (双人复核).

``_case_row`` is their shared SQL row.
"""

# SQL here is assembled only from constants and model table names; values are always bound parameters.
# ruff: noqa: S608
from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from yiwang.calendar.models import Clock, ClockExtension, ClockSuspension
from yiwang.cases.models import Case, CaseNotice, CaseStep, SupplementNotice
from yiwang.catalog.models import FeeItem, ServiceItemVersion
from yiwang.org.models import Division, Position
from yiwang.org.roles import DEPARTMENTAL_ROLES
from yiwang.supervision.models import AlertLevel, RiskConfirmation, RiskPoint
from yiwang.supervision.rules.base import (
    ACCEPTANCE_PURPOSE,
    HANDLING_PURPOSES,
    BaseRule,
    RuleConfig,
    _in,
    ct_id,
    d,
    t,
)
from yiwang.workflow.models import ProcessDefinition


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
