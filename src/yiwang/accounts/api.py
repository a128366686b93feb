"""Accounts API (mounted at ``/api/v1/accounts/``): registration and the caller's own account.

Citizens register in two calls (``accounts.registration``): ``POST citizens`` → 202 with a
``registration_token`` (an SMS goes to the phone), then ``POST citizens/confirm`` with the token
and the SMS code → 201 with the account.

Errors use the platform shape ``{code, message, details}``; field problems are listed in
``details.errors`` as ``{field, code, message}``.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from yiwang.accounts import registration, services
from yiwang.accounts.models import User
from yiwang.api.auth import SessionAuth
from yiwang.api.schemas import ErrorOut
from yiwang.core.ratelimit import client_key, rate_limit_hit

router = Router()


class CitizenIn(Schema):
    real_name: str = Field(..., max_length=50, description="姓名")
    id_number: str = Field(..., max_length=24, description="居民身份证号")
    phone: str = Field(..., max_length=20, description="手机号码")
    password: str = Field(..., max_length=128)
    username: str = Field("", max_length=30, description="用户名，不填则用手机号码")


class EnterpriseIn(Schema):
    credit_code: str = Field(..., max_length=24, description="统一社会信用代码")
    enterprise_name: str = Field(..., max_length=200)
    legal_representative: str = Field(..., max_length=50)
    legal_rep_id_number: str = Field(..., max_length=24)
    username: str = Field(..., max_length=30)
    phone: str = Field(..., max_length=20)
    password: str = Field(..., max_length=128)
    address: str = Field("", max_length=200)


class RegistrationPendingOut(Schema):
    registration_token: str = Field(..., description="第二步提交验证码时使用")
    phone_masked: str
    expires_in_seconds: int
    message: str


class RegistrationCodeIn(Schema):
    registration_token: str = Field(..., max_length=100)
    code: str = Field(..., max_length=12, description="短信验证码（6 位数字）")


class RegisteredOut(Schema):
    id: int
    username: str
    kind: str
    warnings: list[str]
    warning_messages: list[str]


class MeOut(Schema):
    id: int
    username: str
    kind: str
    display_name: str
    id_number_masked: str
    phone_masked: str
    real_name_verified: bool
    two_factor_required: bool
    two_factor_enabled: bool
    credit_code: str | None = None


def _registered(result: services.Registration) -> RegisteredOut:
    return RegisteredOut(id=result.user.pk, username=result.user.username, kind=result.user.kind,
                         warnings=result.warnings, warning_messages=result.warning_messages)


@router.post("/citizens", response={202: RegistrationPendingOut, 400: ErrorOut, 409: ErrorOut, 429: ErrorOut}, auth=None,
             summary="个人注册（第一步：发送短信验证码）")
def register_citizen(request: HttpRequest, payload: CitizenIn) -> Status[RegistrationPendingOut]:
    """Check the form and text the mobile number. The answer is the same whether or not the ID
    number already has an account: its owner learns that by SMS, not the caller."""
    rate_limit_hit(scope="accounts.register", client=client_key(request))
    pending = registration.citizen_registration_begin(
        real_name=payload.real_name, id_number=payload.id_number, phone=payload.phone,
        password=payload.password, username=payload.username)
    return Status(202, RegistrationPendingOut(registration_token=pending.token, phone_masked=pending.phone_masked,
                                  expires_in_seconds=pending.expires_in_seconds, message=pending.message))


@router.post("/citizens/confirm", response={201: RegisteredOut, 400: ErrorOut, 409: ErrorOut, 429: ErrorOut},
             auth=None, summary="个人注册（第二步：输入短信验证码）")
def register_citizen_confirm(request: HttpRequest, payload: RegistrationCodeIn) -> Status[RegisteredOut]:
    """A right code creates the account. A wrong one answers ``code_wrong`` with
    ``details.attempts_left``; an expired or used-up registration answers ``registration_expired``."""
    rate_limit_hit(scope="accounts.register_confirm", client=client_key(request))
    result = registration.citizen_registration_confirm(token=payload.registration_token, code=payload.code)
    return Status(201, _registered(result))


@router.post("/enterprises", response={201: RegisteredOut, 400: ErrorOut, 409: ErrorOut, 429: ErrorOut},
             auth=None, summary="企业注册")
def register_enterprise(request: HttpRequest, payload: EnterpriseIn) -> Status[RegisteredOut]:
    rate_limit_hit(scope="accounts.register", client=client_key(request))
    result = services.enterprise_register(
        credit_code=payload.credit_code, enterprise_name=payload.enterprise_name,
        legal_representative=payload.legal_representative, legal_rep_id_number=payload.legal_rep_id_number,
        username=payload.username, phone=payload.phone, password=payload.password, address=payload.address)
    return Status(201, _registered(result))


@router.get("/me", response={200: MeOut, 401: ErrorOut}, auth=SessionAuth(), summary="当前账户（脱敏）")
def me(request: HttpRequest) -> MeOut:
    user: User = request.user  # type: ignore[assignment]
    status = services.two_factor_status(user=user)
    enterprise = getattr(user, "enterprise", None) if user.kind == "enterprise" else None
    return MeOut(id=user.pk, username=user.username, kind=user.kind, display_name=user.display_name,
                 id_number_masked=user.id_number_masked, phone_masked=user.phone_masked,
                 real_name_verified=user.real_name_verified, two_factor_required=status["required"],
                 two_factor_enabled=status["totp"], credit_code=enterprise.credit_code if enterprise else None)
