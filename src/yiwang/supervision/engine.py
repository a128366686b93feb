"""Running the rules: the periodic sweep (set-based SQL) and event-time evaluation of one case.

Sweep, per active rule (see :mod:`yiwang.supervision.rules`)::

    INSERT INTO supervision_alert (…) SELECT … FROM (<rule source>) f
    WHERE NOT EXISTS (<an alert for this rule/object/level that is not auto-resolved>)
    ON CONFLICT (rule, content_type, object, level) DO UPDATE … WHERE status = 'auto_resolved'
    RETURNING id

creates the alerts that are new (or re-opens auto-resolved ones) in one statement, and::

    UPDATE supervision_alert SET status = 'auto_resolved' … WHERE <open, untouched> AND NOT EXISTS (<finding>)

auto-resolves the ones whose condition cleared. On PostgreSQL the time-limit rules (the big ones: a scan
of every clock) do both in ONE statement over a single classification of the clocks
(:func:`_single_pass_sql`). Python only touches the rows that changed
(their trail records and notifications), in chunks. Running it twice changes nothing.
"""

# SQL here is assembled only from constants and model table names; values are always bound parameters.
# ruff: noqa: S608
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from yiwang.cases.models import Case
from yiwang.supervision.models import ActionKind, Alert, AlertAction, AlertLevel, AlertStatus
from yiwang.supervision.rules.base import COLUMNS, BaseRule, Finding, RuleConfig, t
from yiwang.supervision.rules.registry import load_configs
from yiwang.supervision.rules.time_limits import _TimeLimit

logger = logging.getLogger(__name__)

CHUNK = 1000
# Only alerts nobody has acted on yet are auto-resolved; once a department has explained or corrected,
# a supervisor closes it (a department can never make its own red card disappear).
AUTO_RESOLVABLE = (AlertStatus.RAISED, AlertStatus.NOTIFIED)
RULE_LEVELS = (AlertLevel.WARNING, AlertLevel.YELLOW, AlertLevel.RED)


@dataclass
class SweepResult:
    created: dict[str, int] = field(default_factory=dict)
    resolved: dict[str, int] = field(default_factory=dict)
    new_ids: list[int] = field(default_factory=list)
    resolved_ids: list[int] = field(default_factory=list)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_resolved(self) -> int:
        return sum(self.resolved.values())


def _dt(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _exclusions(cfg: RuleConfig) -> tuple[str, list[Any]]:
    """Overrides that switch the rule off for an item / department / level."""
    sql: str = ""
    params: list[Any] = []
    for item_id, dept_id, level in cfg.disabled():
        conds = []
        if item_id is not None:
            conds.append("f.item_id = %s")
            params.append(item_id)
        if dept_id is not None:
            conds.append("f.department_id = %s")
            params.append(dept_id)
        if level:
            conds.append("f.level = %s")
            params.append(level)
        if conds:
            sql += f" AND NOT ({' AND '.join(conds)})"
    return sql, params


def _found(rule: BaseRule, cfg: RuleConfig, today: date, case_id: int | None, *,
           resolve: bool = False) -> tuple[str, list[Any]]:
    source, params = rule.resolve_source(cfg, today) if resolve else rule.source(cfg, today)
    where, wparams = _exclusions(cfg)
    if case_id is not None:
        where += " AND f.case_id = %s"
        wparams.append(case_id)
    return f"SELECT {', '.join('f.' + c for c in COLUMNS)} FROM ({source}) f WHERE 1 = 1{where}", [*params, *wparams]


def _upsert_sql(rule: BaseRule, cfg: RuleConfig, today: date, now: datetime,
                case_id: int | None) -> tuple[str, list[Any]]:
    found, params = _found(rule, cfg, today, case_id)
    # item / department / division default to the case's, looked up only for the rows inserted
    sql = (
        "INSERT INTO supervision_alert (rule_id, level, content_type_id, object_id, case_id, item_id, "
        "department_id, division_id, responsible_user_id, status, message, detail, raised_at, updated_at) "
        "SELECT %s, g.level, g.content_type_id, g.object_id, g.case_id, COALESCE(g.item_id, kk.item_id), "
        "COALESCE(g.department_id, kk.department_id), COALESCE(g.division_id, kk.division_id), "
        f"g.responsible_user_id, 'raised', g.message, '{{}}', %s, %s FROM ({found}) g "
        f"LEFT JOIN {t(Case)} kk ON kk.id = g.case_id "
        "WHERE NOT EXISTS (SELECT 1 FROM supervision_alert a WHERE a.rule_id = %s "
        "AND a.content_type_id = g.content_type_id AND a.object_id = g.object_id AND a.level = g.level "
        "AND a.status <> 'auto_resolved') "
        "ON CONFLICT (rule_id, content_type_id, object_id, level) DO UPDATE SET status = 'raised', "
        "raised_at = excluded.raised_at, updated_at = excluded.updated_at, closed_at = NULL, "
        "message = excluded.message WHERE supervision_alert.status = 'auto_resolved' "
        "RETURNING id"
    )
    return sql, [cfg.rule.pk, _dt(now), _dt(now), *params, cfg.rule.pk]


def _resolve_sql(rule: BaseRule, cfg: RuleConfig, today: date, now: datetime,
                 case_id: int | None) -> tuple[str, list[Any]]:
    found, params = _found(rule, cfg, today, case_id, resolve=True)
    sql = (
        "UPDATE supervision_alert SET status = 'auto_resolved', closed_at = %s, updated_at = %s "
        f"WHERE rule_id = %s AND status IN ({', '.join(['%s'] * len(AUTO_RESOLVABLE))}) "
        f"AND level IN ({', '.join(['%s'] * len(RULE_LEVELS))})"
    )
    out: list[Any] = [_dt(now), _dt(now), cfg.rule.pk, *AUTO_RESOLVABLE, *RULE_LEVELS]
    if case_id is not None:
        sql += " AND case_id = %s"
        out.append(case_id)
    sql += (f" AND NOT EXISTS (SELECT 1 FROM ({found}) g WHERE g.content_type_id = supervision_alert.content_type_id "
            "AND g.object_id = supervision_alert.object_id AND g.level = supervision_alert.level) RETURNING id")
    return sql, [*out, *params]


def _single_pass_sql(rule: _TimeLimit, cfg: RuleConfig, today: date, now: datetime) -> tuple[str, list[Any]]:
    """PostgreSQL, time-limit rules, whole sweep: insert + re-open + auto-resolve in ONE statement.

    The clocks are classified once (the resolve source, each row flagged ``is_current``: a row of the
    insert source) and matched against this rule's alerts in one hash full join; ``todo`` keeps only
    the rows that change something (empty in the steady state):

    * a current finding without an alert, or whose alert was auto-resolved → ``ins`` (exactly
      :func:`_upsert_sql`: insert, or re-open through ``ON CONFLICT``);
    * an untouched open alert (:data:`AUTO_RESOLVABLE`, :data:`RULE_LEVELS`) matched by no row →
      ``res`` (exactly :func:`_resolve_sql`).

    One alert per (rule, object, level) (the unique constraint) makes "no alert, or an auto-resolved
    one" the same as the two-statement path's NOT EXISTS. Both parts see the same snapshot and touch
    disjoint rows (keys in the findings vs keys not in them), so the result is the two-statement one.
    """
    source, params = rule.sweep_source(cfg, today)
    where, wparams = _exclusions(cfg)
    cols = ", ".join("f." + c for c in (*COLUMNS, "is_current"))
    statuses = ", ".join(["%s"] * len(AUTO_RESOLVABLE))
    levels = ", ".join(["%s"] * len(RULE_LEVELS))
    sql = (
        f"WITH todo AS MATERIALIZED (SELECT g.*, a.id AS alert_id FROM (SELECT {cols} FROM ({source}) f "
        f"WHERE 1 = 1{where}) g "
        "FULL JOIN (SELECT id, content_type_id, object_id, level, status FROM supervision_alert "
        "WHERE rule_id = %s) a ON a.content_type_id = g.content_type_id AND a.object_id = g.object_id "
        "AND a.level = g.level "
        "WHERE (g.is_current = 1 AND (a.id IS NULL OR a.status = 'auto_resolved')) "
        f"OR (g.is_current IS NULL AND a.status IN ({statuses}) AND a.level IN ({levels}))), "
        "ins AS (INSERT INTO supervision_alert (rule_id, level, content_type_id, object_id, case_id, item_id, "
        "department_id, division_id, responsible_user_id, status, message, detail, raised_at, updated_at) "
        "SELECT %s, g.level, g.content_type_id, g.object_id, g.case_id, COALESCE(g.item_id, kk.item_id), "
        "COALESCE(g.department_id, kk.department_id), COALESCE(g.division_id, kk.division_id), "
        "g.responsible_user_id, 'raised', g.message, '{}', %s, %s FROM todo g "
        f"LEFT JOIN {t(Case)} kk ON kk.id = g.case_id WHERE g.is_current = 1 "
        "ON CONFLICT (rule_id, content_type_id, object_id, level) DO UPDATE SET status = 'raised', "
        "raised_at = excluded.raised_at, updated_at = excluded.updated_at, closed_at = NULL, "
        "message = excluded.message WHERE supervision_alert.status = 'auto_resolved' "
        "RETURNING id), "
        "res AS (UPDATE supervision_alert a SET status = 'auto_resolved', closed_at = %s, updated_at = %s "
        "FROM todo r WHERE r.is_current IS NULL AND a.id = r.alert_id AND a.rule_id = %s "
        f"AND a.status IN ({statuses}) AND a.level IN ({levels}) RETURNING a.id) "
        "SELECT 0, id FROM ins UNION ALL SELECT 1, id FROM res"
    )
    out = [*params, *wparams, cfg.rule.pk, *AUTO_RESOLVABLE, *RULE_LEVELS,
           cfg.rule.pk, _dt(now), _dt(now),
           _dt(now), _dt(now), cfg.rule.pk, *AUTO_RESOLVABLE, *RULE_LEVELS]
    return sql, out


def _run(sql: str, params: list[Any]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _apply_python(rule: BaseRule, cfg: RuleConfig, findings: list[Finding], now: datetime,
                  case_id: int | None) -> tuple[list[int], list[int]]:
    """The same upsert/resolve for a Python rule's (few) findings."""
    created: list[int] = []
    wanted = {f.key: f for f in findings}
    existing = {(a.content_type_id, a.object_id, a.level): a for a in Alert.objects.filter(
        rule=cfg.rule, object_id__in={f.object_id for f in findings})}
    for key, finding in wanted.items():
        alert = existing.get(key)
        if alert is None:
            alert = Alert.objects.create(
                rule=cfg.rule, level=finding.level, content_type_id=finding.content_type_id,
                object_id=finding.object_id, case_id=finding.case_id, item_id=finding.item_id,
                department_id=finding.department_id, division_id=finding.division_id,
                responsible_user_id=finding.responsible_user_id, message=finding.message, raised_at=now)
            created.append(alert.pk)
        elif alert.status == AlertStatus.AUTO_RESOLVED:
            Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.RAISED, raised_at=now, closed_at=None,
                                                     updated_at=now, message=finding.message)
            created.append(alert.pk)
    open_qs = Alert.objects.filter(rule=cfg.rule, status__in=AUTO_RESOLVABLE, level__in=RULE_LEVELS)
    if case_id is not None:
        open_qs = open_qs.filter(case_id=case_id)
    stale = [a.pk for a in open_qs.only("id", "content_type_id", "object_id", "level")
             if (a.content_type_id, a.object_id, a.level) not in wanted]
    if stale:
        Alert.objects.filter(pk__in=stale).update(status=AlertStatus.AUTO_RESOLVED, closed_at=now, updated_at=now)
    return created, stale


def _record_resolved(ids: list[int], now: datetime) -> None:
    for start in range(0, len(ids), CHUNK):
        AlertAction.objects.bulk_create([
            AlertAction(alert_id=pk, kind=ActionKind.AUTO_RESOLVE, text="", at=now) for pk in ids[start:start + CHUNK]
        ])


def _apply_rule(rule: BaseRule, cfg: RuleConfig, *, today: date, now: datetime,
                case_id: int | None, resolvable: bool = True) -> tuple[list[int], list[int]]:
    """Upsert the rule's findings and auto-resolve what cleared (skipped when nothing can be resolved)."""
    if rule.python:
        return _apply_python(rule, cfg, rule.findings(cfg, today, case_id), now, case_id)
    if (case_id is None and resolvable and isinstance(rule, _TimeLimit)
            and connection.vendor == "postgresql"):
        with connection.cursor() as cursor:
            cursor.execute(*_single_pass_sql(rule, cfg, today, now))
            rows = cursor.fetchall()
        return [pk for kind, pk in rows if kind == 0], [pk for kind, pk in rows if kind == 1]
    created = _run(*_upsert_sql(rule, cfg, today, now, case_id))
    resolved = _run(*_resolve_sql(rule, cfg, today, now, case_id)) if resolvable else []
    return created, resolved


def sweep(*, today: date | None = None, now: datetime | None = None, notify: bool = True,
          codes: Iterable[str] | None = None) -> SweepResult:
    """Evaluate every active rule over everything, set-based. Idempotent."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    result = SweepResult()
    wanted = set(codes) if codes is not None else None
    for rule, cfg in load_configs():
        if wanted is not None and rule.code not in wanted:
            continue
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Whole-table statements: JIT compilation costs more than it saves here, and the
                # auto-resolve anti-join must hash (not probe the clock index once per open alert), in memory.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL jit = off; SET LOCAL enable_nestloop = off; SET LOCAL work_mem = '64MB'")
            created, resolved = _apply_rule(rule, cfg, today=today, now=now, case_id=None)
            _record_resolved(resolved, now)
        result.created[rule.code] = len(created)
        result.resolved[rule.code] = len(resolved)
        result.new_ids.extend(created)
        result.resolved_ids.extend(resolved)
    _after(result, now=now, notify=notify, source="sweep")
    return result


def evaluate_case(case_id: int, *, today: date | None = None, now: datetime | None = None,
                  notify: bool = True) -> SweepResult:
    """Event-time evaluation: every active rule, restricted to one case (and its steps, licence…)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    result = SweepResult()
    with transaction.atomic():
        # one query tells which rules have something to auto-resolve for this case
        resolvable = set(Alert.objects.filter(case_id=case_id, status__in=AUTO_RESOLVABLE)
                         .values_list("rule_id", flat=True).distinct())
        for rule, cfg in load_configs():
            created, resolved = _apply_rule(rule, cfg, today=today, now=now, case_id=case_id,
                                            resolvable=cfg.rule.pk in resolvable)
            if created:
                result.created[rule.code] = len(created)
                result.new_ids.extend(created)
            if resolved:
                result.resolved[rule.code] = len(resolved)
                result.resolved_ids.extend(resolved)
        _record_resolved(result.resolved_ids, now)
    _after(result, now=now, notify=notify, source=f"case:{case_id}")
    return result


def _after(result: SweepResult, *, now: datetime, notify: bool, source: str) -> None:
    if not (result.new_ids or result.resolved_ids):
        return
    from yiwang.core.audit import audit_record

    with transaction.atomic():
        audit_record(action="supervision.evaluate", object_type="supervision.sweep", object_id=source,
                     after={"created": result.created, "resolved": result.resolved,
                            "alerts": result.new_ids[:200], "auto_resolved": result.resolved_ids[:200]})
    if notify and result.new_ids:
        from yiwang.supervision.services import alerts_notify

        alerts_notify(alert_ids=result.new_ids)
