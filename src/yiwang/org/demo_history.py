"""Six months of demo history (演示历史数据), so that dashboards, the public ratings page and the
monthly assessment show realistic figures on a fresh demo.

Called by ``seed_demo`` after the catalogue and people exist. Deterministic (a seeded RNG, dates
relative to today), idempotent (history cases carry numbers starting with :data:`PREFIX`; when
one exists nothing is added) and fast: rows go in with ``bulk_create``, not through the services
— this is history, not work, so it sends no notification and raises no alert by itself.

What it writes, per working day of the past six months, a few cases of county items:

* cases in every closed state (已办结 mostly, 不予受理, 不予许可, 已撤回), about one in twelve
  completed after its promised due date; the last two weeks' cases partly still in progress;
* for each accepted case its ``handling`` and ``statutory`` clocks (stopped when closed), and
  its 受理 / 审查 / 决定 / 办结 steps done by the positions the process assigns (clerk, the
  department's reviewer and approver), each with a stopped step clock;
* ratings for most completed cases (mostly 满意, a few 差评) and window ratings;
* the red cards (``time_limit_case``) of the late cases, closed after explanation, and a few
  yellow cards that cleared themselves.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

PREFIX = "LS"
SEED = 20260101
MONTHS = 6
CASES_PER_WORKDAY = (3, 7)
ONE_IN_LATE = 12
GRADE_WEIGHTS = ((5, 70), (4, 18), (3, 6), (2, 4), (1, 2))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _workdays(start: date, end: date) -> list[date]:
    from yiwang.calendar import engine as cal

    days, day = [], start
    while day <= end:
        if cal.is_workday(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def _staff_by_department() -> dict[int, dict[str, Any]]:
    """Department id → {role: position} of the county staff (first active holder of each role)."""
    from yiwang.org.models import Position

    out: dict[int, dict[str, Any]] = {}
    for p in (Position.objects.filter(is_active=True, department__isnull=False, division__parent__isnull=True)
              .select_related("user", "department").order_by("pk")):
        if p.department_id is not None:
            out.setdefault(p.department_id, {}).setdefault(p.role, p)
    return out


def seed_history(*, today: date | None = None) -> int:
    """Write the history; returns the number of cases added (0 when it is already there)."""
    from yiwang.calendar import engine as cal
    from yiwang.calendar.models import Clock, ClockStatus, ClockUnit
    from yiwang.cases.models import Case, CaseStatus, CaseStep, Decision, StepStatus
    from yiwang.catalog.models import ServiceItemVersion, VersionStatus
    from yiwang.evaluation.models import Rating, RatingChannel, TargetKind
    from yiwang.org.models import Window
    from yiwang.supervision.models import Alert, AlertStatus, Rule

    if Case.objects.filter(number__startswith=PREFIX).exists():
        return 0
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    staff = _staff_by_department()
    clerk = next((p for roles in staff.values() for r, p in roles.items() if r == "window_clerk"), None)
    versions = [v for v in ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED, process__isnull=False)
                .select_related("department__division", "item").order_by("pk")
                if "county" in (v.levels or []) and {"reviewer", "approver"} <= set(staff.get(v.department_id, {}))]
    if clerk is None or not versions:
        return 0
    citizens = list(_citizens())
    first = (today.replace(day=1) - timedelta(days=MONTHS * 31)).replace(day=1)
    workdays = _workdays(first, today - timedelta(days=1))

    cases: list[Case] = []
    plans: list[dict[str, Any]] = []
    for day in workdays:
        for n in range(rng.randint(*CASES_PER_WORKDAY)):
            version = rng.choice(versions)
            applicant = rng.choice(citizens)
            promised = max(version.promised_limit, 1)
            accepted = day
            due = cal.add_workdays(accepted, promised)
            roll = rng.random()
            recent = (today - day).days < 21
            if roll < 0.03:
                status, done = CaseStatus.REJECTED, accepted
            elif roll < 0.05:
                status, done = CaseStatus.WITHDRAWN, cal.add_workdays(accepted, 1)
            else:
                late = rng.randrange(ONE_IN_LATE) == 0
                spent = promised + rng.randint(1, 4) if late else rng.randint(max(promised // 3, 0), promised)
                done = cal.add_workdays(accepted, spent)
                status = CaseStatus.DENIED if rng.random() < 0.04 else CaseStatus.COMPLETED
                if done >= today:  # not finished yet: still running if it is not yet due, else done on time
                    if recent and due >= today:
                        status, done = CaseStatus.IN_PROGRESS, None
                    else:
                        done = min(due, today - timedelta(days=1))
            submitted = _at(day, 9 + n % 7, (n * 13) % 60)
            case = Case(
                number=f"{PREFIX}{day:%Y%m%d}{n + 1:03d}", query_code=f"{rng.randrange(16**8):08X}",
                item=version.item, version=version, applicant_user=applicant, applicant_name=applicant.real_name,
                applicant_id_masked="3713**********" + f"{rng.randrange(10000):04d}",
                applicant_phone_masked=f"138****{rng.randrange(10000):04d}", channel=rng.choice(
                    ["online", "online", "online", "window"]), division=version.department.division,
                department=version.department, handling_level="county", status=status,
                submitted_at=submitted, materials_received_on=day,
                accepted_at=None if status == CaseStatus.REJECTED else submitted + timedelta(hours=1),
                outcome_note="申请事项依法不属于本机关职权范围" if status == CaseStatus.REJECTED else "",
                decision=(Decision.DENY if status == CaseStatus.DENIED else
                          Decision.GRANT if status == CaseStatus.COMPLETED else ""),
                decision_reason="经审查，申请材料反映的条件不符合法定要求" if status == CaseStatus.DENIED else "",
                decided_at=_at(done, 15) if done and status in (CaseStatus.COMPLETED, CaseStatus.DENIED) else None,
                completed_at=_at(done, 16, n % 60) if done else None,
            )
            cases.append(case)
            plans.append({"version": version, "accepted": accepted, "due": due, "done": done, "promised": promised})
    Case.objects.bulk_create(cases, batch_size=500)
    saved = {c.number: c for c in Case.objects.filter(number__startswith=PREFIX)}
    cases = [saved[c.number] for c in cases]

    case_ct = ContentType.objects.get_for_model(Case)
    step_ct = ContentType.objects.get_for_model(CaseStep)
    clocks: list[Clock] = []
    steps: list[CaseStep] = []
    step_plans: list[tuple[date, int, date | None]] = []
    for case, plan in zip(cases, plans, strict=True):
        if case.accepted_at is None:
            continue
        closed_on: date | None = plan["done"]
        stopped = _at(closed_on, 16) if closed_on else None
        for purpose, budget in (("handling", plan["promised"]),
                                ("statutory", max(plan["version"].statutory_limit, 1))):
            due = cal.add_workdays(plan["accepted"], budget)
            end = closed_on or today
            remaining = cal.workdays_between(end, due) if end <= due else -cal.workdays_between(due, end)
            clocks.append(Clock(content_type=case_ct, object_id=case.pk, purpose=purpose, unit=ClockUnit.WORKDAYS,
                                budget=budget, start_date=plan["accepted"], started_at=case.accepted_at,
                                due_date=due, stopped_at=stopped, remaining=remaining, status_at=today,
                                status=ClockStatus.DONE if closed_on else ClockStatus.GREEN))
        if case.status == CaseStatus.WITHDRAWN:
            continue
        roles = staff[case.department_id]
        # (name, spec, kind, position, share of the time, step days, risk level)
        layout = [("受理", "accept", "accept", clerk, 0, 1, 1), ("审查", "review", "review", roles["reviewer"], 2, 10, 2),
                  ("决定", "decide", "decide", roles["approver"], 3, 5, 3),
                  ("办结", "complete", "complete", clerk, 4, 1, 1)]
        elapsed = cal.workdays_between(plan["accepted"], closed_on) if closed_on else None
        previous = plan["accepted"]
        for sequence, (name, spec, kind, position, share, budget, risk) in enumerate(layout, start=1):
            if share == 0:
                finished: date | None = plan["accepted"]
            elif elapsed is not None:
                finished = cal.add_workdays(plan["accepted"], elapsed * share // 4)
            else:
                finished = None
            steps.append(CaseStep(
                case=case, task_id=f"{case.number}-{spec}", spec_name=spec, name=name, step_kind=kind,
                role=position.role, department=position.department, division=case.division,
                status=StepStatus.COMPLETED if finished else StepStatus.READY, sequence=sequence, step_days=budget,
                risk_level=risk, outcome="accepted" if kind == "accept" else "",
                opinion={"review": "材料齐全，符合法定条件", "decide": "不予" if case.decision == "deny" else "准予"
                         }.get(kind, ""),
                assignee=position.user if finished else None, assignee_position=position if finished else None,
                claimed_at=_at(finished, 10) if finished else None,
                completed_at=_at(finished, 11) if finished else None,
                completed_by=position.user if finished else None,
                completed_by_position=position if finished else None))
            step_plans.append((previous, budget, finished))
            if finished is None:
                break
            previous = finished
    CaseStep.objects.bulk_create(steps, batch_size=500)
    for step, (start, budget, finished) in zip(steps, step_plans, strict=True):
        due = cal.add_workdays(start, budget)
        end = finished or today
        remaining = cal.workdays_between(end, due) if end <= due else -cal.workdays_between(due, end)
        clocks.append(Clock(content_type=step_ct, object_id=step.pk, purpose="case_step", unit=ClockUnit.WORKDAYS,
                            budget=budget, start_date=start, started_at=_at(start, 9), due_date=due,
                            stopped_at=_at(finished, 11) if finished else None, remaining=remaining,
                            status_at=today, status=ClockStatus.DONE if finished else ClockStatus.GREEN))
    Clock.objects.bulk_create(clocks, batch_size=1000)

    _ratings(rng, cases, Rating, RatingChannel, TargetKind, Window, CaseStatus)
    _alerts(rng, cases, plans, Alert, AlertStatus, Rule, case_ct, today)
    return len(cases)


def _citizens() -> Any:
    from yiwang.accounts.models import User

    return User.objects.filter(kind__in=("citizen", "enterprise"), is_active=True).order_by("pk")


def _ratings(rng: random.Random, cases: list[Any], Rating: Any,  # noqa: N803
             RatingChannel: Any, TargetKind: Any, Window: Any, CaseStatus: Any) -> None:  # noqa: N803
    windows = list(Window.objects.filter(is_comprehensive=True, hall__division__parent__isnull=True,
                                         is_active=True).select_related("hall").order_by("pk"))
    grades = [g for g, w in GRADE_WEIGHTS for _ in range(w)]
    rows = []
    for case in cases:
        if case.status != CaseStatus.COMPLETED or rng.random() > 0.7:
            continue
        grade = rng.choice(grades)
        moment = case.completed_at + timedelta(hours=rng.randint(2, 60))
        rows.append(Rating(target_kind=TargetKind.CASE, case=case, department=case.department,
                           division=case.division, platform_channel="pc", channel=rng.choice(
                               [RatingChannel.ONLINE, RatingChannel.SMS]), grade=grade,
                           reasons=["slow"] if grade <= 2 else [], comment="" if grade > 2 else "等待时间较长",
                           rater=case.applicant_user, rater_name_masked=case.applicant_name[:1] + "**",
                           rater_key=f"u:{case.applicant_user_id}", created_at=moment))
        if windows and case.channel == "window":
            window = rng.choice(windows)
            rows.append(Rating(target_kind=TargetKind.WINDOW, window=window, hall=window.hall,
                               department=case.department, division=window.hall.division,
                               channel=RatingChannel.WINDOW, grade=rng.choice(grades), rater_key="",
                               created_at=case.submitted_at + timedelta(minutes=20)))
    Rating.objects.bulk_create(rows, batch_size=500)


def _alerts(rng: random.Random, cases: list[Any], plans: list[dict[str, Any]], Alert: Any,  # noqa: N803
            AlertStatus: Any, Rule: Any, case_ct: Any, today: date) -> None:  # noqa: N803
    rule = Rule.objects.filter(code="time_limit_case").first()
    if rule is None:
        return
    rows = []
    for case, plan in zip(cases, plans, strict=True):
        done, due = plan["done"], plan["due"]
        if case.accepted_at is None or done is None:
            continue
        common = {"rule": rule, "content_type": case_ct, "object_id": case.pk, "case": case, "item": case.item,
                  "department": case.department, "division": case.division}
        if done > due:
            rows.append(Alert(level="red", status=AlertStatus.CLOSED, message="办件已超过承诺办结时限（红牌）",
                              raised_at=_at(due + timedelta(days=1), 1), closed_at=_at(done, 17),
                              detail={"explanation": "申请人补充现场核查资料，经说明后关闭"}, **common))
        elif rng.random() < 0.1 and due > plan["accepted"] + timedelta(days=2):
            rows.append(Alert(level="yellow", status=AlertStatus.AUTO_RESOLVED, message="办件临近承诺办结时限（黄牌）",
                              raised_at=_at(due - timedelta(days=1), 1), closed_at=_at(done, 17), **common))
    Alert.objects.bulk_create(rows, batch_size=500)


def publish_past_assessments(*, today: date | None = None) -> int:
    """Compute and publish the county's assessments of the history months before last month (last
    month is ``seed_performance``'s), as the supervisor; returns how many were published."""
    from yiwang.accounts.models import User
    from yiwang.org.models import Division
    from yiwang.org.roles import Perm
    from yiwang.org.scope import has_perm
    from yiwang.performance import services
    from yiwang.performance.models import Assessment, AssessmentStatus

    today = today or timezone.localdate()
    county = Division.objects.filter(parent__isnull=True, valid_to__isnull=True).order_by("code").first()
    user = User.objects.filter(username="supervisor").first()
    if county is None or user is None:
        return 0
    position = next((p for p in user.positions.filter(is_active=True, division=county)
                     if has_perm(p, Perm.PERFORMANCE_MANAGE)), None)
    if position is None:
        return 0
    month = services.previous_month(today)
    published = 0
    for _ in range(MONTHS - 1):
        month = services.previous_month(month)
        if Assessment.objects.filter(division=county, period=month, status=AssessmentStatus.PUBLISHED).exists():
            continue
        assessment = services.assessment_compute(month=month, actor=user, position=position, division=county)
        services.assessment_publish(assessment=assessment, actor=user, position=position)
        published += 1
    return published
