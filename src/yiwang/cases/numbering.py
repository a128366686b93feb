"""Case numbers, notice sequences and query codes (查询码).

* ``case_number_for``: ``YW`` + county code + year + sequence, from ``next_sequence`` (row-locked);
* ``new_query_code``/``query_code_matches``: the applicant's code to follow a case without an
  account, compared in constant time.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import IntegrityError, transaction

from yiwang.cases.deadlines import local_date
from yiwang.cases.models import Case, CaseNumberSequence
from yiwang.core.crypto import constant_time_equal
from yiwang.org.models import Division

QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
QUERY_CODE_LENGTH = 8


def county_code(division: Division) -> str:
    return (division.code + "000000")[:6]


def next_sequence(prefix: str, year: int) -> int:
    """The next number of ``(prefix, year)``, locked with ``select_for_update``."""
    # Inside the caller's transaction no savepoint is needed: any error here aborts that transaction.
    with transaction.atomic(savepoint=False):
        row = CaseNumberSequence.objects.select_for_update().filter(prefix=prefix, year=year).first()
        if row is None:
            try:
                with transaction.atomic():
                    CaseNumberSequence.objects.create(prefix=prefix, year=year, last=0)
            except IntegrityError:
                pass
            row = CaseNumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
        row.last += 1
        row.save(update_fields=["last"])
        return row.last


def case_number_for(division: Division, moment: datetime) -> str:
    """``YW`` + county code (6) + year (4) + sequence (6), e.g. ``YW3713272026000001``."""
    prefix = f"YW{county_code(division)}"
    year = local_date(moment).year
    return f"{prefix}{year}{next_sequence(prefix, year):06d}"


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def query_code_matches(case: Case | str | None, code: str) -> bool:
    """Constant-time comparison (also spent when there is no case); ``case`` may be the stored code."""
    stored = case if isinstance(case, str) or case is None else case.query_code
    expected = stored or "X" * QUERY_CODE_LENGTH
    ok = constant_time_equal(expected, (code or "").strip().upper())
    return ok and bool(stored)
