"""Notification templates for licence events (data migration)."""

from django.db import migrations

TEMPLATES = [
    # (code, channel, subject, body, sms_template_id)
    (
        "licence.issued", "inbox", "电子证照已签发：{{ title }}",
        "{{ name }}，您好！您的{{ title }}（编号 {{ licence_no }}）已签发，可在“我的证照”中下载，"
        "扫描证照上的二维码即可核验真伪。", "",
    ),
    (
        "licence.issued", "sms", "电子证照已签发",
        "{{ name }}，您的{{ title }}（编号{{ licence_no }}）已签发，请登录一网政务服务平台下载。", "SMS_LICENCE_ISSUED",
    ),
    (
        "licence.revoked", "inbox", "电子证照已注销：{{ title }}",
        "{{ name }}，您好！您的{{ title }}（编号 {{ licence_no }}）已被发证机关注销。注销原因：{{ reason }}。"
        "如有异议，可依法申请行政复议或者提起行政诉讼。", "",
    ),
    (
        "licence.revoked", "sms", "电子证照已注销",
        "{{ name }}，您的{{ title }}（编号{{ licence_no }}）已被注销，原因：{{ reason }}。", "SMS_LICENCE_REVOKED",
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
    dependencies = [
        ("licences", "0001_licence_registry"),
        ("notify", "0002_seed_templates"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
