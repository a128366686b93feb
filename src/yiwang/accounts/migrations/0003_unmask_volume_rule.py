"""Add the supervision rule ``unmask_volume``: unusual volumes of 查看完整个人信息 raise an alert."""

from django.db import migrations

CODE = "unmask_volume"


def seed(apps, schema_editor):
    Rule = apps.get_model("supervision", "Rule")
    Rule.objects.update_or_create(code=CODE, defaults={
        "name": "查看个人信息次数异常", "kind": "risk",
        "legal_basis": "《个人信息保护法》第五十一条",
        "params": {}, "is_active": True,
        "description": "同一岗位一小时内查看完整个人信息超过阈值（默认 YIWANG_UNMASK_ALERT_PER_HOUR）时生成预警。"})


def unseed(apps, schema_editor):
    apps.get_model("supervision", "Rule").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_id_number_warning"),
        ("supervision", "0004_ticket_time_limit_rule"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
