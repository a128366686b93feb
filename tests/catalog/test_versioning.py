import pytest

from tests.catalog.conftest import FOOD_FIELDS, position_of
from yiwang.catalog import services
from yiwang.catalog.models import FeeItem, Material, ServiceItem, ServiceItemVersion, Theme
from yiwang.core.errors import Conflict, InvalidInput


def test_item_create_makes_draft_version_one(county, admin_user, standard_process):
    draft = services.item_create(base_code="010010001000", department=county.civil_affairs,
                                 fields={**FOOD_FIELDS, "process": standard_process}, actor=admin_user,
                                 position=position_of(admin_user))
    assert draft.number == 1
    assert draft.status == "draft"
    assert len(draft.implementation_code) == 36
    assert draft.implementation_code.startswith("010010001000371327")
    assert ServiceItem.objects.get(base_code="010010001000").published_version is None


def test_edit_creates_draft_and_publish_retires_previous(county, admin_user, make_published):
    # given a published item with a theme and a fee
    position = position_of(admin_user)
    theme = Theme.objects.get(code="food_safety")
    v1 = make_published("010010001000", county.civil_affairs, themes=[theme],
                        fields={"is_charged": True},
                        fees=[{"name": "工本费", "amount": "10", "basis": "某收费文件"}])
    item = v1.item
    # when an editor changes it
    v2 = services.version_draft_from(item=item, actor=admin_user, position=position)
    services.version_update(version=v2, fields={"name": "食品经营许可（新办）", "promised_limit": 5},
                            actor=admin_user, position=position)
    # then a draft copy exists and the published version is untouched
    assert v2.number == 2
    assert list(v2.materials.values_list("name", flat=True)) == ["食品经营许可申请书", "营业执照"]
    assert v2.fee_items.count() == 1 and v2.is_charged
    assert list(v2.themes.all()) == [theme]
    v1.refresh_from_db()
    assert v1.status == "published" and v1.name == "食品经营许可" and v1.promised_limit == 10
    item.refresh_from_db()
    assert item.published_version_id == v1.pk
    # when it is published
    services.version_submit(version=v2, actor=admin_user, position=position)
    services.version_publish(version=v2, actor=admin_user, position=position)
    v1.refresh_from_db()
    item.refresh_from_db()
    assert v1.status == "retired"
    assert item.published_version_id == v2.pk and item.name == "食品经营许可（新办）"
    # a reference to the old version (as a case keeps) still resolves to the old content
    old = ServiceItemVersion.objects.get(pk=v1.pk)
    assert old.name == "食品经营许可" and old.materials.count() == 2 and old.promised_limit == 10


def test_published_versions_are_frozen(county, admin_user, make_published):
    v1 = make_published("010010001000", county.civil_affairs)
    v1.name = "改名"
    with pytest.raises(Conflict):
        v1.save()
    with pytest.raises(Conflict):
        Material(version=v1, name="新材料").save()
    with pytest.raises(Conflict):
        FeeItem(version=v1, name="x", amount=1, basis="y").save()
    with pytest.raises(Conflict):
        services.version_update(version=v1, fields={"name": "改名"}, actor=admin_user,
                                position=position_of(admin_user))
    material = v1.materials.first()
    with pytest.raises(Conflict):
        services.material_remove(material=material, actor=admin_user, position=position_of(admin_user))
    assert ServiceItemVersion.objects.get(pk=v1.pk).name == "食品经营许可"


def test_only_one_open_draft_per_item(county, admin_user, make_published):
    v1 = make_published("010010001000", county.civil_affairs)
    services.version_draft_from(item=v1.item, actor=admin_user, position=position_of(admin_user))
    with pytest.raises(Conflict):
        services.version_draft_from(item=v1.item, actor=admin_user, position=position_of(admin_user))


def test_publish_needs_a_valid_process_and_materials(county, admin_user, standard_process):
    position = position_of(admin_user)
    draft = services.item_create(base_code="010010001000", department=county.civil_affairs, fields=FOOD_FIELDS,
                                 actor=admin_user, position=position)
    services.version_submit(version=draft, actor=admin_user, position=position)
    with pytest.raises(InvalidInput) as exc:
        services.version_publish(version=draft, actor=admin_user, position=position)
    assert set(exc.value.details["fields"]) == {"process", "materials"}
    standard_process.status = "invalid"
    standard_process.save()
    services.version_reject(version=draft, note="请绑定流程", actor=admin_user, position=position)
    services.version_update(version=draft, fields={"process": standard_process.pk}, actor=admin_user,
                            position=position)
    services.version_submit(version=draft, actor=admin_user, position=position)
    with pytest.raises(InvalidInput) as exc:
        services.version_publish(version=draft, actor=admin_user, position=position, note="无需材料")
    assert set(exc.value.details["fields"]) == {"process"}
    standard_process.status = "valid"
    standard_process.save()
    published = services.version_publish(version=draft, actor=admin_user, position=position, note="无需材料")
    assert published.status == "published"


def test_reject_returns_to_draft_with_note(county, admin_user, standard_process):
    position = position_of(admin_user)
    draft = services.item_create(base_code="010010001000", department=county.civil_affairs, fields=FOOD_FIELDS,
                                 actor=admin_user, position=position)
    services.version_submit(version=draft, actor=admin_user, position=position)
    with pytest.raises(InvalidInput):
        services.version_reject(version=draft, note=" ", actor=admin_user, position=position)
    rejected = services.version_reject(version=draft, note="依据不全", actor=admin_user, position=position)
    assert rejected.status == "draft" and rejected.review_note == "依据不全"
    with pytest.raises(Conflict):
        services.version_publish(version=rejected, actor=admin_user, position=position)


@pytest.mark.parametrize("fields, bad", [
    ({"item_type": "行政处罚"}, "item_type"),
    ({"levels": ["province"]}, "levels"),
    ({"statutory_limit": 5, "promised_limit": 10}, "promised_limit"),
    ({"online_depth": 7}, "online_depth"),
    ({"implementation_code": "123"}, "implementation_code"),
    ({"faq": "not json"}, "faq"),
])
def test_bad_fields_are_reported_by_name(county, admin_user, fields, bad):
    with pytest.raises(InvalidInput) as exc:
        services.item_create(base_code="010010001000", department=county.civil_affairs,
                             fields={**FOOD_FIELDS, **fields}, actor=admin_user, position=position_of(admin_user))
    assert bad in exc.value.details["fields"]
    assert not ServiceItem.objects.exists()


def test_charged_without_basis_is_invalid(county, admin_user, make_published):
    position = position_of(admin_user)
    with pytest.raises(InvalidInput):
        services.item_create(base_code="010010001000", department=county.civil_affairs,
                             fields={**FOOD_FIELDS, "is_charged": True}, actor=admin_user, position=position)
    with pytest.raises(InvalidInput) as exc:
        services.item_create(base_code="010010001000", department=county.civil_affairs, fields=FOOD_FIELDS,
                             fees=[{"name": "工本费", "amount": "10", "basis": ""}], actor=admin_user,
                             position=position)
    assert "basis" in exc.value.details["fields"]
    v1 = make_published("010010001001", county.civil_affairs)
    draft = services.version_draft_from(item=v1.item, actor=admin_user, position=position)
    with pytest.raises(InvalidInput):
        services.version_update(version=draft, fields={"is_charged": True}, actor=admin_user, position=position)
    with pytest.raises(InvalidInput):
        services.fee_add(version=draft, data={"name": "工本费", "amount": "5"}, actor=admin_user, position=position)
    fee = services.fee_add(version=draft, data={"name": "工本费", "amount": "5", "basis": "某文件"},
                           actor=admin_user, position=position)
    draft.refresh_from_db()
    assert draft.is_charged
    services.fee_remove(fee=fee, actor=admin_user, position=position)
    draft.refresh_from_db()
    assert not draft.is_charged
