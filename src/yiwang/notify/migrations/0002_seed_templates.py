"""Seed the basic notification templates (data migration)."""

from django.db import migrations

TEMPLATES = [
    # (code, channel, subject, body, sms_template_id)
    ("generic", "inbox", "{{ title }}", "{{ text }}", ""),
    ("generic", "sms", "{{ title }}", "{{ title }}：{{ text }}", "SMS_GENERIC"),
    ("generic", "email", "{{ title }}", "{{ name }}，您好：\n\n{{ text }}\n\n一网政务服务平台", ""),
    (
        "account.registered", "inbox", "注册成功",
        "{{ name }}，您好！您已成功注册一网政务服务平台账户。请妥善保管密码，工作人员不会向您索要验证码。", "",
    ),
    (
        "account.registered", "sms", "注册成功",
        "{{ name }}，您已成功注册一网政务服务平台账户。如非本人操作，请联系12345。", "SMS_ACCOUNT_REGISTERED",
    ),
    (
        "account.registered", "email", "一网政务服务平台：注册成功",
        "{{ name }}，您好：\n\n您已成功注册一网政务服务平台账户。如非本人操作，请联系12345。\n\n一网政务服务平台", "",
    ),
    (
        "clock.warning", "inbox", "办件即将超期：{{ case_no }}",
        "{{ name }}，您经办的办件 {{ case_no }}（{{ item }}）剩余 {{ remaining_days }} 个工作日，"
        "将于 {{ due_date }} 到期，请及时办理。", "",
    ),
    (
        "clock.warning", "sms", "办件即将超期",
        "{{ name }}，办件{{ case_no }}剩余{{ remaining_days }}个工作日，{{ due_date }}到期，请及时办理。",
        "SMS_CLOCK_WARNING",
    ),
    (
        "clock.warning", "email", "办件即将超期：{{ case_no }}",
        "{{ name }}，您好：\n\n您经办的办件 {{ case_no }}（{{ item }}）剩余 {{ remaining_days }} 个工作日，"
        "将于 {{ due_date }} 到期，请及时办理。\n\n一网政务服务平台 电子监察", "",
    ),
]


def seed(apps, schema_editor):
    NotificationTemplate = apps.get_model("notify", "NotificationTemplate")
    for code, channel, subject, body, sms_template_id in TEMPLATES:
        NotificationTemplate.objects.update_or_create(
            code=code,
            channel=channel,
            defaults={"subject": subject, "body": body, "sms_template_id": sms_template_id, "is_active": True},
        )


def unseed(apps, schema_editor):
    NotificationTemplate = apps.get_model("notify", "NotificationTemplate")
    for code, channel, *_ in TEMPLATES:
        NotificationTemplate.objects.filter(code=code, channel=channel).delete()


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_messages_and_templates")]

    operations = [migrations.RunPython(seed, unseed)]
