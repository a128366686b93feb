"""``manage.py audit_export --before YYYY-MM-DD [--output FILE]``: archive old audit events.

Writes every event that occurred before the given date (local time zone) as JSON lines,
oldest first per partition, with ``hash`` and ``prev_hash`` so the archive can be checked
against the chain. It NEVER deletes anything: 网络安全法 Art. 21 requires keeping logs for at
least six months (``settings.AUDIT_RETENTION_DAYS``, minimum 183) and the platform has no code
path that deletes audit events; the database refuses it on PostgreSQL. Pruning an archived
range, if policy ever allows it, is a DBA task outside the application.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yiwang.core.audit import canonical_timestamp
from yiwang.core.models import AuditEvent


def event_as_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "partition": event.partition,
        "seq": event.seq,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
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


class Command(BaseCommand):
    help = "导出某日期之前的审计事件（JSON Lines，用于归档，不删除任何数据）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", required=True, help="export events before this date, YYYY-MM-DD")
        parser.add_argument("--output", "-o", default="-", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = datetime.strptime(options["before"], "%Y-%m-%d").date()  # noqa: DTZ007 - a date only
        except ValueError as exc:
            raise CommandError("--before must look like YYYY-MM-DD") from exc
        cutoff = timezone.make_aware(datetime.combine(day, time.min))
        events = AuditEvent.objects.filter(occurred_at__lt=cutoff).order_by("partition", "seq")
        if options["output"] == "-":
            count = self._write(events, self.stdout.write)
        else:
            with open(options["output"], "w", encoding="utf-8") as out:
                count = self._write(events, lambda line: out.write(line + "\n"))
        self.stderr.write(f"exported {count} audit events before {day.isoformat()}")

    @staticmethod
    def _write(events: Any, write: Callable[[str], Any]) -> int:
        count = 0
        for event in events.iterator(chunk_size=2000):
            write(json.dumps(event_as_json(event), ensure_ascii=False, sort_keys=True))
            count += 1
        return count
