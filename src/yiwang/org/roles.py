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
    CATALOG_EDIT = "catalog.edit", _("编辑事项目录")
    CATALOG_PUBLISH = "catalog.publish", _("审核发布事项")
    PROCESS_MANAGE = "process.manage", _("管理审批流程")
    CASE_FILE_FOR_OTHERS = "case.file_for_others", _("代为申请（窗口/代办）")
    CASE_ACCEPT = "case.accept", _("受理办件")
    CASE_HANDLE = "case.handle", _("审查办件")
    CASE_DECIDE = "case.decide", _("作出决定")
    CASE_VIEW = "case.view", _("查看办件")
    SUPPLEMENT_OVERRIDE = "case.supplement_override", _("批准再次补正")
    LICENCE_ISSUE = "licence.issue", _("制发电子证照")
    LICENCE_REVOKE = "licence.revoke", _("注销电子证照")
    PAYMENT_RECORD = "payment.record", _("登记收费")
    TICKET_INTAKE = "ticket.intake", _("登记工单")
    TICKET_DISPATCH = "ticket.dispatch", _("派单与改派")
    TICKET_REVIEW = "ticket.review", _("审核答复与退单")
    TICKET_HANDLE = "ticket.handle", _("承办工单")
    TICKET_INSTRUCT = "ticket.instruct", _("领导批示")
    TICKET_VIEW = "ticket.view", _("查看工单")
    KNOWLEDGE_EDIT = "knowledge.edit", _("编写知识库")
    KNOWLEDGE_REVIEW = "knowledge.review", _("审核知识库")
    RULE_MANAGE = "supervision.rule_manage", _("维护监察规则")
    ALERT_VIEW = "supervision.alert_view", _("查看预警")
    ALERT_CORRECT = "supervision.alert_correct", _("预警说明与纠错")
    ALERT_VERIFY = "supervision.alert_verify", _("核实、升级与关闭预警")
    RATING_REVIEW = "rating.review", _("差评核实与申诉复核")
    RATING_RECTIFY = "rating.rectify", _("差评整改")
    PERFORMANCE_VIEW = "performance.view", _("查看绩效与统计")
    PERFORMANCE_MANAGE = "performance.manage", _("维护考核权重与发布")


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.VILLAGE_AGENT: frozenset({Perm.ORG_VIEW, Perm.CASE_FILE_FOR_OTHERS, Perm.CASE_VIEW}),
    Role.WINDOW_CLERK: frozenset(
        {Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.PERSON_UNMASK, Perm.CLOCK_SUSPEND, Perm.CASE_FILE_FOR_OTHERS,
         Perm.CASE_ACCEPT, Perm.CASE_VIEW, Perm.PAYMENT_RECORD, Perm.LICENCE_ISSUE}
    ),
    Role.REVIEWER: frozenset(
        {Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.CLOCK_SUSPEND, Perm.CASE_HANDLE, Perm.CASE_VIEW, Perm.CATALOG_EDIT}
    ),
    Role.APPROVER: frozenset(
        {Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.CLOCK_SUSPEND, Perm.CASE_HANDLE, Perm.CASE_DECIDE, Perm.CASE_VIEW,
         Perm.LICENCE_ISSUE}
    ),
    Role.DEPARTMENT_HEAD: frozenset(
        {Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.PERSON_UNMASK, Perm.CLOCK_EXTEND, Perm.CLOCK_SUSPEND,
         Perm.CASE_HANDLE, Perm.CASE_DECIDE, Perm.CASE_VIEW, Perm.CATALOG_EDIT, Perm.LICENCE_ISSUE,
         Perm.LICENCE_REVOKE}
    ),
    Role.HOTLINE_OPERATOR: frozenset({Perm.ORG_VIEW, Perm.PERSON_VIEW}),
    Role.SUPERVISOR: frozenset(
        {Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.AUDIT_VIEW, Perm.CASE_VIEW, Perm.SUPPLEMENT_OVERRIDE}
    ),
    Role.DISCLOSURE_OFFICER: frozenset({Perm.ORG_VIEW}),
    Role.TRADING_STAFF: frozenset({Perm.ORG_VIEW}),
    Role.LEADER: frozenset({Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.CLOCK_EXTEND, Perm.AUDIT_VIEW, Perm.CASE_VIEW}),
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
            Perm.CATALOG_EDIT,
            Perm.CATALOG_PUBLISH,
            Perm.PROCESS_MANAGE,
            Perm.CASE_VIEW,
            Perm.LICENCE_REVOKE,
        }
    ),
}

# 12345 hotline grants: the centre takes calls, dispatches and reviews; units handle.
_HOTLINE_GRANTS: dict[str, set[str]] = {
    Role.HOTLINE_OPERATOR: {Perm.TICKET_INTAKE, Perm.TICKET_DISPATCH, Perm.TICKET_REVIEW, Perm.TICKET_VIEW,
                            Perm.KNOWLEDGE_EDIT, Perm.KNOWLEDGE_REVIEW, Perm.CLOCK_EXTEND},
    Role.WINDOW_CLERK: {Perm.TICKET_HANDLE, Perm.TICKET_VIEW, Perm.KNOWLEDGE_EDIT},
    Role.REVIEWER: {Perm.TICKET_HANDLE, Perm.TICKET_VIEW, Perm.KNOWLEDGE_EDIT},
    Role.APPROVER: {Perm.TICKET_HANDLE, Perm.TICKET_VIEW, Perm.KNOWLEDGE_EDIT},
    Role.DEPARTMENT_HEAD: {Perm.TICKET_HANDLE, Perm.TICKET_VIEW, Perm.KNOWLEDGE_EDIT},
    Role.VILLAGE_AGENT: {Perm.TICKET_HANDLE, Perm.TICKET_VIEW},
    Role.LEADER: {Perm.TICKET_INSTRUCT, Perm.TICKET_VIEW},
    Role.SUPERVISOR: {Perm.TICKET_VIEW},
    Role.ADMINISTRATOR: {Perm.TICKET_VIEW, Perm.KNOWLEDGE_REVIEW},
}
for _role, _perms in _HOTLINE_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS.get(_role, frozenset()) | frozenset(_perms)

# Electronic supervision, ratings and performance.
_SUPERVISION_GRANTS: dict[str, set[str]] = {
    Role.SUPERVISOR: {Perm.ALERT_VIEW, Perm.ALERT_VERIFY, Perm.RULE_MANAGE, Perm.RATING_REVIEW,
                      Perm.PERFORMANCE_VIEW, Perm.PERFORMANCE_MANAGE},
    Role.LEADER: {Perm.ALERT_VIEW, Perm.PERFORMANCE_VIEW},
    Role.ADMINISTRATOR: {Perm.RULE_MANAGE, Perm.ALERT_VIEW, Perm.PERFORMANCE_VIEW, Perm.PERFORMANCE_MANAGE},
    Role.DEPARTMENT_HEAD: {Perm.ALERT_VIEW, Perm.ALERT_CORRECT, Perm.RATING_RECTIFY, Perm.PERFORMANCE_VIEW},
    Role.REVIEWER: {Perm.ALERT_VIEW, Perm.ALERT_CORRECT},
    Role.APPROVER: {Perm.ALERT_VIEW, Perm.ALERT_CORRECT},
    Role.WINDOW_CLERK: {Perm.ALERT_VIEW, Perm.ALERT_CORRECT},
    Role.HOTLINE_OPERATOR: {Perm.ALERT_VIEW, Perm.RATING_REVIEW},
}
for _role, _perms in _SUPERVISION_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS.get(_role, frozenset()) | frozenset(_perms)
