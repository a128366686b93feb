"""Knowledge-base console pages: departments draft and submit, other departments cannot touch
their drafts, the centre publishes with an expiry date, expired answers leave search, and
citizens / anonymous visitors are kept out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import login, make_position, make_user
from yiwang.core.errors import PermissionDenied
from yiwang.core.models import AuditEvent
from yiwang.hotline import services
from yiwang.hotline.models import KnowledgeArticle, KnowledgeStatus

pytestmark = pytest.mark.django_db

TITLE = "住房公积金提取条件"
QUESTION = "职工购买自住住房，可以提取住房公积金吗？"
ANSWER = "可以。职工购买自住住房的，凭购房合同和发票到县住房公积金管理中心办理提取。"


def _draft_post(**overrides):
    data = {"title": TITLE, "question": QUESTION, "answer": ANSWER, "tags": "公积金 提取",
            "proposed_expires_on": (timezone.localdate() + timedelta(days=180)).isoformat()}
    data.update(overrides)
    return data


def _article(hl, *, status=KnowledgeStatus.DRAFT, title=TITLE, answer=ANSWER):
    article = services.knowledge_create(title=title, question=QUESTION, answer=answer, tags="公积金",
                                        actor=hl.housing_staff, position=hl.pos(hl.housing_staff))
    if status != KnowledgeStatus.DRAFT:
        services.knowledge_submit(article=article, actor=hl.housing_staff, position=hl.pos(hl.housing_staff))
    if status == KnowledgeStatus.PUBLISHED:
        services.knowledge_review(article=article, approve=True, expires_on=timezone.localdate() + timedelta(days=30),
                                  actor=hl.operator, position=hl.pos(hl.operator))
    article.refresh_from_db()
    return article


def test_department_creates_and_submits(client, hl):
    login(client, hl.housing_staff)
    assert client.get("/hotline/kb/new/").status_code == 200
    response = client.post("/hotline/kb/new/", _draft_post())
    article = KnowledgeArticle.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/hotline/kb/{article.pk}/"
    assert article.department == hl.housing and article.status == KnowledgeStatus.DRAFT
    assert article.expires_on == timezone.localdate() + timedelta(days=180)  # the proposed expiry
    assert AuditEvent.objects.filter(action="hotline.kb.create").exists()
    assert AuditEvent.objects.filter(action="hotline.kb.propose_expiry").exists()

    page = client.get(f"/hotline/kb/{article.pk}/").content.decode()
    assert "提交审核" in page and ANSWER in page

    assert client.post(f"/hotline/kb/{article.pk}/submit/").status_code == 302
    article.refresh_from_db()
    assert article.status == KnowledgeStatus.IN_REVIEW
    listing = client.get("/hotline/kb/?state=in_review").content.decode()
    assert TITLE in listing
    assert TITLE not in client.get("/hotline/kb/?state=draft").content.decode()
    # in review: no editing until the centre has decided
    assert client.post(f"/hotline/kb/{article.pk}/edit/", _draft_post(title="改")).status_code == 400
    article.refresh_from_db()
    assert article.title == TITLE and article.status == KnowledgeStatus.IN_REVIEW


def test_bad_draft_input_is_rejected_not_500(client, hl):
    login(client, hl.housing_staff)
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert client.post("/hotline/kb/new/", _draft_post(proposed_expires_on=past)).status_code == 400
    assert client.post("/hotline/kb/new/", _draft_post(title="")).status_code == 400
    assert client.post("/hotline/kb/new/", _draft_post(proposed_expires_on="not-a-date")).status_code == 400
    assert not KnowledgeArticle.objects.exists()


def test_other_department_cannot_edit(client, hl):
    article = _article(hl)
    login(client, hl.enforce_staff)
    assert client.get(f"/hotline/kb/{article.pk}/edit/").status_code == 404
    assert client.post(f"/hotline/kb/{article.pk}/edit/", _draft_post(title="篡改")).status_code == 404
    assert client.post(f"/hotline/kb/{article.pk}/submit/").status_code == 404
    assert client.get(f"/hotline/kb/{article.pk}/").status_code == 404  # a draft is not public
    assert TITLE not in client.get("/hotline/kb/").content.decode()
    article.refresh_from_db()
    assert article.title == TITLE and article.status == KnowledgeStatus.DRAFT
    with pytest.raises(PermissionDenied):
        services.knowledge_draft_save(article=article, title="篡改", question="q", answer="a",
                                      actor=hl.enforce_staff, position=hl.pos(hl.enforce_staff))
    # the owning department can
    client.logout()
    login(client, hl.housing_staff)
    assert client.post(f"/hotline/kb/{article.pk}/edit/", _draft_post(title="公积金提取（修订）")).status_code == 302
    article.refresh_from_db()
    assert article.title == "公积金提取（修订）"


def test_centre_publishes_with_expiry(client, hl):
    article = _article(hl, status=KnowledgeStatus.IN_REVIEW)
    login(client, hl.housing_staff)
    assert client.get("/hotline/kb/review/").status_code == 403
    assert client.post(f"/hotline/kb/{article.pk}/review/", {"decision": "approve",
                                                             "expires_on": "2099-01-01"}).status_code == 403
    client.logout()

    login(client, hl.operator)
    assert TITLE in client.get("/hotline/kb/review/").content.decode()
    detail = client.get(f"/hotline/kb/{article.pk}/").content.decode()
    assert 'name="expires_on"' in detail and 'for="id_expires_on"' in detail
    # approval without an expiry date, or with one beyond three years, is refused
    assert client.post(f"/hotline/kb/{article.pk}/review/", {"decision": "approve"}).status_code == 400
    too_far = (timezone.localdate() + timedelta(days=4 * 366)).isoformat()
    assert client.post(f"/hotline/kb/{article.pk}/review/",
                       {"decision": "approve", "expires_on": too_far}).status_code == 400
    article.refresh_from_db()
    assert article.status == KnowledgeStatus.IN_REVIEW
    expiry = timezone.localdate() + timedelta(days=365)
    response = client.post(f"/hotline/kb/{article.pk}/review/", {"decision": "approve",
                                                                 "expires_on": expiry.isoformat()})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == KnowledgeStatus.PUBLISHED and article.expires_on == expiry
    assert article.reviewed_by == hl.operator and article.published_at is not None
    assert TITLE not in client.get("/hotline/kb/review/").content.decode()
    found = client.get("/hotline/kb/lookup/", {"q": "公积金 提取"}).content.decode()
    assert TITLE in found


def test_centre_rejects_with_note(client, hl):
    article = _article(hl, status=KnowledgeStatus.IN_REVIEW)
    login(client, hl.operator)
    assert client.post(f"/hotline/kb/{article.pk}/review/", {"decision": "reject"}).status_code == 400
    response = client.post(f"/hotline/kb/{article.pk}/review/", {"decision": "reject", "note": "请补充办理地点"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == KnowledgeStatus.DRAFT and article.review_note == "请补充办理地点"
    client.logout()
    login(client, hl.housing_staff)
    assert "请补充办理地点" in client.get(f"/hotline/kb/{article.pk}/").content.decode()


def test_expired_hidden_from_search(client, hl):
    live = _article(hl, status=KnowledgeStatus.PUBLISHED)
    old = _article(hl, status=KnowledgeStatus.PUBLISHED, title="公积金提取旧口径", answer="旧的公积金提取办法。")
    KnowledgeArticle.objects.filter(pk=old.pk).update(expires_on=timezone.localdate() - timedelta(days=1))

    login(client, hl.town_a_staff)  # another unit: may search, sees only live answers
    found = client.get("/hotline/kb/lookup/", {"q": "公积金提取"}).content.decode()
    assert TITLE in found and "公积金提取旧口径" not in found
    assert client.get(f"/hotline/kb/{live.pk}/").status_code == 200
    assert client.get(f"/hotline/kb/{old.pk}/").status_code == 404
    client.logout()

    login(client, hl.housing_staff)  # the author sees it under 已过期
    expired = client.get("/hotline/kb/?state=expired").content.decode()
    published = client.get("/hotline/kb/?state=published").content.decode()
    assert "公积金提取旧口径" in expired and TITLE not in expired
    assert TITLE in published and "公积金提取旧口径" not in published


def test_leader_can_search_but_not_manage(client, hl):
    _article(hl, status=KnowledgeStatus.PUBLISHED)
    login(client, hl.leader)
    assert TITLE in client.get("/hotline/kb/lookup/", {"q": "公积金"}).content.decode()
    assert client.get("/hotline/kb/").status_code == 403
    assert client.get("/hotline/kb/new/").status_code == 403
    assert client.post("/hotline/kb/new/", _draft_post()).status_code == 403
    assert KnowledgeArticle.objects.count() == 1


def test_staff_without_hotline_access_cannot_search(client, hl, county):
    user = make_user("trader", real_name="交易员", phone="13900000099")
    make_position(user, "trading_staff", county.county)
    login(client, user)
    assert client.get("/hotline/kb/lookup/", {"q": "公积金"}).status_code == 403


URLS = ["/hotline/kb/", "/hotline/kb/new/", "/hotline/kb/lookup/?q=公积金", "/hotline/kb/review/"]


def test_citizen_and_anonymous_forbidden(client, hl, applicant):
    article = _article(hl, status=KnowledgeStatus.IN_REVIEW)
    for url in [*URLS, f"/hotline/kb/{article.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    login(client, applicant)
    for url in [*URLS, f"/hotline/kb/{article.pk}/"]:
        assert client.get(url).status_code == 403, url
    assert client.post("/hotline/kb/new/", _draft_post()).status_code == 403
    assert client.post(f"/hotline/kb/{article.pk}/review/", {"decision": "approve",
                                                             "expires_on": "2099-01-01"}).status_code == 403
    article.refresh_from_db()
    assert KnowledgeArticle.objects.count() == 1 and article.status == KnowledgeStatus.IN_REVIEW
