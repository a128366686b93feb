"""Masking of personal data (个人信息保护法: minimum necessary) for lists, public pages and logs.

Field helpers mask one known value: ``mask_id_number`` (``1101**********0011``), ``mask_phone``
(``138****0000``) and ``mask_name`` (``张**``).

``mask_text`` finds numbers inside free text (letters, replies, log lines) the way people write them:

* full-width digits and punctuation (``１３８－１２３４－５６７８``, ``（０５３９）``) are read as ASCII;
* resident ID numbers of 18 characters (last one ``X``) and the old 15-digit ones, with or without
  spaces or dashes between groups (``110101 19900307 0011``); a grouped or 15-digit number is an ID
  only if it carries a valid birth date, so long order or amount lists are left alone;
* mobile numbers ``1[3-9]`` + 9 digits, grouped any way by single spaces, dashes or dots, with an
  optional ``+86``/``86``/``0086``/``(+86)`` prefix;
* landlines with an area code (``0539-1234567``, ``(0539)12345678``, ``010 1234 5678``,
  ``+86 539 1234567``) and ``400``/``800`` service numbers;

and replaces each with a masked form that keeps only what identifies no one: an ID's first and last
four characters, a mobile's first three and last four digits, a landline's area code and last two
digits. A number is only taken whole (no digit right before or after), so dates (``2026-12-03``),
amounts, case numbers (``YW3713272026000001``), ticket numbers and short codes are not touched.
``MaskingLogFilter`` applies ``mask_text`` to every log line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date

# Full-width and typographic variants → ASCII, one character for one, so offsets stay aligned.
_FULL_WIDTH = str.maketrans({
    **{chr(0xFF10 + i): str(i) for i in range(10)},
    "－": "-", "—": "-", "–": "-", "‐": "-", "‑": "-", "−": "-", "﹣": "-",
    "（": "(", "）": ")", "＋": "+", "．": ".", "Ｘ": "X", "ｘ": "x",
    "\u3000": " ", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
})
_SEP = r"(?:[ \t]?[-.][ \t]?|[ \t]{1,2})?"  # one dash/dot (spaced or not) or one or two blanks


def _more(n: int) -> str:
    """``n`` more digits, each after an optional single separator."""
    return rf"(?:{_SEP}\d){{{n}}}"


_ID18_RE = re.compile(rf"(?<![\dA-Za-z])(\d(?:{_SEP}\d){{16}}{_SEP}[\dXx])(?![\dA-Za-z])")
_ID15_RE = re.compile(rf"(?<![\dA-Za-z])([1-8]{_more(14)})(?![\dA-Za-z])")
_MOBILE_RE = re.compile(
    rf"(?<![\d+])(?P<prefix>(?:\(\+?86\)|(?:\+|00)?86)[ \t-]{{0,2}})?(?P<number>1[3-9]{_more(9)})(?!\d)")
_LANDLINE_RE = re.compile(
    r"(?<![\d+])(?:(?P<intl>(?:\+|00)86[ \t-]{0,2}\(?0?)(?P<iarea>10|2\d|[3-9]\d{2})\)?"
    r"|\((?P<parea>0\d{2,3})\)|(?P<area>0(?:10|2\d|[3-9]\d{2})))"
    rf"[ \t]*-?[ \t]*(?P<number>[1-9](?:{_SEP}\d){{6,7}})(?!\d)")
_SERVICE_RE = re.compile(rf"(?<![\d+])(?P<number>[48]00{_SEP}\d(?:{_SEP}\d){{6}})(?!\d)")


def mask_id_number(value: str | None) -> str:
    """``110101199003070011`` → ``1101**********0011``."""
    if not value:
        return ""
    value = value.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """``13800000000`` → ``138****0000``."""
    if not value:
        return ""
    value = value.strip()
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """``张三丰`` → ``张**``: used on public pages."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def _plain(text: str) -> str:
    return re.sub(r"[^\dXx]", "", text)


def _valid_birth(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year <= 2099


def _id18(match: re.Match[str]) -> str | None:
    raw, digits = match.group(1), _plain(match.group(1))
    if raw != digits and not _valid_birth(int(digits[6:10]), int(digits[10:12]), int(digits[12:14])):
        return None  # a grouped 18-digit run without a birth date is not an ID
    return mask_id_number(digits.upper())


def _id15(match: re.Match[str]) -> str | None:
    digits = _plain(match.group(1))
    if not _valid_birth(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12])):
        return None
    return mask_id_number(digits)


def _mobile(match: re.Match[str]) -> str | None:
    prefix = (match.group("prefix") or "").strip(" \t-")
    number = mask_phone(_plain(match.group("number")))
    return f"{prefix} {number}" if prefix else number


def _landline(match: re.Match[str]) -> str | None:
    area = match.group("area") or match.group("parea") or ("0" + (match.group("iarea") or ""))
    digits = _plain(match.group("number"))
    return f"{area}-{'*' * (len(digits) - 2)}{digits[-2:]}"


def _service(match: re.Match[str]) -> str | None:
    digits = _plain(match.group("number"))
    return f"{digits[:3]}-***-**{digits[-2:]}"


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]], ...] = (
    (_ID18_RE, _id18), (_ID15_RE, _id15), (_MOBILE_RE, _mobile), (_LANDLINE_RE, _landline),
    (_SERVICE_RE, _service),
)


def _apply(text: str, pattern: re.Pattern[str], mask: Callable[[re.Match[str]], str | None]) -> str:
    plain = text.translate(_FULL_WIDTH)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(plain):
        masked = mask(match)
        if masked is None:
            continue
        out.append(text[last:match.start()])
        out.append(masked)
        last = match.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def mask_text(text: str) -> str:
    """Mask every resident ID, mobile, landline and 400/800 number inside free text."""
    if not text:
        return text or ""
    for pattern, mask in _RULES:
        text = _apply(text, pattern, mask)
    return text


class MaskingLogFilter(logging.Filter):
    """Masks resident IDs and phone numbers in every log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not kill logging
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
