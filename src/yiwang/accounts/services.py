"""Account actions (账户): registration, staff accounts, key rotation, two-factor (unmasking: ``unmasking``).

Every function here is one use case. It checks permission, changes state inside
``transaction.atomic`` and writes an audit event. Personal data never goes into audit
events or logs in clear: events carry masked values only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from yiwang.accounts import identity
from yiwang.accounts.models import AccountKind, Enterprise, User
from yiwang.core import crypto
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.core.masking import mask_text
from yiwang.org.models import Position
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm

USERNAME_MIN, USERNAME_MAX = 3, 30
BACKUP_CODE_COUNT = 10


@dataclass
class Registration:
    """The result of a registration: the new account and any soft warnings (codes)."""

    user: User
    warnings: list[str] = field(default_factory=list)
    enterprise: Enterprise | None = None

    @property
    def warning_messages(self) -> list[str]:
        return [identity.warning_text(code) for code in self.warnings]


class _FieldErrors:
    """Collects field errors so that one answer lists everything that is wrong."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field_name: str, code: str, message: str) -> None:
        self.items.append({"field": field_name, "code": code, "message": str(message)})

    def raise_if_any(self, message: str, *, conflict: bool = False) -> None:
        if self.items:
            cls = Conflict if conflict else InvalidInput
            raise cls(message, details={"errors": self.items})


def _clean_text(errors: _FieldErrors, field_name: str, value: str, *, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        errors.add(field_name, "required", _("请填写%(label)s") % {"label": label})
    elif len(value) > max_length:
        errors.add(field_name, "too_long", _("%(label)s不能超过 %(n)d 个字") % {"label": label, "n": max_length})
    return value


def _clean_username(errors: _FieldErrors, value: str, field_name: str = "username") -> str:
    value = (value or "").strip()
    if not (USERNAME_MIN <= len(value) <= USERNAME_MAX):
        errors.add(field_name, "username_length",
                   _("用户名应为 %(a)d 至 %(b)d 个字符") % {"a": USERNAME_MIN, "b": USERNAME_MAX})
        return value
    try:
        User.username_validator(value)
    except ValidationError:
        errors.add(field_name, "username_format", _("用户名只能包含文字、数字和 @ . + - _"))
    return value


def _check_password(errors: _FieldErrors, password: str, candidate: User, field_name: str = "password") -> None:
    if not password:
        errors.add(field_name, "required", _("请设置密码"))
        return
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        for message in exc.messages:
            errors.add(field_name, "password_weak", message)


def _check_id(errors: _FieldErrors, field_name: str, value: str) -> identity.IdCheck | None:
    try:
        return identity.check_resident_id(value)
    except identity.IdentityError as exc:
        errors.add(field_name, exc.code, exc.message)
        return None


def _check_phone(errors: _FieldErrors, field_name: str, value: str, *, required: bool = True) -> str:
    if not (value or "").strip() and not required:
        return ""
    try:
        return identity.check_phone(value)
    except identity.IdentityError as exc:
        errors.add(field_name, exc.code, exc.message)
        return ""


def _uniqueness(errors: _FieldErrors, *, username: str = "", id_number: str = "",
                id_field: str = "id_number", exclude_pk: int | None = None) -> None:
    users = User.objects.all() if exclude_pk is None else User.objects.exclude(pk=exclude_pk)
    if username and users.filter(username__iexact=username).exists():
        errors.add("username", "username_taken", _("该用户名已被使用，请换一个"))
    if id_number and users.filter(id_number_index=crypto.blind_index(id_number, purpose="id_number")).exists():
        errors.add(id_field, "id_number_taken", _("该身份证号已注册过账户。如忘记密码，请持身份证到窗口办理找回。"))


def _citizen_uniqueness(errors: _FieldErrors, *, username: str, id_number: str, username_given: bool) -> None:
    """Registration is open to anyone, so its answer must not tell whether an ID number (or a
    mobile number, the default user name) already has an account. Both give one answer, the
    same answer the window gives; only a user name that the visitor chose is named as taken."""
    id_taken = User.objects.filter(id_number_index=crypto.blind_index(id_number, purpose="id_number")).exists()
    name_taken = User.objects.filter(username__iexact=username).exists()
    if id_taken or (name_taken and not username_given):
        errors.add("", "registration_refused", _registration_refused_message())
    elif name_taken:
        errors.add("username", "username_taken", _("该用户名已被使用，请换一个"))


def _registration_refused_message() -> str:
    return _("无法用这些信息注册。如您已有账户，请直接登录；忘记密码请持身份证到政务服务大厅窗口找回。")


def _register_snapshot(user: User, warnings: Iterable[str]) -> dict[str, Any]:
    return {"username": mask_text(user.username), "kind": user.kind, "real_name": user.real_name,
            "id_number": user.id_number_masked, "phone": user.phone_masked, "warnings": list(warnings)}


# --- Registration --------------------------------------------------------------------------


@dataclass
class CitizenApplication:
    """A citizen registration that passed every check of its own (format, password, a chosen user
    name that is free). ``already_registered`` says that the ID number, or the mobile number used
    as the default user name, already has an account: the caller must not tell the visitor."""

    real_name: str
    id_number: str
    phone: str
    username: str
    username_given: bool
    warnings: list[str]
    already_registered: bool


def citizen_registration_check(*, real_name: str, id_number: str, phone: str, password: str,
                               username: str = "") -> CitizenApplication:
    """Check a citizen registration without creating anything.

    Raises :class:`InvalidInput` for bad input and :class:`Conflict` (``username_taken``) only
    for a user name that the visitor chose: that names nobody. Whether the ID number has an
    account is returned, never raised (see ``accounts.registration``).
    """
    errors = _FieldErrors()
    username_arg = username
    real_name = _clean_text(errors, "real_name", real_name, label=_("姓名"), max_length=50)
    checked = _check_id(errors, "id_number", id_number)
    phone = _check_phone(errors, "phone", phone)
    username = _clean_username(errors, (username or "").strip() or phone)
    candidate = User(username=username, real_name=real_name, kind=AccountKind.CITIZEN)
    _check_password(errors, password, candidate)
    errors.raise_if_any(_("注册信息有误，请按提示修改"))
    assert checked is not None
    username_given = bool((username_arg or "").strip())
    id_taken = User.objects.filter(id_number_index=crypto.blind_index(checked.number, purpose="id_number")).exists()
    name_taken = User.objects.filter(username__iexact=username).exists()
    if name_taken and username_given:  # named whatever the ID number's state, so it tells nothing about it
        errors.add("username", "username_taken", _("该用户名已被使用，请换一个"))
        errors.raise_if_any(_("该用户名已被使用，请换一个"), conflict=True)
    return CitizenApplication(real_name=real_name, id_number=checked.number, phone=phone, username=username,
                              username_given=username_given, warnings=list(checked.warnings),
                              already_registered=id_taken or name_taken)


def citizen_account_create(*, application: CitizenApplication, password_hash: str) -> Registration:
    """Create the citizen account of a checked ``application`` whose password is already hashed.

    A taken ID number or user name (checked again here: time passed since the check) is a
    :class:`Conflict` with the generic ``registration_refused`` answer; nothing is created.
    """
    errors = _FieldErrors()
    _citizen_uniqueness(errors, username=application.username, id_number=application.id_number,
                        username_given=application.username_given)
    errors.raise_if_any(_registration_refused_message(), conflict=True)
    user = User(username=application.username, real_name=application.real_name, kind=AccountKind.CITIZEN)
    user.set_id_number(application.id_number)
    user.set_phone(application.phone)
    user.password = password_hash
    user.id_number_warning = ",".join(application.warnings)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
            audit_record(action="account.register", actor=user, obj=user,
                         after=_register_snapshot(user, application.warnings))
    except IntegrityError as exc:  # a concurrent double submit won the race
        _citizen_uniqueness(errors, username=application.username, id_number=application.id_number,
                            username_given=application.username_given)
        if not errors.items:
            errors.add("", "registration_refused", _registration_refused_message())
        raise Conflict(_registration_refused_message(), details={"errors": errors.items}) from exc
    return Registration(user=user, warnings=list(application.warnings))


def citizen_register(*, real_name: str, id_number: str, phone: str, password: str,
                     username: str = "") -> Registration:
    """Register a citizen (自然人) at once, for trusted callers (window staff, seeding, tests).

    The public pages and API go through ``accounts.registration`` instead, which confirms the
    mobile number by SMS and never tells a visitor whether an ID number has an account.
    Raises :class:`InvalidInput` for bad input and :class:`Conflict` for a taken ID number or
    user name; nothing is created in either case.
    """
    application = citizen_registration_check(real_name=real_name, id_number=id_number, phone=phone,
                                             password=password, username=username)
    return citizen_account_create(application=application, password_hash=make_password(password))


def enterprise_register(*, credit_code: str, enterprise_name: str, legal_representative: str,
                        legal_rep_id_number: str, username: str, phone: str, password: str,
                        address: str = "") -> Registration:
    """Register an enterprise (法人): one ``User(kind=enterprise)`` plus its ``Enterprise``.

    Both rows are created in one transaction; a duplicate credit code or user name is a
    :class:`Conflict` and leaves nothing behind.
    """
    errors = _FieldErrors()
    try:
        code = identity.check_credit_code(credit_code)
    except identity.IdentityError as exc:
        errors.add("credit_code", exc.code, exc.message)
        code = ""
    enterprise_name = _clean_text(errors, "enterprise_name", enterprise_name, label=_("企业名称"), max_length=200)
    legal_representative = _clean_text(errors, "legal_representative", legal_representative,
                                       label=_("法定代表人姓名"), max_length=50)
    checked = _check_id(errors, "legal_rep_id_number", legal_rep_id_number)
    phone = _check_phone(errors, "phone", phone)
    username = _clean_username(errors, username)
    address = (address or "").strip()[:200]
    candidate = User(username=username, real_name=enterprise_name, kind=AccountKind.ENTERPRISE)
    _check_password(errors, password, candidate)
    errors.raise_if_any(_("注册信息有误，请按提示修改"))
    assert checked is not None

    _uniqueness(errors, username=username)
    if Enterprise.objects.filter(credit_code=code).exists():
        errors.add("credit_code", "credit_code_taken", _("该统一社会信用代码已注册过企业账户"))
    errors.raise_if_any(_("账户已存在"), conflict=True)

    user = candidate
    user.set_phone(phone)
    user.set_password(password)
    user.id_number_warning = ",".join(checked.warnings)
    enterprise = Enterprise(name=enterprise_name, credit_code=code, legal_representative=legal_representative,
                            address=address)
    enterprise.set_legal_rep_id(checked.number)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
            enterprise.account = user
            enterprise.save(force_insert=True)
            audit_record(action="account.register", actor=user, obj=user,
                         after={**_register_snapshot(user, checked.warnings), "credit_code": code,
                                "legal_rep_id": enterprise.legal_rep_id_masked})
    except IntegrityError as exc:
        user.pk = None
        if Enterprise.objects.filter(credit_code=code).exists():
            errors.add("credit_code", "credit_code_taken", _("该统一社会信用代码已注册过企业账户"))
        _uniqueness(errors, username=username)
        if not errors.items:
            errors.add("username", "conflict", _("账户已存在"))
        raise Conflict(_("账户已存在"), details={"errors": errors.items}) from exc
    return Registration(user=user, warnings=list(checked.warnings), enterprise=enterprise)


# --- Staff ------------------------------------------------------------------------------------


def _require_manager(actor: Any, position: Position | None) -> None:
    """System (``actor=None``), superusers and positions with ORG_MANAGE may manage accounts."""
    if actor is None or getattr(actor, "is_superuser", False):
        return
    if position is None or position.user_id != getattr(actor, "pk", None) or not has_perm(position, Perm.ORG_MANAGE):
        raise PermissionDenied(_("当前岗位无权管理工作人员账户"), details={"permission": Perm.ORG_MANAGE.value})


def staff_create(*, username: str, real_name: str, password: str, phone: str = "", id_number: str = "",
                 actor: Any = None, position: Position | None = None) -> User:
    """Create a staff account (工作人员). Positions are assigned separately (org).

    ``actor=None`` means the system itself (``seed_demo``, management commands).
    Staff must enrol TOTP at their first sign-in.
    """
    _require_manager(actor, position)
    errors = _FieldErrors()
    username = _clean_username(errors, username)
    real_name = _clean_text(errors, "real_name", real_name, label=_("姓名"), max_length=50)
    phone = _check_phone(errors, "phone", phone, required=False)
    checked = _check_id(errors, "id_number", id_number) if (id_number or "").strip() else None
    candidate = User(username=username, real_name=real_name, kind=AccountKind.STAFF)
    _check_password(errors, password, candidate)
    errors.raise_if_any(_("工作人员信息有误"))
    _uniqueness(errors, username=username, id_number=checked.number if checked else "")
    errors.raise_if_any(_("账户已存在"), conflict=True)

    user = candidate
    if checked is not None:
        user.set_id_number(checked.number)
        user.id_number_warning = ",".join(checked.warnings)
    if phone:
        user.set_phone(phone)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
            audit_record(action="account.staff_create", actor=actor, position=position, obj=user,
                         after=_register_snapshot(user, checked.warnings if checked else []))
    except IntegrityError as exc:
        raise Conflict(_("账户已存在"), details={"errors": [{"field": "username", "code": "conflict",
                                                          "message": _("账户已存在")}]}) from exc
    return user


def user_pii_update(*, actor: Any, user: User, id_number: str | None = None, phone: str | None = None,
                    position: Position | None = None) -> User:
    """Set (or clear with ``""``) a person's resident ID and/or phone; used by the admin.

    ``None`` leaves a value unchanged. Only masked values reach the audit event.
    """
    if not (actor is None or getattr(actor, "is_superuser", False)
            or getattr(actor, "has_perm", lambda _p: False)("accounts.change_user")):
        _require_manager(actor, position)
    errors = _FieldErrors()
    checked = None
    if id_number:
        checked = _check_id(errors, "id_number", id_number)
    if phone:
        phone = _check_phone(errors, "phone", phone)
    errors.raise_if_any(_("个人信息有误"))
    if checked is not None:
        _uniqueness(errors, id_number=checked.number, exclude_pk=user.pk)
        errors.raise_if_any(_("该身份证号已被其他账户使用"), conflict=True)

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = {"id_number": locked.id_number_masked, "phone": locked.phone_masked}
        fields: list[str] = []
        if id_number is not None:
            locked.set_id_number(checked.number if checked else "")
            locked.id_number_warning = ",".join(checked.warnings) if checked else ""
            fields += ["id_number_enc", "id_number_index", "id_number_masked", "id_number_warning"]
        if phone is not None:
            locked.set_phone(phone)
            fields += ["phone_enc", "phone_index", "phone_masked"]
        if fields:
            try:
                with transaction.atomic():
                    locked.save(update_fields=fields)
            except IntegrityError as exc:
                raise Conflict(_("该身份证号已被其他账户使用")) from exc
            audit_record(action="person.pii_update", actor=actor, position=position, obj=locked, before=before,
                         after={"id_number": locked.id_number_masked, "phone": locked.phone_masked})
    for name in fields:
        setattr(user, name, getattr(locked, name))
    return locked


# --- Key rotation ---------------------------------------------------------------------------

# (model, ciphertext field, associated data). Other apps may add theirs with pii_field_register.
_ENCRYPTED_FIELDS: list[tuple[type[models.Model], str, bytes]] = [
    (User, "id_number_enc", b"id_number"),
    (User, "phone_enc", b"phone"),
    (Enterprise, "legal_rep_id_enc", b"legal_rep_id"),
]


def pii_field_register(model: type[models.Model], field_name: str, associated: bytes) -> None:
    """Declare another SM4-encrypted field so that ``pii_rekey`` rotates it too."""
    entry = (model, field_name, associated)
    if entry not in _ENCRYPTED_FIELDS:
        _ENCRYPTED_FIELDS.append(entry)


def pii_rekey(*, batch_size: int = 500, dry_run: bool = False) -> dict[str, int]:
    """Re-encrypt every encrypted field not yet under the current key (first of PII_KEYS).

    Old keys must stay in ``PII_KEYS`` until this has run; afterwards they can be removed.
    Runs in batches (one transaction each), so it can be repeated safely after an interruption.
    Returns ``{"<app.model>.<field>": re-encrypted count, ..., "total": n, "checked": m}``.
    """
    current = crypto.current_key_id()
    counts: dict[str, int] = {}
    checked_total = 0
    for model, field_name, associated in _ENCRYPTED_FIELDS:
        label = f"{model._meta.label_lower}.{field_name}"
        counts[label] = 0
        stale = (model._default_manager.exclude(**{field_name: ""})  # type: ignore[attr-defined]
                 .exclude(**{f"{field_name}__startswith": f"{crypto.PREFIX}:{current}:"}))
        checked_total += model._default_manager.exclude(**{field_name: ""}).count()  # type: ignore[attr-defined]
        if dry_run:
            counts[label] = stale.count()
            continue
        last_pk: Any = 0
        while True:
            with transaction.atomic():
                rows = list(stale.filter(pk__gt=last_pk).order_by("pk").select_for_update()[:batch_size])
                if not rows:
                    break
                for row in rows:
                    clear = crypto.decrypt(getattr(row, field_name), associated=associated)
                    setattr(row, field_name, crypto.encrypt(clear, associated=associated))
                model._default_manager.bulk_update(rows, [field_name])  # type: ignore[attr-defined]
                counts[label] += len(rows)
                last_pk = rows[-1].pk
    counts["total"] = sum(v for k, v in counts.items())
    counts["checked"] = checked_total
    if not dry_run:
        with transaction.atomic():
            audit_record(action="pii.rekey", object_type="pii", object_id=current, after=dict(counts))
    return counts


def pii_reindex(*, batch_size: int = 500) -> int:
    """Recompute the keyed SM3 blind indexes (ID and phone) under the current
    ``PII_INDEX_KEY``, after that key was rotated. Batched and safe to repeat."""
    updated = 0
    last_pk: Any = 0
    while True:
        with transaction.atomic():
            rows = list(User.objects.filter(pk__gt=last_pk).exclude(id_number_enc="", phone_enc="")
                        .order_by("pk").select_for_update()[:batch_size])
            if not rows:
                break
            for row in rows:
                id_number = row.decrypt_id_number()
                phone = row.decrypt_phone()
                row.id_number_index = crypto.blind_index(id_number, purpose="id_number") if id_number else ""
                row.phone_index = crypto.blind_index(phone, purpose="phone") if phone else ""
            User.objects.bulk_update(rows, ["id_number_index", "phone_index"])
            updated += len(rows)
            last_pk = rows[-1].pk
    with transaction.atomic():
        audit_record(action="pii.reindex", object_type="pii", object_id="blind_index", after={"users": updated})
    return updated


# --- Two-factor authentication ---------------------------------------------------------------


def _has_confirmed_device(user: User) -> bool:
    return next(iter(devices_for_user(user, confirmed=True)), None) is not None


def totp_setup_begin(*, user: User, is_verified: bool) -> TOTPDevice:
    """Start TOTP enrolment: the user's pending (unconfirmed) device, created if needed.

    Someone who already has a confirmed device must pass two-factor first, so that a stolen
    password alone can never enrol a new authenticator.
    """
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("请先登录"))
    if _has_confirmed_device(user) and not is_verified:
        raise PermissionDenied(_("您已绑定验证器，请先完成两步验证"))
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=_("身份验证器"), confirmed=False)
    return device


def _backup_codes_replace(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def totp_setup_confirm(*, user: User, is_verified: bool, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm enrolment with a code from the app. Returns the device and fresh backup codes."""
    if _has_confirmed_device(user) and not is_verified:
        raise PermissionDenied(_("您已绑定验证器，请先完成两步验证"))
    token = "".join((token or "").split())
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            raise NotFound(_("没有待绑定的验证器，请重新开始"))
        if not token.isdigit() or not device.verify_token(token):
            raise InvalidInput(_("验证码不正确，请查看验证器中的 6 位数字后重试"), details={"errors": [
                {"field": "otp_token", "code": "otp_invalid", "message": _("验证码不正确")}]})
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # One authenticator per person: drop any other pending ones.
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _backup_codes_replace(user)
        audit_record(action="account.2fa_enrol", actor=user, obj=user, after={"device": device.persistent_id,
                                                                           "backup_codes": len(codes)})
    return device, codes


def backup_codes_regenerate(*, user: User, is_verified: bool) -> list[str]:
    """Issue a new set of one-time backup codes (the old ones stop working)."""
    if not is_verified:
        raise PermissionDenied(_("请先完成两步验证"))
    with transaction.atomic():
        codes = _backup_codes_replace(user)
        audit_record(action="account.2fa_backup_codes", actor=user, obj=user, after={"count": len(codes)})
    return codes


def two_factor_verify(*, user: User, token: str) -> Device:
    """Check a TOTP code or a one-time backup code against the user's confirmed devices.

    Returns the device that accepted it (pass it to ``django_otp.login``). Throttling of
    repeated failures is django-otp's (exponential back-off per device). Raises
    :class:`InvalidInput` on a wrong or throttled code; failures are audited.
    """
    token = "".join((token or "").split())
    accepted: Device | None = None
    throttled = False
    if token and len(token) <= 16:
        with transaction.atomic():
            for device in devices_for_user(user, confirmed=True, for_verify=True):
                allowed, _info = device.verify_is_allowed()
                if not allowed:
                    throttled = True
                    continue
                if device.verify_token(token):
                    accepted = device
                    break
    with transaction.atomic():
        audit_record(action="account.2fa_pass" if accepted else "account.2fa_fail", actor=user, obj=user,
                     after={"device": accepted.persistent_id if accepted else "", "throttled": throttled})
    if accepted is None:
        message = (_("尝试过于频繁，请稍候几秒再输入验证码") if throttled
                   else _("验证码不正确，请重新输入"))
        raise InvalidInput(message, details={"errors": [{"field": "otp_token", "code": "otp_invalid",
                                                          "message": message}]})
    return accepted


def two_factor_status(*, user: User) -> dict[str, Any]:
    """What the account page shows about two-factor: devices and remaining backup codes."""
    totp = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    remaining = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return {"totp": totp, "backup_codes_left": remaining, "required": user.needs_two_factor}


def session_event_record(*, user: User, action: str) -> None:
    """Audit a sign-in or sign-out (等保 2.0 安全审计). ``action`` is ``account.login``/``account.logout``."""
    if action not in {"account.login", "account.logout"}:
        raise InvalidInput(_("未知的会话事件"))
    with transaction.atomic():
        audit_record(action=action, actor=user, obj=user, after={"kind": user.kind})
