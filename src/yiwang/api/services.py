"""API key actions: create (the clear key is shown once), revoke, authenticate."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.api.models import ApiKey
from yiwang.api.scopes import unknown_scopes
from yiwang.core.audit import audit_record
from yiwang.core.crypto import constant_time_equal, sm3_hex
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

KEY_PREFIX = "yw"
TOUCH_INTERVAL = timedelta(minutes=1)


def hash_key(raw_key: str) -> str:
    return sm3_hex(raw_key.encode("utf-8"))


def split_key(raw_key: str) -> tuple[str, str] | None:
    """``yw_<prefix>_<secret>`` → ``(prefix, secret)``, or None if it is not shaped like a key."""
    parts = (raw_key or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 8 or len(parts[2]) < 20:
        return None
    return parts[1], parts[2]


def _check_manager(actor: Any, position: Any) -> None:
    """Staff need ``apikey.manage``; ``actor=None`` is the operator's shell (management command)."""
    if actor is None:
        return
    from yiwang.org.roles import Perm
    from yiwang.org.scope import has_perm

    if not has_perm(position, Perm.APIKEY_MANAGE):
        raise PermissionDenied(_("当前岗位无权管理接口密钥"))


def api_key_create(
    *,
    name: str,
    scopes: list[str],
    expires_days: int | None = None,
    actor: Any = None,
    position: Any = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its clear text, which is never stored and never shown again."""
    _check_manager(actor, position)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput(_("密钥名称不能为空且不超过100字"))
    scopes = sorted({s.strip() for s in scopes if s and s.strip()})
    if not scopes:
        raise InvalidInput(_("至少需要一个权限范围"))
    unknown = unknown_scopes(scopes)
    if unknown:
        raise InvalidInput(_("未知的权限范围"), details={"unknown": unknown})
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise InvalidInput(_("有效天数应在 1 到 3650 之间"))
    expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
    with transaction.atomic():
        for _attempt in range(5):
            prefix = secrets.token_hex(4)
            if not ApiKey.objects.filter(prefix=prefix).exists():
                break
        else:  # pragma: no cover - 2**32 prefixes
            raise Conflict(_("无法生成唯一的密钥前缀，请重试"))
        raw_key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        key = ApiKey.objects.create(
            name=name,
            prefix=prefix,
            key_hash=hash_key(raw_key),
            scopes=scopes,
            created_by=actor if getattr(actor, "pk", None) else None,
            expires_at=expires_at,
        )
        audit_record(
            action="apikey.create",
            actor=actor,
            position=position,
            obj=key,
            after={"name": name, "prefix": prefix, "scopes": scopes, "expires_at": expires_at},
        )
    return key, raw_key


def api_key_revoke(*, prefix: str, actor: Any = None, position: Any = None) -> ApiKey:
    _check_manager(actor, position)
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(prefix=(prefix or "").strip()).first()
        if key is None:
            raise NotFound(_("接口密钥不存在"), details={"prefix": prefix})
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            audit_record(
                action="apikey.revoke", actor=actor, position=position, obj=key,
                before={"revoked_at": None}, after={"revoked_at": key.revoked_at},
            )
    return key


class KeyRejectedError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def api_key_authenticate(raw_key: str) -> ApiKey:
    """The usable key matching ``raw_key``; raises :class:`KeyRejectedError` (invalid/revoked/expired).

    The hash comparison is constant-time; ``last_used_at`` is written at most once a minute.
    """
    parts = split_key(raw_key)
    if parts is None:
        raise KeyRejectedError("invalid")
    key = ApiKey.objects.filter(prefix=parts[0]).first()
    # Hash even when the prefix is unknown so timing does not tell prefixes apart.
    digest = hash_key(raw_key.strip())
    if key is None or not constant_time_equal(digest, key.key_hash):
        raise KeyRejectedError("invalid")
    if key.is_revoked:
        raise KeyRejectedError("revoked")
    if key.is_expired:
        raise KeyRejectedError("expired")
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_INTERVAL:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
