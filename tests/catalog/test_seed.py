from django.core.management import call_command

from yiwang.catalog.models import ServiceItem, ServiceItemVersion
from yiwang.catalog.selectors import item_search
from yiwang.org import demo_data


def _demo_departments():
    from yiwang.org.models import Department, Division, DivisionLevel

    county = Division.objects.create(code="371327", name="莒南县", level=DivisionLevel.COUNTY)
    Department.objects.bulk_create([Department(code=code, name=name, short_name=short, division=county)
                                    for code, name, short in demo_data.DEPARTMENTS])


def test_seed_catalog_is_idempotent_and_complete(db):
    _demo_departments()
    call_command("seed_catalog")
    count = ServiceItem.objects.count()
    call_command("seed_catalog")
    assert ServiceItem.objects.count() == count >= 55
    assert ServiceItemVersion.objects.count() == count
    assert ServiceItem.objects.filter(published_version__status="published").count() == count
    by_name = {v.name: v for v in ServiceItemVersion.objects.select_related("process", "department")}
    for name in ["高龄津贴申请", "农村医疗救助", "个体工商户设立登记", "食品经营许可", "建设工程规划许可"]:
        assert by_name[name].status == "published", name
    elderly = by_name["高龄津贴申请"]
    assert elderly.department.code == "CIVIL" and "village" in elderly.levels
    assert elderly.process.kind == "village_agent" and elderly.process.status == "valid"
    food = by_name["食品经营许可"]
    assert (food.item_type, food.statutory_limit, food.promised_limit, food.result_type) == (
        "licensing", 20, 10, "licence")
    business = by_name["个体工商户设立登记"]
    assert business.department.code == "SAMR" and set(business.levels) == {"county", "township"}
    planning = by_name["建设工程规划许可"]
    assert planning.process.kind == "joint"
    assert {d.code for d in planning.joint_departments.all()} >= {"NRP", "HOUSING", "ECO"}
    # fees only where a basis exists
    for version in ServiceItemVersion.objects.filter(is_charged=True):
        assert all(fee.basis for fee in version.fee_items.all())
    assert [v.name for v in item_search(q="食品 许可")][0] in {"食品经营许可", "食品生产许可"}
