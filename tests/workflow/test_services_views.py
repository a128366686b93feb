"""Services, pages and API: who may upload, what gets stored, what the public sees."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import login
from tests.workflow.test_validation import linear, task
from yiwang.core.errors import PermissionDenied
from yiwang.core.models import AuditEvent
from yiwang.org.models import Position
from yiwang.workflow import services, templates
from yiwang.workflow.models import ProcessDefinition, ProcessKind, ProcessStatus

pytestmark = pytest.mark.django_db

SCRIPTED = linear('<bpmn:scriptTask id="t" name="x"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>')


def position_of(user) -> Position:
    return Position.objects.get(user=user)


def test_process_from_template_is_idempotent_and_audited(county):
    first = services.process_from_template(kind="standard", name="标准流程")
    again = services.process_from_template(kind="standard", name="标准流程")
    assert first.pk == again.pk and first.is_usable
    assert first.kind == ProcessKind.STANDARD and first.process_id == "Process_standard"
    assert ProcessDefinition.objects.count() == 1
    assert AuditEvent.objects.filter(action="workflow.process_from_template").count() == 1
    other = services.process_from_template(kind="standard", name="另一个名称")
    assert other.pk != first.pk


def test_process_from_template_unknown_kind(county):
    from yiwang.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        services.process_from_template(kind="nonsense", name="x")


def test_upload_forbidden_for_clerk(clerk_a, supervisor):
    for user in (clerk_a, supervisor):
        with pytest.raises(PermissionDenied):
            services.process_upload(name="x", xml=linear(task()), actor=user, position=position_of(user))
    with pytest.raises(PermissionDenied):
        services.process_upload(name="x", xml=linear(task()), actor=None, position=None)
    assert not ProcessDefinition.objects.exists()


def test_upload_by_admin_valid_and_invalid(admin_user):
    position = position_of(admin_user)
    good = services.process_upload(name="自定义", xml=linear(task()), actor=admin_user, position=position)
    assert good.is_usable and good.kind == ProcessKind.CUSTOM and good.spec_json
    bad = services.process_upload(name="脚本", xml=SCRIPTED, actor=admin_user, position=position)
    assert bad.status == ProcessStatus.INVALID and not bad.is_usable and bad.spec_json is None
    assert "script_forbidden" in {i["code"] for i in bad.validation_errors}
    assert AuditEvent.objects.filter(action="workflow.process_upload").count() == 2
    # the same file again: stored once
    again = services.process_upload(name="脚本2", xml=SCRIPTED.encode(), actor=admin_user, position=position)
    assert again.pk == bad.pk


def test_upload_unknown_department_is_invalid(admin_user):
    xml = linear(task()).replace('value="reviewer"/>',
                                 'value="reviewer"/><spiffworkflow:property name="department" value="NOPE"/>')
    definition = services.process_upload(name="x", xml=xml, actor=admin_user, position=position_of(admin_user))
    assert [i["code"] for i in definition.validation_errors] == ["department_unknown"]


def test_upload_with_someone_elses_position(admin_user, clerk_a):
    with pytest.raises(PermissionDenied):
        services.process_upload(name="x", xml=linear(task()), actor=clerk_a, position=position_of(admin_user))


# --- pages ---------------------------------------------------------------------------------


def test_list_page_permissions(client, clerk_a, admin_user):
    url = reverse("workflow:list")
    assert client.get(url).status_code == 302  # anonymous: to login
    login(client, clerk_a)
    assert client.get(url).status_code == 403
    client.logout()
    login(client, admin_user)
    response = client.get(url)
    assert response.status_code == 200
    assert "上传 BPMN 流程" in response.content.decode()


def test_upload_page_stores_and_shows_issues(client, admin_user):
    login(client, admin_user)
    upload = SimpleUploadedFile("p.bpmn", SCRIPTED.encode(), content_type="application/octet-stream")
    response = client.post(reverse("workflow:list"), {"name": "带脚本", "file": upload})
    assert response.status_code == 302
    assert ProcessDefinition.objects.filter(name="带脚本").exists()
    page = client.get(response["Location"]).content.decode()
    assert "script_forbidden" in page and "校验问题" in page


def test_upload_page_refuses_non_xml_and_oversize(client, admin_user):
    login(client, admin_user)
    fake = SimpleUploadedFile("p.bpmn", b"\x89PNG\r\n\x1a\n....", content_type="text/xml")
    response = client.post(reverse("workflow:list"), {"name": "图片", "file": fake})
    assert response.status_code == 400 and "不是 XML" in response.content.decode()
    big = SimpleUploadedFile("p.xml", b"<" + b"a" * (1024 * 1024 + 10), content_type="text/xml")
    response = client.post(reverse("workflow:list"), {"name": "大", "file": big})
    assert response.status_code == 400 and "1 MB" in response.content.decode()
    wrong = SimpleUploadedFile("p.exe", linear(task()).encode())
    assert client.post(reverse("workflow:list"), {"name": "exe", "file": wrong}).status_code == 400
    assert not ProcessDefinition.objects.exists()


def test_upload_page_forbidden_for_clerk(client, clerk_a):
    login(client, clerk_a)
    upload = SimpleUploadedFile("p.bpmn", linear(task()).encode())
    assert client.post(reverse("workflow:list"), {"name": "x", "file": upload}).status_code == 403
    assert not ProcessDefinition.objects.exists()


def test_detail_page_shows_diagram_and_steps(client, admin_user):
    definition = services.process_from_template(kind="standard", name="标准流程")
    login(client, admin_user)
    page = client.get(reverse("workflow:detail", args=[definition.pk])).content.decode()
    assert "<svg" in page and "window_clerk" in page and "受理" in page


def test_public_diagram_only_for_valid(client, admin_user):
    good = services.process_from_template(kind="township_county", name="乡镇初审")
    bad = services.process_upload(name="坏", xml=SCRIPTED, actor=admin_user, position=position_of(admin_user))
    response = client.get(reverse("workflow:diagram", args=[good.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    assert "乡镇初审" in response.content.decode()
    assert client.get(reverse("workflow:diagram", args=[bad.pk])).status_code == 404
    assert client.get(reverse("workflow:diagram", args=[99999])).status_code == 404


def test_admin_changelist_and_add(client, admin_user):
    definition = services.process_from_template(kind="standard", name="标准流程")
    login(client, admin_user)
    assert client.get("/admin/workflow/processdefinition/").status_code == 200
    page = client.get(f"/admin/workflow/processdefinition/{definition.pk}/change/").content.decode()
    assert "bpmn:definitions" in page  # XML preview, escaped
    upload = SimpleUploadedFile("p.bpmn", SCRIPTED.encode())
    response = client.post("/admin/workflow/processdefinition/add/", {"name": "后台上传", "file": upload})
    assert response.status_code == 302
    assert ProcessDefinition.objects.get(name="后台上传").status == ProcessStatus.INVALID


# --- API -----------------------------------------------------------------------------------


def test_api_validate(client, admin_user, clerk_a):
    url = "/api/v1/workflow/validate"
    assert client.post(url, {"xml": SCRIPTED}, content_type="application/json").status_code == 401
    login(client, clerk_a)
    assert client.post(url, {"xml": SCRIPTED}, content_type="application/json").status_code == 403
    client.logout()
    login(client, admin_user)
    response = client.post(url, {"xml": SCRIPTED}, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False and body["issues"][0]["code"] == "script_forbidden"
    ok = client.post(url, {"xml": templates.standard()}, content_type="application/json").json()
    assert ok == {"valid": True, "issues": []}
    assert client.post(url, {}, content_type="application/json").status_code == 400
    assert client.post(url, "not json", content_type="application/json").status_code == 400
    bad = client.post(url, {"xml": "<x"}, content_type="application/json").json()
    assert bad["issues"][0]["code"] == "xml_invalid"


def test_api_process_detail(client, admin_user):
    definition = services.process_from_template(kind="standard", name="标准流程")
    bad = services.process_upload(name="坏", xml=SCRIPTED, actor=admin_user, position=position_of(admin_user))
    body = client.get(f"/api/v1/workflow/processes/{definition.pk}").json()
    assert body["usable"] is True and [s["spec_name"] for s in body["steps"]] == [
        "accept", "review", "decide", "complete"]
    assert body["steps"][1]["properties"]["step_days"] == "10"
    assert client.get(f"/api/v1/workflow/processes/{bad.pk}").status_code == 404
    login(client, admin_user)
    body = client.get(f"/api/v1/workflow/processes/{bad.pk}").json()
    assert body["usable"] is False and body["validation_errors"][0]["code"] == "script_forbidden"
    assert client.get("/api/v1/workflow/processes/0").status_code == 404
