"""Masking of resident IDs and phone numbers in lists and logs."""

from __future__ import annotations

import logging

from yiwang.core.masking import MaskingLogFilter, mask_id_number, mask_name, mask_phone, mask_text


def test_mask_helpers():
    assert mask_id_number("110101199003070011") == "1101**********0011"
    assert mask_phone("13800000000") == "138****0000"
    assert mask_name("张三丰") == "张**"
    assert mask_id_number("") == "" and mask_phone(None) == ""


def test_mask_text_masks_ids_and_phones_but_not_other_numbers():
    text = "申请人 11010119900307003X 电话13912345678，办件号 2026000100020003000 金额 100"
    masked = mask_text(text)
    assert "11010119900307003X" not in masked and "1101**********003X" in masked
    assert "13912345678" not in masked and "139****5678" in masked
    assert "2026000100020003000" in masked  # 19 digits: not an ID number
    assert "100" in masked


def _record(msg: str, args: tuple = ()) -> logging.LogRecord:
    return logging.LogRecord("yiwang", logging.INFO, __file__, 1, msg, args, None)


def test_log_filter_masks_formatted_arguments():
    record = _record("user %s phone %s", ("110101199003070011", "13800000000"))
    assert MaskingLogFilter().filter(record) is True
    line = record.getMessage()
    assert "110101199003070011" not in line and "13800000000" not in line
    assert "1101**********0011" in line and "138****0000" in line


def test_log_filter_leaves_clean_and_broken_records_alone():
    clean = _record("nothing %s", ("here",))
    MaskingLogFilter().filter(clean)
    assert clean.args == ("here",)
    broken = _record("bad %d", ("x",))
    assert MaskingLogFilter().filter(broken) is True


def test_configured_logging_masks(caplog):
    logger = logging.getLogger("yiwang.test")
    logger.addFilter(MaskingLogFilter())
    try:
        with caplog.at_level(logging.INFO, logger="yiwang.test"):
            logger.info("looked up %s", "13800000000")
    finally:
        logger.filters.clear()
    assert "138****0000" in caplog.text and "13800000000" not in caplog.text
