"""Reads of the cases app. Staff reads take the acting position and filter by its scope;
applicant reads take the user; the public status query needs the number and the query code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.calendar import selectors as clock_selectors
from yiwang.calendar.clocks import clock_state
from yiwang.calendar.models import Clock
from yiwang.cases.deadlines import ACCEPTANCE_PURPOSE, HANDLING_PURPOSE, STATUTORY_PURPOSE
from yiwang.cases.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseNotice,
    CaseStatus,
    Channel,
    SupplementNotice,
)
from yiwang.cases.scope import acceptance_q, staff_q
from yiwang.core.errors import NotFound
from yiwang.org.models import Position
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm


def _base() -> QuerySet[Case]:
    return Case.objects.select_related("item", "version", "division", "department", "applicant_user")


# --- applicants -----------------------------------------------------------------------------

def case_list_for_applicant(*, user: Any) -> QuerySet[Case]:
    """My cases: filed by me online, or filed for me (my account matched) at a window or by an agent."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return _base().filter(applicant_user=user).exclude(Q(status=CaseStatus.DRAFT) & ~Q(channel=Channel.ONLINE))


def case_get_for_applicant(*, user: Any, pk: int) -> Case:
    case = case_list_for_applicant(user=user).filter(pk=pk).first()
    if case is None:
        raise NotFound(_("办件不存在"))
    return case


def draft_get_for_owner(*, user: Any, pk: int) -> Case:
    case = _base().filter(pk=pk, status=CaseStatus.DRAFT).filter(
        Q(channel=Channel.ONLINE, applicant_user=user) | ~Q(channel=Channel.ONLINE) & Q(filed_by=user)).first()
    if case is None:
        raise NotFound(_("草稿不存在"))
    return case


# --- staff ---------------------------------------------------------------------------------------

def case_list_for_staff(*, position: Position | None) -> QuerySet[Case]:
    if position is None or not position.is_active or not has_perm(position, Perm.CASE_VIEW):
        return Case.objects.none()
    return _base().filter(staff_q(position)).exclude(status=CaseStatus.DRAFT).distinct()


def case_get_for_staff(*, position: Position | None, pk: int) -> Case:
    case = case_list_for_staff(position=position).filter(pk=pk).first()
    if case is None:
        raise NotFound(_("办件不存在或不在本岗位范围内"))
    return case


def case_list_for_acceptance(*, position: Position | None, statuses: tuple[str, ...] = (
        CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT)) -> QuerySet[Case]:
    """The window acceptance desk (受理台): submitted and supplement cases in the clerk's scope."""
    if position is None or not position.is_active or not has_perm(position, Perm.CASE_ACCEPT):
        return Case.objects.none()
    return _base().filter(acceptance_q(position), status__in=statuses).order_by("submitted_at", "pk")


def case_list_filed_by(*, position: Position | None) -> QuerySet[Case]:
    """Cases filed by this agent's station (the agent's village subtree) or by this clerk."""
    if position is None or not position.is_active or not has_perm(position, Perm.CASE_FILE_FOR_OTHERS):
        return Case.objects.none()
    if position.role == "village_agent":
        q = Q(channel=Channel.AGENT, filed_by_position__division__path__startswith=position.division.path)
    else:
        q = Q(filed_by=position.user)
    return _base().filter(q).order_by("-created_at")


def cases_deemed_accepted(*, position: Position | None) -> QuerySet[Case]:
    """Supervision (效能监察): cases deemed accepted for want of a timely notice, in scope."""
    if position is None or not position.is_active or not has_perm(position, Perm.CASE_VIEW):
        return Case.objects.none()
    return (case_list_for_staff(position=position).filter(deemed_accepted=True)
            .order_by("-accepted_at"))


def flagged_supplements(*, position: Position | None) -> QuerySet[SupplementNotice]:
    """Second supplement notices (违反一次性告知, approved by override) in scope, for supervision."""
    cases = case_list_for_staff(position=position)
    return SupplementNotice.objects.filter(flagged=True, case__in=cases.values("pk")).select_related("case")


def fee_comparison(*, position: Position | None) -> QuerySet[Case]:
    """Cases whose charged amount differs from the standard (supervision of 一费制)."""
    return case_list_for_staff(position=position).filter(fee_due__gt=0).exclude(fee_paid=F("fee_due"))


# --- shared views of a case --------------------------------------------------------------------

@dataclass(frozen=True)
class ClockView:
    purpose: str
    due_date: date | None
    remaining: int | None
    status: str
    unit: str
    budget: int
    stopped: bool
    paused: bool


def case_clocks(case: Case, *, today: date | None = None) -> dict[str, ClockView]:
    out: dict[str, ClockView] = {}
    for clock in clock_selectors.clock_list_for_object(case):
        state = clock_state(clock, today=today)
        out[clock.purpose or "clock"] = ClockView(
            purpose=clock.purpose, due_date=state.due_date, remaining=state.remaining, status=state.status,
            unit=clock.get_unit_display(), budget=clock.budget, stopped=clock.stopped_at is not None,
            paused=state.paused)
    return out


def main_clock(case: Case, *, today: date | None = None) -> ClockView | None:
    clocks = case_clocks(case, today=today)
    if case.status in (CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT):
        return clocks.get(ACCEPTANCE_PURPOSE)
    return clocks.get(HANDLING_PURPOSE) or clocks.get(STATUTORY_PURPOSE)


def case_timeline(case: Case, *, public_only: bool = True) -> QuerySet[CaseEvent]:
    qs = CaseEvent.objects.filter(case=case)
    return qs.filter(public=True) if public_only else qs


def case_notices(case: Case) -> QuerySet[CaseNotice]:
    return CaseNotice.objects.filter(case=case).order_by("issued_at", "pk")


def case_materials(case: Case, *, current_only: bool = True) -> QuerySet[CaseMaterial]:
    qs = CaseMaterial.objects.filter(case=case).select_related("material")
    return qs.filter(is_current=True) if current_only else qs


def case_open_supplement(case: Case) -> SupplementNotice | None:
    return SupplementNotice.objects.filter(case=case, resolved_at__isnull=True).order_by("-sequence").first()


def notice_get_for_applicant(*, user: Any, pk: int) -> CaseNotice:
    notice = CaseNotice.objects.filter(pk=pk, case__in=case_list_for_applicant(user=user).values("pk")).first()
    if notice is None:
        raise NotFound(_("文书不存在"))
    return notice


def notice_get_for_staff(*, position: Position | None, pk: int) -> CaseNotice:
    notice = CaseNotice.objects.filter(pk=pk, case__in=case_list_for_staff(position=position).values("pk")).first()
    if notice is None:
        raise NotFound(_("文书不存在"))
    return notice


# --- public status query: see yiwang.cases.status_query -------------------------------------


def acceptance_clock_due(case: Case) -> Clock | None:
    return clock_selectors.clock_for_object(case, purpose=ACCEPTANCE_PURPOSE)


def today() -> date:
    return timezone.localdate()
