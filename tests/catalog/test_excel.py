import io

import pytest
from openpyxl import load_workbook

from tests.catalog.conftest import position_of
from tests.conftest import login
from yiwang.catalog import excel
from yiwang.catalog.models import ServiceItem, ServiceItemVersion
from yiwang.core.errors import InvalidInput, PermissionDenied


@pytest.fixture
def published(county, make_published):
    return make_published("010010001000", county.civil_affairs,
                          fields={"is_charged": True, "faq": [{"q": "多久办结？", "a": "10 个工作日"}]},
                          fees=[{"name": "工本费", "amount": "10", "basis": "某收费文件"}])


def _export(versions) -> bytes:
    return excel.catalog_export(versions=versions)


def _edit(data: bytes, sheet: str, header: str, row: int, value) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook[sheet]
    column = [c.value for c in ws[1]].index(header) + 1
    ws.cell(row=row, column=column, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_export_layout(published):
    workbook = load_workbook(io.BytesIO(_export([published])))
    assert workbook.sheetnames == ["事项", "申请材料", "收费项目"]
    headers = [c.value for c in workbook["事项"][1]]
    assert headers[:5] == ["基本编码", "实施编码", "业务办理项编码", "业务办理项类别", "事项名称"]
    row = dict(zip(headers, [c.value for c in workbook["事项"][2]], strict=True))
    assert row["事项类型"] == "行政许可" and row["办理层级"] == "县级" and row["是否收费"] == "是"
    assert row["法定办结时限"] == 20 and row["法定时限单位"] == "工作日"
    assert [r[2] for r in workbook["申请材料"].iter_rows(min_row=2, values_only=True)] == [
        "食品经营许可申请书", "营业执照"]
    assert [r[4] for r in workbook["收费项目"].iter_rows(min_row=2, values_only=True)] == ["某收费文件"]


def test_round_trip_creates_drafts_only(published, admin_user, county):
    # given an exported workbook with a changed name and a new item
    data = _edit(_export([published]), "事项", "事项名称", 2, "食品经营许可（导入）")
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook["事项"]
    new_row = [c.value for c in ws[2]]
    headers = [c.value for c in ws[1]]
    new_row[headers.index("基本编码")] = "010010009000"
    new_row[headers.index("实施编码")] = "010010009000" + "371327" + "0" * 18
    new_row[headers.index("事项名称")] = "新导入事项"
    new_row[headers.index("是否收费")] = "否"
    ws.append(new_row)
    workbook["申请材料"].append(["010010009000" + "371327" + "0" * 18, 1, "申请表", "是", "原件", "申请人自备", 1,
                                "", "", "否"])
    out = io.BytesIO()
    workbook.save(out)
    # when imported
    result = excel.catalog_import(data=out.getvalue(), actor=admin_user, position=position_of(admin_user))
    # then the published version is untouched and drafts carry the content
    assert result == {"created": 1, "updated": 1, "rows": 2}
    published.refresh_from_db()
    assert published.status == "published" and published.name == "食品经营许可"
    draft = published.item.versions.get(number=2)
    assert draft.status == "draft" and draft.name == "食品经营许可（导入）"
    assert list(draft.materials.values_list("name", flat=True)) == ["食品经营许可申请书", "营业执照"]
    assert draft.fee_items.get().basis == "某收费文件" and draft.is_charged
    assert draft.faq == [{"q": "多久办结？", "a": "10 个工作日"}]
    assert draft.process_id == published.process_id
    new = ServiceItem.objects.get(base_code="010010009000").versions.get()
    assert new.status == "draft" and new.name == "新导入事项" and not new.is_charged
    assert list(new.materials.values_list("name", flat=True)) == ["申请表"]
    # importing the same workbook again updates the same open draft
    again = excel.catalog_import(data=out.getvalue(), actor=admin_user, position=position_of(admin_user))
    assert again == {"created": 0, "updated": 2, "rows": 2}
    assert published.item.versions.count() == 2


def test_bad_rows_are_reported_and_nothing_changes(published, admin_user):
    data = _edit(_export([published]), "事项", "事项类型", 2, "行政处罚")
    data = _edit(data, "申请材料", "材料形式", 3, "手写件")
    data = _edit(data, "收费项目", "收费依据", 2, "")
    versions_before = ServiceItemVersion.objects.count()
    with pytest.raises(InvalidInput) as exc:
        excel.catalog_import(data=data, actor=admin_user, position=position_of(admin_user))
    errors = exc.value.details["errors"]
    assert [(e["sheet"], e["row"]) for e in errors] == [("事项", 2), ("申请材料", 3), ("收费项目", 2)]
    assert "item_type" in errors[0]["fields"]
    assert "form" in errors[1]["fields"] and "basis" in errors[2]["fields"]
    assert ServiceItemVersion.objects.count() == versions_before


def test_one_bad_row_rolls_back_the_good_ones(published, admin_user):
    data = _edit(_export([published]), "事项", "事项名称", 2, "好的修改")
    workbook = load_workbook(io.BytesIO(data))
    row = [c.value for c in workbook["事项"][2]]
    row[0] = "BAD"
    workbook["事项"].append(row)
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(InvalidInput) as exc:
        excel.catalog_import(data=out.getvalue(), actor=admin_user, position=position_of(admin_user))
    assert [e["row"] for e in exc.value.details["errors"]] == [3]
    assert published.item.versions.count() == 1


@pytest.mark.parametrize("payload", [b"", b"name,type\n1,2\n", b"PK\x03\x04 not really a zip", b"%PDF-1.4"])
def test_non_xlsx_is_rejected(admin_user, payload):
    with pytest.raises(InvalidInput):
        excel.catalog_import(data=payload, actor=admin_user, position=position_of(admin_user))


def test_oversize_is_rejected(admin_user):
    with pytest.raises(InvalidInput) as exc:
        excel.catalog_import(data=b"PK\x03\x04" + b"0" * (5 * 1024 * 1024), actor=admin_user,
                             position=position_of(admin_user))
    assert exc.value.code == "too_large"


def test_import_needs_catalog_edit(published, clerk_b):
    with pytest.raises(PermissionDenied):
        excel.catalog_import(data=_export([published]), actor=clerk_b, position=position_of(clerk_b))


def test_console_export_and_import(client, published, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, admin_user)
    response = client.get("/services/manage/export.xlsx")
    assert response.status_code == 200
    assert response.content.startswith(b"PK")
    bad = client.post("/services/manage/import/",
                      {"file": SimpleUploadedFile("catalog.xlsx", b"just text", content_type=XLSX)})
    assert bad.status_code == 400
    assert "Excel" in bad.content.decode()
    ok = client.post("/services/manage/import/",
                     {"file": SimpleUploadedFile("catalog.xlsx", response.content, content_type=XLSX)})
    assert ok.status_code == 200
    assert published.item.versions.count() == 2


def test_api_import_reports_rows(client, published, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, admin_user)
    exported = client.get("/api/v1/catalog/manage/export.xlsx")
    assert exported.status_code == 200
    data = _edit(exported.content, "事项", "法定办结时限", 2, "二十")
    response = client.post("/api/v1/catalog/manage/import",
                           {"file": SimpleUploadedFile("c.xlsx", data, content_type=XLSX)})
    assert response.status_code == 400
    assert response.json()["details"]["errors"][0]["fields"] == {"statutory_limit": "应为 0 到 3650 之间的整数"}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _with_part(data: bytes, name: str, content: bytes, count: int = 1) -> bytes:
    """The workbook ``data`` with extra zip parts: how a zip bomb hides in an .xlsx."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for entry in src.infolist():
            dst.writestr(entry, src.read(entry))
        for i in range(count):
            dst.writestr(name.format(i=i), content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


@pytest.mark.parametrize(
    ("part", "content", "count", "reason"),
    [
        # one sheet of 48 MB that deflates to ~50 KB: too big once expanded
        ("xl/worksheets/sheet9{i}.xml", b"<c/>" * (12 * 1024 * 1024), 1, "expands_too_far"),
        # 8 MB of one repeated byte: under the total, but a 1000:1 ratio is no spreadsheet
        ("xl/media/blob{i}.bin", b"\0" * (8 * 1024 * 1024), 1, "compression_ratio"),
        # thousands of tiny parts
        ("xl/extra/part{i}.xml", b"<x/>", 500, "too_many_parts"),
    ],
)
def test_zip_bomb_is_refused_before_loading(admin_user, published, monkeypatch, part, content, count, reason):
    # given a valid workbook carrying a crafted part
    bomb = _with_part(_export([published]), part, content, count)
    assert len(bomb) < excel.MAX_BYTES
    # openpyxl must never see it
    monkeypatch.setattr(excel, "load_workbook", lambda *a, **k: pytest.fail("load_workbook was called"))
    # when it is imported, then it is refused as too large, naming why
    with pytest.raises(InvalidInput) as exc:
        excel.catalog_import(data=bomb, actor=admin_user, position=position_of(admin_user))
    assert exc.value.code == "too_large"
    assert exc.value.details["file"] == reason
