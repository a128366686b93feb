"""Process pages: the staff list/upload/detail pages and the public diagram."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from yiwang.console.views import staff_required
from yiwang.core.errors import DomainError, PermissionDenied
from yiwang.core.pagination import page_of
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm
from yiwang.workflow import engine, selectors, services
from yiwang.workflow.diagram import render_svg
from yiwang.workflow.forms import ProcessUploadForm


def _require_manage(request: HttpRequest) -> None:
    if not has_perm(getattr(request, "position", None), Perm.PROCESS_MANAGE):
        raise PermissionDenied(_("当前岗位无权管理审批流程"))


@staff_required
def process_list(request: HttpRequest) -> HttpResponse:
    """流程管理: uploaded and template definitions, and the upload form."""
    _require_manage(request)
    form = ProcessUploadForm()
    if request.method == "POST":
        form = ProcessUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                definition = services.process_upload(
                    name=form.cleaned_data["name"], xml=form.cleaned_data["file"], actor=request.user,
                    position=request.position)  # type: ignore[attr-defined]
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                if definition.is_usable:
                    messages.success(request, _("流程已通过校验。"))
                else:
                    messages.error(request, _("流程未通过校验，请查看问题清单。"))
                return redirect("workflow:detail", pk=definition.pk)
    definitions = selectors.process_list_for_position(position=request.position)  # type: ignore[attr-defined]
    page = page_of(request, definitions, 50)
    status = 400 if request.method == "POST" else 200
    return render(request, "workflow/process_list.html", {"page": page, "form": form}, status=status)


@staff_required
def process_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    definition = selectors.process_get_for_position(position=request.position, pk=pk)  # type: ignore[attr-defined]
    steps = engine.spec_steps(definition) if definition.is_usable else []
    return render(request, "workflow/process_detail.html", {
        "definition": definition, "steps": steps,
        "svg": render_svg(definition) if definition.is_usable else "",
    })


@require_GET
@cache_control(public=True, max_age=3600)
def process_diagram(request: HttpRequest, pk: int) -> HttpResponse:
    """The diagram of a valid definition as SVG (public: shown on service guides)."""
    try:
        definition = selectors.process_get_public(pk=pk)
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(render_svg(definition), content_type="image/svg+xml; charset=utf-8")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
