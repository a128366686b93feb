"""Canonical form, SM3 digest and SM2 signature of licence and notice data (电子签章).

``canonical_bytes(data)`` is ``json.dumps(data, sort_keys=True, ensure_ascii=False,
separators=(",", ":"))`` in UTF-8: the same bytes on SQLite and PostgreSQL (``jsonb`` reorders
keys, which sorting undoes). The SM2 signature is over those bytes (GM/T 0009 with the default
user id, via :func:`yiwang.core.crypto.sm2_sign`), so it also covers the SM3 digest.

A signature is trusted only when its public key is the platform's current SM2 key or one listed
in ``settings.AUDIT_SM2_TRUSTED_PUBLIC_KEYS`` (retired keys), as for audit anchors.

PDFs carry the signed payload in their document information (``/Keywords``) as
``YIWANG-SIGNED:<base64 of the JSON payload>``, so a downloaded file can be checked offline.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from yiwang.core.crypto import sm2_public_key_hex, sm2_sign, sm2_verify, sm3_hex
from yiwang.core.verify import trusted_public_keys

PAYLOAD_MARK = "YIWANG-SIGNED:"
_PAYLOAD_RE = re.compile(rb"YIWANG-SIGNED:([A-Za-z0-9+/=\\\r\n]+)")


def canonical_bytes(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def digest_of(data: Any) -> str:
    return sm3_hex(canonical_bytes(data))


@dataclass(frozen=True)
class Signed:
    digest: str
    signature: str
    public_key: str


def sign_data(data: Any) -> Signed:
    return Signed(digest=digest_of(data), signature=sm2_sign(canonical_bytes(data)), public_key=sm2_public_key_hex())


def signature_problem(*, data: Any, digest: str, signature: str, public_key: str) -> str:
    """``""`` when ``data`` matches its digest and carries a valid signature by a trusted key,
    else a short machine-readable reason: ``digest``, ``untrusted_key`` or ``signature``."""
    if digest_of(data) != (digest or "").lower():
        return "digest"
    if (public_key or "").lower() not in trusted_public_keys():
        return "untrusted_key"
    if not sm2_verify(canonical_bytes(data), signature or "", public_key or ""):
        return "signature"
    return ""


def payload_encode(*, kind: str, data: Any, signed: Signed) -> str:
    """The ``/Keywords`` value embedded in a signed PDF (ASCII only)."""
    payload = {"kind": kind, "data": data, "digest": signed.digest, "signature": signed.signature,
               "public_key": signed.public_key}
    return PAYLOAD_MARK + base64.b64encode(canonical_bytes(payload)).decode("ascii")


def payload_extract(pdf_bytes: bytes) -> dict[str, Any] | None:
    """The signed payload embedded in a PDF, or ``None`` when there is none or it is unreadable."""
    match = _PAYLOAD_RE.search(pdf_bytes)
    if match is None:
        return None
    raw = re.sub(rb"\\\r?\n|[\r\n]", b"", match.group(1))  # PDF literal strings may be continued
    try:
        payload = json.loads(base64.b64decode(raw, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        return None
    return payload
