"""The default assessment scheme (默认考核方案): 40/30/10/20, 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60."""

from django.db import migrations


def create_default(apps, schema_editor):
    scheme_model = apps.get_model("performance", "AssessmentScheme")
    if not scheme_model.objects.filter(is_default=True).exists():
        scheme_model.objects.create(
            name="默认考核方案", is_default=True,
            notes="按时办结率 40 分、满意率 30 分、差评整改及时率 10 分、预警扣分项 20 分"
                  "（提示 0.5、黄牌 2、红牌 5、监察建议书 10 分/条）。",
        )


class Migration(migrations.Migration):
    dependencies = [("performance", "0001_assessment_models")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
