"""Browser journeys of online approval (一网通办), issue 3.

1. A citizen applies online for 建设工程规划许可 with a material missing; the window clerk sends ONE
   补正材料通知书; the citizen uploads the material; the clerk accepts; two departments review in
   parallel (联审); the approver grants; the electronic licence's QR page says 有效, and says
   已被篡改 after the licence data (or its PDF) is changed.
2. A village agent files 高龄津贴 for an elderly villager; the township accepts, its head approves
   and the window completes the case → 准予 / 已办结.

Citizens sign in through the login page; staff sessions are created server-side with two-factor
passed (the TOTP screen has its own journey in ``test_login_totp.py``).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.browser import sessions
from tests.browser.sessions import as_staff, flash
from tests.conftest import make_position, make_user
from tests.migration_data import restore_migration_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PASSWORD = "Correct-Horse-2026"


# --- set-up -----------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def seeded_calendar(transactional_db):
    """Transactional tests flush every table: put the official holiday data back."""
    from yiwang.calendar import engine
    from yiwang.calendar.models import CalendarDay, CalendarYear
    from yiwang.calendar.seeding import seed_calendar

    seed_calendar(CalendarDay, CalendarYear)
    restore_migration_data()  # rules, templates, themes: another test may have flushed them
    engine.invalidate()
    engine.reset()
    yield
    engine.reset()


def _published_item(*, name: str, department: Any, kind: str, materials: list[tuple[str, bool]],
                    levels: list[str], base_code: str, item_type: str = "licensing",
                    joint: list[str] | None = None, result: tuple[str, str] = ("", "other"),
                    statutory: int = 20, promised: int = 10) -> Any:
    """A published item version bound to a template process, through the catalogue services."""
    from yiwang.catalog import services as catalog
    from yiwang.workflow.services import process_from_template

    process = process_from_template(kind=kind, name=f"{name}流程", departments=joint)
    fields: dict[str, Any] = {
        "name": name, "legal_basis": "《中华人民共和国行政许可法》", "item_type": item_type, "levels": levels,
        "statutory_limit": statutory, "promised_limit": promised, "process": process,
        "result_name": result[0] or f"{name}结果", "result_type": result[1],
        "acceptance_conditions": "材料齐全、符合法定形式",
    }
    if result[1] == "licence":
        fields["licence_template"] = "general"
    if joint:
        fields["joint_departments"] = joint
    version = catalog.item_create(base_code=base_code, department=department, fields=fields, system=True,
                                  materials=[{"name": m, "required": required} for m, required in materials])
    catalog.version_submit(version=version, system=True)
    catalog.version_publish(version=version, system=True, note="浏览器测试")
    version.refresh_from_db()
    return version


def _staff(username: str, role: str, division: Any, department: Any = None, *, name: str = "") -> Any:
    user = make_user(username, real_name=name or username)
    make_position(user, role, division, department)
    return user


def as_citizen(page: Any, live_server: Any, username: str) -> None:
    sessions.as_citizen(page, live_server, username, PASSWORD)


def pdf_file(name: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF_BYTES}


def case_row(page: Any, number: str) -> Any:
    return page.get_by_role("row").filter(has_text=number)


# --- journey 1: joint review, supplement, licence -------------------------------------------------

@dataclass
class PlanningSetup:
    version: Any
    citizen: Any
    clerk: Any
    nrp_reviewer: Any
    housing_reviewer: Any
    approver: Any


@pytest.fixture
def planning(county, applicant) -> PlanningSetup:
    from yiwang.org.models import Department

    nrp = Department.objects.create(name="莒南县自然资源和规划局", code="D-NRP", division=county.county)
    housing = Department.objects.create(name="莒南县住房和城乡建设局", code="D-HOUSING", division=county.county)
    version = _published_item(
        name="建设工程规划许可", department=county.approval_bureau, kind="joint", levels=["county"],
        base_code="110010001000", joint=["D-NRP", "D-HOUSING"], result=("建设工程规划许可证", "licence"),
        materials=[("建设工程规划许可申请表", True), ("使用土地的有关证明文件", True),
                   ("建设工程设计方案", True), ("消防设计文件", False)], statutory=20, promised=10)
    c = county.county
    return PlanningSetup(
        version=version, citizen=applicant,
        clerk=_staff("county_clerk", "window_clerk", c, county.approval_bureau, name="孙丽"),
        nrp_reviewer=_staff("nrp_reviewer", "reviewer", c, nrp, name="周规划"),
        housing_reviewer=_staff("housing_reviewer", "reviewer", c, housing, name="吴住建"),
        approver=_staff("bureau_approver", "approver", c, county.approval_bureau, name="郑审批"),
    )


def _complete_joint_review(page: Any, live_server: Any, reviewer: Any, number: str, opinion: str) -> None:
    as_staff(page, live_server, reviewer)
    page.goto(f"{live_server.url}/console/")
    page.get_by_role("link", name="我的待办").click()
    row = case_row(page, number)
    assert "联审" in row.inner_text()
    row.get_by_role("link", name="办理").click()
    page.get_by_label("审查意见").fill(opinion)
    page.get_by_role("button", name="完成本环节").click()
    page.wait_for_load_state()
    assert "已完成：联审" in flash(page)


def test_citizen_applies_for_planning_licence_through_joint_review(page, live_server, planning):
    from yiwang.cases.models import Case, SupplementNotice
    from yiwang.licences.models import Licence

    version = planning.version
    # -- the citizen applies online; without the land-use document the form refuses to submit
    as_citizen(page, live_server, planning.citizen.username)
    page.goto(f"{live_server.url}/cases/apply/{version.item.base_code}/")
    assert page.get_by_role("heading", name="申请：建设工程规划许可").is_visible()
    page.get_by_label("通讯地址").fill("莒南县十字路街道人民路 88 号")
    page.get_by_label("建设工程规划许可申请表").set_input_files(pdf_file("申请表.pdf"))
    page.get_by_label("建设工程设计方案").set_input_files(pdf_file("设计方案.pdf"))
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    assert "使用土地的有关证明文件" in page.get_by_role("alert").inner_text()
    assert "已上传：申请表.pdf" in page.content()  # the good files are kept in a draft
    page.get_by_label("使用土地的有关证明文件").set_input_files(pdf_file("用地证明.pdf"))
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/cases/mine/*/")
    assert "申请已提交" in flash(page)
    case = Case.objects.get(version=version)
    number = case.number
    assert page.get_by_text("待受理").first.is_visible()

    # -- the clerk opens it at the acceptance desk and sends ONE supplement notice (an unclear copy)
    as_staff(page, live_server, planning.clerk)
    page.goto(f"{live_server.url}/console/")
    page.get_by_role("link", name="受理台").click()
    case_row(page, number).get_by_role("link", name=number).click()
    unclear = page.get_by_role("checkbox", name="使用土地的有关证明文件")
    assert not unclear.is_checked()  # nothing is missing
    unclear.check()
    page.get_by_label("使用土地的有关证明文件的问题").fill("复印件不清晰，请上传用地批准文件清晰复印件")
    page.get_by_role("button", name="出具补正材料通知书").click()
    page.wait_for_load_state()
    assert "补正材料通知书已出具" in flash(page)
    assert page.get_by_text("待补正").first.is_visible()
    notice = SupplementNotice.objects.get(case=case)
    assert [i["name"] for i in notice.items] == ["使用土地的有关证明文件"]

    # -- the citizen sees it in "my cases" and uploads the missing material
    as_citizen(page, live_server, planning.citizen.username)
    page.goto(f"{live_server.url}/cases/mine/")
    row = case_row(page, number)
    assert "待补正" in row.inner_text()
    row.get_by_role("link", name=number).click()
    supplement = page.get_by_role("region", name="请补正以下材料")
    assert "复印件不清晰，请上传用地批准文件清晰复印件" in supplement.inner_text()
    supplement.get_by_label("上传：使用土地的有关证明文件").set_input_files(pdf_file("用地批准文件.pdf"))
    supplement.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_load_state()
    assert "补正材料已上传" in flash(page)
    # every listed material is in: the notice is satisfied and the case is back at the desk
    assert "用地批准文件.pdf" in page.get_by_role("region", name="已提交材料").inner_text()
    assert page.get_by_role("region", name="请补正以下材料").count() == 0

    # -- the clerk accepts (受理)
    as_staff(page, live_server, planning.clerk)
    page.goto(f"{live_server.url}/cases/console/acceptance/")
    case_row(page, number).get_by_role("link", name=number).click()
    page.get_by_role("button", name="受理并出具受理通知书").click()
    page.wait_for_load_state()
    assert "已受理，受理通知书已出具" in flash(page)
    assert page.get_by_text("办理中").first.is_visible()

    # -- both departments have the case in their inboxes at the same time (parallel 联审)
    for reviewer in (planning.nrp_reviewer, planning.housing_reviewer):
        as_staff(page, live_server, reviewer)
        page.goto(f"{live_server.url}/cases/console/inbox/")
        assert "联审" in case_row(page, number).inner_text()
    as_staff(page, live_server, planning.approver)
    page.goto(f"{live_server.url}/cases/console/inbox/")
    assert page.get_by_text("当前岗位没有待办环节。").is_visible()  # the decision waits for both

    _complete_joint_review(page, live_server, planning.housing_reviewer, number, "符合住房和城乡建设要求")
    _complete_joint_review(page, live_server, planning.nrp_reviewer, number, "符合控制性详细规划和规划条件")

    # -- the approver grants (准予)
    as_staff(page, live_server, planning.approver)
    page.goto(f"{live_server.url}/console/")
    page.get_by_role("link", name="我的待办").click()
    row = case_row(page, number)
    assert "决定" in row.inner_text()
    row.get_by_role("link", name="办理").click()
    page.get_by_role("radio", name="准予").check()
    page.get_by_label("审查意见").fill("经联审，同意核发建设工程规划许可证")
    page.get_by_role("button", name="完成本环节").click()
    page.wait_for_load_state()
    assert "已完成：决定" in flash(page)
    basic = page.get_by_role("region", name="基本信息")
    assert "准予许可" in basic.inner_text() and "准予" in basic.inner_text()

    # -- the licence is issued; the citizen finds it under "my licences"
    licence = Licence.objects.get(case=case)
    assert licence.title == "建设工程规划许可证"
    as_citizen(page, live_server, planning.citizen.username)
    page.goto(f"{live_server.url}/licences/")
    assert case_row(page, licence.number).get_by_text("有效").is_visible()
    assert "作出决定：准予许可" in page.goto(f"{live_server.url}/cases/mine/{case.pk}/").text()

    # -- the QR code's public page: 有效
    verify = (f"{live_server.url}{reverse('licences:verify', kwargs={'number': licence.number})}?"
              f"{urlencode({'code': licence.verify_code})}")
    page.context.clear_cookies()
    page.goto(verify)
    assert page.locator("#verify-status").inner_text().endswith("有效")
    assert "建设工程规划许可证" in page.get_by_role("region").first.inner_text()

    # -- a licence PDF whose embedded data was changed: 已被篡改
    original = licence.pdf.open("rb").read()
    page.get_by_label("电子证照 PDF 文件").set_input_files(
        {"name": "licence.pdf", "mimeType": "application/pdf", "buffer": original})
    page.get_by_role("button", name="上传并核验").click()
    page.wait_for_load_state()
    assert page.locator("#verify-status").inner_text().endswith("有效")
    page.get_by_label("电子证照 PDF 文件").set_input_files(
        {"name": "licence.pdf", "mimeType": "application/pdf", "buffer": _forge_pdf(original)})
    page.get_by_role("button", name="上传并核验").click()
    page.wait_for_load_state()
    assert "已被篡改" in page.locator("#verify-status").inner_text()

    # -- the registry record tampered with in the database: the QR page says 已被篡改
    forged = {**licence.data, "holder": {**licence.data["holder"], "name": "李四"}}
    Licence.objects.filter(pk=licence.pk).update(data=forged)
    page.goto(verify)
    assert "已被篡改" in page.locator("#verify-status").inner_text()
    assert "数据已被篡改" in page.get_by_text("请勿采信").inner_text()


def _forge_pdf(pdf: bytes) -> bytes:
    """The same PDF with the holder's name changed inside the embedded signed payload."""
    from yiwang.licences.signing import _PAYLOAD_RE  # the pattern the verifier itself uses

    match = _PAYLOAD_RE.search(pdf)
    assert match is not None, "no signed payload in the licence PDF"
    raw = re.sub(rb"\\\r?\n|[\r\n]", b"", match.group(1))
    payload = json.loads(base64.b64decode(raw))
    payload["data"]["holder"]["name"] = "李四"
    forged = base64.b64encode(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    return pdf[:match.start(1)] + forged + pdf[match.end(1):]


# --- journey 2: village agent files 高龄津贴 --------------------------------------------------------

@pytest.fixture
def allowance(county, clerk_b) -> dict[str, Any]:
    version = _published_item(
        name="高龄津贴申请", department=county.civil_affairs, kind="village_agent", levels=["township", "village"],
        base_code="230020001000", item_type="benefit", result=("高龄津贴发放", "other"),
        materials=[("身份证", True), ("户口簿", True)], statutory=20, promised=15)
    return {
        "version": version, "clerk": clerk_b,
        "agent": _staff("agent_b1", "village_agent", county.village_b1, name="庄秀兰"),
        "head": _staff("dd_head", "department_head", county.township_b, county.civil_affairs_b, name="刘主任"),
    }


def test_village_agent_files_old_age_allowance_and_township_approves(page, live_server, allowance):
    from yiwang.cases.models import Case

    # -- the agent files for an elderly villager at the village station
    as_staff(page, live_server, allowance["agent"])
    page.goto(f"{live_server.url}/console/")
    page.get_by_role("link", name="村级代办站").click()
    assert page.get_by_role("heading", name="大店村便民服务站").is_visible()
    page.get_by_role("link", name="为村民代办申请").click()
    page.get_by_label("事项").select_option(allowance["version"].item.base_code)
    page.get_by_role("button", name="下一步").click()
    assert page.get_by_role("heading", name="申请：高龄津贴申请").is_visible()
    page.get_by_label("姓名（名称）").fill("庄大爷")
    page.get_by_label("身份证号").fill("110101194101050038")
    page.get_by_label("手机号码（接收短信通知）").fill("13800000002")
    page.get_by_label("身份证").last.set_input_files(pdf_file("身份证.pdf"))
    page.get_by_label("户口簿").set_input_files(pdf_file("户口簿.pdf"))
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/cases/console/filed/")
    assert "已提交。办件编号" in flash(page)
    case = Case.objects.get(version=allowance["version"])
    assert (case.channel, case.filed_by) == ("agent", allowance["agent"])
    assert "待受理" in case_row(page, case.number).inner_text()

    # -- the township window accepts
    as_staff(page, live_server, allowance["clerk"])
    page.goto(f"{live_server.url}/console/")
    page.get_by_role("link", name="受理台").click()
    row = case_row(page, case.number)
    assert "村级代办" in row.inner_text()
    row.get_by_role("link", name=case.number).click()
    page.get_by_role("button", name="受理并出具受理通知书").click()
    page.wait_for_load_state()
    assert "已受理，受理通知书已出具" in flash(page)

    # -- the township head approves (乡镇审核 → 准予)
    as_staff(page, live_server, allowance["head"])
    page.goto(f"{live_server.url}/cases/console/inbox/")
    row = case_row(page, case.number)
    assert "乡镇审核" in row.inner_text()
    row.get_by_role("link", name="办理").click()
    page.get_by_role("radio", name="准予").check()
    page.get_by_label("审查意见").fill("申请人年满八十周岁，户籍在本镇，同意发放高龄津贴")
    page.get_by_role("button", name="完成本环节").click()
    page.wait_for_load_state()
    assert "准予许可" in page.get_by_role("region", name="基本信息").inner_text()

    # -- the township window closes it (办结)
    as_staff(page, live_server, allowance["clerk"])
    page.goto(f"{live_server.url}/cases/console/inbox/")
    row = case_row(page, case.number)
    assert "办结" in row.inner_text()
    row.get_by_role("link", name="办理").click()
    page.get_by_role("button", name="完成本环节").click()
    page.wait_for_load_state()
    basic = page.get_by_role("region", name="基本信息").inner_text()
    assert "已办结" in basic and "准予" in basic

    # -- the agent's station shows it closed; anyone can look it up by number and query code
    as_staff(page, live_server, allowance["agent"])
    page.goto(f"{live_server.url}/cases/console/filed/")
    assert "已办结" in case_row(page, case.number).inner_text()
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/cases/query/")
    page.get_by_label("办件编号").fill(case.number)
    page.get_by_label("查询码").fill(case.query_code)
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    assert "已办结" in page.locator("main").inner_text()
