"""API key scopes (权限范围), declared as data. A key may call an endpoint only with its scope.

Session users are governed by their position's permissions instead (``org.roles``).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SCOPES: dict[str, Promise] = {
    "accounts:read": _("读取账户信息"),
    "audit:read": _("读取审计日志"),
    "calendar:read": _("读取工作日历"),
    "catalog:read": _("读取事项目录（含草稿）"),
    "catalog:write": _("维护事项目录"),
    "calendar:write": _("维护工作日历"),
    "cases:read": _("读取办件"),
    "cases:write": _("办件受理与申请"),
    "licences:read": _("读取电子证照"),
    "notify:send": _("发送通知"),
    "open311": _("Open311 GeoReport v2：提交诉求"),
    "org:read": _("读取组织机构"),
    "performance:read": _("读取绩效考核与统计"),
    "system:read": _("读取系统信息"),
    "supervision:read": _("读取电子监察预警与规则"),
    "supervision:write": _("处置电子监察预警、维护规则"),
}


def unknown_scopes(scopes: list[str]) -> list[str]:
    return [s for s in scopes if s not in SCOPES]
