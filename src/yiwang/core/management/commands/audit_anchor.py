"""``manage.py audit_anchor``: sign the audit chain heads now (the periodic task does it too)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yiwang.core.services import audit_anchor_create


class Command(BaseCommand):
    help = "立即为审计链头创建 SM2 签名锚点（Create an SM2-signed audit anchor now）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="sign even if nothing changed")

    def handle(self, *args: Any, **options: Any) -> None:
        anchor = audit_anchor_create(force=options["force"])
        if anchor is None:
            self.stdout.write("nothing changed since the last anchor")
        else:
            self.stdout.write(self.style.SUCCESS(f"anchor {anchor.pk}: {len(anchor.heads)} partitions, "
                                                 f"digest {anchor.digest}"))
