"""The hotline knowledge base (知识库): drafts by departments, review and publication by the centre.

* ``knowledge_create``/``knowledge_update``/``knowledge_draft_save``: a department drafts (``KNOWLEDGE_EDIT``);
  editing a published article takes it back to draft;
* ``knowledge_submit`` → ``knowledge_review`` (``KNOWLEDGE_REVIEW``): approval publishes with an expiry date
  (after today, at most three years ahead); rejection returns it to draft with a note.
Only published, unexpired articles are searchable (``selectors``).
"""


from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.hotline.centre import is_centre, require
from yiwang.hotline.models import (
    KnowledgeArticle,
    KnowledgeStatus,
)
from yiwang.hotline.segmentation import search_text
from yiwang.hotline.services.records import (
    _text,
    _user,
)
from yiwang.org.models import Department, Position
from yiwang.org.roles import Perm


def _kb_index(article: KnowledgeArticle) -> None:
    article.search_text = search_text(article.title, article.question, article.answer, article.tags)


def knowledge_create(*, title: str, question: str, answer: str, tags: str = "", department: Department | None = None,
                     actor: Any, position: Position) -> KnowledgeArticle:
    """A department (or the centre) drafts a knowledge-base answer (``KNOWLEDGE_EDIT``)."""
    require(position, Perm.KNOWLEDGE_EDIT)
    department = department or position.department
    if department is None:
        raise InvalidInput(_("请选择编写部门"), details={"field": "department"})
    if not is_centre(position) and department.pk != position.department_id:
        raise PermissionDenied(_("只能为本部门编写知识"))
    article = KnowledgeArticle(title=_text(title, "title", limit=200), question=_text(question, "question"),
                               answer=_text(answer, "answer"), tags=_text(tags, "tags", required=False, limit=200),
                               department=department, created_by=_user(actor))
    _kb_index(article)
    with transaction.atomic():
        article.save()
        audit_record(action="hotline.kb.create", actor=actor, position=position, obj=article,
                     after={"title": article.title, "department": department.pk})
    return article


def knowledge_update(*, article: KnowledgeArticle, actor: Any, position: Position, title: str | None = None,
                     question: str | None = None, answer: str | None = None, tags: str | None = None,
                     ) -> KnowledgeArticle:
    """Edit an article; a published article goes back to draft and needs review again."""
    require(position, Perm.KNOWLEDGE_EDIT)
    if not is_centre(position) and article.department_id != position.department_id:
        raise PermissionDenied(_("只能修改本部门的知识"))
    with transaction.atomic():
        locked = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
        before = {"title": locked.title, "status": locked.status}
        if title is not None:
            locked.title = _text(title, "title", limit=200)
        if question is not None:
            locked.question = _text(question, "question")
        if answer is not None:
            locked.answer = _text(answer, "answer")
        if tags is not None:
            locked.tags = _text(tags, "tags", required=False, limit=200)
        locked.status = KnowledgeStatus.DRAFT
        _kb_index(locked)
        locked.save()
        audit_record(action="hotline.kb.update", actor=actor, position=position, obj=locked, before=before,
                     after={"title": locked.title, "status": locked.status})
    return locked


def knowledge_submit(*, article: KnowledgeArticle, actor: Any, position: Position) -> KnowledgeArticle:
    require(position, Perm.KNOWLEDGE_EDIT)
    if not is_centre(position) and article.department_id != position.department_id:
        raise PermissionDenied(_("只能提交本部门的知识"))
    with transaction.atomic():
        locked = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
        if locked.status != KnowledgeStatus.DRAFT:
            raise Conflict(_("只有草稿可以提交审核"))
        locked.status = KnowledgeStatus.IN_REVIEW
        locked.save(update_fields=["status", "updated_at"])
        audit_record(action="hotline.kb.submit", actor=actor, position=position, obj=locked,
                     after={"status": locked.status})
    return locked


def knowledge_review(*, article: KnowledgeArticle, approve: bool, expires_on: date | None = None, note: str = "",
                     actor: Any, position: Position) -> KnowledgeArticle:
    """The centre reviews (``KNOWLEDGE_REVIEW``): approve publishes with an expiry date (required,
    in the future, at most 3 years); reject returns it to draft with a note."""
    require(position, Perm.KNOWLEDGE_REVIEW)
    today = timezone.localdate()
    if approve:
        if expires_on is None:
            raise InvalidInput(_("发布须设定有效期"), details={"field": "expires_on"})
        if expires_on <= today or expires_on > today + timedelta(days=3 * 366):
            raise InvalidInput(_("有效期须在今天之后、三年以内"), details={"field": "expires_on"})
    else:
        note = _text(note, "note", limit=1000)
    with transaction.atomic():
        locked = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
        if locked.status != KnowledgeStatus.IN_REVIEW:
            raise Conflict(_("该知识不在待审核状态"))
        locked.reviewed_by, locked.review_note = _user(actor), note
        if approve:
            locked.status, locked.published_at, locked.expires_on = KnowledgeStatus.PUBLISHED, timezone.now(), expires_on
        else:
            locked.status = KnowledgeStatus.DRAFT
        locked.save()
        audit_record(action="hotline.kb.review", actor=actor, position=position, obj=locked,
                     after={"approve": approve, "expires_on": expires_on, "note": note})
    return locked


KB_MAX_EXPIRY_DAYS = 3 * 366


def _kb_expiry(value: date | None, field: str) -> date | None:
    """An expiry date must lie after today and at most three years ahead (as in ``knowledge_review``)."""
    if value is None:
        return None
    today = timezone.localdate()
    if value <= today or value > today + timedelta(days=KB_MAX_EXPIRY_DAYS):
        raise InvalidInput(_("有效期须在今天之后、三年以内"), details={"field": field})
    return value


def knowledge_draft_save(*, article: KnowledgeArticle | None = None, title: str, question: str, answer: str,
                         tags: str = "", proposed_expires_on: date | None = None, actor: Any,
                         position: Position) -> KnowledgeArticle:
    """Create a draft, or edit one of the department's articles (``KNOWLEDGE_EDIT``), recording the
    proposed expiry date. Until the centre publishes the article, ``expires_on`` holds the department's
    proposal (drafts are never searchable, so it has no effect); the reviewer sets the real expiry.
    An article in review cannot be edited (the reviewer is reading it); editing a published article
    takes it back to draft (``knowledge_update``)."""
    require(position, Perm.KNOWLEDGE_EDIT)
    proposed = _kb_expiry(proposed_expires_on, "proposed_expires_on")
    with transaction.atomic():
        if article is None:
            saved = knowledge_create(title=title, question=question, answer=answer, tags=tags, actor=actor,
                                     position=position)
        else:
            if not is_centre(position) and article.department_id != position.department_id:
                raise PermissionDenied(_("只能修改本部门的知识"))
            current = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
            if current.status == KnowledgeStatus.IN_REVIEW:
                raise Conflict(_("审核中的知识不能修改"))
            saved = knowledge_update(article=current, title=title, question=question, answer=answer, tags=tags,
                                     actor=actor, position=position)
        if saved.expires_on != proposed:
            before = saved.expires_on
            saved.expires_on = proposed
            saved.save(update_fields=["expires_on", "updated_at"])
            audit_record(action="hotline.kb.propose_expiry", actor=actor, position=position, obj=saved,
                         before={"expires_on": before}, after={"expires_on": proposed})
    return saved
