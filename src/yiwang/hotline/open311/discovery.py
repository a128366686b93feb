"""Service discovery: the ``discovery`` document, ``services`` (hotline matter types as services)
and ``services/{service_code}`` (``service_attributes``: the attributes every service accepts).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from yiwang.hotline.models import Category, MatterType, Urgency
from yiwang.hotline.open311.formats import SPECIFICATION, Open311Error, open311_view, render, w3c


@open311_view("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    changeset = w3c(timezone.make_aware(datetime.combine(timezone.localdate(), time.min)))
    payload = {
        "changeset": changeset,
        "contact": getattr(settings, "OPEN311_CONTACT", "") or "12345 政务服务便民热线",
        "key_service": getattr(settings, "OPEN311_KEY_SERVICE", "")
        or "API 密钥由平台管理员签发（manage.py create_api_key --scopes open311）",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri("/open311/v2"),
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", payload)



def _services() -> QuerySet[MatterType]:
    return MatterType.objects.filter(is_active=True).select_related("parent").order_by("code")



def _service_dict(matter: MatterType) -> dict[str, Any]:
    category = dict(Category.choices).get(matter.default_category, "")
    return {
        "service_code": matter.code,
        "service_name": matter.name,
        "description": f"{matter.name}（{category}）" if category else matter.name,
        "metadata": True,
        "type": "realtime",
        "keywords": matter.keywords.replace("，", ",").replace(" ", ",").strip(",") if matter.keywords else "",
        "group": matter.parent.name if matter.parent_id and matter.parent else "",
    }



@open311_view("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", [_service_dict(m) for m in _services()])



def _matter_or_404(code: str) -> MatterType:
    matter = MatterType.objects.filter(code=code, is_active=True).first()
    if matter is None:
        raise Open311Error(404, f"service_code {code!r} was not found")
    return matter



def _yes_no() -> list[dict[str, str]]:
    return [{"key": "false", "name": "否"}, {"key": "true", "name": "是"}]



def service_attributes(matter: MatterType) -> list[dict[str, Any]]:
    """The attributes every service accepts (``attribute[code]`` in a POST)."""
    default_category = dict(Category.choices).get(matter.default_category, "")
    return [
        {
            "variable": True, "code": "category", "datatype": "singlevaluelist", "required": False,
            "datatype_description": None, "order": 1,
            "description": f"诉求类别（默认：{default_category or '咨询'}）",
            "values": [{"key": key, "name": str(label)} for key, label in Category.choices],
        },
        {
            "variable": True, "code": "urgency", "datatype": "singlevaluelist", "required": False,
            "datatype_description": None, "order": 2, "description": "紧急程度（紧急诉求 24 小时内办理）",
            "values": [{"key": key, "name": str(label)} for key, label in Urgency.choices],
        },
        {
            "variable": True, "code": "publish_consent", "datatype": "singlevaluelist", "required": False,
            "datatype_description": None, "order": 3,
            "description": "是否同意公开诉求与办理结果（个人信息将遮蔽）", "values": _yes_no(),
        },
        {
            "variable": True, "code": "anonymous", "datatype": "singlevaluelist", "required": False,
            "datatype_description": None, "order": 4, "description": "是否匿名（仅建议、举报等类别可匿名）",
            "values": _yes_no(),
        },
        {
            "variable": True, "code": "title", "datatype": "string", "required": False,
            "datatype_description": "不超过 200 字", "order": 5, "description": "诉求标题",
        },
        {
            "variable": True, "code": "division_code", "datatype": "string", "required": False,
            "datatype_description": "12 位统计用区划代码（村/社区或乡镇/街道）", "order": 6,
            "description": "诉求发生地所在的行政区划",
        },
    ]



@open311_view("GET")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    matter = _matter_or_404(service_code)
    payload = {"service_code": matter.code, "attributes": service_attributes(matter)}
    return render(fmt, "service_definition", payload)
