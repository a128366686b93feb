"""Mailbox query codes (查询码): long, unambiguous, and forgiving of how they are typed back."""

from __future__ import annotations

import pytest

from yiwang.core.errors import NotFound
from yiwang.hotline import selectors
from yiwang.hotline.services.intake import QUERY_CODE_ALPHABET, new_query_code, ticket_create

pytestmark = pytest.mark.django_db


def test_codes_are_at_least_10_unambiguous_characters():
    codes = {new_query_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) >= 10
        assert set(code) <= set(QUERY_CODE_ALPHABET)
    assert not set("0O1IL") & set(QUERY_CODE_ALPHABET)


def test_anonymous_letter_is_followed_with_its_code_typed_in_groups(hl):
    ticket = ticket_create(category="suggestion", channel="mailbox", content="建议增设公交站", anonymous=True)
    code = ticket.query_code
    assert len(code) >= 10
    grouped = f"{code[:4].lower()}-{code[4:8]} {code[8:]}"
    assert selectors.ticket_get_by_query_code(number=ticket.number, code=grouped) == ticket
    with pytest.raises(NotFound):
        selectors.ticket_get_by_query_code(number=ticket.number, code=code[:-1])
    with pytest.raises(NotFound):
        selectors.ticket_get_by_query_code(number=ticket.number, code="")
