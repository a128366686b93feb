"""Seed the supervision rules (switchable, with default thresholds) and the alert notification templates."""

from django.db import migrations

RULES = [
    # (code, name, kind, legal_basis, params, description)
    ("time_limit_case", "办件办理时限", "time_limit", "《行政许可法》第四十二条；电子监察暂行办法",
     {"yellow_workdays": 1}, "办件剩余工作日不超过阈值时亮黄牌，超过承诺时限亮红牌。"),
    ("time_limit_step", "办理环节时限", "time_limit", "电子监察暂行办法",
     {"yellow_workdays": 1}, "每个办理环节剩余工作日不超过阈值时亮黄牌，超时亮红牌。"),
    ("refusal_without_reasons", "不予受理/不予许可未说明理由", "procedure", "《行政许可法》第三十二条、第三十八条、第七十二条",
     {}, "作出不予受理或不予许可决定而未说明理由。"),
    ("deemed_acceptance", "超过5个工作日未作受理决定", "procedure", "《行政许可法》第三十二条、第七十二条",
     {}, "收到申请材料之日起超过5个工作日未作出受理决定（视为受理）。"),
    ("supplement_repeat", "多次要求补正材料", "procedure", "《行政许可法》第三十二条、第七十二条",
     {"max_notices": 1}, "违反一次性告知，要求申请人补正材料超过一次。"),
    ("step_unauthorised", "无相应角色或超出权限范围办理环节", "procedure", "《行政许可法》第七十四条",
     {}, "办理环节由不具有相应角色或超出区划、部门范围的岗位完成。"),
    ("step_out_of_order", "跳过环节或未按流程顺序办理", "procedure", "《行政许可法》第七十四条",
     {"window_days": 2}, "已完成环节与流程引擎记录的顺序不一致，或有环节被跳过。"),
    ("licence_late", "作出准予决定后超过10个工作日发证", "procedure", "《行政许可法》第四十四条",
     {"max_workdays": 10}, "作出准予行政许可决定之日起超过10个工作日颁发、送达证件。"),
    ("suspension_without_notice", "中止计时未出具书面告知", "procedure", "《行政许可法》第四十五条",
     {}, "听证、检验检测、专家评审、补正等中止计时未书面告知申请人。"),
    ("extension_over_max", "延期超过法定最长期限", "procedure", "《行政许可法》第四十二条",
     {"max_days": 10, "max_joint_days": 15}, "延长期限超过10日（统一、联合、集中办理超过15日）。"),
    ("fee_mismatch", "收费与标准不符", "fee", "《行政许可法》第五十八条、第五十九条、第七十五条",
     {}, "收取费用与事项收费标准不符，或对不收费事项收费。"),
    ("risk_unconfirmed", "风险点环节未经第二人复核", "risk", "廉政风险防控规定",
     {}, "一、二级风险点环节办结后未经第二人复核确认。"),
]

TEMPLATES = [
    ("supervision.alert", "inbox", "【{{ level }}】{{ rule }}",
     "电子监察预警：{{ message }}{% if case_number %}（办件 {{ case_number }}）{% endif %}。请及时处理并在监察平台提交情况说明或纠错材料。",
     ""),
    ("supervision.alert", "sms", "电子监察预警",
     "【{{ level }}】{{ message }}{% if case_number %}，办件{{ case_number }}{% endif %}，请及时处理。", "SMS_SUPERVISION_ALERT"),
    ("supervision.alert_escalated", "inbox", "监察建议书：{{ rule }}",
     "电子监察已就“{{ message }}”{% if case_number %}（办件 {{ case_number }}）{% endif %}发出监察建议书（督办）：{{ text }}。请按要求整改并反馈。",
     ""),
    ("supervision.alert_escalated", "sms", "监察督办",
     "电子监察督办：{{ message }}{% if case_number %}，办件{{ case_number }}{% endif %}，请按监察建议书整改。", "SMS_SUPERVISION_ESCALATED"),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("supervision", "Rule")
    for code, name, kind, basis, params, description in RULES:
        Rule.objects.update_or_create(code=code, defaults={
            "name": name, "kind": kind, "legal_basis": basis, "params": params, "description": description,
            "is_active": True})
    NotificationTemplate = apps.get_model("notify", "NotificationTemplate")
    for code, channel, subject, body, sms_template_id in TEMPLATES:
        NotificationTemplate.objects.update_or_create(
            code=code, channel=channel,
            defaults={"subject": subject, "body": body, "sms_template_id": sms_template_id, "is_active": True})


def unseed(apps, schema_editor):
    apps.get_model("supervision", "Rule").objects.filter(code__in=[r[0] for r in RULES], alerts__isnull=True).delete()
    NotificationTemplate = apps.get_model("notify", "NotificationTemplate")
    for code, channel, *_rest in TEMPLATES:
        NotificationTemplate.objects.filter(code=code, channel=channel).delete()


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_supervision_models"), ("notify", "0002_seed_templates")]

    operations = [migrations.RunPython(seed, unseed)]
