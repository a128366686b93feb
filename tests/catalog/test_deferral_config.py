"""容缺受理 configuration in the catalogue: the editing screens, the service checks and the Excel columns."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tests.catalog.conftest import FOOD_FIELDS, position_of
from tests.conftest import login
from yiwang.catalog import excel, services
from yiwang.core.errors import InvalidInput

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MATERIALS = [{"name": "食品经营许可申请书", "form": "original", "source": "applicant"},
             {"name": "经营场所照片", "form": "original", "source": "applicant"},
             {"name": "营业执照", "form": "copy", "source": "government", "can_share": True}]


@pytest.fixture
def draft(county, admin_user, standard_process):
    return services.item_create(base_code="010010001000", department=county.civil_affairs,
                                fields={**FOOD_FIELDS, "process": standard_process}, materials=MATERIALS,
                                actor=admin_user, position=position_of(admin_user))


def _url(version) -> str:
    return f"/services/manage/{version.item.base_code}/v{version.number}/"


def _form(version, **extra) -> dict:
    data = {"action": "save", "v-name": version.name, "v-item_type": "licensing", "v-legal_basis": version.legal_basis,
            "v-levels": ["county"], "v-service_targets": ["enterprise"], "v-statutory_limit": 20,
            "v-statutory_unit": "workdays", "v-promised_limit": 10, "v-promised_unit": "workdays",
            "v-onsite_visits": 1, "v-online_depth": 3, "v-process": version.process_id}
    return {**data, **{f"v-{k}": v for k, v in extra.items()}}


def _material(version, name):
    return version.materials.get(name=name)


# --- editing screens ------------------------------------------------------------------------------

def test_draft_page_shows_the_deferral_fields(client, admin_user, draft):
    login(client, admin_user)
    page = client.get(_url(draft)).content.decode()
    assert "允许容缺受理" in page and "承诺补交期限（工作日）" in page and "可容缺" in page
    assert 'name="v-deferral_allowed"' in page and 'name="m-deferrable"' in page and "设为可容缺" in page


def test_saving_allowed_deferral_stores_its_days(client, admin_user, draft):
    login(client, admin_user)
    response = client.post(_url(draft), _form(draft, deferral_allowed="on", deferral_days=5))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.deferral_days == 5
    page = client.get(_url(draft)).content.decode()
    checkbox = re.search(r'<input[^>]*name="v-deferral_allowed"[^>]*>', page).group(0)
    assert "checked" in checkbox and 'value="5"' in re.search(r'<input[^>]*name="v-deferral_days"[^>]*>', page).group(0)
    # switching it off stores 0, whatever number is left in the field
    assert client.post(_url(draft), _form(draft, deferral_days=9)).status_code == 302
    draft.refresh_from_db()
    assert draft.deferral_days == 0


@pytest.mark.parametrize("days", ["", "0", "61", "五"])
def test_allowed_deferral_needs_a_valid_period(client, admin_user, draft, days):
    login(client, admin_user)
    response = client.post(_url(draft), _form(draft, deferral_allowed="on", deferral_days=days))
    assert response.status_code == 400
    assert "承诺补交期限（工作日）" in response.content.decode()
    draft.refresh_from_db()
    assert draft.deferral_days == 0


def test_material_added_as_deferrable(client, admin_user, draft):
    login(client, admin_user)
    data = {"action": "add_material", "m-name": "健康证明", "m-required": "on", "m-form": "original",
            "m-source": "applicant", "m-copies": 1, "m-deferrable": "on"}
    assert client.post(_url(draft), data).status_code == 302
    assert _material(draft, "健康证明").deferrable is True


def test_optional_material_cannot_be_deferrable(client, admin_user, draft):
    login(client, admin_user)
    data = {"action": "add_material", "m-name": "其他材料", "m-form": "original", "m-source": "applicant",
            "m-copies": 1, "m-deferrable": "on"}
    response = client.post(_url(draft), data)
    assert response.status_code == 400
    assert "只有必要材料才能标注为可容缺" in response.content.decode()
    assert not draft.materials.filter(name="其他材料").exists()


def test_toggle_deferrable_on_a_listed_material(client, admin_user, draft):
    login(client, admin_user)
    photos = _material(draft, "经营场所照片")
    on = {"action": "set_deferrable", "material": photos.pk, "deferrable": "1"}
    assert client.post(_url(draft), on).status_code == 302
    photos.refresh_from_db()
    assert photos.deferrable is True
    assert client.post(_url(draft), {**on, "deferrable": "0"}).status_code == 302
    photos.refresh_from_db()
    assert photos.deferrable is False
    # a 免提交 material (obtained by data sharing) is never demanded, so it cannot be deferred
    licence = _material(draft, "营业执照")
    refused = client.post(_url(draft), {**on, "material": licence.pk})
    assert refused.status_code == 400 and "免提交" in refused.content.decode()
    licence.refresh_from_db()
    assert licence.deferrable is False


def test_material_update_checks_the_merged_flags(admin_user, draft):
    photos = _material(draft, "经营场所照片")
    services.material_update(material=photos, data={"deferrable": True}, actor=admin_user,
                             position=position_of(admin_user))
    with pytest.raises(InvalidInput) as exc:
        services.material_update(material=photos, data={"required": False}, actor=admin_user,
                                 position=position_of(admin_user))
    assert "deferrable" in exc.value.details["fields"]


# --- publishing -----------------------------------------------------------------------------------

def _problems(draft, days, deferrable):
    draft.deferral_days = days
    draft.save(update_fields=["deferral_days"])
    draft.materials.update(deferrable=False)
    draft.materials.filter(name__in=deferrable).update(deferrable=True)
    return services.publish_problems(draft)


def test_publish_checks_the_deferral_configuration(draft):
    assert not {"deferral_days", "deferral_core", "deferrable"} & set(_problems(draft, 0, []))
    # sound: the photos may follow, the application form is the core
    assert not {"deferral_days", "deferral_core", "deferrable"} & set(_problems(draft, 5, ["经营场所照片"]))
    # allowed but nothing marked
    assert "deferral_days" in _problems(draft, 5, [])
    # marked but not allowed
    assert "deferral_days" in _problems(draft, 0, ["经营场所照片"])
    # every required material deferrable: an application could be accepted with nothing in hand
    assert "deferral_core" in _problems(draft, 5, ["经营场所照片", "食品经营许可申请书"])


# --- Excel ----------------------------------------------------------------------------------------

def _configured(draft, admin_user):
    services.version_update(version=draft, fields={"deferral_days": 5}, actor=admin_user,
                            position=position_of(admin_user))
    services.material_update(material=_material(draft, "经营场所照片"), data={"deferrable": True},
                             actor=admin_user, position=position_of(admin_user))
    draft.refresh_from_db()
    return draft


def test_export_carries_the_deferral_columns(draft, admin_user):
    workbook = load_workbook(io.BytesIO(excel.catalog_export(versions=[_configured(draft, admin_user)])))
    items = workbook["事项"]
    row = dict(zip([c.value for c in items[1]], [c.value for c in items[2]], strict=True))
    assert row["承诺补交期限（工作日）"] == 5
    materials = list(workbook["申请材料"].iter_rows(values_only=True))
    column = materials[0].index("可容缺")
    assert {r[2]: r[column] for r in materials[1:]} == {"食品经营许可申请书": "否", "经营场所照片": "是", "营业执照": "否"}


def test_import_round_trip_keeps_the_deferral_configuration(draft, admin_user):
    data = excel.catalog_export(versions=[_configured(draft, admin_user)])
    services.version_update(version=draft, fields={"deferral_days": 0}, actor=admin_user,
                            position=position_of(admin_user))
    excel.catalog_import(data=data, actor=admin_user, position=position_of(admin_user))
    draft.refresh_from_db()
    assert draft.deferral_days == 5
    assert list(draft.materials.filter(deferrable=True).values_list("name", flat=True)) == ["经营场所照片"]


def _edit(data: bytes, sheet: str, header: str, row: int, value) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook[sheet]
    ws.cell(row=row, column=[c.value for c in ws[1]].index(header) + 1, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("sheet", "header", "row", "value", "field"), [
    ("申请材料", "可容缺", 4, "是", "deferrable"),   # 营业执照 is 免提交
    ("申请材料", "可容缺", 2, "也许", "deferrable"),
    ("事项", "承诺补交期限（工作日）", 2, 61, "deferral_days"),
])
def test_import_refuses_a_bad_deferral_cell(client, draft, admin_user, sheet, header, row, value, field):
    data = _edit(excel.catalog_export(versions=[draft]), sheet, header, row, value)
    login(client, admin_user)
    response = client.post("/api/v1/catalog/manage/import",
                           {"file": SimpleUploadedFile("c.xlsx", data, content_type=XLSX)})
    assert response.status_code == 400
    errors = response.json()["details"]["errors"]
    assert [(e["sheet"], e["row"]) for e in errors] == [(sheet, row)] and field in errors[0]["fields"]
    draft.refresh_from_db()
    assert draft.deferral_days == 0 and not draft.materials.filter(deferrable=True).exists()


def test_old_workbook_without_the_columns_still_imports(draft, admin_user):
    workbook = load_workbook(io.BytesIO(excel.catalog_export(versions=[draft])))
    workbook["事项"].delete_cols([c.value for c in workbook["事项"][1]].index("承诺补交期限（工作日）") + 1)
    workbook["申请材料"].delete_cols([c.value for c in workbook["申请材料"][1]].index("可容缺") + 1)
    out = io.BytesIO()
    workbook.save(out)
    assert excel.catalog_import(data=out.getvalue(), actor=admin_user, position=position_of(admin_user))["updated"] == 1


def test_api_sets_and_shows_the_deferral_configuration(client, admin_user, draft):
    import json

    login(client, admin_user)
    base = f"/api/v1/catalog/manage/items/{draft.item.base_code}/versions/{draft.number}"
    patched = client.patch(base, data=json.dumps({"fields": {"deferral_days": 5}}), content_type="application/json")
    assert patched.status_code == 200 and patched.json()["deferral_days"] == 5
    added = client.post(f"{base}/materials", content_type="application/json",
                        data=json.dumps({"name": "健康证明", "deferrable": True}))
    assert added.status_code == 201 and added.json()["deferrable"] is True
    refused = client.post(f"{base}/materials", content_type="application/json",
                          data=json.dumps({"name": "其他", "required": False, "deferrable": True}))
    assert refused.status_code == 400 and "deferrable" in refused.json()["details"]["fields"]
    shown = client.get(base).json()
    assert {m["name"]: m["deferrable"] for m in shown["materials"]}["健康证明"] is True


def test_review_page_shows_the_configuration_and_its_problems(client, admin_user, draft):
    services.version_update(version=draft, fields={"deferral_days": 5}, actor=admin_user,
                            position=position_of(admin_user))
    services.version_submit(version=draft, actor=admin_user, position=position_of(admin_user))
    login(client, admin_user)
    page = client.get(_url(draft)).content.decode()
    assert "允许，承诺补交期限 5 个工作日" in page
    assert "允许容缺受理的事项须至少将一项必要材料标注为可容缺" in page
