"""Verification of the tamper-evident audit trail (``manage.py audit_verify``).

Walks every partition in ``seq`` order with a streaming cursor and checks that:

* each event's SM3 hash matches its content (``altered``);
* seqs run 1, 2, 3… without gaps (``deleted``) and ids grow with seq, i.e. seq order is
  insertion order, and each ``prev_hash`` links to the previous event (``reordered``);
* the chain-head table matches the last event of each partition (tail ``deleted``);
* every anchor is signed by a trusted SM2 key over its own content (``bad signature``), links
  to the previous anchor, and every anchored ``[seq, hash]`` still matches the stored event
  (``anchor mismatch``; a chain shorter than an anchor says is ``deleted``).

Anchors form their own SM3 chain, so with ``signatures="latest"`` only the newest anchor's
signature is checked (SM2 verification in pure Python costs ~60 ms per anchor); the default
checks every signature.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings

from yiwang.core.audit import GENESIS, compute_hash
from yiwang.core.crypto import sm2_public_key_hex, sm2_verify, sm3_hex
from yiwang.core.models import AuditAnchor, AuditChainHead, AuditEvent
from yiwang.core.services import anchor_message

CHUNK_SIZE = 2000


class Reason(StrEnum):
    ALTERED = "altered"
    DELETED = "deleted"
    REORDERED = "reordered"
    ANCHOR_MISMATCH = "anchor mismatch"
    BAD_SIGNATURE = "bad signature"


@dataclass(frozen=True)
class Problem:
    reason: Reason
    detail: str
    event_id: int | None = None
    partition: int | None = None
    seq: int | None = None
    anchor_id: int | None = None

    def __str__(self) -> str:
        where = []
        if self.event_id is not None:
            where.append(f"event id={self.event_id}")
        if self.partition is not None:
            where.append(f"partition={self.partition}")
        if self.seq is not None:
            where.append(f"seq={self.seq}")
        if self.anchor_id is not None:
            where.append(f"anchor id={self.anchor_id}")
        return f"{' '.join(where)} reason={self.reason.value}: {self.detail}"


@dataclass
class VerifyResult:
    events: int = 0
    partitions: int = 0
    anchors: int = 0
    signatures_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        return (
            f"{self.events} events in {self.partitions} partitions, {self.anchors} anchors "
            f"({self.signatures_checked} signatures checked)"
        )


def trusted_public_keys() -> set[str]:
    """The current anchor key plus retired ones (``settings.AUDIT_SM2_TRUSTED_PUBLIC_KEYS``)."""
    keys = {sm2_public_key_hex().lower()}
    keys.update(k.strip().lower() for k in getattr(settings, "AUDIT_SM2_TRUSTED_PUBLIC_KEYS", []) if k.strip())
    return keys


@dataclass
class _Checkpoint:
    hash: str
    anchor_id: int


class _Collector:
    def __init__(self, limit: int):
        self.limit = limit
        self.chain: list[Problem] = []
        self.anchors: list[Problem] = []
        self.count = 0

    def add(self, problem: Problem, *, anchor_level: bool = False) -> None:
        self.count += 1
        target = self.anchors if anchor_level else self.chain
        if len(self.chain) + len(self.anchors) < self.limit:
            target.append(problem)


def _check_anchors(
    collector: _Collector, result: VerifyResult, signatures: str
) -> tuple[dict[int, dict[int, list[_Checkpoint]]], dict[int, tuple[int, int]]]:
    """First pass over the anchors. Returns the trusted checkpoints per partition and, per
    partition, the highest anchored ``(seq, anchor_id)``."""
    trusted = trusted_public_keys()
    checkpoints: dict[int, dict[int, list[_Checkpoint]]] = {}
    highest: dict[int, tuple[int, int]] = {}
    last_id = AuditAnchor.objects.order_by("-id").values_list("id", flat=True).first()
    prev_digest = GENESIS
    for anchor in AuditAnchor.objects.order_by("id").iterator(chunk_size=500):
        result.anchors += 1
        heads: Any = anchor.heads
        message = anchor_message(created_at=anchor.created_at, heads=heads, prev_digest=anchor.prev_digest)
        valid = True
        if anchor.prev_digest != prev_digest:
            collector.add(Problem(Reason.ANCHOR_MISMATCH, "anchor does not link to the previous anchor "
                                  "(an anchor was deleted, inserted or reordered)", anchor_id=anchor.pk),
                          anchor_level=True)
        if sm3_hex(message) != anchor.digest:
            valid = False
            collector.add(Problem(Reason.BAD_SIGNATURE, "anchor content does not match its signed digest",
                                  anchor_id=anchor.pk), anchor_level=True)
        elif anchor.public_key.lower() not in trusted:
            valid = False
            collector.add(Problem(Reason.BAD_SIGNATURE, "anchor is signed by an untrusted SM2 key",
                                  anchor_id=anchor.pk), anchor_level=True)
        elif signatures == "all" or anchor.pk == last_id:
            result.signatures_checked += 1
            if not sm2_verify(message, anchor.signature, anchor.public_key):
                valid = False
                collector.add(Problem(Reason.BAD_SIGNATURE, "SM2 signature does not verify",
                                      anchor_id=anchor.pk), anchor_level=True)
        prev_digest = anchor.digest
        if not valid or not isinstance(heads, dict):
            continue
        for key, value in heads.items():
            try:
                partition, (seq, head_hash) = int(key), value
                seq = int(seq)
            except (TypeError, ValueError):
                collector.add(Problem(Reason.ANCHOR_MISMATCH, f"malformed head {key!r}", anchor_id=anchor.pk),
                              anchor_level=True)
                continue
            entries = checkpoints.setdefault(partition, {}).setdefault(seq, [])
            if not any(c.hash == head_hash for c in entries):
                entries.append(_Checkpoint(str(head_hash), anchor.pk))
            if seq > highest.get(partition, (0, 0))[0]:
                highest[partition] = (seq, anchor.pk)
    return checkpoints, highest


def _events() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("partition", "seq").iterator(chunk_size=CHUNK_SIZE)


def audit_verify(*, signatures: str = "all", max_problems: int = 100) -> VerifyResult:
    """Check the whole audit trail; see the module docstring. Never raises on tampering."""
    if signatures not in {"all", "latest"}:
        raise ValueError("signatures must be 'all' or 'latest'")
    result = VerifyResult()
    collector = _Collector(max_problems)
    checkpoints, highest = _check_anchors(collector, result, signatures)
    heads = {p: (seq, h) for p, seq, h in AuditChainHead.objects.values_list("partition", "seq", "hash")}
    seen: set[int] = set()

    partition: int | None = None
    expected_seq = 1
    prev_hash = GENESIS
    prev_id: int | None = None
    last: AuditEvent | None = None

    def finish(part: int, tail: AuditEvent | None) -> None:
        last_seq = tail.seq if tail else 0
        last_hash = tail.hash if tail else GENESIS
        head = heads.get(part)
        if head is None:
            if tail is not None:
                collector.add(Problem(Reason.DELETED, "the chain head of this partition is missing",
                                      event_id=tail.pk, partition=part, seq=last_seq))
        elif head[0] > last_seq:
            collector.add(Problem(Reason.DELETED, f"chain head says seq {head[0]} but the last stored event "
                                  f"is seq {last_seq}: events {last_seq + 1}..{head[0]} were deleted",
                                  partition=part, seq=last_seq + 1))
        elif head != (last_seq, last_hash):
            collector.add(Problem(Reason.ALTERED, f"chain head ({head[0]}, {head[1][:12]}…) does not match the "
                                  "last stored event", event_id=tail.pk if tail else None, partition=part,
                                  seq=last_seq))
        anchored = highest.get(part)
        if anchored is not None and anchored[0] > last_seq:
            collector.add(Problem(Reason.DELETED, f"anchor {anchored[1]} vouches for seq {anchored[0]} but the "
                                  f"chain ends at seq {last_seq}", partition=part, seq=last_seq + 1,
                                  anchor_id=anchored[1]))

    for event in _events():
        if event.partition != partition:
            if partition is not None:
                finish(partition, last)
            partition = event.partition
            seen.add(partition)
            expected_seq, prev_hash, prev_id = 1, GENESIS, None
        result.events += 1
        gap = event.seq != expected_seq
        if gap:
            missing = f"{expected_seq}..{event.seq - 1}" if event.seq - 1 > expected_seq else str(expected_seq)
            collector.add(Problem(Reason.DELETED, f"seq {missing} missing before this event",
                                  event_id=event.pk, partition=partition, seq=event.seq))
        if prev_id is not None and event.pk < prev_id:
            collector.add(Problem(Reason.REORDERED, f"id is lower than the id {prev_id} of the previous seq: "
                                  "the seqs do not follow insertion order", event_id=event.pk,
                                  partition=partition, seq=event.seq))
        elif compute_hash(event) != event.hash:
            collector.add(Problem(Reason.ALTERED, "stored hash does not match the event's content",
                                  event_id=event.pk, partition=partition, seq=event.seq))
        elif not gap and event.prev_hash != prev_hash:
            collector.add(Problem(Reason.REORDERED, "prev_hash does not link to the previous event (events "
                                  "reordered, or the previous event rewritten and re-hashed)",
                                  event_id=event.pk, partition=partition, seq=event.seq))
        for checkpoint in checkpoints.get(partition, {}).get(event.seq, ()):
            if checkpoint.hash != event.hash:
                collector.add(Problem(Reason.ANCHOR_MISMATCH, f"anchor {checkpoint.anchor_id} signed a different "
                                      "hash for this event", event_id=event.pk, partition=partition,
                                      seq=event.seq, anchor_id=checkpoint.anchor_id))
        expected_seq, prev_hash, prev_id, last = event.seq + 1, event.hash, event.pk, event
    if partition is not None:
        finish(partition, last)
    for part in sorted((set(heads) | set(highest)) - seen):
        if heads.get(part, (0, ""))[0] > 0 or part in highest:
            finish(part, None)
    result.partitions = len(seen)
    result.problems = collector.chain + collector.anchors
    result.problem_count = collector.count
    return result
