"""Catalogue pages: the public search and guides (办事指南), and the staff console (事项管理)."""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yiwang.catalog import excel, selectors, services
from yiwang.catalog.deferral import MAX_DEFERRAL_DAYS
from yiwang.catalog.guide_pdf import guide_pdf
from yiwang.catalog.models import (
    Audience,
    HandlingLevel,
    ItemType,
    LimitUnit,
    MaterialForm,
    MaterialSource,
    ServiceItemVersion,
    VersionStatus,
)
from yiwang.console.views import staff_required
from yiwang.core.errors import DomainError, NotFound
from yiwang.core.pagination import page_of
from yiwang.core.search_query import clean_search_query

logger = logging.getLogger(__name__)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _has_diagram_tag() -> bool:
    return importlib.util.find_spec("yiwang.workflow.templatetags.workflow_tags") is not None


def process_step_names(version: ServiceItemVersion) -> list[str]:
    """The process's user-task names in order, or an empty list if it cannot be read."""
    if version.process is None:
        return []
    try:
        from yiwang.workflow.engine import spec_steps

        return [str(step["name"]) for step in spec_steps(version.process)]
    except Exception:  # a broken definition must not take the public guide down
        logger.exception("cannot read the steps of process %s", version.process_id)
        return []


# --- public -------------------------------------------------------------------------------------

def search(request: HttpRequest) -> HttpResponse:
    """事项搜索: keyword (segmented), department, theme/life event, level, audience."""
    params = {key: request.GET.get(key, "").strip()[:100] for key in ("q", "department", "theme", "level",
                                                                         "audience")}
    if params["level"] not in HandlingLevel.values:
        params["level"] = ""
    if params["audience"] not in Audience.values:
        params["audience"] = ""
    results = selectors.item_search(q=params["q"], department=params["department"] or None,
                                    theme=params["theme"] or None, level=params["level"] or None,
                                    audience=params["audience"] or None)
    page = page_of(request, results, 20)
    query = "&".join(f"{k}={v}" for k, v in params.items() if v)
    return render(request, "catalog/search.html", {
        "page": page, "params": params, "query": query, "levels": HandlingLevel.choices,
        "audiences": Audience.choices, **selectors.search_filters(),
    })


def guide(request: HttpRequest, base_code: str) -> HttpResponse:
    """办事指南 of the published version."""
    try:
        version = selectors.guide_get(base_code=base_code)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "catalog/guide.html", {
        "v": version, "item": version.item, "steps": process_step_names(version),
        "has_diagram": _has_diagram_tag() and version.process is not None,
    })


def guide_pdf_view(request: HttpRequest, base_code: str) -> HttpResponse:
    try:
        version = selectors.guide_get(base_code=base_code)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(guide_pdf(version, steps=process_step_names(version)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="guide-{version.item.base_code}.pdf"'
    return response


# --- staff console --------------------------------------------------------------------------------

class VersionForm(forms.Form):
    """The basic fields of a draft (materials and fees have their own forms)."""

    name = forms.CharField(label=gettext_lazy("事项名称"), max_length=200)
    other_names = forms.CharField(label=gettext_lazy("其他名称"), max_length=200, required=False)
    item_type = forms.ChoiceField(label=gettext_lazy("事项类型"), choices=ItemType.choices)
    legal_basis = forms.CharField(label=gettext_lazy("设定依据"), widget=forms.Textarea(attrs={"rows": 3}))
    acceptance_conditions = forms.CharField(label=gettext_lazy("受理条件"), required=False,
                                            widget=forms.Textarea(attrs={"rows": 3}))
    levels = forms.MultipleChoiceField(label=gettext_lazy("办理层级"), choices=HandlingLevel.choices,
                                       widget=forms.CheckboxSelectMultiple)
    service_targets = forms.MultipleChoiceField(label=gettext_lazy("服务对象"), choices=Audience.choices,
                                                widget=forms.CheckboxSelectMultiple)
    statutory_limit = forms.IntegerField(label=gettext_lazy("法定办结时限"), min_value=0, max_value=3650)
    statutory_unit = forms.ChoiceField(label=gettext_lazy("法定时限单位"), choices=LimitUnit.choices)
    promised_limit = forms.IntegerField(label=gettext_lazy("承诺办结时限"), min_value=0, max_value=3650)
    promised_unit = forms.ChoiceField(label=gettext_lazy("承诺时限单位"), choices=LimitUnit.choices)
    onsite_visits = forms.IntegerField(label=gettext_lazy("到现场次数"), min_value=0, max_value=10)
    online_depth = forms.IntegerField(label=gettext_lazy("网上办理深度"), min_value=1, max_value=4)
    result_name = forms.CharField(label=gettext_lazy("审批结果名称"), max_length=200, required=False)
    place = forms.CharField(label=gettext_lazy("办理地点"), max_length=300, required=False)
    hours = forms.CharField(label=gettext_lazy("办理时间"), max_length=300, required=False)
    consult_phone = forms.CharField(label=gettext_lazy("咨询电话"), max_length=100, required=False)
    complaint_phone = forms.CharField(label=gettext_lazy("监督投诉电话"), max_length=100, required=False)
    process = forms.IntegerField(label=gettext_lazy("流程定义编号"), required=False, min_value=1)
    # 容缺受理: stored as deferral_days alone (0 = not offered); the checkbox makes the choice explicit.
    deferral_allowed = forms.BooleanField(label=gettext_lazy("允许容缺受理"), required=False,
                                          help_text=gettext_lazy("申请人书面承诺后，标注为可容缺的非核心材料可先受理、限期补交"))
    deferral_days = forms.IntegerField(label=gettext_lazy("承诺补交期限（工作日）"), required=False, min_value=1,
                                       max_value=MAX_DEFERRAL_DAYS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        allowed = data.pop("deferral_allowed", False)
        days = data.get("deferral_days")
        if allowed and not days and "deferral_days" not in self.errors:
            self.add_error("deferral_days", _("允许容缺受理的，请填写承诺补交期限（1–%(n)d 个工作日）") % {
                "n": MAX_DEFERRAL_DAYS})
        if not allowed:
            data["deferral_days"] = 0
            self.errors.pop("deferral_days", None)  # a stray number means nothing when 容缺 is off
        return data


class MaterialEntryForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("材料名称"), max_length=200)
    required = forms.BooleanField(label=gettext_lazy("必要"), required=False, initial=True)
    form = forms.ChoiceField(label=gettext_lazy("材料形式"), choices=MaterialForm.choices)
    source = forms.ChoiceField(label=gettext_lazy("来源渠道"), choices=MaterialSource.choices)
    copies = forms.IntegerField(label=gettext_lazy("份数"), min_value=0, max_value=99, initial=1)
    acceptance_standard = forms.CharField(label=gettext_lazy("受理标准"), required=False, max_length=2000)
    deferrable = forms.BooleanField(label=gettext_lazy("可容缺"), required=False,
                                    help_text=gettext_lazy("非核心的必要材料：申请人书面承诺后可先受理、限期补交"))
    blank_form = forms.FileField(label=gettext_lazy("空白表格"), required=False)
    sample = forms.FileField(label=gettext_lazy("示例样表"), required=False)


def _position(request: HttpRequest) -> Any:
    return request.position  # type: ignore[attr-defined]


@staff_required
def manage_list(request: HttpRequest) -> HttpResponse:
    position = _position(request)
    q = clean_search_query(request.GET.get("q"), max_length=50)
    items = selectors.item_list_for_position(position=position, q=q)
    page = page_of(request, items, 50)
    return render(request, "catalog/manage_list.html", {"page": page, "q": q})


@staff_required
def manage_item(request: HttpRequest, base_code: str) -> HttpResponse:
    position = _position(request)
    item = selectors.item_get_for_position(position=position, base_code=base_code)
    return render(request, "catalog/manage_item.html", {
        "item": item, "versions": selectors.version_list_for_item(position=position, item=item),
        "open_version": selectors.open_version(item), "can_edit": services.can_edit(position, item.department),
    })


@require_POST
@staff_required
def manage_new_draft(request: HttpRequest, base_code: str) -> HttpResponse:
    position = _position(request)
    item = selectors.item_get_for_position(position=position, base_code=base_code)
    draft = services.version_draft_from(item=item, actor=request.user, position=position)
    messages.success(request, _("已新建第 %(n)d 版草稿") % {"n": draft.number})
    return redirect("catalog:manage_version", base_code=base_code, number=draft.number)


def _initial(version: ServiceItemVersion) -> dict[str, Any]:
    initial = {name: getattr(version, name) for name in VersionForm.base_fields
               if name not in {"process", "deferral_allowed"}}
    initial["process"] = version.process_id
    initial["deferral_allowed"] = version.deferral_days > 0
    initial["deferral_days"] = version.deferral_days or None
    return initial


@staff_required
def manage_version(request: HttpRequest, base_code: str, number: int) -> HttpResponse:
    position = _position(request)
    version = selectors.version_get_for_position(position=position, base_code=base_code, number=number)
    editable = version.status == VersionStatus.DRAFT and services.can_edit(position, version.department)
    form = VersionForm(initial=_initial(version), prefix="v")
    material_form = MaterialEntryForm(prefix="m")
    status = 200
    if request.method == "POST" and version.status == VersionStatus.DRAFT:  # services check permission
        action = request.POST.get("action", "")
        try:
            if action == "save":
                form = VersionForm(request.POST, prefix="v")
                if form.is_valid():
                    services.version_update(version=version, fields=dict(form.cleaned_data), actor=request.user,
                                            position=position)
                    messages.success(request, _("草稿已保存"))
                    return redirect("catalog:manage_version", base_code=base_code, number=number)
                status = 400
            elif action == "add_material":
                material_form = MaterialEntryForm(request.POST, request.FILES, prefix="m")
                if material_form.is_valid():
                    data = {k: v for k, v in material_form.cleaned_data.items() if k not in {"blank_form", "sample"}}
                    services.material_add(version=version, data=data, actor=request.user, position=position,
                                          blank_form=material_form.cleaned_data.get("blank_form"),
                                          sample=material_form.cleaned_data.get("sample"))
                    messages.success(request, _("已添加申请材料"))
                    return redirect("catalog:manage_version", base_code=base_code, number=number)
                status = 400
            elif action == "remove_material":
                material = version.materials.filter(pk=_int(request.POST.get("material"))).first()
                if material is None:
                    raise NotFound(_("材料不存在"))
                services.material_remove(material=material, actor=request.user, position=position)
                return redirect("catalog:manage_version", base_code=base_code, number=number)
            elif action == "set_deferrable":
                material = version.materials.filter(pk=_int(request.POST.get("material"))).first()
                if material is None:
                    raise NotFound(_("材料不存在"))
                services.material_update(material=material, data={"deferrable": request.POST.get("deferrable") == "1"},
                                         actor=request.user, position=position)
                messages.success(request, _("已更新材料“%(name)s”的容缺设置") % {"name": material.name})
                return redirect("catalog:manage_version", base_code=base_code, number=number)
            elif action == "add_fee":
                services.fee_add(version=version, actor=request.user, position=position, data={
                    k: request.POST.get(f"fee_{k}", "") for k in ("name", "amount", "unit", "basis")})
                return redirect("catalog:manage_version", base_code=base_code, number=number)
            elif action == "remove_fee":
                fee = version.fee_items.filter(pk=_int(request.POST.get("fee"))).first()
                if fee is None:
                    raise NotFound(_("收费项目不存在"))
                services.fee_remove(fee=fee, actor=request.user, position=position)
                return redirect("catalog:manage_version", base_code=base_code, number=number)
            elif action == "submit":
                services.version_submit(version=version, actor=request.user, position=position)
                messages.success(request, _("已提交审核"))
                return redirect("catalog:manage_item", base_code=base_code)
        except DomainError as exc:
            messages.error(request, exc.message)
            fields = exc.details.get("fields") if isinstance(exc.details, dict) else None
            for name, message in (fields or {}).items():
                if name in form.fields:
                    form.add_error(name, message)
                elif action == "add_material" and name in material_form.fields:
                    material_form.add_error(name, message)
                elif action == "set_deferrable":
                    messages.error(request, message)
            status = exc.status
    elif request.method == "POST":
        action = request.POST.get("action", "")
        note = request.POST.get("note", "")
        try:
            if action == "publish":
                services.version_publish(version=version, actor=request.user, position=position, note=note)
                messages.success(request, _("已发布"))
                return redirect("catalog:manage_item", base_code=base_code)
            if action == "reject":
                services.version_reject(version=version, actor=request.user, position=position, note=note)
                messages.success(request, _("已退回修改"))
                return redirect("catalog:manage_item", base_code=base_code)
            raise DomainError(_("该版本不能修改"), status=409, code="conflict")
        except DomainError as exc:
            messages.error(request, exc.message)
            problems = exc.details.get("fields") if isinstance(exc.details, dict) else None
            for message in (problems or {}).values():
                messages.error(request, message)
            status = exc.status
    return render(request, "catalog/manage_version.html", {
        "v": version, "item": version.item, "form": form, "material_form": material_form, "editable": editable,
        "can_publish": version.status == VersionStatus.IN_REVIEW and services.can_publish(position,
                                                                                           version.department),
        "problems": services.publish_problems(version) if version.status == VersionStatus.IN_REVIEW else {},
    }, status=status)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@staff_required
def manage_export(request: HttpRequest) -> HttpResponse:
    versions = selectors.working_versions_for_position(position=_position(request))
    response = HttpResponse(excel.catalog_export(versions=versions), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="catalog.xlsx"'
    return response


@staff_required
def manage_import(request: HttpRequest) -> HttpResponse:
    errors: list[dict[str, Any]] = []
    result = None
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise DomainError(_("请选择要导入的 Excel 文件"))
            if upload.size and upload.size > excel.MAX_BYTES:
                raise DomainError(_("文件不能超过 5 MB"), code="too_large")
            result = excel.catalog_import(data=upload.read(excel.MAX_BYTES + 1), actor=request.user,
                                          position=_position(request))
            messages.success(request, _("导入成功：新建 %(c)d 项，更新 %(u)d 项（均为草稿）") %
                             {"c": result["created"], "u": result["updated"]})
        except DomainError as exc:
            messages.error(request, exc.message)
            errors = exc.details.get("errors", []) if isinstance(exc.details, dict) else []
            status = exc.status
    return render(request, "catalog/manage_import.html", {"errors": errors, "result": result}, status=status)
