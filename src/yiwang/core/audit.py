"""Writing audit events: ``audit_record`` is called by every action inside its transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from yiwang.core.context import current_request
from yiwang.core.crypto import sm3_hex
from yiwang.core.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


def normalise(value: Any) -> Any:
    """JSON-safe copy of ``value`` exactly as the database will give it back."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def canonical_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_digest(*, prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return sm3_hex((prev_hash + body).encode("utf-8"))


def hashed_fields(event: AuditEvent) -> dict[str, Any]:
    """The fields covered by an event's hash, in canonical form."""
    return {
        "partition": event.partition,
        "seq": event.seq,
        "occurred_at": canonical_timestamp(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "position_id": event.position_id,
        "position_label": event.position_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
        "ip": event.ip,
        "request_id": event.request_id,
    }


def partition_for(object_type: str, object_id: str, actor_id: int | None) -> int:
    key = f"{object_type}:{object_id}" if object_type or object_id else f"actor:{actor_id}"
    return int(sm3_hex(key.encode("utf-8"))[:8], 16) % settings.AUDIT_PARTITIONS


def _lock_head(partition: int) -> AuditChainHead:
    try:
        return AuditChainHead.objects.select_for_update().get(partition=partition)
    except AuditChainHead.DoesNotExist:
        try:
            with transaction.atomic():
                AuditChainHead.objects.create(partition=partition)
        except IntegrityError:
            pass  # another writer created it first
        return AuditChainHead.objects.select_for_update().get(partition=partition)


def audit_record(
    *,
    action: str,
    actor: Any = None,
    position: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    before: Any = None,
    after: Any = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event to the audit chain (append-only, SM3-chained).

    Call it inside the action's ``transaction.atomic`` block so that the event commits
    or rolls back with the change it describes.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    object_id = "" if object_id is None else str(object_id)
    request = current_request.get()
    if ip is None and request is not None:
        ip = request.ip
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_label = "" if actor is None else str(getattr(actor, "username", actor))[:150]
    position_id = getattr(position, "pk", None) if position is not None else None
    position_label = "" if position is None else str(position)[:200]
    partition = partition_for(object_type, object_id, actor_id)
    with transaction.atomic():
        head = _lock_head(partition)
        event = AuditEvent(
            partition=partition,
            seq=head.seq + 1,
            prev_hash=head.hash,
            occurred_at=timezone.now(),
            actor_id=actor_id,
            actor_label=actor_label,
            position_id=position_id,
            position_label=position_label,
            action=action[:100],
            object_type=object_type[:100],
            object_id=object_id[:64],
            before=normalise(before),
            after=normalise(after),
            ip=ip,
            request_id=request.request_id if request else "",
        )
        event.hash = event_digest(prev_hash=event.prev_hash, fields=hashed_fields(event))
        event.save(force_insert=True)
        head.seq = event.seq
        head.hash = event.hash
        head.save(update_fields=["seq", "hash"])
    return event
