"""Staff console pages of the knowledge base (知识库).

* Departments write answers (``KNOWLEDGE_EDIT``): list of their articles by state (草稿, 待审核,
  已发布, 已过期) with search, create and edit a draft with a proposed expiry, submit for review.
* The centre reviews (``KNOWLEDGE_REVIEW``): a review queue; approve with an expiry date (required)
  or return to the department with a note.
* Everyone on a hotline-related staff position can search the published, unexpired answers and
  read them; expired answers are hidden from search (``selectors.knowledge_search``).

Views only parse input, call selectors/services and render; every write goes through
``hotline.services`` (``knowledge_draft_save``, ``knowledge_submit``, ``knowledge_review``).
Citizens and anonymous visitors are refused by ``staff_required`` (403 / login redirect).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.console.views import staff_required
from yiwang.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from yiwang.core.pagination import page_of
from yiwang.hotline import selectors, services
from yiwang.hotline.centre import is_centre
from yiwang.hotline.forms_kb import KnowledgeDraftForm, KnowledgeReviewForm, KnowledgeSearchForm
from yiwang.hotline.models import KnowledgeArticle, KnowledgeStatus
from yiwang.hotline.segmentation import segment
from yiwang.org.models import Position
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm

# Positions that may search and read the published knowledge base.
SEARCH_PERMS = (Perm.KNOWLEDGE_EDIT, Perm.KNOWLEDGE_REVIEW, Perm.TICKET_INTAKE, Perm.TICKET_VIEW,
                Perm.TICKET_HANDLE)
EXPIRED = "expired"
STATES: tuple[tuple[str, Any], ...] = (
    (KnowledgeStatus.DRAFT, KnowledgeStatus.DRAFT.label),
    (KnowledgeStatus.IN_REVIEW, KnowledgeStatus.IN_REVIEW.label),
    (KnowledgeStatus.PUBLISHED, KnowledgeStatus.PUBLISHED.label),
    (EXPIRED, gettext_lazy("已过期")),
)


# --- helpers ---------------------------------------------------------------------------------
def _position(request: HttpRequest) -> Position:
    return request.position  # type: ignore[attr-defined,no-any-return]


def _flags(position: Position) -> dict[str, bool]:
    edit, review = has_perm(position, Perm.KNOWLEDGE_EDIT), has_perm(position, Perm.KNOWLEDGE_REVIEW)
    return {"can_edit": edit, "can_review": review, "can_manage": edit or review,
            "can_search": any(has_perm(position, p) for p in SEARCH_PERMS)}


def _require_search(position: Position) -> None:
    if not _flags(position)["can_search"]:
        raise PermissionDenied(_("当前岗位无权查阅知识库"))


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {**_flags(_position(request)), **context}, status=status)


def _expired_q(today: date) -> Q:
    return Q(status=KnowledgeStatus.PUBLISHED, expires_on__lt=today)


def _state(article: KnowledgeArticle, today: date) -> str:
    if article.status == KnowledgeStatus.PUBLISHED and article.expires_on and article.expires_on < today:
        return EXPIRED
    return str(article.status)


def _decorate(article: KnowledgeArticle, today: date) -> KnowledgeArticle:
    state = _state(article, today)
    article.state = state  # type: ignore[attr-defined]
    article.state_label = dict(STATES).get(state, state)  # type: ignore[attr-defined]
    return article


def _managed(position: Position, pk: int) -> KnowledgeArticle | None:
    """The article if ``position`` manages it (its department's, or any for the centre/reviewers)."""
    if not _flags(position)["can_manage"]:
        return None
    return selectors.knowledge_list_for_position(position=position).filter(pk=pk).first()


def _may_edit(position: Position, article: KnowledgeArticle) -> bool:
    return (has_perm(position, Perm.KNOWLEDGE_EDIT)
            and (is_centre(position) or article.department_id == position.department_id))


def _filter_text(qs: QuerySet[KnowledgeArticle], query: str) -> QuerySet[KnowledgeArticle]:
    query = query.strip()
    if not query:
        return qs
    tokens = segment(query)[:8]
    cond = Q()
    for token in tokens:
        cond &= Q(search_text__contains=f" {token} ")
    return qs.filter(Q(title__icontains=query) | cond) if tokens else qs.filter(title__icontains=query)


# --- department list, create, edit, submit ----------------------------------------------------
@staff_required
def kb_list(request: HttpRequest) -> HttpResponse:
    """My department's articles (all of them for the centre and reviewers), by state, searchable."""
    position = _position(request)
    today = timezone.localdate()
    base = selectors.knowledge_list_for_position(position=position)
    search = KnowledgeSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    base = _filter_text(base, query)
    state = request.GET.get("state") or ""
    if state == EXPIRED:
        qs = base.filter(_expired_q(today))
    elif state == KnowledgeStatus.PUBLISHED:
        qs = base.filter(status=KnowledgeStatus.PUBLISHED).exclude(_expired_q(today))
    elif state in (KnowledgeStatus.DRAFT, KnowledgeStatus.IN_REVIEW):
        qs = base.filter(status=state)
    else:
        state, qs = "", base
    counts = {
        KnowledgeStatus.DRAFT: base.filter(status=KnowledgeStatus.DRAFT).count(),
        KnowledgeStatus.IN_REVIEW: base.filter(status=KnowledgeStatus.IN_REVIEW).count(),
        KnowledgeStatus.PUBLISHED: base.filter(status=KnowledgeStatus.PUBLISHED).exclude(_expired_q(today)).count(),
        EXPIRED: base.filter(_expired_q(today)).count(),
    }
    page = page_of(request, qs, 30)
    for article in page:
        _decorate(article, today)
    tabs = [{"key": key, "label": label, "count": counts[key], "active": key == state} for key, label in STATES]
    return _render(request, "hotline/kb/list.html", {
        "page": page, "tabs": tabs, "state": state, "query": query, "search_form": search,
        "all_departments": is_centre(position) or has_perm(position, Perm.KNOWLEDGE_REVIEW),
    })


def _apply_domain_error(form: KnowledgeDraftForm | KnowledgeReviewForm, exc: DomainError) -> None:
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    form.add_error(field if field in form.fields else None, exc.message)


@staff_required
@require_http_methods(["GET", "POST"])
def kb_create(request: HttpRequest) -> HttpResponse:
    position = _position(request)
    if not has_perm(position, Perm.KNOWLEDGE_EDIT):
        raise PermissionDenied(_("当前岗位无权编写知识库"))
    form = KnowledgeDraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.knowledge_draft_save(
                title=data["title"], question=data["question"], answer=data["answer"], tags=data["tags"],
                proposed_expires_on=data["proposed_expires_on"], actor=request.user, position=position)
        except DomainError as exc:
            _apply_domain_error(form, exc)
        else:
            messages.success(request, _("草稿已保存"))
            return redirect("hotline:kb_detail", pk=article.pk)
    return _render(request, "hotline/kb/form.html", {"form": form, "article": None},
                   status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def kb_edit(request: HttpRequest, pk: int) -> HttpResponse:
    position = _position(request)
    article = _managed(position, pk)
    if article is None:
        raise NotFound(_("知识条目不存在"))
    if not _may_edit(position, article):
        raise PermissionDenied(_("只能修改本部门的知识"))
    initial = {"title": article.title, "question": article.question, "answer": article.answer,
               "tags": article.tags, "proposed_expires_on": article.expires_on}
    form = KnowledgeDraftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.knowledge_draft_save(
                article=article, title=data["title"], question=data["question"], answer=data["answer"],
                tags=data["tags"], proposed_expires_on=data["proposed_expires_on"], actor=request.user,
                position=position)
        except DomainError as exc:
            _apply_domain_error(form, exc)
        else:
            messages.success(request, _("修改已保存，需重新提交审核"))
            return redirect("hotline:kb_detail", pk=article.pk)
    return _render(request, "hotline/kb/form.html", {"form": form, "article": _decorate(article, timezone.localdate())},
                   status=400 if form.errors else 200)


@staff_required
@require_POST
def kb_submit(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    position = _position(request)
    article = _managed(position, pk)
    if article is None:
        raise NotFound(_("知识条目不存在"))
    try:
        services.knowledge_submit(article=article, actor=request.user, position=position)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提交热线中心审核"))
    return redirect("hotline:kb_detail", pk=article.pk)


# --- article page ----------------------------------------------------------------------------
def _detail_context(position: Position, article: KnowledgeArticle, managed: bool) -> dict[str, Any]:
    _decorate(article, timezone.localdate())
    editable = managed and _may_edit(position, article)
    return {
        "article": article,
        "may_edit": editable and article.status != KnowledgeStatus.IN_REVIEW,
        "may_submit": editable and article.status == KnowledgeStatus.DRAFT,
        "may_review": managed and has_perm(position, Perm.KNOWLEDGE_REVIEW)
        and article.status == KnowledgeStatus.IN_REVIEW,
        "managed": managed,
    }


@staff_required
def kb_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One article: its managers see it in any state; other staff only while published and unexpired."""
    position = _position(request)
    article = _managed(position, pk)
    managed = article is not None
    if article is None:
        _require_search(position)
        article = selectors.knowledge_get_published(pk=pk)
    context = _detail_context(position, article, managed)
    if context["may_review"]:
        context["review_form"] = KnowledgeReviewForm(initial={"expires_on": article.expires_on})
    return _render(request, "hotline/kb/detail.html", context)


# --- centre review ---------------------------------------------------------------------------
@staff_required
def kb_review_queue(request: HttpRequest) -> HttpResponse:
    position = _position(request)
    if not has_perm(position, Perm.KNOWLEDGE_REVIEW):
        raise PermissionDenied(_("当前岗位无权审核知识库"))
    qs = (selectors.knowledge_list_for_position(position=position)
          .filter(status=KnowledgeStatus.IN_REVIEW).order_by("updated_at", "id"))
    page = page_of(request, qs, 30)
    return _render(request, "hotline/kb/review_queue.html", {"page": page})


@staff_required
@require_http_methods(["GET", "POST"])
def kb_review(request: HttpRequest, pk: int) -> HttpResponse:
    position = _position(request)
    if not has_perm(position, Perm.KNOWLEDGE_REVIEW):
        raise PermissionDenied(_("当前岗位无权审核知识库"))
    article = _managed(position, pk)
    if article is None:
        raise NotFound(_("知识条目不存在"))
    if request.method == "GET":
        return redirect("hotline:kb_detail", pk=article.pk)
    form = KnowledgeReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        approve = data["decision"] == "approve"
        try:
            services.knowledge_review(article=article, approve=approve,
                                      expires_on=data["expires_on"] if approve else None,
                                      note=data["note"], actor=request.user, position=position)
        except DomainError as exc:
            _apply_domain_error(form, exc)
        else:
            messages.success(request, _("已发布") if approve else _("已退回编写部门"))
            return redirect("hotline:kb_review_queue")
    context = _detail_context(position, article, True)
    context["review_form"] = form
    return _render(request, "hotline/kb/detail.html", context, status=400)


# --- search for everyone with access ----------------------------------------------------------
@staff_required
def kb_lookup(request: HttpRequest) -> HttpResponse:
    """Search the published, unexpired answers (rjieba segmentation, ``selectors.knowledge_search``)."""
    position = _position(request)
    _require_search(position)
    form = KnowledgeSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    results = selectors.knowledge_search(query=query, limit=30) if query else []
    return _render(request, "hotline/kb/search.html", {"form": form, "query": query, "results": results})
