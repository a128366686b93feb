"""一事一评 and public ratings: invitations, online ratings, ratings of a window, staff member,
department, hall or the platform.

* ``invitation_issue``: one invitation per case (SMS with ``/ratings/r/<token>/``, ``rating_link``),
  sent after commit (``_send_invitation``); ``invitation_get`` reads it by token;
* ``rating_submit_online``: the applicant rates the case once (``_save_rating``: a second rating is a
  409); ``rating_submit_public``: anyone rates a service target;
* ``_after_rating``: the audit event and, for a bad rating, the rectification (:mod:`.rectification`).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core import crypto
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.core.masking import mask_name, mask_phone
from yiwang.evaluation.models import PlatformChannel, Rating, RatingChannel, RatingInvitation, TargetKind
from yiwang.evaluation.services.records import (
    _clean_comment,
    _clean_grade,
    _clean_reasons,
    _rating_dict,
    _root_division,
    rating_link_days,
)
from yiwang.evaluation.services.rectification import _rectification_open
from yiwang.org.models import Department, Position, ServiceHall, Window


def _save_rating(rating: Rating) -> Rating:
    try:
        with transaction.atomic():
            rating.save(force_insert=True)
    except IntegrityError:
        raise Conflict(_("您已对该办件作出评价，每件事项只能评价一次"), code="already_rated") from None
    return rating



def _after_rating(rating: Rating, *, actor: Any, position: Position | None, today: date | None) -> None:
    audit_record(action="rating.submit", actor=actor, position=position, obj=rating, after=_rating_dict(rating))
    if rating.is_bad:
        _rectification_open(rating, today=today)



def invitation_issue(*, case: Any, now: datetime | None = None) -> RatingInvitation | None:
    """Invite the applicant to rate ``case`` (SMS with ``/ratings/r/<token>/``). One per case;
    called again it returns the existing invitation. None when nobody can be reached."""
    now = now or timezone.now()
    existing = RatingInvitation.objects.filter(case=case).first()
    if existing is not None:
        return existing
    user = case.applicant_user
    phone = ""
    if case.applicant_phone_enc:
        from yiwang.cases.personal_data import applicant_phone

        phone = applicant_phone(case)
    elif user is not None and user.phone_enc:
        phone = user.decrypt_phone()
    if user is None and not phone:
        return None
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        invitation = RatingInvitation(
            case=case, token=token, user=user, expires_at=now + timedelta(days=rating_link_days()),
            phone_enc=crypto.encrypt(phone, associated=b"phone") if phone else "",
            phone_index=crypto.blind_index(phone, purpose="phone") if phone else "",
            phone_masked=mask_phone(phone) if phone else "",
        )
        try:
            with transaction.atomic():
                invitation.save(force_insert=True)
        except IntegrityError:
            return RatingInvitation.objects.get(case=case)
        audit_record(action="rating.invite", obj=invitation, after={"case": case.pk,
                                                                    "expires_at": invitation.expires_at})
        invitation_id = invitation.pk
        transaction.on_commit(lambda: _send_invitation(invitation_id), robust=True)
    return invitation



def rating_link(token: str) -> str:
    from yiwang.core.site import public_url

    return public_url(f"/ratings/r/{token}/")



def _send_invitation(invitation_id: int) -> None:
    from yiwang.notify.services import notify_person, notify_phone

    invitation = RatingInvitation.objects.select_related("case", "user").filter(pk=invitation_id).first()
    if invitation is None:
        return
    case = invitation.case
    context = {"case_number": case.number or "", "item": str(case.version.name if case.version_id else ""),
               "link": rating_link(invitation.token), "days": rating_link_days(), "name": case.applicant_name}
    key = f"rating-invite-{case.pk}"
    if invitation.user is not None:
        notify_person(user=invitation.user, template="rating.invite", context=context, dedupe_key=key)
    elif invitation.phone_enc:
        notify_phone(phone=crypto.decrypt(invitation.phone_enc, associated=b"phone"), template="rating.invite",
                     context=context, dedupe_key=key)



def invitation_get(*, token: str, now: datetime | None = None) -> RatingInvitation:
    """The invitation behind a link, or NotFound / Conflict (expired, already used)."""
    token = str(token or "").strip()
    if not token or len(token) > 64:
        raise NotFound(_("评价链接无效"))
    invitation = RatingInvitation.objects.select_related("case", "case__department", "case__version").filter(
        token=token).first()
    if invitation is None:
        raise NotFound(_("评价链接无效"))
    if invitation.used_at is not None:
        raise Conflict(_("您已对该办件作出评价，每件事项只能评价一次"), code="already_rated")
    if (now or timezone.now()) >= invitation.expires_at:
        raise Conflict(_("评价链接已过期"), code="link_expired")
    return invitation



def rating_submit_online(*, token: str, grade: Any, reasons: Any = None, comment: str = "",
                         now: datetime | None = None) -> Rating:
    """一事一评 through the SMS link: valid only before expiry, once per case per applicant."""
    now = now or timezone.now()
    grade = _clean_grade(grade)
    cleaned = _clean_reasons(grade, reasons)
    text = _clean_comment(comment)
    with transaction.atomic():
        invitation = invitation_get(token=token, now=now)
        invitation = RatingInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.used_at is not None:
            raise Conflict(_("您已对该办件作出评价，每件事项只能评价一次"), code="already_rated")
        case = invitation.case
        user = invitation.user
        rater_key = f"u:{user.pk}" if user is not None else (f"p:{invitation.phone_index}"
                                                            if invitation.phone_index else f"i:{invitation.pk}")
        rating = Rating(
            target_kind=TargetKind.CASE, case=case, department=case.department, division=case.division,
            channel=RatingChannel.ONLINE, grade=grade, reasons=cleaned, comment=text, rater=user,
            rater_name_masked=mask_name(case.applicant_name), named=True,
            rater_phone_enc=invitation.phone_enc, rater_phone_masked=invitation.phone_masked, rater_key=rater_key,
            created_at=now,
        )
        _save_rating(rating)
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
        _after_rating(rating, actor=user, position=None, today=timezone.localdate(now))
    return rating



def rating_submit_public(*, target_kind: str, target_id: int | None = None, grade: Any, reasons: Any = None,
                         comment: str = "", rater: Any = None, platform_channel: str = "",
                         today: date | None = None) -> Rating:
    """A member of the public rates a window, staff member, department, service hall or the platform.

    Anonymous raters are allowed (``rater=None``); a signed-in rater is named and gets a callback."""
    grade = _clean_grade(grade)
    cleaned = _clean_reasons(grade, reasons)
    text = _clean_comment(comment)
    rating = Rating(target_kind=target_kind, channel=RatingChannel.ONLINE, grade=grade, reasons=cleaned,
                    comment=text)
    if target_kind not in (TargetKind.WINDOW, TargetKind.STAFF, TargetKind.DEPARTMENT, TargetKind.HALL,
                           TargetKind.PLATFORM):
        raise InvalidInput(_("评价对象不正确"), details={"field": "target_kind"})
    if target_kind != TargetKind.PLATFORM and target_id is None:
        raise InvalidInput(_("请选择评价对象"), details={"field": "target_id"})
    pk: int = target_id or 0
    if target_kind == TargetKind.WINDOW:
        window = Window.objects.select_related("hall__division").filter(pk=pk, is_active=True).first()
        if window is None:
            raise NotFound(_("窗口不存在"))
        rating.window, rating.hall, rating.division = window, window.hall, window.hall.division
        rating.department = window.departments.order_by("pk").first()
    elif target_kind == TargetKind.STAFF:
        position = (Position.objects.select_related("division", "department", "user")
                    .filter(user_id=pk, is_active=True, user__is_active=True,
                            role__in=["window_clerk", "reviewer", "approver", "department_head"])
                    .order_by("pk").first())
        if position is None:
            raise NotFound(_("工作人员不存在"))
        rating.staff, rating.department, rating.division = position.user, position.department, position.division
    elif target_kind == TargetKind.DEPARTMENT:
        department = Department.objects.select_related("division").filter(pk=pk, is_active=True).first()
        if department is None:
            raise NotFound(_("部门不存在"))
        rating.department, rating.division = department, department.division
    elif target_kind == TargetKind.HALL:
        hall = ServiceHall.objects.select_related("division").filter(pk=pk, is_active=True).first()
        if hall is None:
            raise NotFound(_("服务大厅不存在"))
        rating.hall, rating.division = hall, hall.division
    elif target_kind == TargetKind.PLATFORM:
        if platform_channel not in PlatformChannel.values:
            raise InvalidInput(_("请选择平台渠道"), details={"field": "platform_channel"})
        rating.platform_channel = platform_channel
        rating.division = _root_division()
    else:
        raise InvalidInput(_("评价对象不正确"), details={"field": "target_kind"})
    if rater is not None and getattr(rater, "is_authenticated", False):
        rating.rater = rater
        rating.named = True
        rating.rater_name_masked = mask_name(rater.display_name)
        rating.rater_phone_enc = rater.phone_enc
        rating.rater_phone_masked = rater.phone_masked
        rating.rater_key = f"u:{rater.pk}"
    with transaction.atomic():
        _save_rating(rating)
        _after_rating(rating, actor=rating.rater, position=None, today=today)
    return rating
