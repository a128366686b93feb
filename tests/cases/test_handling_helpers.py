"""Shared set-up for the handling tests (办理): staff of the test county and accepted cases.

Cases are built through the ORM + the workflow engine + :func:`steps_sync`, with every date
injectable (``today``), so clock arithmetic around holidays is deterministic. Items come from
the cases-core helper's :func:`tests.cases.factories.make_item`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from tests.conftest import make_position, make_user


@dataclass
class Staff:
    reviewer: Any
    reviewer2: Any
    approver: Any
    head: Any
    township_reviewer: Any
    township_approver: Any
    nrp_reviewer: Any
    housing_reviewer: Any
    eco_reviewer: Any
    eco_head: Any
    nrp: Any
    housing: Any
    eco: Any


def make_staff(county: Any) -> Staff:
    from yiwang.org.models import Department

    nrp = Department.objects.create(name="莒南县自然资源和规划局", code="D-NRP", division=county.county)
    housing = Department.objects.create(name="莒南县住房和城乡建设局", code="D-HOUSING", division=county.county)
    eco = Department.objects.create(name="临沂市生态环境局莒南县分局", code="D-ECO", division=county.county)

    def staff(username: str, role: str, division: Any, department: Any) -> Any:
        user = make_user(username, real_name=username)
        make_position(user, role, division, department)
        return user

    c = county.county
    return Staff(
        reviewer=staff("rev1", "reviewer", c, county.civil_affairs),
        reviewer2=staff("rev2", "reviewer", c, county.civil_affairs),
        approver=staff("appr", "approver", c, county.civil_affairs),
        head=staff("head", "department_head", c, county.civil_affairs),
        township_reviewer=staff("trev", "reviewer", county.township_a, county.civil_affairs_a),
        township_approver=staff("tappr", "approver", county.township_a, county.civil_affairs_a),
        nrp_reviewer=staff("nrp_rev", "reviewer", c, nrp),
        housing_reviewer=staff("housing_rev", "reviewer", c, housing),
        eco_reviewer=staff("eco_rev", "reviewer", c, eco),
        eco_head=staff("eco_head", "department_head", c, eco),
        nrp=nrp, housing=housing, eco=eco,
    )


def pos(user: Any) -> Any:
    return user.positions.select_related("division", "department").get()


_numbers = iter(range(1, 10_000_000))


def make_case(*, version: Any, division: Any, department: Any, applicant: Any = None,
              today: date | None = None, budget: int | None = None) -> Any:
    """An accepted case in progress: workflow started, 受理 done, next steps synced, handling clock running."""
    from yiwang.calendar import services as clock_services
    from yiwang.cases.handling.steps import steps_sync
    from yiwang.cases.models import Case, CaseStatus, CaseStep, StepStatus
    from yiwang.workflow import engine

    today = today or timezone.localdate()
    case = Case.objects.create(
        number=f"YWTEST{next(_numbers):08d}", query_code="ABCDEFGH", item=version.item, version=version,
        applicant_user=applicant, applicant_name="王秀英", applicant_id_masked="1101**********0011",
        applicant_phone_masked="138****0000", division=division, department=department,
        status=CaseStatus.IN_PROGRESS, accepted_at=timezone.now(), materials_received_on=today,
    )
    definition = version.process
    state, ready = engine.start(definition, {})
    accept = next((s for s in ready if s.step_kind == "accept"), None)
    if accept is not None:
        state, ready, _finished = engine.complete(definition, state, accept.task_id, {"outcome": "accept"})
        CaseStep.objects.create(case=case, task_id=accept.task_id, spec_name=accept.spec_name, name=accept.name,
                                step_kind="accept", role=accept.role, department=department, division=division,
                                status=StepStatus.COMPLETED, opinion="受理", completed_at=timezone.now())
    case.workflow_state = state
    case.save(update_fields=["workflow_state"])
    steps_sync(case=case, ready=ready, today=today)
    clock_services.clock_start(obj=case, start=today, budget=budget or version.promised_limit, position=None,
                               actor=None, purpose="handling", today=today)
    case.refresh_from_db()
    return case


def open_steps(case: Any) -> list[Any]:
    return list(case.steps.filter(status__in=["ready", "claimed"]).order_by("sequence", "id"))


def only_open(case: Any, kind: str | None = None) -> Any:
    steps = [s for s in open_steps(case) if kind is None or s.step_kind == kind]
    assert len(steps) == 1, [(s.name, s.step_kind, s.status) for s in open_steps(case)]
    return steps[0]
