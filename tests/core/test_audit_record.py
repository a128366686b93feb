"""audit_record: chaining, canonical round trips, partitions."""

from __future__ import annotations

import threading
import uuid
from contextlib import nullcontext
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils.translation import gettext_lazy

from yiwang.core.audit import GENESIS, audit_record, compute_hash, partition_for
from yiwang.core.models import AuditChainHead, AuditEvent
from yiwang.core.verify import audit_verify


def _objects_in_distinct_partitions(count: int) -> list[str]:
    ids: list[str] = []
    seen: set[int] = set()
    n = 0
    while len(ids) < count:
        n += 1
        part = partition_for("demo.thing", str(n), None)
        if part not in seen:
            seen.add(part)
            ids.append(str(n))
    return ids


@pytest.mark.django_db
def test_events_for_one_object_chain_in_one_partition(clerk_a):
    # given / when
    events = [
        audit_record(action=f"thing.step{i}", actor=clerk_a, object_type="demo.thing", object_id="7",
                     before={"n": i}, after={"n": i + 1})
        for i in range(3)
    ]
    # then
    stored = list(AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("seq"))
    assert [e.seq for e in stored] == [1, 2, 3]
    assert len({e.partition for e in stored}) == 1
    assert stored[0].prev_hash == GENESIS
    assert stored[1].prev_hash == stored[0].hash
    assert stored[2].prev_hash == stored[1].hash
    for event in stored:  # recomputed from what the database gave back
        assert compute_hash(event) == event.hash
    head = AuditChainHead.objects.get(partition=stored[0].partition)
    assert (head.seq, head.hash) == (3, stored[2].hash)
    assert stored[0].actor_id == clerk_a.pk
    assert stored[0].actor_label == "clerk_a"


@pytest.mark.django_db
def test_awkward_values_survive_the_database_round_trip():
    before = {
        "big": 1e16, "whole": 2.0, "tiny": 1.5e-7, "third": 1 / 3, "nan": float("nan"), "inf": float("-inf"),
        "decimal": Decimal("12.50"), "when": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), "day": date(2026, 2, 28),
        "uuid": uuid.UUID(int=5), "lazy": gettext_lazy("查看审计日志"), "nul": "a\x00b", "中文键": ["甲", {"乙": None}],
        7: "int key", "set": {"b", "a"}, "obj": object.__new__(type("Odd", (), {"__str__": lambda s: "odd"})),
    }
    event = audit_record(action="odd.values", object_type="demo", object_id="a\x00b", before=before,
                         after=[1, 2.5, True, None], ip="2001:0DB8::0001")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert compute_hash(stored) == stored.hash == event.hash
    assert stored.ip == "2001:db8::1"
    assert stored.object_id == "ab"
    assert stored.before["big"] == 10**16
    assert stored.before["nan"] == "nan"
    assert stored.before["nul"] == "ab"
    assert stored.before["7"] == "int key"
    assert stored.before["set"] == ["a", "b"]
    assert stored.before["obj"] == "odd"
    assert stored.after == [1, 2.5, True, None]
    assert audit_verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize("raw, stored", [("10.0.0.1", "10.0.0.1"), ("unknown", None), ("fe80::1%eth0", "fe80::1"),
                                         ("::FFFF:1.2.3.4", "::ffff:1.2.3.4"), ("", None)])
def test_ip_is_stored_in_canonical_form(raw, stored):
    event = audit_record(action="ip.check", object_type="demo", object_id="ip", ip=raw)
    assert AuditEvent.objects.get(pk=event.pk).ip == stored
    assert audit_verify().ok


@pytest.mark.django_db
def test_one_transaction_appends_to_one_partition():
    # given two objects that hash to different partitions
    first, second = _objects_in_distinct_partitions(2)
    assert partition_for("demo.thing", first, None) != partition_for("demo.thing", second, None)
    # when one action audits both inside one transaction
    with transaction.atomic():
        a = audit_record(action="x", object_type="demo.thing", object_id=first)
        b = audit_record(action="x", object_type="demo.thing", object_id=second)
    # then the transaction held (and used) only one head lock
    assert a.partition == b.partition
    assert b.seq == a.seq + 1 and b.prev_hash == a.hash


@pytest.mark.django_db
def test_a_rolled_back_savepoint_releases_the_sticky_partition():
    first, second = _objects_in_distinct_partitions(2)
    with transaction.atomic():
        try:
            with transaction.atomic():
                audit_record(action="x", object_type="demo.thing", object_id=first)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        b = audit_record(action="y", object_type="demo.thing", object_id=second)
    assert b.partition == partition_for("demo.thing", second, None)
    assert b.seq == 1
    assert AuditEvent.objects.count() == 1
    assert audit_verify().ok


@pytest.mark.django_db
def test_events_without_object_are_keyed_by_actor(clerk_a):
    event = audit_record(action="session.login", actor=clerk_a)
    assert event.partition == partition_for("", "", clerk_a.pk)
    assert event.object_type == "" and event.object_id == ""


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_every_partition_contiguous():
    # given several writers, each on its own connection, on varied objects and one hot object
    writers, per_writer = (6, 15) if connection.vendor == "postgresql" else (3, 10)
    errors: list[BaseException] = []
    # SQLite's in-memory test database uses shared-cache table locks that do not wait: take turns there.
    gate = threading.Lock() if connection.vendor == "sqlite" else nullcontext()

    def write(worker: int) -> None:
        try:
            for i in range(per_writer):
                object_id = "hot" if i % 3 == 0 else f"{worker}-{i}"
                with gate, transaction.atomic():
                    audit_record(action="bench.write", object_type="demo.thing", object_id=object_id,
                                 after={"worker": worker, "i": i})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    # when
    with override_settings(AUDIT_PARTITIONS=4):
        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    # then
    assert not errors, errors
    assert AuditEvent.objects.count() == writers * per_writer
    partitions = AuditEvent.objects.values_list("partition", flat=True).distinct()
    assert len(set(partitions)) > 1
    for part in set(partitions):
        seqs = list(AuditEvent.objects.filter(partition=part).order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))
    result = audit_verify()
    assert result.ok, [str(p) for p in result.problems]
    assert result.events == writers * per_writer
