"""Licence API: public verification, licence details (holder or staff), revocation (staff session)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from yiwang.api.auth import ApiKeyAuth, SessionAuth, api_key_of, require_scope
from yiwang.core.errors import NotFound
from yiwang.licences import selectors
from yiwang.licences.models import Licence
from yiwang.licences.services import licence_revoke, licence_verify

router = Router()


class VerifyOut(Schema):
    status: str
    reason: str = ""
    number: str | None = None
    title: str | None = None
    holder_name_masked: str | None = None
    item: str | None = None
    issuer: str | None = None
    issue_date: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    revoked_at: str | None = None


class LicenceOut(Schema):
    number: str
    title: str
    licence_type: str
    status: str
    holder_name: str
    holder_id_masked: str
    holder_credit_code: str
    item_code: str
    department: str
    case_number: str | None
    issued_at: datetime
    valid_from: date
    valid_until: date | None
    revoked_at: datetime | None
    revoke_reason: str
    data: dict[str, Any]
    data_digest: str
    signature: str
    public_key: str
    pdf_sha256: str


class RevokeIn(Schema):
    reason: str


def _out(licence: Licence) -> LicenceOut:
    return LicenceOut(
        number=licence.number, title=licence.title, licence_type=licence.licence_type, status=licence.status,
        holder_name=licence.holder_name, holder_id_masked=licence.holder_id_masked,
        holder_credit_code=licence.holder_credit_code, item_code=licence.item.base_code,
        department=licence.department.name, case_number=licence.case.number if licence.case is not None else None,
        issued_at=licence.issued_at, valid_from=licence.valid_from, valid_until=licence.valid_until,
        revoked_at=licence.revoked_at, revoke_reason=licence.revoke_reason, data=licence.data,
        data_digest=licence.data_digest, signature=licence.signature, public_key=licence.public_key,
        pdf_sha256=licence.pdf_sha256,
    )


@router.get("/verify", response=VerifyOut, auth=None, summary="公开核验电子证照（编号 + 核验码）")
def verify(request: HttpRequest, number: str = "", code: str = ""):
    """Anyone may call this: the answer is ``valid``, ``revoked``, ``expired``, ``tampered`` or ``not_found``,
    with the holder's name masked."""
    return licence_verify(number=number, code=code).public_dict()


@router.get("/{number}", response=LicenceOut, auth=[ApiKeyAuth(), SessionAuth()], summary="电子证照详情")
def licence_detail(request: HttpRequest, number: str):
    """API keys need ``licences:read``; session users must be the holder or staff whose scope covers it."""
    require_scope(request, "licences:read")
    if api_key_of(request) is not None:
        licence = Licence.objects.select_related("item", "department", "case").filter(number=number).first()
        if licence is None:
            raise NotFound(_("电子证照不存在"), details={"number": number})
        return _out(licence)
    return _out(selectors.licence_get_for_user(user=request.user, position=getattr(request, "position", None),
                                               number=number))


@router.post("/{number}/revoke", response=LicenceOut, auth=[SessionAuth()], summary="注销电子证照")
def revoke(request: HttpRequest, number: str, body: RevokeIn):
    position = getattr(request, "position", None)
    licence = selectors.licence_get_for_position(position=position, number=number)
    revoked = licence_revoke(licence=licence, reason=body.reason, actor=request.user, position=position)
    return _out(Licence.objects.select_related("item", "department", "case").get(pk=revoked.pk))
