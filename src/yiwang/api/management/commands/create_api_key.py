"""``manage.py create_api_key --name NAME --scopes a,b [--expires-days N]``: prints the key once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.api.scopes import SCOPES
from yiwang.api.services import api_key_create
from yiwang.core.errors import DomainError


class Command(BaseCommand):
    help = "创建接口密钥（密钥只显示这一次）。Scopes: " + ", ".join(SCOPES)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="密钥名称，例如对接系统的名字")
        parser.add_argument("--scopes", required=True, help="逗号分隔的权限范围: " + ",".join(SCOPES))
        parser.add_argument("--expires-days", type=int, default=None, help="有效天数（默认不过期）")

    def handle(self, *args: Any, **options: Any) -> None:
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            key, raw = api_key_create(name=options["name"], scopes=scopes, expires_days=options["expires_days"])
        except DomainError as exc:
            details = f" {exc.details}" if exc.details else ""
            raise CommandError(f"{exc.message}{details}") from exc
        self.stdout.write(raw)
        expiry = key.expires_at.isoformat() if key.expires_at else "never"
        self.stderr.write(
            f"Created API key {key.name!r} (prefix {key.prefix}, scopes {','.join(key.scopes)}, expires {expiry}).\n"
            "The key above is shown only once: store it now. Send it as the X-API-Key header."
        )
