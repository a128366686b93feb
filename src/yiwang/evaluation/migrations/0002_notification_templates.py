"""Notification templates of 好差评 (data migration)."""

from django.db import migrations

TEMPLATES = [
    # (code, channel, subject, body, sms_template_id)
    (
        "rating.invite", "inbox", "请对办件 {{ case_number }} 作出评价",
        "{{ name }}，您好！您申请的“{{ item }}”（办件编号 {{ case_number }}）已办结。"
        "欢迎对我们的服务作出评价：{{ link }}（{{ days }} 天内有效）。", "",
    ),
    (
        "rating.invite", "sms", "好差评邀请",
        "您的办件{{ case_number }}已办结，请对服务作出评价：{{ link }}，{{ days }}天内有效。",
        "SMS_RATING_INVITE",
    ),
    (
        "rating.feedback", "inbox", "差评整改结果反馈",
        "{{ name }}，您好！您对{{ department }}的评价已收到并完成整改。整改结果：{{ result }}。感谢您的监督！", "",
    ),
    (
        "rating.feedback", "sms", "差评整改结果反馈",
        "您对{{ department }}的评价已完成整改：{{ result }}。感谢您的监督。", "SMS_RATING_FEEDBACK",
    ),
    (
        "rating.bad_received", "inbox", "收到差评，请及时回访整改",
        "本部门收到一条差评（{{ grade }}，原因：{{ reasons }}），请于 {{ due_date }} 前完成回访核实和整改。", "",
    ),
    (
        "rating.bad_received", "sms", "收到差评",
        "本部门收到差评（{{ grade }}），请于{{ due_date }}前完成回访整改。", "SMS_RATING_BAD",
    ),
]


def seed(apps, schema_editor):
    NotificationTemplate = apps.get_model("notify", "NotificationTemplate")
    for code, channel, subject, body, sms_template_id in TEMPLATES:
        NotificationTemplate.objects.update_or_create(
            code=code, channel=channel,
            defaults={"subject": subject, "body": body, "sms_template_id": sms_template_id, "is_active": True},
        )


def unseed(apps, schema_editor):
    NotificationTemplate = apps.get_model("notify", "NotificationTemplate")
    for code, channel, *_rest in TEMPLATES:
        NotificationTemplate.objects.filter(code=code, channel=channel).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_evaluation_models"), ("notify", "0002_seed_templates")]

    operations = [migrations.RunPython(seed, unseed)]
