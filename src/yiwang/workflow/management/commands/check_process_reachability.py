"""List the steps of published processes that no active position can take; exit 1 when there are any."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from yiwang.workflow.assignment import catalogue_unreachable


class Command(BaseCommand):
    help = "Check that every step of every published process can be taken by some active position."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="print the findings as JSON")

    def handle(self, *args, **options) -> None:
        found = catalogue_unreachable()
        if options.get("json"):
            self.stdout.write(json.dumps([f.as_dict() for f in found], ensure_ascii=False, indent=2))
        else:
            for step in found:
                self.stdout.write(str(step))
        if found:
            raise CommandError(f"{len(found)} unreachable step(s)")
        self.stdout.write(self.style.SUCCESS("Every step of every published process has a position that can take it."))
