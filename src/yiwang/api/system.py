"""``/api/v1/system/``: who is calling (a session user and position, or an API key and its scopes)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from yiwang.api.auth import ApiKeyAuth, SessionAuth, api_key_of

router = Router(auth=[ApiKeyAuth(), SessionAuth()])


class UserOut(Schema):
    username: str
    display_name: str
    kind: str
    two_factor_verified: bool


class PositionOut(Schema):
    id: int
    role: str
    label: str


class KeyOut(Schema):
    name: str
    prefix: str
    scopes: list[str]
    expires_at: datetime | None


class WhoAmIOut(Schema):
    auth: str
    user: UserOut | None = None
    position: PositionOut | None = None
    api_key: KeyOut | None = None


@router.get("/whoami", response=WhoAmIOut, summary="当前调用者")
def whoami(request: HttpRequest) -> dict:
    key = api_key_of(request)
    if key is not None:
        return {
            "auth": "api_key",
            "api_key": {"name": key.name, "prefix": key.prefix, "scopes": list(key.scopes),
                        "expires_at": key.expires_at},
        }
    user = request.user
    position = getattr(request, "position", None)
    return {
        "auth": "session",
        "user": {
            "username": user.get_username(),
            "display_name": getattr(user, "display_name", user.get_username()),
            "kind": getattr(user, "kind", ""),
            "two_factor_verified": bool(getattr(user, "is_verified", lambda: False)()),
        },
        "position": {"id": position.pk, "role": position.role, "label": str(position)} if position else None,
    }
