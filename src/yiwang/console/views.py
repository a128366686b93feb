"""The staff workbench (工作台). Every read goes through a selector with the acting position."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.accounts.two_factor import two_factor_pending
from yiwang.core.audit import audit_record
from yiwang.core.audit_actions import ACTION_LABELS, action_filter_groups, action_label
from yiwang.core.errors import DomainError, PermissionDenied
from yiwang.core.pagination import page_of
from yiwang.core.search_query import clean_search_query
from yiwang.org import selectors as org_selectors
from yiwang.org.middleware import SESSION_KEY
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm


def staff_required(view):
    """A signed-in person with an acting position who has passed two-factor (the middleware enforces
    it first; this is the second line)."""
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if two_factor_pending(request.user):
            return redirect_to_login(request.get_full_path(), login_url="accounts:two_factor")
        if getattr(request, "position", None) is None:
            return render(request, "portal/error.html",
                          {"title": _("无权访问"), "message": _("您没有可用的工作岗位。")}, status=403)
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return render(request, "portal/error.html", {"title": _("无法完成"), "message": exc.message},
                          status=exc.status)
    return wrapper


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    context = {
        "division_count": org_selectors.division_list_for_position(position=position).count()
        if has_perm(position, Perm.ORG_VIEW) else None,
        "perms": sorted(str(p.label) for p in Perm if has_perm(position, p.value)),
    }
    return render(request, "console/home.html", context)


@require_POST
@staff_required
def switch_position(request: HttpRequest) -> HttpResponse:
    try:
        wanted = int(request.POST.get("position", ""))
    except ValueError:
        return HttpResponseForbidden()
    positions = {p.pk: p for p in request.positions}  # type: ignore[attr-defined]
    if wanted not in positions:
        return render(request, "portal/error.html",
                      {"title": _("无权访问"), "message": _("该岗位不属于您。")}, status=403)
    previous = request.position  # type: ignore[attr-defined]
    request.session[SESSION_KEY] = wanted
    audit_record(action="position.switch", actor=request.user, position=positions[wanted], obj=positions[wanted],
                 before={"position": previous.pk if previous else None}, after={"position": wanted})
    messages.success(request, _("已切换到岗位：%(p)s") % {"p": positions[wanted]})
    return redirect("console:home")


@staff_required
def org_tree(request: HttpRequest) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    divisions = org_selectors.division_list_for_position(position=position)
    query = clean_search_query(request.GET.get("q"))
    if query:
        divisions = divisions.filter(name__contains=query)
    page = page_of(request, divisions, 50)
    return render(request, "console/org.html", {
        "page": page, "q": query,
        "departments": org_selectors.department_list_for_position(position=position)[:200],
        "halls": org_selectors.hall_list_for_position(position=position).prefetch_related("windows")[:100],
    })


@staff_required
def people(request: HttpRequest) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    positions = org_selectors.staff_positions_for_position(position=position)
    page = page_of(request, positions, 50)
    return render(request, "console/people.html", {"page": page,
                                                   "can_unmask": has_perm(position, Perm.PERSON_UNMASK)})


def _unmask_form(request: HttpRequest, user_id: int, *, error: DomainError | None = None) -> HttpResponse:
    """The 查看完整信息 form: reason and the linked case or ticket; an error is shown above the fields."""
    data = request.POST if request.method == "POST" else request.GET
    values = {k: (data.get(k) or "").strip()[:200] for k in ("reason", "case_number", "ticket_number")}
    field = ""
    if error is not None:
        details = error.details if isinstance(error.details, dict) else {}
        errors = details.get("errors") or [{}]
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        field = str(first.get("field") or details.get("field") or "")
        if "case_number" in details:
            field = "case_number"
        elif "ticket_number" in details:
            field = "ticket_number"
    return render(request, "console/unmask.html", {"user_id": user_id, "values": values, "error": error,
                                                   "error_field": field},
                  status=error.status if error is not None else 200)


@require_http_methods(["GET", "POST"])
@staff_required
def person_unmask_view(request: HttpRequest, user_id: int) -> HttpResponse:
    """GET: the form, pre-filled from ``?case_number=`` / ``?ticket_number=``; POST: ``person_unmask``."""
    from yiwang.accounts.unmasking import person_unmask

    position = request.position  # type: ignore[attr-defined]
    if not has_perm(position, Perm.PERSON_UNMASK):
        raise PermissionDenied(_("当前岗位无权查看完整个人信息"), details={"permission": Perm.PERSON_UNMASK.value})
    if request.method == "GET":
        return _unmask_form(request, user_id)
    try:
        revealed = person_unmask(actor=request.user, position=position, user_id=user_id,
                                 reason=request.POST.get("reason", ""),
                                 case_number=request.POST.get("case_number", ""),
                                 ticket_number=request.POST.get("ticket_number", ""))
    except DomainError as exc:
        return _unmask_form(request, user_id, error=exc)
    return render(request, "console/unmasked.html", {"revealed": revealed})


@staff_required
def audit_log(request: HttpRequest) -> HttpResponse:
    from yiwang.core.selectors import audit_events_for_position

    action = request.GET.get("action", "")
    events = audit_events_for_position(position=request.position,  # type: ignore[attr-defined]
                                       action=action)
    if action in ACTION_LABELS:  # one chosen action, not every code it prefixes (return → return_review)
        events = events.filter(action=action)
    page = page_of(request, events, 50)
    for event in page:
        event.action_label = action_label(event.action)  # type: ignore[attr-defined]
    groups = action_filter_groups()
    known = any(action == prefix or any(action == code for code, _label in codes) for _n, prefix, codes in groups)
    return render(request, "console/audit.html", {
        "page": page, "action": action, "action_groups": groups, "action_unlisted": bool(action) and not known,
    })
