"""The database refuses to rewrite audit rows (PostgreSQL: UPDATE and DELETE; SQLite: UPDATE)."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection, transaction

from yiwang.core.audit import audit_record
from yiwang.core.models import AuditAnchor, AuditEvent
from yiwang.core.services import audit_anchor_create

pytestmark = pytest.mark.django_db
triggers_migration = importlib.import_module("yiwang.core.migrations.0003_audit_append_only_triggers")


def test_update_of_an_audit_event_is_refused():
    event = audit_record(action="x", object_type="demo", object_id="1")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="y")
    assert AuditEvent.objects.get(pk=event.pk).action == "x"


def test_update_of_an_anchor_is_refused():
    audit_record(action="x", object_type="demo", object_id="1")
    anchor = audit_anchor_create()
    assert anchor is not None
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditAnchor.objects.filter(pk=anchor.pk).update(signature="00")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite flushes with DELETE, so only UPDATE is guarded")
def test_delete_is_refused_on_postgresql():
    event = audit_record(action="x", object_type="demo", object_id="1")
    audit_anchor_create()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditAnchor.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's flush")
def test_truncate_still_works_on_postgresql():
    audit_record(action="x", object_type="demo", object_id="1")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE core_auditevent")
    assert not AuditEvent.objects.exists()


def test_the_trigger_migration_is_reversible():
    event = audit_record(action="x", object_type="demo", object_id="1")
    with connection.cursor() as cursor:
        # a stand-in for the schema editor (SQLite's cannot open inside the test transaction)
        editor = SimpleNamespace(connection=connection, execute=lambda sql, params=None: cursor.execute(sql, params))
        triggers_migration.drop_triggers(None, editor)
        AuditEvent.objects.filter(pk=event.pk).update(action="y")  # unguarded now
        triggers_migration.create_triggers(None, editor)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="z")
