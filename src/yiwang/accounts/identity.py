"""Real-name checks (实名校验): resident ID numbers, credit codes and mobile numbers.

* Resident ID (居民身份证号, GB 11643) via python-stdnum ``cn.ric``. Length, format,
  checksum and birth date are hard errors. A region code that is missing from stdnum's
  GB/T 2260 history (codes are renamed and merged all the time) is only a *warning*: the
  person is registered and the warning is recorded.
* Unified social credit code (统一社会信用代码, GB 32100) via ``cn.uscc``.
* Mobile numbers: 11 digits starting ``1[3-9]``.

These functions never touch the database; services call them and turn
:class:`IdentityError` into :class:`~yiwang.core.errors.InvalidInput`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")

# Machine-readable warning codes recorded on the account and in the audit event.
WARNING_REGION_UNKNOWN = "id_region_unknown"


class IdentityError(ValueError):
    """A number failed a hard check. ``code`` is machine-readable, ``message`` translatable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdCheck:
    number: str
    birth_date: date
    warnings: list[str] = field(default_factory=list)
    birth_place: dict[str, str] = field(default_factory=dict)


def check_resident_id(value: str) -> IdCheck:
    """Validate a resident ID; return the normalised number, birth date and warnings."""
    raw = (value or "").strip()
    if not raw:
        raise IdentityError("id_required", str(_("请填写身份证号")))
    try:
        number = ric.validate(raw)
    except stdnum_errors.InvalidLength as exc:
        raise IdentityError("id_length", str(_("身份证号应为 18 位"))) from exc
    except stdnum_errors.InvalidFormat as exc:
        raise IdentityError("id_format", str(_("身份证号格式不正确：前 17 位应为数字，末位为数字或 X"))) from exc
    except stdnum_errors.InvalidChecksum as exc:
        raise IdentityError("id_checksum", str(_("身份证号校验位不正确，请核对后重新输入"))) from exc
    except stdnum_errors.InvalidComponent:
        # Both the birth date and the birth place raise InvalidComponent; tell them apart.
        number = ric.compact(raw)
        try:
            ric.get_birth_date(number)
        except stdnum_errors.InvalidComponent as exc:
            raise IdentityError("id_birth_date", str(_("身份证号中的出生日期不正确"))) from exc
        birth = _checked_birth_date(number)
        return IdCheck(number=number, birth_date=birth, warnings=[WARNING_REGION_UNKNOWN])
    except stdnum_errors.ValidationError as exc:  # any other stdnum complaint
        raise IdentityError("id_invalid", str(_("身份证号不正确"))) from exc
    birth = _checked_birth_date(number)
    try:
        place = ric.get_birth_place(number)
    except stdnum_errors.InvalidComponent:  # pragma: no cover - validate() already looked it up
        place = {}
    return IdCheck(number=number, birth_date=birth, birth_place=place)


def _checked_birth_date(number: str) -> date:
    birth = ric.get_birth_date(number)
    if birth > timezone.localdate() or birth.year < 1880:
        raise IdentityError("id_birth_date", str(_("身份证号中的出生日期不正确")))
    return birth


def check_credit_code(value: str) -> str:
    """Validate a unified social credit code; return it normalised (upper case, no spaces)."""
    raw = (value or "").strip()
    if not raw:
        raise IdentityError("credit_code_required", str(_("请填写统一社会信用代码")))
    try:
        return uscc.validate(raw)
    except stdnum_errors.InvalidLength as exc:
        raise IdentityError("credit_code_length", str(_("统一社会信用代码应为 18 位"))) from exc
    except stdnum_errors.InvalidChecksum as exc:
        raise IdentityError("credit_code_checksum", str(_("统一社会信用代码校验位不正确，请核对后重新输入"))) from exc
    except stdnum_errors.ValidationError as exc:
        raise IdentityError("credit_code_format", str(_("统一社会信用代码格式不正确"))) from exc


def check_phone(value: str) -> str:
    phone = re.sub(r"[\s-]", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not PHONE_RE.match(phone):
        raise IdentityError("phone_format", str(_("请输入 11 位手机号码，例如 13800000000")))
    return phone


def warning_text(code: str) -> str:
    texts = {
        WARNING_REGION_UNKNOWN: _(
            "身份证号的地区码不在本系统的行政区划沿革库中（可能是区划调整后的新代码）。"
            "账户已创建，窗口人员办理业务时将核验您的证件原件。"
        ),
    }
    return str(texts.get(code, code))
