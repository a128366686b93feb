"""Standard themes and life events (主题 / 人生事件) for the public catalogue."""

from django.db import migrations

THEMES = [
    # (code, name, audience, kind)
    ("birth", "生育收养", "person", "life_event"),
    ("school", "入学教育", "person", "life_event"),
    ("employment", "就业创业", "person", "life_event"),
    ("marriage", "婚姻登记", "person", "life_event"),
    ("housing", "住房保障", "person", "life_event"),
    ("elderly", "养老服务", "person", "life_event"),
    ("medical", "医疗保障", "person", "life_event"),
    ("social_aid", "社会救助", "person", "theme"),
    ("household", "户籍办理", "person", "theme"),
    ("veterans", "退役军人", "person", "theme"),
    ("disability", "残疾人服务", "person", "theme"),
    ("farming", "农业农村", "person", "theme"),
    ("driving", "交通出行", "person", "theme"),
    ("death", "身后事", "person", "life_event"),
    ("start_business", "开办企业", "enterprise", "life_event"),
    ("construction", "工程建设", "enterprise", "life_event"),
    ("operations", "经营许可", "enterprise", "theme"),
    ("food_safety", "食品药品", "enterprise", "theme"),
    ("environment", "生态环境", "enterprise", "theme"),
    ("transport_ent", "交通运输", "enterprise", "theme"),
    ("culture_tourism", "文化旅游", "enterprise", "theme"),
    ("safety", "安全生产", "enterprise", "theme"),
    ("close_business", "企业注销", "enterprise", "life_event"),
]


def add_themes(apps, schema_editor):
    Theme = apps.get_model("catalog", "Theme")
    for order, (code, name, audience, kind) in enumerate(THEMES, start=1):
        Theme.objects.update_or_create(code=code, defaults={"name": name, "audience": audience, "kind": kind,
                                                            "order": order})


def remove_themes(apps, schema_editor):
    Theme = apps.get_model("catalog", "Theme")
    Theme.objects.filter(code__in=[t[0] for t in THEMES], versions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_index")]

    operations = [migrations.RunPython(add_themes, remove_themes)]
