"""audit_verify / ``manage.py audit_verify``: intact trails pass, every kind of tampering is named."""

from __future__ import annotations

import io
import secrets
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.test import override_settings

from yiwang.core.audit import audit_record, compute_hash
from yiwang.core.models import AuditAnchor, AuditChainHead, AuditEvent
from yiwang.core.services import audit_anchor_create
from yiwang.core.tasks import audit_anchor_task
from yiwang.core.verify import Reason, audit_verify

from .helpers import guards_lifted

pytestmark = pytest.mark.django_db


def _chain(count: int = 5, object_id: str = "42") -> list[AuditEvent]:
    """``count`` events on one object: one partition, seqs 1..count."""
    return [
        audit_record(action=f"case.step{i}", object_type="cases.case", object_id=object_id,
                     before={"state": i}, after={"state": i + 1}, ip="10.0.0.9")
        for i in range(count)
    ]


def _verify_fails() -> str:
    with pytest.raises(CommandError) as info:
        call_command("audit_verify", stdout=io.StringIO(), stderr=io.StringIO())
    assert info.value.returncode == 1
    return str(info.value)


def _names(message: str, event: AuditEvent, reason: str) -> None:
    first = message.split("first broken:", 1)[1]
    assert f"event id={event.pk} partition={event.partition} seq={event.seq} reason={reason}" in first, message


def test_intact_trail_exits_zero_with_a_summary():
    _chain(4)
    audit_record(action="other", object_type="cases.case", object_id="99")
    audit_anchor_create()
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "intact" in out.getvalue()
    assert "5 events" in out.getvalue()
    assert "1 anchors" in out.getvalue()


def test_empty_trail_is_intact():
    result = audit_verify()
    assert result.ok and result.events == 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("action", "case.approve"),
        ("actor_label", "someone_else"),
        ("object_id", "43"),
        ("before", {"state": 99}),
        ("after", None),
        ("ip", "10.0.0.10"),
        ("request_id", "forged"),
        ("position_id", 12345),
    ],
)
def test_editing_any_field_is_detected_and_named(field, value):
    events = _chain(5)
    victim = events[2]
    with guards_lifted():
        AuditEvent.objects.filter(pk=victim.pk).update(**{field: value})
    message = _verify_fails()
    _names(message, victim, "altered")


def test_editing_the_time_is_detected():
    events = _chain(3)
    with guards_lifted():
        AuditEvent.objects.filter(pk=events[1].pk).update(occurred_at=F("occurred_at") - timedelta(microseconds=1))
    _names(_verify_fails(), events[1], "altered")


def test_rewriting_an_event_and_its_hash_breaks_the_next_link():
    events = _chain(4)
    victim = AuditEvent.objects.get(pk=events[1].pk)
    victim.action = "case.nothing_to_see"
    forged = compute_hash(victim)
    with guards_lifted():
        AuditEvent.objects.filter(pk=victim.pk).update(action=victim.action, hash=forged)
    result = audit_verify()
    assert not result.ok
    assert result.first is not None
    assert (result.first.event_id, result.first.reason) == (events[2].pk, Reason.REORDERED)


def test_rewriting_the_whole_tail_is_caught_by_the_anchor():
    # given an anchored chain
    events = _chain(4)
    anchor = audit_anchor_create()
    assert anchor is not None
    # when an attacker rewrites event 2 and re-hashes everything after it, head included
    with guards_lifted():
        prev = events[0].hash
        for original in events[1:]:
            event = AuditEvent.objects.get(pk=original.pk)
            event.prev_hash = prev
            if event.pk == events[1].pk:
                event.after = {"state": "forged"}
            event.hash = compute_hash(event)
            AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, after=event.after,
                                                          hash=event.hash)
            prev = event.hash
        AuditChainHead.objects.filter(partition=events[0].partition).update(hash=prev)
    # then the chain itself looks fine, but the signed anchor does not
    message = _verify_fails()
    assert f"event id={events[-1].pk}" in message
    assert "reason=anchor mismatch" in message
    assert f"anchor id={anchor.pk}" in message


def test_deleting_a_middle_event_is_detected():
    events = _chain(5)
    with guards_lifted():
        AuditEvent.objects.filter(pk=events[2].pk).delete()
    message = _verify_fails()
    _names(message, events[3], "deleted")
    assert "seq 3 missing" in message


def test_deleting_the_tail_is_detected_by_the_chain_head():
    events = _chain(5)
    with guards_lifted():
        AuditEvent.objects.filter(pk__in=[events[3].pk, events[4].pk]).delete()
    message = _verify_fails()
    assert f"partition={events[0].partition} seq=4 reason=deleted" in message
    assert "4..5 were deleted" in message


def test_deleting_the_tail_and_fixing_the_head_is_detected_by_the_anchor():
    events = _chain(5)
    anchor = audit_anchor_create()
    assert anchor is not None
    with guards_lifted():
        AuditEvent.objects.filter(pk=events[4].pk).delete()
        AuditChainHead.objects.filter(partition=events[0].partition).update(seq=4, hash=events[3].hash)
    message = _verify_fails()
    assert f"partition={events[0].partition} seq=5 anchor id={anchor.pk} reason=deleted" in message


def test_swapping_two_events_is_detected_as_reordered():
    events = _chain(5)
    a, b = events[1], events[2]
    with guards_lifted():
        AuditEvent.objects.filter(pk=a.pk).update(seq=1000)
        AuditEvent.objects.filter(pk=b.pk).update(seq=a.seq)
        AuditEvent.objects.filter(pk=a.pk).update(seq=b.seq)
    result = audit_verify()
    assert not result.ok
    reasons = {(p.event_id, p.reason) for p in result.problems}
    assert (a.pk, Reason.REORDERED) in reasons
    assert result.first is not None and result.first.event_id in {a.pk, b.pk}


def test_forged_anchor_signature_is_detected():
    _chain(3)
    anchor = audit_anchor_create()
    assert anchor is not None
    bad = anchor.signature[:-4] + ("0000" if not anchor.signature.endswith("0000") else "1111")
    with guards_lifted():
        AuditAnchor.objects.filter(pk=anchor.pk).update(signature=bad)
    message = _verify_fails()
    assert f"anchor id={anchor.pk} reason=bad signature" in message


def test_anchor_signed_by_another_key_is_not_trusted():
    # given an attacker who rewrote the chain and signed a fresh anchor with their own key
    _chain(3)
    with override_settings(AUDIT_SM2_PRIVATE_KEY=secrets.token_hex(32)):
        forged = audit_anchor_create()
    assert forged is not None
    # when verified with the platform's key, then the anchor is refused
    message = _verify_fails()
    assert f"anchor id={forged.pk} reason=bad signature" in message
    assert "untrusted" in message
    # a retired key that is listed as trusted is accepted
    with override_settings(AUDIT_SM2_TRUSTED_PUBLIC_KEYS=[forged.public_key]):
        assert audit_verify().ok


def test_editing_anchor_heads_is_detected():
    events = _chain(3)
    anchor = audit_anchor_create()
    assert anchor is not None
    heads = dict(anchor.heads)
    heads[str(events[0].partition)] = [2, events[1].hash]
    with guards_lifted():
        AuditAnchor.objects.filter(pk=anchor.pk).update(heads=heads)
    message = _verify_fails()
    assert f"anchor id={anchor.pk} reason=bad signature" in message


def test_deleting_an_anchor_breaks_the_anchor_chain():
    _chain(2, object_id="1")
    first = audit_anchor_create()
    _chain(2, object_id="1")
    second = audit_anchor_create()
    _chain(2, object_id="1")
    third = audit_anchor_create()
    assert first and second and third
    assert audit_verify(signatures="latest").signatures_checked == 1
    with guards_lifted():
        AuditAnchor.objects.filter(pk=second.pk).delete()
    message = _verify_fails()
    assert f"anchor id={third.pk} reason=anchor mismatch" in message


def test_anchor_is_created_only_when_something_changed():
    assert audit_anchor_create() is None  # nothing to sign yet
    events = _chain(2)
    anchor = audit_anchor_create()
    assert anchor is not None
    assert anchor.heads == {str(events[0].partition): [2, events[1].hash]}
    assert audit_anchor_create() is None
    audit_record(action="more", object_type="cases.case", object_id="7")
    task_result = audit_anchor_task.call_local()
    assert task_result is not None
    latest = AuditAnchor.objects.get(pk=task_result)
    assert latest.prev_digest == anchor.digest
    assert audit_verify().ok
    out = io.StringIO()
    call_command("audit_anchor", "--force", stdout=out)
    assert "anchor" in out.getvalue()
    assert AuditAnchor.objects.count() == 3
