"""Shared numbers for the accounts tests."""

from __future__ import annotations

from stdnum.cn import ric


def with_check_digit(first17: str) -> str:
    """A resident ID with a correct check digit (calc_check_digit wants all 18 characters)."""
    return first17 + ric.calc_check_digit(first17 + "0")


VALID_ID = "110101199003070011"          # 北京市东城区, valid in stdnum
VALID_ID_2 = with_check_digit("11010119850101001")
BAD_CHECKSUM_ID = "110101199003070012"
SHORT_ID = "11010119900307001"
BAD_DATE_ID = with_check_digit("11010119900230001")  # 30 February
UNKNOWN_REGION_ID = with_check_digit("99999919900307001")  # region 999999 is in no GB/T 2260 history
VALID_USCC = "91110000600037341L"
BAD_USCC = "91110000600037341M"
STRONG_PASSWORD = "Correct-Horse-2026"


def last_sms(phone_masked: str):
    """The last SMS recorded for a bare phone number (``notify.Message``; the file backend writes it too)."""
    from yiwang.notify.models import Channel, Message

    return Message.objects.filter(recipient__isnull=True, channel=Channel.SMS,
                                  destination=phone_masked).order_by("-pk").first()


def sms_code(phone_masked: str) -> str:
    """The 6-digit registration code in the last SMS to ``phone_masked`` ('' when there is none)."""
    import re

    message = last_sms(phone_masked)
    found = re.search(r"验证码 (\d{6})", message.body) if message else None
    return found.group(1) if found else ""
