"""Roles (角色) and what each may do, declared as data."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("办事群众")
    ENTERPRISE = "enterprise", _("企业")
    VILLAGE_AGENT = "village_agent", _("代办员")
    WINDOW_CLERK = "window_clerk", _("窗口人员")
    REVIEWER = "reviewer", _("审查人员")
    APPROVER = "approver", _("审批人员")
    DEPARTMENT_HEAD = "department_head", _("部门负责人")
    HOTLINE_OPERATOR = "hotline_operator", _("话务员")
    SUPERVISOR = "supervisor", _("效能监察")
    DISCLOSURE_OFFICER = "disclosure_officer", _("政务公开专员")
    TRADING_STAFF = "trading_staff", _("交易中心人员")
    EVALUATION_EXPERT = "evaluation_expert", _("评标专家")
    BIDDER = "bidder", _("投标人")
    LEADER = "leader", _("领导")
    ADMINISTRATOR = "administrator", _("系统管理员")


# Roles whose scope is limited to their own department as well as their division subtree.
DEPARTMENTAL_ROLES = frozenset(
    {Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_HEAD, Role.DISCLOSURE_OFFICER, Role.WINDOW_CLERK}
)
# Roles held by members of the public; they never get a staff console.
PUBLIC_ROLES = frozenset({Role.CITIZEN, Role.ENTERPRISE, Role.BIDDER})
STAFF_ROLES = frozenset(set(Role) - PUBLIC_ROLES - {Role.EVALUATION_EXPERT})


class Perm(models.TextChoices):
    """Permissions, granted to roles below. Checked by ``org.permissions.has_perm``."""

    ORG_VIEW = "org.view", _("查看组织机构")
    ORG_MANAGE = "org.manage", _("管理组织机构")
    PERSON_VIEW = "person.view", _("查看人员")
    PERSON_UNMASK = "person.unmask", _("查看完整个人信息")
    AUDIT_VIEW = "audit.view", _("查看审计日志")
    CALENDAR_MANAGE = "calendar.manage", _("维护工作日历")
    CLOCK_EXTEND = "clock.extend", _("批准延期")
    CLOCK_SUSPEND = "clock.suspend", _("办理时限中止")
    NOTIFY_SEND = "notify.send", _("发送通知")
    APIKEY_MANAGE = "apikey.manage", _("管理接口密钥")


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.VILLAGE_AGENT: frozenset({Perm.ORG_VIEW}),
    Role.WINDOW_CLERK: frozenset({Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.PERSON_UNMASK, Perm.CLOCK_SUSPEND}),
    Role.REVIEWER: frozenset({Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.CLOCK_SUSPEND}),
    Role.APPROVER: frozenset({Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.CLOCK_SUSPEND}),
    Role.DEPARTMENT_HEAD: frozenset(
        {Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.PERSON_UNMASK, Perm.CLOCK_EXTEND, Perm.CLOCK_SUSPEND}
    ),
    Role.HOTLINE_OPERATOR: frozenset({Perm.ORG_VIEW, Perm.PERSON_VIEW}),
    Role.SUPERVISOR: frozenset({Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.AUDIT_VIEW}),
    Role.DISCLOSURE_OFFICER: frozenset({Perm.ORG_VIEW}),
    Role.TRADING_STAFF: frozenset({Perm.ORG_VIEW}),
    Role.LEADER: frozenset({Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.CLOCK_EXTEND, Perm.AUDIT_VIEW}),
    Role.ADMINISTRATOR: frozenset(
        {
            Perm.ORG_VIEW,
            Perm.ORG_MANAGE,
            Perm.PERSON_VIEW,
            Perm.PERSON_UNMASK,
            Perm.AUDIT_VIEW,
            Perm.CALENDAR_MANAGE,
            Perm.NOTIFY_SEND,
            Perm.APIKEY_MANAGE,
        }
    ),
}
