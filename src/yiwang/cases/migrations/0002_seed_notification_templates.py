"""Notification templates of the cases app (data migration)."""

from django.db import migrations

TEMPLATES = [
    # (code, channel, subject, body, sms_template_id)
    (
        "case.status_changed", "inbox", "办件状态更新：{{ case_number }}",
        "{{ name }}，您好！您申请的“{{ item }}”（办件编号 {{ case_number }}）状态已更新为：{{ status }}。"
        "{% if note %}说明：{{ note }}。{% endif %}可凭办件编号和查询码 {{ query_code }} 查询办理进度。", "",
    ),
    (
        "case.status_changed", "sms", "办件状态更新",
        "{{ name }}，您的办件{{ case_number }}（{{ item }}）状态：{{ status }}。查询码{{ query_code }}。",
        "SMS_CASE_STATUS",
    ),
    (
        "case.step_ready", "inbox", "新的待办：{{ case_number }}",
        "办件 {{ case_number }}（{{ item }}）已进入“{{ step }}”环节，请及时办理。", "",
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
    dependencies = [("cases", "0001_case_models"), ("notify", "0002_seed_templates")]

    operations = [migrations.RunPython(seed, unseed)]
