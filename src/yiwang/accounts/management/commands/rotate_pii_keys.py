"""Re-encrypt personal data under the newest key of ``YIWANG_PII_KEYS`` (see docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yiwang.accounts.services import pii_reindex, pii_rekey
from yiwang.core import crypto


class Command(BaseCommand):
    help = "Re-encrypt all encrypted personal data with the current (first) key of YIWANG_PII_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count values still under older keys.")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--reindex", action="store_true",
                            help="Also recompute blind indexes after YIWANG_PII_INDEX_KEY was rotated.")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = pii_rekey(batch_size=max(1, options["batch_size"]), dry_run=options["dry_run"])
        verb = "would re-encrypt" if options["dry_run"] else "re-encrypted"
        self.stdout.write(f"current key: {crypto.current_key_id()}")
        for label, count in counts.items():
            if label not in {"total", "checked"}:
                self.stdout.write(f"  {label}: {count}")
        self.stdout.write(self.style.SUCCESS(
            f"{verb} {counts['total']} of {counts['checked']} encrypted values"))
        if options["reindex"] and not options["dry_run"]:
            reindexed = pii_reindex(batch_size=max(1, options["batch_size"]))
            self.stdout.write(self.style.SUCCESS(f"recomputed blind indexes for {reindexed} accounts"))
