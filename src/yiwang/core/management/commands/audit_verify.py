"""``manage.py audit_verify``: check the SM3 audit chains and the SM2-signed anchors.

Exit code 0 with a summary when the trail is intact; otherwise exit code 1 and a report that
names the first broken event (id, partition, seq, reason).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.core.verify import audit_verify


class Command(BaseCommand):
    help = "校验审计日志的 SM3 哈希链与 SM2 签名锚点（Verify the tamper-evident audit trail）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--signatures", choices=["all", "latest"], default="all",
            help="check every anchor's SM2 signature (default) or only the newest one; anchors are "
                 "hash-chained, so the newest signature vouches for the earlier anchors",
        )
        parser.add_argument("--max-problems", type=int, default=20, help="how many problems to list")

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify(signatures=options["signatures"], max_problems=max(1, options["max_problems"]))
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"审计链完整 (audit trail intact): {result.summary()}"))
            return
        for problem in result.problems[1:]:
            self.stderr.write(f"  {problem}")
        if result.problem_count > len(result.problems):
            self.stderr.write(f"  … and {result.problem_count - len(result.problems)} more")
        raise CommandError(
            f"审计链已被篡改 (audit trail BROKEN): {result.problem_count} problem(s); "
            f"first broken: {result.first}. Checked {result.summary()}.",
            returncode=1,
        )
