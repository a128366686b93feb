"""Writing audit events (审计日志): ``audit_record`` is called by every action inside its transaction.

How the chain works:

* Events are spread over ``settings.AUDIT_PARTITIONS`` independent SM3 hash chains, so that
  writers on different objects do not all queue behind one row lock. The partition is chosen
  from the object key (``object_type:object_id``); each partition has one
  :class:`~yiwang.core.models.AuditChainHead` row that is locked (``SELECT ... FOR UPDATE``)
  while an event is appended.
* Within one database transaction every event goes to the partition the transaction locked
  first ("sticky" partition). A transaction therefore holds at most one head lock, and two
  actions that each audit two objects can never deadlock on head rows.
* ``hash = SM3(prev_hash + canonical_json(fields))``: ``fields`` covers every column except
  ``id``, ``hash`` and ``prev_hash`` (which is covered by being prefixed).
* Values are canonicalised *before* they are stored so that they hash identically after a
  round trip through SQLite (JSON text, ISO timestamps) and PostgreSQL (``jsonb``, ``inet``,
  ``timestamptz``): integral floats become ints (``jsonb`` prints ``1e16`` as an integer),
  non-finite floats become strings, NUL characters are dropped (``jsonb`` and ``text`` refuse
  them), IP addresses are written in ``ipaddress``' compressed form (as ``inet`` prints them),
  timestamps are hashed as UTC with microseconds.
"""

from __future__ import annotations

import ipaddress
import json
import math
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from yiwang.core.context import current_request
from yiwang.core.crypto import sm3_hex
from yiwang.core.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


class _AuditJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder (dates, decimals, UUIDs, lazy strings) that never raises on odd types."""

    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            if isinstance(o, set | frozenset):
                return sorted(str(item) for item in o)
            return str(o)


def _clean_text(value: str) -> str:
    return value.replace("\x00", "")


def _canonical(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer():
            return int(value)
        return value
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, dict):
        return {_clean_text(str(k)): _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def normalise(value: Any) -> Any:
    """JSON-safe copy of ``value`` exactly as SQLite and PostgreSQL will both give it back."""
    if value is None:
        return None
    text = json.dumps(value, cls=_AuditJSONEncoder, ensure_ascii=False)  # NaN allowed here…
    return _canonical(json.loads(text))  # …and turned into strings here


def normalise_ip(value: str | None) -> str | None:
    """An IP address as PostgreSQL's ``inet`` prints it; anything unparsable becomes ``None``."""
    if not value:
        return None
    text = str(value).strip().split("%", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6:  # Django's form (``::ffff:1.2.3.4``), which is also inet's
        return clean_ipv6_address(str(address))
    return str(address)


def canonical_timestamp(moment: datetime) -> str:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_digest(*, prev_hash: str, fields: dict[str, Any]) -> str:
    return sm3_hex((prev_hash + canonical_json(fields)).encode("utf-8"))


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
        "before": _canonical(event.before),
        "after": _canonical(event.after),
        "ip": event.ip,
        "request_id": event.request_id,
    }


def compute_hash(event: AuditEvent) -> str:
    return event_digest(prev_hash=event.prev_hash, fields=hashed_fields(event))


def partition_for(object_type: str, object_id: str, actor_id: int | None) -> int:
    key = f"{object_type}:{object_id}" if object_type or object_id else f"actor:{actor_id}"
    return int(sm3_hex(key.encode("utf-8"))[:8], 16) % settings.AUDIT_PARTITIONS


# --- the sticky partition of the current transaction --------------------------------------


class _HeldPartition:
    """Registered as an on-commit callback: Django drops it when the transaction (or the
    savepoint that took the lock) rolls back, so its presence means the lock is still held."""

    def __init__(self, partition: int):
        self.partition = partition

    def __call__(self) -> None:  # runs on commit: nothing to do, the lock is gone
        return None


def _held_partition() -> int | None:
    held: _HeldPartition | None = getattr(connection, "_yiwang_audit_held", None)
    if held is None or not connection.in_atomic_block:
        return None
    if any(entry[1] is held for entry in connection.run_on_commit):
        return held.partition
    return None


class _CachedHead:
    """The head this transaction last wrote (partition, seq, hash), registered as an on-commit
    callback like :class:`_HeldPartition`: a rollback of the savepoint that wrote the event drops
    it, so its presence means the head row still holds exactly these values (we hold its lock)."""

    def __init__(self, partition: int, seq: int, hash_: str):
        self.partition, self.seq, self.hash = partition, seq, hash_

    def __call__(self) -> None:
        return None


def _cached_head(partition: int) -> _CachedHead | None:
    cached: _CachedHead | None = getattr(connection, "_yiwang_audit_head", None)
    if cached is None or cached.partition != partition or not connection.in_atomic_block:
        return None
    # the newest on-commit entry is checked first: usually it is the cached head itself
    if any(entry[1] is cached for entry in reversed(connection.run_on_commit)):
        return cached
    return None


def _remember_head(partition: int, seq: int, hash_: str) -> None:
    cached = _CachedHead(partition, seq, hash_)
    connection._yiwang_audit_head = cached  # type: ignore[attr-defined]
    transaction.on_commit(cached)


def _remember_partition(partition: int) -> None:
    held = _HeldPartition(partition)
    connection._yiwang_audit_held = held  # type: ignore[attr-defined]
    transaction.on_commit(held)


def _lock_head(partition: int) -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(partition=partition).first()
    if head is None:
        # First write to this partition. INSERT … ON CONFLICT DO NOTHING (INSERT OR IGNORE on
        # SQLite): a concurrent first writer makes us wait for its commit, then we lock its row.
        AuditChainHead.objects.bulk_create([AuditChainHead(partition=partition)], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update().get(partition=partition)
    return head


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
    object_id = "" if object_id is None else _clean_text(str(object_id))
    object_type = _clean_text(object_type)
    request = current_request.get()
    if ip is None and request is not None:
        ip = request.ip
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_label = "" if actor is None else _clean_text(str(getattr(actor, "username", actor)))[:150]
    position_id = getattr(position, "pk", None) if position is not None else None
    position_label = "" if position is None else _clean_text(str(position))[:200]
    outer = connection.in_atomic_block
    with transaction.atomic(savepoint=False):
        partition = _held_partition()
        if partition is None:
            partition = partition_for(object_type, object_id, actor_id)
            head: Any = _lock_head(partition)
            if outer:
                _remember_partition(partition)
        else:
            # already ours: the head this transaction last wrote, or the locked row re-read
            head = _cached_head(partition) or _lock_head(partition)
        event = AuditEvent(
            partition=partition,
            seq=head.seq + 1,
            prev_hash=head.hash,
            occurred_at=timezone.now(),
            actor_id=actor_id,
            actor_label=actor_label,
            position_id=position_id,
            position_label=position_label,
            action=_clean_text(action)[:100],
            object_type=object_type[:100],
            object_id=object_id[:64],
            before=normalise(before),
            after=normalise(after),
            ip=normalise_ip(ip),
            request_id=_clean_text(request.request_id)[:32] if request else "",
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(partition=partition).update(seq=event.seq, hash=event.hash)
        if outer:
            _remember_head(partition, event.seq, event.hash)
    return event
