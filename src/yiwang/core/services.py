"""Writes of the shared kernel: SM2-signed anchors (锚点) over the audit chain heads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from yiwang.core.audit import GENESIS, canonical_json, canonical_timestamp
from yiwang.core.crypto import sm2_public_key_hex, sm2_sign, sm3_hex
from yiwang.core.models import AuditAnchor, AuditChainHead

# Any constant: the PostgreSQL advisory lock that serialises anchor creation.
_ANCHOR_LOCK_KEY = 0x59_57_41_4E  # "YWAN"


def anchor_message(*, created_at: datetime, heads: dict[str, Any], prev_digest: str) -> bytes:
    """The exact bytes an anchor's digest and SM2 signature cover."""
    body = {"created_at": canonical_timestamp(created_at), "heads": heads, "prev_digest": prev_digest}
    return canonical_json(body).encode("utf-8")


def current_heads() -> dict[str, list[Any]]:
    """``{partition: [seq, hash]}`` for every partition that has events (one consistent read)."""
    return {
        str(partition): [seq, head_hash]
        for partition, seq, head_hash in AuditChainHead.objects.filter(seq__gt=0)
        .order_by("partition")
        .values_list("partition", "seq", "hash")
    }


def audit_anchor_create(*, force: bool = False) -> AuditAnchor | None:
    """Sign a snapshot of every partition head with the platform's SM2 key.

    Returns the new anchor, or ``None`` when nothing changed since the last anchor (unless
    ``force``). It is a system action run by the periodic task, so it takes no position and
    writes no audit event of its own (that would change the heads it has just signed).
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ANCHOR_LOCK_KEY])
        last = AuditAnchor.objects.order_by("-id").first()
        heads = current_heads()
        if not heads and not force:
            return None
        if last is not None and last.heads == heads and not force:
            return None
        created_at = timezone.now()
        prev_digest = last.digest if last is not None else GENESIS
        message = anchor_message(created_at=created_at, heads=heads, prev_digest=prev_digest)
        return AuditAnchor.objects.create(
            created_at=created_at,
            heads=heads,
            prev_digest=prev_digest,
            digest=sm3_hex(message),
            signature=sm2_sign(message),
            public_key=sm2_public_key_hex(),
        )
