"""Reads of licences and notices, always through the acting position's scope (or the holder)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.cases.models import Case, CaseNotice
from yiwang.core.errors import NotFound, PermissionDenied
from yiwang.licences.models import Licence
from yiwang.org.models import Position
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm, scope_filter


def licence_list_for_position(*, position: Position | None, q: str = "", item: str = "",
                              status: str = "") -> QuerySet[Licence]:
    """The registry (证照库) the position may see: licences issued in its scope."""
    if not (has_perm(position, Perm.CASE_VIEW) or has_perm(position, Perm.LICENCE_ISSUE)
            or has_perm(position, Perm.LICENCE_REVOKE)):
        raise PermissionDenied(_("当前岗位无权查看电子证照"), details={"required_permission": Perm.CASE_VIEW})
    qs = scope_filter(Licence.objects.all(), position).select_related("item", "department")
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(holder_name__contains=q) | Q(holder_credit_code=q.upper()))
    if item:
        qs = qs.filter(item__base_code=item)
    if status:
        qs = qs.filter(status=status)
    return qs


def licence_get_for_position(*, position: Position | None, number: str) -> Licence:
    licence = licence_list_for_position(position=position).filter(number=number).first()
    if licence is None:
        raise NotFound(_("电子证照不存在或不在本岗位管辖范围内"), details={"number": number})
    return licence


def licence_get_for_user(*, user: Any, position: Position | None, number: str) -> Licence:
    """A licence for its holder, or for staff whose scope covers it; else :class:`NotFound`."""
    licence = Licence.objects.select_related("item", "department", "case").filter(number=number).first()
    if licence is not None and getattr(user, "is_authenticated", False):
        if licence.holder_user_id is not None and licence.holder_user_id == user.pk:
            return licence
        if has_perm(position, Perm.CASE_VIEW) and scope_filter(
                Licence.objects.filter(pk=licence.pk), position).exists():
            return licence
    raise NotFound(_("电子证照不存在或您无权查看"), details={"number": number})


def licence_list_for_holder(*, user: Any) -> QuerySet[Licence]:
    if not getattr(user, "is_authenticated", False):
        return Licence.objects.none()
    return Licence.objects.filter(holder_user=user).select_related("item", "department")


def licence_public_get(*, number: str) -> Licence | None:
    return Licence.objects.select_related("item", "department").filter(number=(number or "").strip()).first()


def notice_get_for_user(*, user: Any, position: Position | None, notice_id: int) -> tuple[CaseNotice, bool]:
    """A notice for the applicant, the filer (window clerk / agent) or staff with CASE_VIEW in scope.

    Returns ``(notice, as_staff)``; ``as_staff`` tells the caller to audit the access.
    """
    notice = CaseNotice.objects.select_related("case", "case__department", "case__item").filter(pk=notice_id).first()
    if notice is not None and getattr(user, "is_authenticated", False):
        case = notice.case
        if user.pk in (case.applicant_user_id, case.filed_by_id):
            return notice, False
        if has_perm(position, Perm.CASE_VIEW) and scope_filter(Case.objects.filter(pk=case.pk), position).exists():
            return notice, True
    raise NotFound(_("文书不存在或您无权查看"), details={"notice": notice_id})
