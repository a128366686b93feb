"""Citizen registration confirmed by SMS (短信验证注册), so that nobody learns who has an account.

An anonymous visitor must not find out whether an ID number already has an account
(issue 8). So the public pages and API never answer that question; the owner of the mobile
number does, by SMS:

1. :func:`citizen_registration_begin` checks the form (format, password strength, a chosen
   user name) and stores a :class:`~yiwang.accounts.models.PendingRegistration` (personal data
   encrypted, password hashed, token and code as keyed digests, 10 minutes). It then texts the
   mobile number through ``notify.notify_phone`` (after commit, delivered in the background):
   a 6-digit code when the ID number is free, or, when the ID number (or the mobile number as
   the default user name) already has an account, a note saying so and how to sign in or
   recover, with no code. The visitor gets the same answer, the same work and the same shape
   either way: "验证码已发送至 138****0000".
2. :func:`citizen_registration_confirm` takes the token and the code; only a right code
   creates the account (``services.citizen_account_create``). A wrong code counts against
   :data:`MAX_ATTEMPTS`; past it, or past the expiry, the visitor starts again.

Both steps are also throttled per client address (``core.ratelimit``: ``accounts.register``,
``accounts.register_confirm``) and step 1 per mobile number (``accounts.register_phone``), so
that the form cannot be used to flood a phone with texts.

In the demo (``ACCOUNTS_REGISTER_DEMO_CODE``, set only in demo mode outside tests) the code
is that fixed value, shown on the page, so that a newcomer can register without a phone.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import services
from yiwang.accounts.models import PendingRegistration
from yiwang.core import crypto
from yiwang.core.errors import InvalidInput
from yiwang.core.masking import mask_phone
from yiwang.core.ratelimit import rate_limit_hit

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
_ASSOCIATED = b"pending_registration"


@dataclass(frozen=True)
class PendingOut:
    """What step 1 tells the visitor: the same fields whatever the ID number's state."""

    token: str
    phone_masked: str
    expires_at: datetime

    @property
    def expires_in_seconds(self) -> int:
        return int(CODE_TTL.total_seconds())

    @property
    def message(self) -> str:
        return sent_message(self.phone_masked)


def sent_message(phone_masked: str) -> str:
    return _("验证码已发送至 %(phone)s，请在 %(n)d 分钟内输入") % {
        "phone": phone_masked, "n": int(CODE_TTL.total_seconds() // 60)}


def _token_index(token: str) -> str:
    return crypto.blind_index(token, purpose="registration_token")


def _code_hash(token: str, code: str) -> str:
    return crypto.blind_index(f"{token}:{code}", purpose="registration_code")


def _new_code() -> str:
    demo = getattr(settings, "ACCOUNTS_REGISTER_DEMO_CODE", "")
    return demo or f"{secrets.randbelow(10**6):06d}"


def _normalise_code(code: str) -> str:
    """Digits only; full-width digits (１２３) typed by an IME count as digits."""
    text = (code or "").strip().translate({0xFF10 + i: ord("0") + i for i in range(10)})
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())[:12]


def citizen_registration_begin(*, real_name: str, id_number: str, phone: str, password: str,
                               username: str = "") -> PendingOut:
    """Step 1: check the form, keep it pending and text the mobile number.

    Raises :class:`InvalidInput` for bad input, :class:`Conflict` for a chosen user name that is
    taken (it names nobody) and :class:`RateLimited` past ``accounts.register_phone``. Never
    raises or answers differently because the ID number already has an account.
    """
    application = services.citizen_registration_check(real_name=real_name, id_number=id_number, phone=phone,
                                                       password=password, username=username)
    rate_limit_hit(scope="accounts.register_phone", client=crypto.blind_index(application.phone, purpose="phone"))
    token = secrets.token_urlsafe(32)
    code = _new_code()
    # The same work on both paths (a code, its digest, a password hash, one row, one SMS), so
    # that neither the answer nor its timing tells the two apart. A taken ID gets a digest of
    # a code nobody is told: confirming it can only fail.
    stored_code = secrets.token_hex(16) if application.already_registered else code
    data = {"real_name": application.real_name, "id_number": application.id_number, "phone": application.phone,
            "username": application.username, "username_given": application.username_given,
            "warnings": application.warnings}
    now = timezone.now()
    pending = PendingRegistration(
        token_index=_token_index(token), data_enc=crypto.encrypt(json.dumps(data), associated=_ASSOCIATED),
        phone_masked=mask_phone(application.phone), password_hash=make_password(password),
        code_hash=_code_hash(token, stored_code), expires_at=now + CODE_TTL)
    if application.already_registered:
        title = _("注册提醒")
        text = _("有人用本手机号码申请注册一网政务服务平台账户，但所填身份证号或本手机号码已有账户，无需再次注册。"
                 "请直接用原账户登录；忘记密码请持身份证到政务服务大厅窗口找回。如非本人操作，请忽略本短信。")
    else:
        title = _("注册验证码")
        text = _("您正在注册一网政务服务平台账户，验证码 %(code)s，%(n)d 分钟内有效。请勿告诉他人，"
                 "工作人员不会向您索要验证码。") % {"code": code, "n": int(CODE_TTL.total_seconds() // 60)}
    from yiwang.notify.services import notify_phone

    with transaction.atomic():
        PendingRegistration.objects.filter(expires_at__lte=now).delete()
        pending.save(force_insert=True)
        notify_phone(phone=application.phone, template="generic", context={"title": title, "text": text},
                     dedupe_key=f"register:{pending.pk}")
    return PendingOut(token=token, phone_masked=pending.phone_masked, expires_at=pending.expires_at)


def _expired() -> InvalidInput:
    return InvalidInput(_("验证码已失效，请重新填写注册信息"), code="registration_expired",
                        details={"errors": [{"field": "", "code": "registration_expired",
                                             "message": _("验证码已失效，请重新填写注册信息")}]})


def pending_phone_masked(*, token: str) -> str | None:
    """The masked mobile number of a live pending registration, for the code page; else None."""
    pending = PendingRegistration.objects.filter(token_index=_token_index(token or ""),
                                                 expires_at__gt=timezone.now()).first()
    return pending.phone_masked if pending else None


def citizen_registration_confirm(*, token: str, code: str) -> services.Registration:
    """Step 2: a right code creates the account (once); the pending row is gone afterwards.

    Raises :class:`InvalidInput` ``code_wrong`` (with the tries left) for a wrong code and
    ``registration_expired`` for an unknown, expired or used-up registration, and
    :class:`Conflict` if the ID number or user name was taken in the meantime.
    """
    code = _normalise_code(code)
    failure: InvalidInput | None = None
    with transaction.atomic():
        pending = (PendingRegistration.objects.select_for_update()
                   .filter(token_index=_token_index(token or "")).first())
        if pending is None or pending.expires_at <= timezone.now():
            if pending is not None:
                pending.delete()
            failure = _expired()
        elif not (len(code) == 6 and crypto.constant_time_equal(pending.code_hash, _code_hash(token, code))):
            pending.attempts += 1
            left = MAX_ATTEMPTS - pending.attempts
            if left <= 0:
                pending.delete()
                failure = _expired()
            else:
                pending.save(update_fields=["attempts"])
                message = _("验证码不正确，还可输入 %(n)d 次") % {"n": left}
                failure = InvalidInput(message, code="code_wrong", details={
                    "attempts_left": left, "errors": [{"field": "code", "code": "code_wrong", "message": message}]})
        else:
            data = json.loads(crypto.decrypt(pending.data_enc, associated=_ASSOCIATED))
            password_hash = pending.password_hash
            pending.delete()
    if failure is not None:
        raise failure
    application = services.CitizenApplication(
        real_name=data["real_name"], id_number=data["id_number"], phone=data["phone"], username=data["username"],
        username_given=data["username_given"], warnings=list(data["warnings"]), already_registered=False)
    return services.citizen_account_create(application=application, password_hash=password_hash)
