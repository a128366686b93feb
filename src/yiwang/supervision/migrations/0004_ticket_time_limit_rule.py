"""Add the 12345 ticket time-limit rule (overdue tickets raise supervision alerts)."""

from django.db import migrations

CODE = "time_limit_ticket"


def seed(apps, schema_editor):
    Rule = apps.get_model("supervision", "Rule")
    Rule.objects.update_or_create(code=CODE, defaults={
        "name": "12345 工单办理时限", "kind": "time_limit",
        "legal_basis": "国办发〔2020〕53号；12345 热线工作规范",
        "params": {}, "is_active": True,
        "description": "工单按服务时限临近到期亮黄牌（催办），超期亮红牌（督办），同步生成电子监察预警。"})


def unseed(apps, schema_editor):
    apps.get_model("supervision", "Rule").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0003_alert_denormalised_without_fk"),
        ("hotline", "0001_hotline_models"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
