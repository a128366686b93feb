"""``manage.py revoke_api_key --prefix PREFIX``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.api.services import api_key_revoke
from yiwang.core.errors import DomainError


class Command(BaseCommand):
    help = "吊销接口密钥（按8位前缀）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--prefix", required=True, help="密钥前缀，即 yw_<prefix>_… 中的8个字符")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = api_key_revoke(prefix=options["prefix"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Revoked API key {key.name!r} (prefix {key.prefix}) at {key.revoked_at:%Y-%m-%d %H:%M:%S%z}.")
