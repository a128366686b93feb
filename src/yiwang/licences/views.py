"""Licence pages: public verification (QR target and PDF upload), downloads, the staff registry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.cases.models import CaseNotice
from yiwang.catalog.models import ServiceItem
from yiwang.console.views import staff_required
from yiwang.core.audit import audit_record
from yiwang.core.errors import DomainError, NotFound
from yiwang.core.pagination import page_of
from yiwang.core.search_query import clean_search_query
from yiwang.licences import selectors
from yiwang.licences.models import LicenceStatus
from yiwang.licences.notices import notice_render
from yiwang.licences.services import (
    MAX_PDF_BYTES,
    VerifyResult,
    licence_revoke,
    licence_verify,
    licence_verify_pdf,
)
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm


def _verify_context(result: VerifyResult | None, **extra: object) -> dict[str, object]:
    return {"result": result, "info": result.public_dict() if result else None, **extra}


@require_http_methods(["GET", "POST"])
def verify_home(request: HttpRequest) -> HttpResponse:
    """核验 landing page: look a licence up by number and code, or upload its PDF."""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            return render(request, "licences/verify.html",
                          _verify_context(None, upload_error=_("请选择要核验的 PDF 文件")), status=400)
        if (upload.size or 0) > MAX_PDF_BYTES:
            return render(request, "licences/verify.html",
                          _verify_context(None, upload_error=_("文件过大（最大 10 MB）")), status=400)
        result = licence_verify_pdf(upload.read())
        return render(request, "licences/verify.html", _verify_context(result, uploaded=True))
    number = request.GET.get("number", "").strip()
    code = request.GET.get("code", "").strip()
    found: VerifyResult | None = licence_verify(number=number, code=code) if number else None
    return render(request, "licences/verify.html", _verify_context(found, number=number, code=code))


def verify_page(request: HttpRequest, number: str) -> HttpResponse:
    """What the licence's QR code opens: the registry status of one licence."""
    code = request.GET.get("code", "")
    result = licence_verify(number=number, code=code)
    return render(request, "licences/verify.html", _verify_context(result, number=number, code=code))


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def licence_pdf(request: HttpRequest, number: str) -> HttpResponse:
    try:
        licence = selectors.licence_get_for_user(user=request.user, position=getattr(request, "position", None),
                                                 number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if licence.holder_user_id != request.user.pk:
        audit_record(action="licence.download", actor=request.user, position=getattr(request, "position", None),
                     obj=licence, after={"number": licence.number})
    if not licence.pdf:
        raise Http404(_("证照文件不存在"))
    with licence.pdf.open("rb") as handle:
        data = handle.read()
    return _pdf_response(data, f"{licence.number}.pdf")


@login_required
def notice_pdf(request: HttpRequest, notice_id: int) -> HttpResponse:
    try:
        notice, as_staff = selectors.notice_get_for_user(
            user=request.user, position=getattr(request, "position", None), notice_id=notice_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if as_staff:
        audit_record(action="notice.download", actor=request.user, position=getattr(request, "position", None),
                     obj=notice, after={"number": notice.number, "case": notice.case.number})
    if notice.file:
        with notice.file.open("rb") as handle:
            data = handle.read()
    else:  # not stored yet (e.g. issued before rendering was wired up): render on the fly
        data = notice_render(notice)
    return _pdf_response(data, f"notice-{notice.pk}.pdf")


@login_required
def my_licences(request: HttpRequest) -> HttpResponse:
    licences = selectors.licence_list_for_holder(user=request.user)
    notices = CaseNotice.objects.filter(case__applicant_user_id=request.user.pk).select_related("case")[:100]
    return render(request, "licences/mine.html", {"licences": licences, "notices": notices})


@staff_required
def registry(request: HttpRequest) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    q = clean_search_query(request.GET.get("q"), max_length=50)
    item = request.GET.get("item", "").strip()[:20]
    status = request.GET.get("status", "").strip()
    if status not in LicenceStatus.values:
        status = ""
    licences = selectors.licence_list_for_position(position=position, q=q, item=item, status=status)
    page = page_of(request, licences, 30)
    items = ServiceItem.objects.filter(licences__in=selectors.licence_list_for_position(position=position)).distinct()
    return render(request, "licences/registry.html", {
        "page": page, "q": q, "item": item, "status": status, "statuses": LicenceStatus.choices,
        "items": items.order_by("base_code")[:200], "can_revoke": has_perm(position, Perm.LICENCE_REVOKE),
    })


@require_POST
@staff_required
def registry_revoke(request: HttpRequest, number: str) -> HttpResponse:
    position = request.position  # type: ignore[attr-defined]
    licence = selectors.licence_get_for_position(position=position, number=number)
    try:
        licence_revoke(licence=licence, reason=request.POST.get("reason", ""), actor=request.user, position=position)
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("证照 %(n)s 已注销") % {"n": number})
    return redirect("licences:registry")
