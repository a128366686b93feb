"""Inbox pages (我的消息): a person reads only their own in-app messages."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yiwang.core.errors import NotFound
from yiwang.core.pagination import page_of
from yiwang.notify import selectors, services

PAGE_SIZE = 20


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("unread") == "1"
    queryset = selectors.inbox_for_user(request.user)  # type: ignore[arg-type]
    if only_unread:
        queryset = queryset.filter(read_at__isnull=True)
    page = page_of(request, queryset, PAGE_SIZE)
    return render(
        request,
        "notify/inbox.html",
        {
            "page": page,
            "only_unread": only_unread,
            "unread_count": selectors.inbox_unread_count(request.user),  # type: ignore[arg-type]
        },
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        services.inbox_message_mark_read(user=request.user, message_id=message_id)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return HttpResponseRedirect(reverse("notify:inbox"))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.inbox_mark_all_read(user=request.user)  # type: ignore[arg-type]
    flash.success(request, _("已将 %(count)d 条消息标为已读") % {"count": count})
    return HttpResponseRedirect(reverse("notify:inbox"))


@login_required
@require_GET
def unread_count(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"unread": selectors.inbox_unread_count(request.user)})  # type: ignore[arg-type]
