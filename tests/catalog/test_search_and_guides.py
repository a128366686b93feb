import pytest

from tests.catalog.conftest import FOOD_FIELDS, position_of
from yiwang.catalog import selectors, services
from yiwang.catalog.models import Theme


@pytest.fixture
def catalogue(county, make_published, admin_user):
    food = make_published("010010001000", county.approval_bureau,
                          themes=[Theme.objects.get(code="food_safety")],
                          fields={"other_names": "餐饮许可证"})
    elderly = make_published("050050002000", county.civil_affairs, fields={
        "name": "高龄津贴申请", "item_type": "benefit", "levels": ["county", "township", "village"],
        "service_targets": ["person"], "legal_basis": "《中华人民共和国老年人权益保障法》第三十三条",
        "acceptance_conditions": "年满80周岁", "result_name": "高龄津贴发放", "result_type": "other",
    }, materials=[{"name": "居民身份证", "form": "original", "source": "government"}],
        themes=[Theme.objects.get(code="elderly")])
    production = make_published("010010003000", county.approval_bureau, fields={
        "name": "食品生产许可", "acceptance_conditions": "食品生产场所", "result_name": "食品生产许可证"},
        materials=[{"name": "食品生产许可申请书", "form": "original", "source": "applicant"},
                   {"name": "营业执照", "form": "copy", "source": "government"}])
    # a draft that must never show up in public search
    services.item_create(base_code="010010004000", department=county.approval_bureau,
                         fields={**FOOD_FIELDS, "name": "食品经营许可草稿"}, actor=admin_user,
                         position=position_of(admin_user))
    return {"food": food, "elderly": elderly, "production": production}


def names(qs):
    return [v.name for v in qs]


def test_segmented_search_finds_food_licence(catalogue):
    assert names(selectors.item_search(q="食品 许可")) == ["食品经营许可", "食品生产许可"]
    assert names(selectors.item_search(q="食品经营")) == ["食品经营许可"]
    assert names(selectors.item_search(q="食品经营许可证")) == ["食品经营许可"]
    assert names(selectors.item_search(q="餐饮")) == ["食品经营许可"]  # other names are searchable
    assert names(selectors.item_search(q="营业执照")) == ["食品经营许可", "食品生产许可"]  # material names too
    assert names(selectors.item_search(q="高龄 津贴")) == ["高龄津贴申请"]
    assert names(selectors.item_search(q="驾驶证")) == []
    assert names(selectors.item_search(q="\"' OR 1=1 --")) == []


def test_name_matches_rank_first(catalogue):
    # "生产" is in the name of one item only; both mention 食品
    assert names(selectors.item_search(q="食品生产"))[0] == "食品生产许可"


def test_filters(catalogue, county):
    assert names(selectors.item_search(level="village")) == ["高龄津贴申请"]
    assert names(selectors.item_search(level="county")) == ["食品经营许可", "食品生产许可", "高龄津贴申请"]
    assert names(selectors.item_search(department=county.civil_affairs.code)) == ["高龄津贴申请"]
    assert names(selectors.item_search(theme="food_safety")) == ["食品经营许可"]
    assert names(selectors.item_search(audience="person")) == ["高龄津贴申请"]
    assert names(selectors.item_search(q="许可", theme="elderly")) == []


def test_search_follows_the_published_version(catalogue, admin_user):
    position = position_of(admin_user)
    draft = services.version_draft_from(item=catalogue["elderly"].item, actor=admin_user, position=position)
    services.version_update(version=draft, fields={"name": "老年人高龄补贴"}, actor=admin_user, position=position)
    assert names(selectors.item_search(q="补贴")) == []  # drafts are not public
    services.version_submit(version=draft, actor=admin_user, position=position)
    services.version_publish(version=draft, actor=admin_user, position=position)
    assert names(selectors.item_search(q="补贴")) == ["老年人高龄补贴"]
    assert names(selectors.item_search(q="高龄津贴申请")) == []


def test_search_page(client, catalogue):
    response = client.get("/services/", {"q": "食品 许可", "level": "bogus"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "食品经营许可" in body and "高龄津贴申请" not in body
    assert 'for="q"' in body and 'for="department"' in body and 'for="theme"' in body


def test_guide_page_shows_every_section(client, catalogue):
    response = client.get("/services/010010001000/")
    assert response.status_code == 200
    body = response.content.decode()
    for heading in ["基本信息", "设定依据", "受理条件", "申请材料", "办理时限", "收费", "办理流程", "办理结果",
                    "办理方式", "咨询与投诉"]:
        assert f">{heading}</h2>" in body, heading
    assert "食品经营许可申请书" in body and "营业执照" in body
    assert "法定办结时限：20 个工作日" in body and "承诺办结时限：10 个工作日" in body
    assert "<svg" in body  # the process diagram (workflow_tags)
    assert "<li>受理</li>" in body or "受理" in body
    assert 'href="/cases/apply/010010001000/"' in body
    assert 'href="/services/010010001000/guide.pdf"' in body
    assert client.get("/services/010010004000/").status_code == 404  # a draft-only item
    assert client.get("/services/nope/").status_code == 404


def test_guide_pdf_uses_wqy(client, catalogue):
    response = client.get("/services/010010001000/guide.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    assert b"WenQuanYiMicroHei" in pdf
    assert b"HanaMin" not in pdf  # nothing rare in this guide


def test_rare_characters_use_the_fallback_font(county, make_published):
    from yiwang.core.pdf import rich_text

    assert rich_text("王䶮") == '王<font name="HanaMinA">䶮</font>'
    assert rich_text("𠈌<b>") == '<font name="HanaMinB">𠈌</font>&lt;b&gt;'
    assert rich_text("普通\n文字") == "普通<br/>文字"
    from yiwang.catalog.guide_pdf import guide_pdf

    version = make_published("010010001000", county.civil_affairs, fields={"name": "王䶮𠈌的事项"})
    pdf = guide_pdf(version)
    assert b"HanaMinA" in pdf and b"HanaMinB" in pdf


def test_missing_font_is_a_clear_configuration_error(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from yiwang.core import pdf

    pdf.register_fonts.cache_clear()
    monkeypatch.setattr(pdf, "WQY_PATH", "/nonexistent/wqy.ttc")
    try:
        with pytest.raises(ImproperlyConfigured, match="fonts-wqy-microhei"):
            pdf.register_fonts()
    finally:
        monkeypatch.undo()
        pdf.register_fonts.cache_clear()
