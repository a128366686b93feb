"""Audit action registry (审计动作): the Chinese name of every ``action`` code that ``audit_record`` writes.

The chain stores a stable machine code (``case.accept``); staff pages, the audit API and the
console filter show its label (受理办件) with the code beside it for auditors. Three kinds of code:

* ``ACTION_LABELS``: every literal code written anywhere in ``src/yiwang`` (exact match);
* ``ACTION_PREFIX_LABELS``: families built with an f-string (``f"hotline.escalation.{kind}"``),
  labelled by their fixed prefix when the exact code has no entry;
* the Django admin's ``<app>.<model>.<create|change|delete>.admin`` (``org/admin.py``), labelled
  from the verb and the model's ``verbose_name``.

``tests/core/test_audit_actions.py`` walks the code base and fails when a code has no label: add the
label here in the same change that adds the ``audit_record`` call. ``ACTION_GROUPS`` names the first
segment of a code, for the grouped filter on the console audit page.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    # accounts 账号
    "account.register": _("注册账号"),
    "account.login": _("登录"),
    "account.logout": _("退出登录"),
    "account.staff_create": _("创建工作人员账号"),
    "account.2fa_enrol": _("绑定二次验证"),
    "account.2fa_backup_codes": _("生成二次验证备用码"),
    "account.2fa_pass": _("通过二次验证"),
    "account.2fa_fail": _("二次验证失败"),
    "accounts.user.create": _("初始化用户"),
    "accounts.enterprise.create": _("初始化企业"),
    "person.pii_update": _("修改个人信息"),
    "person.unmask": _("查看完整个人信息"),
    "pii.rekey": _("轮换个人信息密钥"),
    "pii.reindex": _("重建个人信息检索索引"),
    "position.switch": _("切换岗位"),
    "apikey.create": _("创建接口密钥"),
    "apikey.revoke": _("吊销接口密钥"),
    # org 组织机构
    "org.division.create": _("新增行政区划"),
    "org.division.retire": _("撤销行政区划"),
    "org.department.create": _("新增部门"),
    "org.hall.create": _("新增政务服务大厅"),
    "org.window.create": _("新增窗口"),
    "org.position.assign": _("任命岗位"),
    "org.position.reactivate": _("恢复岗位"),
    "org.position.revoke": _("撤销岗位"),
    "demo.seed": _("载入演示数据"),
    "demo.seed_hotline": _("载入热线演示数据"),
    # calendar 工作日历与办理时限
    "calendar.seed": _("载入法定节假日"),
    "calendar.day_set": _("设置工作日历日期"),
    "calendar.year_set": _("设置全年工作日历"),
    "clock.start": _("开始计时"),
    "clock.suspend": _("暂停计时"),
    "clock.resume": _("恢复计时"),
    "clock.extend": _("延长时限"),
    "clock.stop": _("停止计时"),
    # catalog 事项目录
    "catalog.import": _("导入事项目录"),
    "catalog.item.create": _("新增事项"),
    "catalog.item.activate": _("启用事项"),
    "catalog.item.deactivate": _("停用事项"),
    "catalog.version.draft": _("起草事项版本"),
    "catalog.version.update": _("修改事项版本"),
    "catalog.version.submit": _("提交事项版本审核"),
    "catalog.version.publish": _("发布事项版本"),
    "catalog.version.reject": _("退回事项版本"),
    "catalog.material.add": _("新增申请材料"),
    "catalog.material.update": _("修改申请材料"),
    "catalog.material.remove": _("删除申请材料"),
    "catalog.fee.add": _("新增收费项目"),
    "catalog.fee.update": _("修改收费项目"),
    "catalog.fee.remove": _("删除收费项目"),
    # workflow 办理流程
    "workflow.process_upload": _("上传办理流程"),
    "workflow.process_from_template": _("按模板生成办理流程"),
    # cases 办件
    "case.draft.create": _("创建申请草稿"),
    "case.draft.update": _("修改申请草稿"),
    "case.material.upload": _("上传申请材料"),
    "case.submit": _("提交申请"),
    "case.accept": _("受理办件"),
    "case.reject": _("不予受理"),
    "case.not_licensing": _("告知不属于行政许可事项"),
    "case.correct_on_spot": _("当场更正材料"),
    "case.deemed_accepted": _("逾期视为受理"),
    "case.supplement.request": _("一次性告知补正"),
    "case.supplement.upload": _("上传补正材料"),
    "case.supplement.resolve": _("补正办结"),
    "case.supplement.override_request": _("申请变更补正决定"),
    "case.supplement.override_decide": _("审批变更补正决定"),
    "case.deferral.promise": _("容缺受理承诺"),
    "case.deferral.supply": _("补交容缺材料"),
    "case.step.auto_complete": _("自动完成办理环节"),
    "case.step_ready": _("办理环节就绪"),
    "case.step_claim": _("签收办理环节"),
    "case.step_complete": _("完成办理环节"),
    "case.step_cancel": _("取消办理环节"),
    "case.step_return": _("退回办理环节"),
    "case.step_countersign": _("会签"),
    "case.step_transfer": _("转办办理环节"),
    "case.notice_issue": _("出具文书"),
    "case.decide": _("作出办理决定"),
    "case.complete": _("办结办件"),
    "case.extend": _("延长办理时限"),
    "case.special_start": _("启动特别程序"),
    "case.special_end": _("结束特别程序"),
    "case.payment.record": _("登记缴费"),
    "case.material_download": _("下载申请材料"),
    "case.api_read": _("接口读取办件"),
    # licences 证照与文书
    "licence.issue": _("颁发证照"),
    "licence.revoke": _("吊销证照"),
    "licence.expire": _("证照到期失效"),
    "licence.download": _("下载证照"),
    "notice.render": _("生成文书"),
    "notice.download": _("下载文书"),
    "notify.send": _("发送通知"),
    # evaluation 好差评
    "rating.invite": _("发送评价邀请"),
    "rating.submit": _("提交评价"),
    "rating.rectification_open": _("差评整改立项"),
    "rating.rectify": _("提交差评整改"),
    "rating.callback": _("差评整改回访"),
    "rating.appeal_file": _("提出差评申诉"),
    "rating.appeal_review": _("审核差评申诉"),
    "rating.device_register": _("登记评价器"),
    "rating.window_session_start": _("开始窗口服务"),
    "rating.window_session_finish": _("结束窗口服务"),
    # hotline 12345 热线
    "hotline.ticket.create": _("登记工单"),
    "hotline.ticket.update": _("修改工单"),
    "hotline.ticket.close_on_spot": _("工单直接办结"),
    "hotline.ticket.merge": _("合并工单"),
    "hotline.ticket.divert": _("工单转其他渠道"),
    "hotline.ticket.dispatch": _("派发工单"),
    "hotline.ticket.flag_leader": _("标记领导关注"),
    "hotline.ticket.instruct": _("领导批示"),
    "hotline.ticket.publication_review": _("审核工单公开"),
    "hotline.assignment.accept": _("签收工单"),
    "hotline.assignment.return": _("申请退回工单"),
    "hotline.assignment.return_review": _("审核工单退回"),
    "hotline.assignment.redispatch": _("改派工单"),
    "hotline.reply.submit": _("提交工单答复"),
    "hotline.reply.review": _("审核工单答复"),
    "hotline.callback.record": _("登记回访结果"),
    "hotline.extension.request": _("申请工单延期"),
    "hotline.extension.decide": _("审批工单延期"),
    "hotline.escalation.urge": _("工单催办"),
    "hotline.escalation.supervise": _("工单督办"),
    "hotline.kb.create": _("新建知识条目"),
    "hotline.kb.update": _("修改知识条目"),
    "hotline.kb.submit": _("提交知识条目审核"),
    "hotline.kb.review": _("审核知识条目"),
    "hotline.kb.propose_expiry": _("提议知识条目失效"),
    # supervision 电子监察
    "supervision.evaluate": _("执行监察规则"),
    "supervision.rule_update": _("修改监察规则"),
    "supervision.rule_override_set": _("设置本地监察规则"),
    "supervision.rule_override_delete": _("删除本地监察规则"),
    "supervision.alert_notify": _("发出监察预警"),
    "supervision.alert_explain": _("预警情况说明"),
    "supervision.alert_correct": _("预警纠错"),
    "supervision.alert_verify": _("核实监察预警"),
    "supervision.alert_escalate": _("督办监察预警"),
    "supervision.alert_close": _("关闭监察预警"),
    "supervision.risk_confirm": _("确认风险点"),
    # performance 绩效考核
    "performance.scheme_save": _("保存考核方案"),
    "performance.assessment_compute": _("计算考核结果"),
    "performance.assessment_publish": _("发布考核结果"),
}

# Families whose last part is filled in at run time; the exact code above wins when it exists.
ACTION_PREFIX_LABELS: dict[str, Promise] = {
    "hotline.escalation.": _("工单催办督办"),
    "supervision.alert_": _("处理监察预警"),
}

ADMIN_VERB_LABELS: dict[str, Promise] = {
    "create": _("后台新增"),
    "change": _("后台修改"),
    "delete": _("后台删除"),
}
_ADMIN_ACTION = re.compile(r"^(?P<model>[a-z0-9_]+\.[a-z0-9_]+)\.(?P<verb>create|change|delete)\.admin$")

# The first segment of a code → the area it belongs to (filter groups on the audit page).
ACTION_GROUPS: dict[str, Promise] = {
    "account": _("账号"),
    "accounts": _("账号"),
    "person": _("个人信息"),
    "pii": _("个人信息"),
    "position": _("岗位"),
    "apikey": _("接口密钥"),
    "org": _("组织机构"),
    "demo": _("演示数据"),
    "calendar": _("工作日历"),
    "clock": _("办理时限"),
    "catalog": _("事项目录"),
    "workflow": _("办理流程"),
    "case": _("办件"),
    "licence": _("证照与文书"),
    "notice": _("证照与文书"),
    "notify": _("通知"),
    "rating": _("好差评"),
    "hotline": _("12345 热线"),
    "supervision": _("电子监察"),
    "performance": _("绩效考核"),
}


def _admin_label(code: str) -> str | None:
    match = _ADMIN_ACTION.match(code)
    if match is None:
        return None
    try:
        model = str(apps.get_model(match["model"])._meta.verbose_name)
    except (LookupError, ValueError):
        model = match["model"]
    return gettext("%(verb)s：%(model)s") % {"verb": ADMIN_VERB_LABELS[match["verb"]], "model": model}


def _prefix_label(code: str) -> Promise | None:
    for prefix in sorted(ACTION_PREFIX_LABELS, key=len, reverse=True):
        if code.startswith(prefix) and len(code) > len(prefix):
            return ACTION_PREFIX_LABELS[prefix]
    return None


def action_is_labelled(code: str) -> bool:
    """Whether ``code`` has a Chinese label (exact, by family prefix, or an admin change)."""
    return code in ACTION_LABELS or _admin_label(code) is not None or _prefix_label(code) is not None


def action_label(code: str) -> str:
    """The Chinese label of an audit action code; an unknown code is returned as it is."""
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    admin = _admin_label(code)
    if admin is not None:
        return admin
    prefixed = _prefix_label(code)
    return str(prefixed) if prefixed is not None else code


def action_filter_groups() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """``(group label, group prefix, [(code, label), ...])`` in registry order, for a grouped filter.

    The group prefix (``"case."``) selects every code of the area; each code selects itself.
    """
    groups: dict[str, tuple[str, list[str], list[tuple[str, str]]]] = {}
    for code, label in ACTION_LABELS.items():
        head = code.split(".", 1)[0]
        name = str(ACTION_GROUPS.get(head, head))
        entry = groups.setdefault(name, (name, [], []))
        if head not in entry[1]:
            entry[1].append(head)
        entry[2].append((code, str(label)))
    return [(name, f"{heads[0]}." if len(heads) == 1 else "", codes) for name, heads, codes in groups.values()]
