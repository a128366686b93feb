"""Portal and console screens for applying, acceptance, fees and the public status query.

Views never write models: they call ``cases.services`` and read through ``cases.selectors``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.cases import selectors, services
from yiwang.cases.acceptance import supplement_outstanding
from yiwang.cases.application import check_files_partial, missing_materials
from yiwang.cases.deferral import acceptance_gap, case_deferred_supply, open_deferrals
from yiwang.cases.fees import fee_lines
from yiwang.cases.models import Case, CaseStatus, Channel
from yiwang.cases.overrides import (
    pending_override_requests,
    supplement_override_decide,
    supplement_override_request,
)
from yiwang.cases.status_query import case_status_lookup
from yiwang.catalog.models import ServiceItem, ServiceItemVersion
from yiwang.console.views import staff_required
from yiwang.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from yiwang.core.masking import mask_name
from yiwang.org.models import Division, DivisionLevel, Position
from yiwang.org.roles import Perm, Role
from yiwang.org.scope import has_perm

APPLICANT_FIELDS = ("kind", "name", "id_number", "phone", "credit_code")


def _position(request: HttpRequest) -> Any:
    return getattr(request, "position", None)


def _version_for(base_code: str) -> ServiceItemVersion:
    item = ServiceItem.objects.filter(base_code=base_code.strip().upper(), is_active=True).select_related(
        "published_version").first()
    if item is None or item.published_version is None:
        raise NotFound(_("事项不存在或未发布"))
    return item.published_version


def _error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "portal/error.html", {"title": _("无法完成"), "message": exc.message}, status=exc.status)


def _field_errors(exc: DomainError) -> dict[str, Any]:
    fields = exc.details.get("fields") if isinstance(exc.details, dict) else None
    out: dict[str, str] = {}
    for key, value in (fields or {}).items():
        out[key] = value.get("message", "") if isinstance(value, dict) else str(value)
    return out


def _places(version: ServiceItemVersion) -> list[Division]:
    """Townships and villages of the item's county (for online township/village items)."""
    if not set(version.levels) & {"township", "village"}:
        return []
    county_path = version.department.division.path
    return list(Division.objects.filter(path__startswith=county_path, valid_to__isnull=True,
                                        level__in=[DivisionLevel.TOWNSHIP, DivisionLevel.VILLAGE])
                .order_by("path")[:2000])


def _files(request: HttpRequest, version: ServiceItemVersion) -> dict[int, Any]:
    return {m.pk: request.FILES[f"material_{m.pk}"] for m in version.materials.all()
            if f"material_{m.pk}" in request.FILES}


def _form_data(request: HttpRequest) -> dict[str, str]:
    return {k: request.POST.get(k, "") for k in ("address", "note", "delivery", "contact_phone",
                                                 "legal_representative")}


def _applicant(request: HttpRequest) -> dict[str, str]:
    return {k: request.POST.get(f"applicant_{k}", "") for k in APPLICANT_FIELDS}


def _division_from(request: HttpRequest) -> Division | None:
    raw = request.POST.get("division", "")
    if not raw:
        return None
    try:
        return Division.objects.get(pk=int(raw))
    except (ValueError, Division.DoesNotExist) as exc:
        raise InvalidInput(_("办理地点不存在"), details={"fields": {"division": _("请重新选择")}}) from exc


def _apply_context(request: HttpRequest, version: ServiceItemVersion, *, case: Case | None = None,
                   channel: str = Channel.ONLINE, errors: dict[str, Any] | None = None,
                   error: str = "", action_url: str = "") -> dict[str, Any]:
    uploaded = {}
    if case is not None:
        uploaded = {m.material_id: m for m in selectors.case_materials(case)}
    errors = errors or {}
    return {
        "version": version, "item": version.item, "case": case, "channel": channel,
        "materials": [{"material": m, "uploaded": uploaded.get(m.pk), "error": errors.get(f"material_{m.pk}", ""),
                       "exempt": m.required and m.can_share} for m in version.materials.all()],
        "fee_total": services.fee_quote(version), "fee_lines": fee_lines(version),
        "places": _places(version) if channel == Channel.ONLINE else [],
        "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
        "errors": errors or {}, "field_labels": {"note": _("申请说明")}, "error": error, "values": request.POST if request.method == "POST" else
        (case.form_data if case else {}), "action_url": action_url or request.path,
        "needs_applicant": channel != Channel.ONLINE,
    }


# --- portal: apply, my cases, query -------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, base_code: str) -> HttpResponse:
    try:
        version = _version_for(base_code)
    except NotFound as exc:
        return _error_page(request, exc)
    if request.method == "GET":
        return render(request, "cases/apply.html", _apply_context(request, version))
    submit = request.POST.get("action") == "submit"
    kwargs: dict[str, Any] = {"version": version, "actor": request.user, "channel": Channel.ONLINE,
                              "form_data": _form_data(request),
                              "idempotency_key": request.POST.get("idempotency_key", "")}
    try:
        kwargs["division"] = _division_from(request)
        case, _created = services.case_apply(files=_files(request, version), submit=submit, **kwargs)
    except DomainError as exc:
        return _apply_failed(request, version, exc, kwargs, _files(request, version))
    if case.status == CaseStatus.DRAFT:
        messages.success(request, _("草稿已保存，可随时回来继续填写"))
        return redirect("cases:draft", pk=case.pk)
    messages.success(request, _("申请已提交。办件编号 %(number)s，查询码 %(code)s，请妥善保存。") % {
        "number": case.number, "code": case.query_code})
    return redirect("cases:my_case", pk=case.pk)


def _apply_failed(request: HttpRequest, version: ServiceItemVersion, exc: DomainError, kwargs: dict[str, Any],
                  files: dict[int, Any], *, channel: str = Channel.ONLINE, action_url: str = "") -> HttpResponse:
    """The form re-renders with a message per bad field. The good files are kept: they are saved in
    a draft (when the rest of the form allows one), so the person re-chooses only the bad ones."""
    errors = _field_errors(exc)
    case = None
    if files and "division" in kwargs:
        good, bad = check_files_partial(version, files)
        errors = {**errors, **{k: v.get("message", "") for k, v in bad.items()}}
        if good:
            keep = {m.pk: files[m.pk] for m, _upload in good}
            for upload in keep.values():
                upload.seek(0)
            try:
                case, _created = services.case_apply(files=keep, submit=False, **kwargs)
            except DomainError:
                case = None
            if case is not None and case.status != CaseStatus.DRAFT:
                case = None
    if case is not None:
        action_url = reverse("cases:draft", args=[case.pk])
    return render(request, "cases/apply.html", _apply_context(
        request, version, case=case, channel=channel, errors=errors, error=exc.message, action_url=action_url),
        status=exc.status)


@login_required
@require_http_methods(["GET", "POST"])
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        case = selectors.draft_get_for_owner(user=request.user, pk=pk)
    except NotFound as exc:
        return _error_page(request, exc)
    if request.method == "GET":
        return render(request, "cases/apply.html", _apply_context(request, case.version, case=case,
                                                                   channel=case.channel))
    try:
        case = services.case_draft_save(version=case.version, actor=request.user, position=_position(request),
                                        case=case, form_data=_form_data(request),
                                        division=_division_from(request) if case.channel == Channel.ONLINE else None,
                                        applicant=_applicant(request) if case.channel != Channel.ONLINE else None)
        bad: dict[str, str] = {}
        for material_id, upload in _files(request, case.version).items():
            try:  # each good file is kept even when another one is bad
                services.case_material_upload(case=case, material_id=material_id, upload=upload,
                                              actor=request.user, position=_position(request))
            except InvalidInput as exc:
                bad[f"material_{material_id}"] = exc.message
        if bad:
            raise InvalidInput(_("上传的材料不符合要求"), code="upload_invalid", details={"fields": bad})
        if request.POST.get("action") == "submit":
            case = services.case_submit(case=case, actor=request.user, position=_position(request))
            messages.success(request, _("申请已提交。办件编号 %(number)s，查询码 %(code)s，请妥善保存。") % {
                "number": case.number, "code": case.query_code})
            if case.channel != Channel.ONLINE:
                return redirect("cases:console_filed")
            return redirect("cases:my_case", pk=case.pk)
    except DomainError as exc:
        return render(request, "cases/apply.html", _apply_context(
            request, case.version, case=case, channel=case.channel, errors=_field_errors(exc), error=exc.message),
            status=exc.status)
    messages.success(request, _("草稿已保存"))
    return redirect("cases:draft", pk=case.pk)


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    cases = selectors.case_list_for_applicant(user=request.user)[:200]
    rows = [{"case": c, "clock": selectors.main_clock(c)} for c in cases]
    return render(request, "cases/my_cases.html", {"rows": rows})


def _case_page_context(case: Case) -> dict[str, Any]:
    notice = selectors.case_open_supplement(case)
    outstanding = {i["key"] for i in supplement_outstanding(notice)} if notice else set()
    steps = list(case.steps.filter(parent__isnull=True).order_by("sequence", "id"))
    return {
        "case": case, "clock": selectors.main_clock(case), "events": selectors.case_timeline(case),
        "notices": selectors.case_notices(case), "materials": selectors.case_materials(case),
        "supplement": notice, "supplement_items": [{**i, "open": i["key"] in outstanding} for i in notice.items]
        if notice else [], "steps": steps, "missing": missing_materials(case),
    }


@login_required
def my_case(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        case = selectors.case_get_for_applicant(user=request.user, pk=pk)
    except NotFound as exc:
        return _error_page(request, exc)
    return render(request, "cases/my_case.html", {**_case_page_context(case),
                                                  "open_deferrals": list(open_deferrals(case))})


@login_required
@require_POST
def deferral_supply(request: HttpRequest, pk: int, deferral_pk: int) -> HttpResponse:
    """The applicant supplies a material accepted under 容缺 (their written promise)."""
    try:
        case = selectors.case_get_for_applicant(user=request.user, pk=pk)
        if not case.deferrals.filter(pk=deferral_pk).exists():
            raise NotFound(_("容缺承诺不存在"))
        case_deferred_supply(deferral_id=deferral_pk, upload=request.FILES.get("file"), actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("cases:my_case", pk=pk)
    messages.success(request, _("容缺材料已补交"))
    return redirect("cases:my_case", pk=pk)


@login_required
@require_POST
def supplement_upload(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        case = selectors.case_get_for_applicant(user=request.user, pk=pk)
        upload = request.FILES.get("file")
        services.case_supplement_upload(case=case, item_key=request.POST.get("item_key", ""), upload=upload,
                                        actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("cases:my_case", pk=pk)
    messages.success(request, _("补正材料已上传"))
    return redirect("cases:my_case", pk=pk)


def _notice_file(notice: Any) -> HttpResponseBase:
    if not notice.file:
        raise NotFound(_("文书文件尚未生成，请稍后再试"))
    return FileResponse(notice.file.open("rb"), as_attachment=True, filename=f"{notice.number}.pdf",
                        content_type="application/pdf")


@login_required
def notice_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    try:
        try:
            notice = selectors.notice_get_for_applicant(user=request.user, pk=pk)
        except NotFound:
            notice = selectors.notice_get_for_staff(position=_position(request), pk=pk)
        return _notice_file(notice)
    except DomainError as exc:
        return _error_page(request, exc)


@require_http_methods(["GET", "POST"])
def status_query(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"number": request.GET.get("number", "")[:32], "result": None, "error": ""}
    status = 200
    if request.method == "POST":
        number = request.POST.get("number", "")
        context["number"] = number[:32]
        try:
            context["result"] = case_status_lookup(
                number=number, code=request.POST.get("code", ""),
                client=f"web:{getattr(request, 'ip', None) or request.META.get('REMOTE_ADDR', '')}")
        except DomainError as exc:
            context["error"] = exc.message
            status = exc.status
    return render(request, "cases/query.html", context, status=status)


# --- console: acceptance desk, filing, station, payments ------------------------------------------

@staff_required
def console_acceptance(request: HttpRequest) -> HttpResponse:
    position = _position(request)
    if not has_perm(position, Perm.CASE_ACCEPT):
        raise PermissionDenied(_("当前岗位无权受理办件"))
    rows = [{"case": c, "clock": selectors.main_clock(c), "applicant": mask_name(c.applicant_name)}
            for c in selectors.case_list_for_acceptance(position=position)[:300]]
    return render(request, "cases/console/acceptance.html", {"rows": rows})


def _desk_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    position = _position(request)
    supervisors = Position.objects.filter(role=Role.SUPERVISOR, is_active=True).select_related("user", "division")
    return {
        **_case_page_context(case), "applicant": mask_name(case.applicant_name),
        "can_accept": case.status == CaseStatus.SUBMITTED and has_perm(position, Perm.CASE_ACCEPT),
        "can_pay": has_perm(position, Perm.PAYMENT_RECORD) and case.fee_due > case.fee_paid,
        "all_materials": case.version.materials.all(), "has_notice": case.supplement_notices.exists(),
        "supervisors": [p for p in supervisors if case.division.path.startswith(p.division.path)],
        "is_supervisor": has_perm(position, Perm.SUPPLEMENT_OVERRIDE), "errors": {}, "error": "",
        "payment_key": uuid.uuid4().hex, "gap": acceptance_gap(case) if case.status == CaseStatus.SUBMITTED else None,
        "deferrals": list(case.deferrals.all()), **extra,
    }


@staff_required
def console_case(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_staff(position=_position(request), pk=pk)
    return render(request, "cases/console/case.html", _desk_context(request, case))


@require_POST
@staff_required
def console_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    position = _position(request)
    case = selectors.case_get_for_staff(position=position, pk=pk)
    user = request.user
    post = request.POST
    try:
        if action == "accept":
            promise = ({"text": post.get("promise_text", ""), "promised_by": post.get("promised_by", "")}
                       if post.get("promise_text", "").strip() else None)
            services.case_accept(case=case, actor=user, position=position, note=post.get("note", ""),
                                 promise=promise)
            messages.success(request, _("已受理，受理通知书已出具"))
        elif action == "reject":
            services.case_reject(case=case, actor=user, position=position, reason=post.get("reason", ""),
                                 outside_competence=post.get("outside_competence") == "on",
                                 competent_agency=post.get("competent_agency", ""))
            messages.success(request, _("已作出不予受理决定"))
        elif action == "not_licensing":
            services.case_not_licensing(case=case, actor=user, position=position, reason=post.get("reason", ""),
                                        competent_agency=post.get("competent_agency", ""))
            messages.success(request, _("已告知申请人该事项不属于行政许可"))
        elif action == "correct":
            corrections = {k: post.get(f"correct_{k.replace('.', '_')}", "") for k in (
                "address", "note", "applicant.name", "applicant.phone")}
            files = {m.pk: request.FILES[f"material_{m.pk}"] for m in case.version.materials.all()
                     if f"material_{m.pk}" in request.FILES}
            services.case_correct_on_spot(case=case, actor=user, position=position, corrections=corrections,
                                          note=post.get("note", ""), files=files)
            messages.success(request, _("当场更正已记录"))
        elif action == "supplement":
            items = []
            for material in case.version.materials.all():
                if post.get(f"need_{material.pk}") == "on":
                    items.append({"material_id": material.pk, "problem": post.get(f"problem_{material.pk}", "")})
            if post.get("other_name", "").strip():
                items.append({"name": post.get("other_name", ""), "problem": post.get("other_problem", "")})
            if case.supplement_notices.exists():  # a second notice waits for a supervisor's own approval
                asked = None
                asked_pk = post.get("override_position", "")
                if asked_pk.isdigit():
                    asked = Position.objects.filter(pk=int(asked_pk), is_active=True).select_related(
                        "division").first()
                supplement_override_request(case=case, actor=user, position=position, items=items,
                                            reason=post.get("override_reason", ""), asked=asked)
                messages.success(request, _("再次补正申请已提交，待监督人员本人批准后出具通知书"))
            else:
                services.case_request_supplement(case=case, actor=user, position=position, items=items)
                messages.success(request, _("补正材料通知书已出具"))
        elif action == "payment":
            services.payment_record(case=case, amount=post.get("amount", ""), receipt_no=post.get("receipt_no", ""),
                                    actor=user, position=position, idempotency_key=post.get("idempotency_key", ""))
            messages.success(request, _("收费已登记"))
        else:
            raise NotFound(_("未知操作"))
    except DomainError as exc:
        case.refresh_from_db()
        return render(request, "cases/console/case.html",
                      _desk_context(request, case, errors=_field_errors(exc), error=exc.message), status=exc.status)
    return redirect("cases:console_case", pk=pk)


@staff_required
@require_http_methods(["GET", "POST"])
def console_file(request: HttpRequest) -> HttpResponse:
    """窗口收件 / 村级代办: choose the item, then fill the applicant and materials."""
    position = _position(request)
    if not has_perm(position, Perm.CASE_FILE_FOR_OTHERS):
        raise PermissionDenied(_("当前岗位无权代为申请"))
    channel = Channel.AGENT if position.role == Role.VILLAGE_AGENT else Channel.WINDOW
    base_code = request.GET.get("item") or request.POST.get("item") or ""
    if not base_code:
        items = list(ServiceItem.objects.filter(is_active=True, published_version__isnull=False).select_related(
            "published_version", "department")[:1000])
        if channel == Channel.AGENT:
            items = [i for i in items if i.published_version and "village" in (i.published_version.levels or [])]
        return render(request, "cases/console/file_choose.html", {"items": items[:500], "channel": channel})
    version = _version_for(base_code)
    action_url = f"{request.path}?item={version.item.base_code}"
    if request.method == "GET":
        return render(request, "cases/apply.html", _apply_context(request, version, channel=channel,
                                                                   action_url=action_url))
    kwargs: dict[str, Any] = {"version": version, "actor": request.user, "position": position, "channel": channel,
                              "applicant": _applicant(request), "form_data": _form_data(request),
                              "idempotency_key": request.POST.get("idempotency_key", "")}
    try:
        kwargs["division"] = (_division_from(request) if channel == Channel.AGENT and request.POST.get("division")
                              else None)
        case, _created = services.case_apply(files=_files(request, version),
                                             submit=request.POST.get("action") == "submit", **kwargs)
    except DomainError as exc:
        return _apply_failed(request, version, exc, kwargs, _files(request, version), channel=channel,
                             action_url=action_url)
    if case.status == CaseStatus.DRAFT:
        messages.success(request, _("草稿已保存"))
        return redirect("cases:draft", pk=case.pk)
    messages.success(request, _("已提交。办件编号 %(number)s，查询码 %(code)s（请告知申请人）") % {
        "number": case.number, "code": case.query_code})
    return redirect("cases:console_filed")


@staff_required
def console_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """受理回执: a print-friendly receipt of a window or agent filing, for the applicant to keep."""
    import segno
    from django.utils import timezone
    from django.utils.safestring import mark_safe

    case = selectors.case_get_for_receipt(position=_position(request), pk=pk)
    clocks = selectors.case_clocks(case)
    handling_clock = clocks.get("handling")
    acceptance = clocks.get("acceptance")
    query_url = request.build_absolute_uri(reverse("cases:query"))
    qr = segno.make(f"{query_url}?number={case.number}", error="m")
    filer = case.filed_by_position
    place = ""
    if filer is not None:
        department = filer.department.name if filer.department is not None else ""
        place = filer.division.name if case.channel == Channel.AGENT else " ".join(
            n for n in (department, filer.division.name) if n)
    return render(request, "cases/console/receipt.html", {
        "case": case, "materials": selectors.case_materials(case), "missing": [m.name for m in missing_materials(case)],
        "promised_date": handling_clock.due_date if handling_clock else None,
        "acceptance_due": acceptance.due_date if acceptance and not acceptance.stopped else None,
        "filer_place": place, "query_url": query_url, "today": timezone.localdate(),
        "qr_svg": mark_safe(qr.svg_inline(scale=3, border=2)),  # noqa: S308 - segno output of our own URL
        "back_url": reverse("cases:console_filed"),
    })


@staff_required
def console_filed(request: HttpRequest) -> HttpResponse:
    """村级代办站 / 窗口收件记录: cases filed by this station or clerk."""
    position = _position(request)
    if not has_perm(position, Perm.CASE_FILE_FOR_OTHERS):
        raise PermissionDenied(_("当前岗位无权代为申请"))
    rows = [{"case": c, "clock": selectors.main_clock(c)} for c in selectors.case_list_filed_by(position=position)[:300]]
    return render(request, "cases/console/filed.html", {
        "rows": rows, "is_agent": position.role == Role.VILLAGE_AGENT, "station": position.division})


@require_POST
@staff_required
def console_override_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervisor approves or rejects a clerk's request for a second supplement notice."""
    try:
        supplement_override_decide(request_id=pk, actor=request.user, position=_position(request),
                                   approve=request.POST.get("decision") == "approve",
                                   note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("cases:console_supervision")
    messages.success(request, _("已处理再次补正申请"))
    return redirect("cases:console_supervision")


@staff_required
def console_supervision(request: HttpRequest) -> HttpResponse:
    """效能监察: requests for a second supplement notice waiting for approval, deemed acceptances,
    flagged second supplement notices, fees differing from the standard."""
    position = _position(request)
    if not has_perm(position, Perm.CASE_VIEW):
        raise PermissionDenied(_("当前岗位无权查看办件"))
    return render(request, "cases/console/supervision.html", {
        "override_requests": pending_override_requests(position=position)[:200],
        "deemed": selectors.cases_deemed_accepted(position=position)[:200],
        "flagged": selectors.flagged_supplements(position=position)[:200],
        "fees": selectors.fee_comparison(position=position)[:200],
    })
