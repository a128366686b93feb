"""Reads of the 12345 hotline, filtered by the acting position's scope.

Who sees which tickets:

* **the centre** (hotline operators, HOTLINE department positions): every ticket;
* **a unit's staff** (a position with a department): tickets that were ever assigned to that
  department — one unit never reads another unit's tickets, and township A never sees township B's;
* **a village agent**: tickets re-dispatched to its village;
* **leaders, supervisors, administrators** (no department): tickets located in, or assigned to a
  unit of, their division subtree;
* **citizens**: only their own tickets (:func:`ticket_list_for_citizen`);
* **the public**: published tickets (consent given) with personal data masked.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import crypto
from yiwang.core.errors import NotFound, PermissionDenied
from yiwang.core.masking import mask_name, mask_text
from yiwang.hotline.centre import is_centre
from yiwang.hotline.models import (
    Assignment,
    AssignmentStatus,
    ExtensionRequest,
    ExtensionStatus,
    KnowledgeArticle,
    KnowledgeStatus,
    PublicationStatus,
    Reply,
    ReplyStatus,
    ReturnReview,
    Ticket,
    TicketStatus,
)
from yiwang.hotline.segmentation import segment
from yiwang.org.models import Position
from yiwang.org.roles import Perm, Role
from yiwang.org.scope import has_perm


def _require(position: Position | None, perm: str) -> Position:
    if position is None or not has_perm(position, perm):
        raise PermissionDenied(_("当前岗位无权查看工单"), details={"permission": str(perm)})
    return position


def ticket_scope_q(position: Position) -> Q | None:
    """The filter for tickets ``position`` may read; ``None`` means all."""
    if is_centre(position):
        return None
    if position.department_id:
        return Q(assignments__unit_id=position.department_id)
    if position.role == Role.VILLAGE_AGENT:
        return Q(assignments__division__path__startswith=position.division.path)
    path = position.division.path
    return (Q(division__path__startswith=path) | Q(lead_unit__division__path__startswith=path)
            | Q(assignments__unit__division__path__startswith=path))


def ticket_list_for_position(*, position: Position | None, status: str | None = None,
                             q: str | None = None) -> QuerySet[Ticket]:
    position = _require(position, Perm.TICKET_VIEW)
    qs = Ticket.objects.all()
    cond = ticket_scope_q(position)
    if cond is not None:
        ids = Ticket.objects.filter(cond).values("pk")
        qs = qs.filter(pk__in=ids)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(content__icontains=q))
    return qs.select_related("lead_unit", "matter_type", "division").order_by("-created_at", "-id")


def ticket_get_for_position(*, position: Position | None, pk: int | str) -> Ticket:
    try:
        pk_int = int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound(_("工单不存在")) from exc
    ticket = ticket_list_for_position(position=position).filter(pk=pk_int).first()
    if ticket is None:
        raise NotFound(_("工单不存在或不在本岗位范围内"), details={"id": pk})
    return ticket


def ticket_get_by_number_for_position(*, position: Position | None, number: str) -> Ticket:
    ticket = ticket_list_for_position(position=position).filter(number=number).first()
    if ticket is None:
        raise NotFound(_("工单不存在或不在本岗位范围内"), details={"number": number})
    return ticket


def ticket_list_for_citizen(*, user: Any) -> QuerySet[Ticket]:
    if not getattr(user, "is_authenticated", False):
        return Ticket.objects.none()
    return Ticket.objects.filter(caller_user=user).select_related("lead_unit").order_by("-created_at")


def ticket_get_for_citizen(*, user: Any, pk: int | str) -> Ticket:
    try:
        ticket = ticket_list_for_citizen(user=user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        ticket = None
    if ticket is None:
        raise NotFound(_("工单不存在"))
    return ticket


def ticket_get_by_query_code(*, number: str, code: str) -> Ticket:
    """Follow a mailbox letter with its number and query code (查询码); both must match."""
    # The code may be typed in groups or lower case: ``abcd-efgh jkmn`` is ``ABCDEFGHJKMN``.
    number, code = (number or "").strip(), re.sub(r"[\s\-]", "", code or "").upper()
    ticket = Ticket.objects.filter(number=number).first() if number and code else None
    if ticket is None or not ticket.query_code_hash or not crypto.constant_time_equal(
            ticket.query_code_hash, crypto.blind_index(code, purpose="ticket-query")):
        raise NotFound(_("工单编号或查询码不正确"))
    return ticket


def assignment_list_for_position(*, position: Position | None, open_only: bool = True) -> QuerySet[Assignment]:
    """A unit's worklist (待办): its assignments (or, for a village agent, its village's)."""
    position = _require(position, Perm.TICKET_HANDLE)
    if position.department_id:
        qs = Assignment.objects.filter(unit_id=position.department_id)
        if position.role != Role.VILLAGE_AGENT:
            qs = qs.filter(Q(division__isnull=True) | Q(division__path__startswith=position.division.path))
    elif position.role == Role.VILLAGE_AGENT:
        qs = Assignment.objects.filter(division__path__startswith=position.division.path)
    else:
        return Assignment.objects.none()
    if open_only:
        qs = qs.filter(status__in=[AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED])
    return qs.select_related("ticket", "unit", "division", "clock").order_by("ticket__expected_at", "id")


def assignment_get_for_position(*, position: Position | None, pk: int | str) -> Assignment:
    try:
        assignment = assignment_list_for_position(position=position, open_only=False).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        assignment = None
    if assignment is None:
        raise NotFound(_("派单不存在或不属于本单位"))
    return assignment


def pending_returns(*, position: Position | None) -> QuerySet[Assignment]:
    position = _require(position, Perm.TICKET_REVIEW)
    if not is_centre(position):
        return Assignment.objects.none()
    return Assignment.objects.filter(return_review_status=ReturnReview.PENDING).select_related("ticket", "unit")


def pending_replies(*, position: Position | None) -> QuerySet[Reply]:
    position = _require(position, Perm.TICKET_REVIEW)
    if not is_centre(position):
        return Reply.objects.none()
    return Reply.objects.filter(status=ReplyStatus.PENDING_REVIEW).select_related("ticket", "unit", "assignment")


def pending_extensions(*, position: Position | None) -> QuerySet[ExtensionRequest]:
    position = _require(position, Perm.TICKET_REVIEW)
    if not is_centre(position):
        return ExtensionRequest.objects.none()
    return ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING).select_related("ticket", "assignment__unit")


def callbacks_due(*, position: Position | None) -> QuerySet[Ticket]:
    position = _require(position, Perm.TICKET_REVIEW)
    if not is_centre(position):
        return Ticket.objects.none()
    return Ticket.objects.filter(status=TicketStatus.CALLBACK).select_related("lead_unit").order_by("replied_at")


def leader_ticket_list(*, position: Position | None) -> QuerySet[Ticket]:
    """Tickets flagged for leaders' instruction, in the leader's scope."""
    position = _require(position, Perm.TICKET_INSTRUCT)
    return ticket_list_for_position(position=position).filter(leader_flag=True).prefetch_related("instructions")


def returns_count_by_unit(*, position: Position | None, since: date | None = None) -> list[dict[str, Any]]:
    """退单 counts per unit (for statistics): ``[{unit_id, unit__name, returns, approved}]``."""
    position = _require(position, Perm.TICKET_VIEW)
    qs = Assignment.objects.exclude(return_review_status="")
    cond = ticket_scope_q(position)
    if cond is not None:
        qs = qs.filter(ticket__in=Ticket.objects.filter(cond).values("pk"))
    if since is not None:
        qs = qs.filter(returned_at__date__gte=since)
    rows = qs.values("unit_id", "unit__name").annotate(
        returns=Count("id"), approved=Count("id", filter=Q(return_review_status=ReturnReview.APPROVED)))
    return [dict(row) for row in rows.order_by("-returns", "unit__name")]


# --- knowledge base ------------------------------------------------------------------------
def _published(today: date | None = None) -> QuerySet[KnowledgeArticle]:
    today = today or timezone.localdate()
    return KnowledgeArticle.objects.filter(status=KnowledgeStatus.PUBLISHED).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today))


def knowledge_search(*, query: str, limit: int = 10, today: date | None = None) -> list[KnowledgeArticle]:
    """Search published, unexpired articles: the query is segmented with rjieba and every token
    must occur as a whole token in the pre-segmented ``search_text`` (token AND; plain ``LIKE``, so
    SQLite and PostgreSQL behave alike). If nothing matches all tokens, the best partial matches
    (most tokens) are returned."""
    tokens = segment(query)[:8]
    qs = _published(today)
    if not tokens:
        return list(qs.select_related("department")[:limit])
    strict = qs
    for token in tokens:
        strict = strict.filter(search_text__contains=f" {token} ")
    found = list(strict.select_related("department")[:limit])
    if found:
        return found
    any_q = Q()
    for token in tokens:
        any_q |= Q(search_text__contains=f" {token} ")
    partial = list(qs.filter(any_q).select_related("department")[:200])
    partial.sort(key=lambda a: -sum(f" {t} " in a.search_text for t in tokens))
    return partial[:limit]


def knowledge_list_for_position(*, position: Position | None) -> QuerySet[KnowledgeArticle]:
    """Articles an editor may manage: the centre and reviewers see all; departments their own."""
    if position is None or not (has_perm(position, Perm.KNOWLEDGE_EDIT) or has_perm(position, Perm.KNOWLEDGE_REVIEW)):
        raise PermissionDenied(_("当前岗位无权管理知识库"))
    qs = KnowledgeArticle.objects.select_related("department")
    if not (is_centre(position) or has_perm(position, Perm.KNOWLEDGE_REVIEW)):
        qs = qs.filter(department_id=position.department_id)  # type: ignore[misc]
    return qs.order_by("-updated_at")


def knowledge_get_published(*, pk: int | str) -> KnowledgeArticle:
    try:
        article = _published().filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        article = None
    if article is None:
        raise NotFound(_("知识条目不存在或已过期"))
    return article


# --- public listing -------------------------------------------------------------------------
PUBLIC_STATUSES = (TicketStatus.CALLBACK, TicketStatus.CLOSED)


def public_ticket_list() -> QuerySet[Ticket]:
    """Tickets the caller agreed to publish and the centre reviewed for publication (公开审核), once answered."""
    return (Ticket.objects.filter(publish_consent=True, publication_status=PublicationStatus.APPROVED,
                                  status__in=PUBLIC_STATUSES)
            .select_related("lead_unit", "division", "matter_type").order_by("-replied_at", "-id"))


def publication_review_queue(*, position: Position | None) -> QuerySet[Ticket]:
    """Answered tickets with the caller's consent that wait for the centre's publication review."""
    if position is None or not is_centre(position) or not has_perm(position, Perm.TICKET_REVIEW):
        return Ticket.objects.none()
    return (Ticket.objects.filter(publish_consent=True, publication_status=PublicationStatus.PENDING,
                                  status__in=PUBLIC_STATUSES).order_by("replied_at", "id"))


def public_ticket_view(ticket: Ticket) -> dict[str, Any]:
    """The masked public form of a ticket: no phone, masked name, IDs/phones masked in free text.

    The title and text are the reviewed ones (``published_*``) once approved for publication; before
    that only the caller following their own letter (query code) sees it, masked."""
    replies = [r for r in ticket.replies.all() if r.status == ReplyStatus.APPROVED]
    approved = ticket.publication_status == PublicationStatus.APPROVED
    title = ticket.published_title if approved else ticket.title
    content = ticket.published_content if approved else ticket.content
    return {
        "number": ticket.number, "category": ticket.get_category_display(), "title": mask_text(title),
        "content": mask_text(content), "caller": mask_name(ticket.caller_name) if ticket.caller_name else "",
        "division": ticket.division.name if ticket.division else "", "unit": ticket.lead_unit.name if ticket.lead_unit else "",
        "created_at": ticket.created_at, "replied_at": ticket.replied_at, "status": ticket.get_status_display(),
        "replies": [{"unit": r.unit.name, "content": mask_text(r.content), "at": r.reviewed_at} for r in replies],
    }
