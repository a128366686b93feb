"""The applicant's ID number and phone, encrypted at rest (个人信息保护法: minimum necessary).

``encrypt_id``/``encrypt_phone`` seal a value for a case column; ``applicant_id_number`` and
``applicant_phone`` open it again (each column has its own associated data).
"""

from __future__ import annotations

from yiwang.cases.models import Case
from yiwang.core.crypto import decrypt, encrypt


def encrypt_id(value: str) -> str:
    return encrypt(value, associated=b"case_applicant_id") if value else ""


def encrypt_phone(value: str) -> str:
    return encrypt(value, associated=b"case_applicant_phone") if value else ""


def applicant_phone(case: Case) -> str:
    return decrypt(case.applicant_phone_enc, associated=b"case_applicant_phone") if case.applicant_phone_enc else ""


def applicant_id_number(case: Case) -> str:
    return decrypt(case.applicant_id_enc, associated=b"case_applicant_id") if case.applicant_id_enc else ""
