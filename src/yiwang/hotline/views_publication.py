"""公开审核 page of the hotline console: the centre reviews letters whose caller agreed to publication.

The queue is ``selectors.publication_review_queue`` (answered tickets with consent, pending review);
each row shows the original text masked and an editable text pre-filled by ``core.masking.mask_text``.
Approving or refusing calls ``services.ticket_publication_review``, which checks ``TICKET_REVIEW`` at the
centre, masks the reviewed text again and audits the decision. The view checks the same permission
first (``require_centre``) so other positions get 403, never an empty page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.console.views import staff_required
from yiwang.core.errors import DomainError, InvalidInput, NotFound
from yiwang.core.masking import mask_text
from yiwang.hotline import selectors, services
from yiwang.hotline.centre import require_centre
from yiwang.hotline.models import Ticket
from yiwang.org.roles import Perm


def _row(ticket: Ticket, post: Any = None, error: DomainError | None = None) -> dict[str, Any]:
    """One queue entry: the original (masked) and the editable text (posted values after an error)."""
    masked = {"title": mask_text(ticket.title), "content": mask_text(ticket.content),
              "address": mask_text(ticket.address)}
    edit = dict(masked)
    note = ""
    if post is not None:
        edit = {k: post.get(k, v) for k, v in masked.items()}
        note = post.get("note", "")
    return {"ticket": ticket, "original": masked, "edit": edit, "note": note, "error": error}


@staff_required
@require_http_methods(["GET", "POST"])
def publication_queue(request: HttpRequest) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    require_centre(position, Perm.TICKET_REVIEW)
    queue = selectors.publication_review_queue(position=position).select_related("division", "lead_unit")
    failed: dict[int, DomainError] = {}
    status = 200
    if request.method == "POST":
        ticket = queue.filter(pk=_int(request.POST.get("ticket"))).first()
        if ticket is None:
            raise NotFound(_("工单不存在、不在本岗位范围内或已审核"), details={"field": "ticket"})
        decision = request.POST.get("decision")
        try:
            if decision not in ("approve", "refuse"):
                raise InvalidInput(_("请选择同意公开或不予公开"), details={"field": "decision"})
            approve = decision == "approve"
            services.ticket_publication_review(
                ticket=ticket, approve=approve, title=request.POST.get("title") if approve else None,
                content=request.POST.get("content") if approve else None,
                address=request.POST.get("address") if approve else None, note=request.POST.get("note", ""),
                actor=request.user, position=position)
        except DomainError as exc:
            failed[ticket.pk] = exc
            status = exc.status
        else:
            messages.success(request, _("工单 %(n)s 已同意公开") % {"n": ticket.number} if approve
                             else _("工单 %(n)s 不予公开") % {"n": ticket.number})
            return redirect("hotline:publication_queue")
    page = Paginator(queue, 20).get_page(request.GET.get("page"))
    rows = [_row(t, request.POST, failed[t.pk]) if t.pk in failed else _row(t) for t in page]
    if failed and not any(r["error"] for r in rows):  # the failed ticket is on another page: show it first
        ticket = queue.get(pk=next(iter(failed)))
        rows.insert(0, _row(ticket, request.POST, failed[ticket.pk]))
    return render(request, "hotline/publication.html", {"page": page, "rows": rows, "is_centre": True},
                  status=status)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
