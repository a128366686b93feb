import json

import pytest

from tests.catalog.conftest import FOOD_FIELDS, position_of
from tests.conftest import login
from yiwang.catalog import services
from yiwang.core.errors import PermissionDenied


@pytest.fixture
def civil_item(county, make_published):
    return make_published("010010001000", county.civil_affairs)


def test_clerk_of_another_department_cannot_edit(county, clerk_b, civil_item):
    with pytest.raises(PermissionDenied):
        services.version_draft_from(item=civil_item.item, actor=clerk_b, position=position_of(clerk_b))
    with pytest.raises(PermissionDenied):
        services.item_create(base_code="010010001009", department=county.civil_affairs_b, fields=FOOD_FIELDS,
                             actor=clerk_b, position=position_of(clerk_b))


def test_reviewer_edits_only_own_department(county, reviewer_civil, reviewer_bureau, civil_item, admin_user):
    # given a reviewer of another department
    with pytest.raises(PermissionDenied):
        services.version_draft_from(item=civil_item.item, actor=reviewer_bureau,
                                    position=position_of(reviewer_bureau))
    # the civil-affairs reviewer may draft and submit, but not publish
    draft = services.version_draft_from(item=civil_item.item, actor=reviewer_civil,
                                        position=position_of(reviewer_civil))
    services.version_update(version=draft, fields={"name": "新名称"}, actor=reviewer_civil,
                            position=position_of(reviewer_civil))
    with pytest.raises(PermissionDenied):
        services.version_update(version=draft, fields={"name": "越权"}, actor=reviewer_bureau,
                                position=position_of(reviewer_bureau))
    services.version_submit(version=draft, actor=reviewer_civil, position=position_of(reviewer_civil))
    with pytest.raises(PermissionDenied):
        services.version_publish(version=draft, actor=reviewer_civil, position=position_of(reviewer_civil))
    services.version_publish(version=draft, actor=admin_user, position=position_of(admin_user))
    draft.refresh_from_db()
    assert draft.status == "published"


def test_citizen_without_position_cannot_edit(applicant, civil_item):
    with pytest.raises(PermissionDenied):
        services.version_draft_from(item=civil_item.item, actor=applicant, position=None)


def test_public_api_needs_no_login(client, civil_item):
    response = client.get("/api/v1/catalog/items", {"q": "食品 许可"})
    assert response.status_code == 200
    assert [i["base_code"] for i in response.json()] == ["010010001000"]
    detail = client.get("/api/v1/catalog/items/010010001000")
    assert detail.status_code == 200
    body = detail.json()
    assert body["process_id"] == civil_item.process_id
    assert [m["name"] for m in body["materials"]] == ["食品经营许可申请书", "营业执照"]
    assert client.get("/api/v1/catalog/items/999999999999").status_code == 404
    assert client.get("/api/v1/catalog/items", {"limit": 0}).status_code == 400


def test_staff_api_forbidden_paths(client, civil_item, clerk_b, reviewer_civil, applicant):
    # anonymous
    assert client.get("/api/v1/catalog/manage/items").status_code == 401
    # a citizen has no position
    login(client, applicant)
    assert client.get("/api/v1/catalog/manage/items").status_code == 403
    # a window clerk lacks CATALOG_EDIT
    login(client, clerk_b)
    assert client.get("/api/v1/catalog/manage/items").status_code == 403
    response = client.post("/api/v1/catalog/manage/items/010010001000/drafts")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    # a reviewer drafts and submits, but publishing is 403
    login(client, reviewer_civil)
    assert client.get("/api/v1/catalog/manage/items").json()[0]["base_code"] == "010010001000"
    draft = client.post("/api/v1/catalog/manage/items/010010001000/drafts")
    assert draft.status_code == 201 and draft.json()["number"] == 2
    patched = client.patch("/api/v1/catalog/manage/items/010010001000/versions/2",
                           json.dumps({"fields": {"promised_limit": 3}}), content_type="application/json")
    assert patched.status_code == 200 and patched.json()["promised_limit"] == 3
    bad = client.patch("/api/v1/catalog/manage/items/010010001000/versions/1",
                       json.dumps({"fields": {"promised_limit": 3}}), content_type="application/json")
    assert bad.status_code == 409
    assert client.post("/api/v1/catalog/manage/items/010010001000/versions/2/submit").status_code == 200
    publish = client.post("/api/v1/catalog/manage/items/010010001000/versions/2/publish",
                          json.dumps({"note": ""}), content_type="application/json")
    assert publish.status_code == 403


def test_admin_publishes_through_api(client, civil_item, admin_user):
    login(client, admin_user)
    client.post("/api/v1/catalog/manage/items/010010001000/drafts")
    client.post("/api/v1/catalog/manage/items/010010001000/versions/2/submit")
    response = client.post("/api/v1/catalog/manage/items/010010001000/versions/2/publish",
                           json.dumps({"note": "同意"}), content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert client.get("/api/v1/catalog/items/010010001000").json()["number"] == 2


def test_api_key_scopes(client, civil_item, admin_user):
    from yiwang.api.services import api_key_create

    _key, secret = api_key_create(name="目录只读", scopes=["catalog:read"], actor=admin_user,
                                  position=position_of(admin_user))
    headers = {"HTTP_X_API_KEY": secret}
    assert client.get("/api/v1/catalog/manage/items", **headers).status_code == 200
    assert client.post("/api/v1/catalog/manage/items/010010001000/drafts", **headers).status_code == 403
    assert client.get("/api/v1/catalog/manage/items", HTTP_X_API_KEY="yw_bad_key").status_code == 401


def test_console_pages_respect_scope(client, civil_item, reviewer_bureau, reviewer_civil):
    login(client, reviewer_bureau)
    assert client.get("/services/manage/").status_code == 200
    assert client.get("/services/manage/010010001000/").status_code == 404
    assert client.post("/services/manage/010010001000/draft/").status_code == 404
    login(client, reviewer_civil)
    page = client.get("/services/manage/010010001000/")
    assert page.status_code == 200 and "食品经营许可" in page.content.decode()
    response = client.post("/services/manage/010010001000/draft/")
    assert response.status_code == 302
    saved = client.post("/services/manage/010010001000/v2/", {"action": "add_fee", "fee_name": "工本费",
                                                               "fee_amount": "5", "fee_basis": ""})
    assert saved.status_code == 400
    assert civil_item.item.versions.get(number=2).fee_items.count() == 0


def test_console_edit_submit_publish(client, civil_item, reviewer_civil, admin_user):
    login(client, reviewer_civil)
    client.post("/services/manage/010010001000/draft/")
    page = client.get("/services/manage/010010001000/v2/")
    assert page.status_code == 200 and 'name="v-name"' in page.content.decode()
    form = {"action": "save", "v-name": "食品经营许可（控制台）", "v-item_type": "licensing", "v-legal_basis": "依据",
            "v-levels": ["county", "township"], "v-service_targets": ["enterprise"], "v-statutory_limit": "20",
            "v-statutory_unit": "workdays", "v-promised_limit": "8", "v-promised_unit": "workdays",
            "v-onsite_visits": "1", "v-online_depth": "4", "v-process": str(civil_item.process_id)}
    assert client.post("/services/manage/010010001000/v2/", form).status_code == 302
    assert client.post("/services/manage/010010001000/v2/", {"action": "submit"}).status_code == 302
    assert client.post("/services/manage/010010001000/v2/", {"action": "publish"}).status_code == 403
    login(client, admin_user)
    assert client.post("/services/manage/010010001000/v2/", {"action": "publish", "note": "同意"}).status_code == 302
    civil_item.item.refresh_from_db()
    assert civil_item.item.published_version.name == "食品经营许可（控制台）"
    assert civil_item.item.published_version.levels == ["county", "township"]
