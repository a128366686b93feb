"""Add the 容缺受理 rule: a material promised in writing (承诺补交) turns yellow near its promised
date and red when the date passed and it is still missing."""

from django.db import migrations

CODE = "time_limit_deferral"


def seed(apps, schema_editor):
    Rule = apps.get_model("supervision", "Rule")
    Rule.objects.update_or_create(code=CODE, defaults={
        "name": "容缺材料承诺补交期限", "kind": "time_limit",
        "legal_basis": "《行政许可法》第三十二条；容缺受理承诺制",
        "params": {"yellow_workdays": 1}, "is_active": True,
        "description": "容缺受理的申请人书面承诺补交材料：剩余工作日不超过阈值时亮黄牌，超过承诺期限仍未补交亮红牌；"
                       "按期补交不预警。"})


def unseed(apps, schema_editor):
    apps.get_model("supervision", "Rule").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0004_ticket_time_limit_rule"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
