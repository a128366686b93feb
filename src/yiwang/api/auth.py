"""Authentication for the API: API keys (``X-API-Key``) for systems, the Django session for browsers.

Protect an endpoint with both, key first::

    from yiwang.api.auth import ApiKeyAuth, SessionAuth, require_access

    @router.get("/divisions", auth=[ApiKeyAuth(), SessionAuth()])
    def divisions(request):
        require_access(request, scope="org:read", perm=Perm.ORG_VIEW)
        ...

* A key that is present but wrong, revoked or expired is refused with 401 at once (no fallback).
* A session is accepted only once staff have passed two-factor, and unsafe methods need CSRF.
* ``require_scope`` checks an API key's scopes (403 ``forbidden``); session callers pass it and are
  checked against their position's permissions by ``require_access`` or by the service itself.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja.security import APIKeyHeader
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf

from yiwang.accounts.two_factor import two_factor_pending
from yiwang.api.models import ApiKey
from yiwang.api.scopes import SCOPES
from yiwang.api.services import KeyRejectedError, api_key_authenticate
from yiwang.core.errors import DomainError, ErrorCode, PermissionDenied

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class UnauthenticatedError(DomainError):
    status = 401
    code = ErrorCode.UNAUTHENTICATED


_KEY_MESSAGES = {
    "invalid": gettext_noop("API 密钥无效"),
    "revoked": gettext_noop("API 密钥已被吊销"),
    "expired": gettext_noop("API 密钥已过期"),
}


class ApiKeyAuth(APIKeyHeader):
    """``X-API-Key: yw_<prefix>_<secret>``. Sets ``request.api_key``; ``request.auth`` is the key."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        if not key:
            return None
        try:
            api_key = api_key_authenticate(key)
        except KeyRejectedError as exc:
            raise UnauthenticatedError(_(_KEY_MESSAGES[exc.reason]), details={"reason": exc.reason}) from exc
        request.api_key = api_key  # type: ignore[attr-defined]
        return api_key


class SessionAuth(NinjaSessionAuth):
    """The Django session; staff must have passed two-factor; CSRF is checked on unsafe methods."""

    def __init__(self, csrf: bool = True) -> None:
        super().__init__(csrf=csrf)

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if (
            self.csrf
            and request.method not in SAFE_METHODS
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise DomainError(
                _("CSRF 校验失败，请刷新页面后重试"), code=ErrorCode.FORBIDDEN, status=403, details={"reason": "csrf"}
            )
        if two_factor_pending(user):
            raise UnauthenticatedError(_("工作人员需先完成双因素认证"), details={"reason": "two_factor_required"})
        request.api_key = None  # type: ignore[attr-defined]
        return user


def api_key_of(request: HttpRequest) -> ApiKey | None:
    return getattr(request, "api_key", None)


def require_scope(request: HttpRequest, scope: str) -> None:
    """403 unless the calling API key has ``scope``. Session callers pass (positions govern them)."""
    if scope not in SCOPES:
        raise ValueError(f"undeclared API scope {scope!r}: add it to yiwang.api.scopes.SCOPES")
    key = api_key_of(request)
    if key is not None and not key.has_scope(scope):
        raise PermissionDenied(
            _("API 密钥缺少所需的权限范围"), details={"required_scope": scope, "granted_scopes": list(key.scopes)}
        )


def require_access(request: HttpRequest, *, scope: str, perm: str | None = None) -> None:
    """Keys need ``scope``; session users need ``perm`` on their acting position (if given)."""
    require_scope(request, scope)
    if api_key_of(request) is None and perm is not None:
        from yiwang.org.scope import has_perm

        if not has_perm(getattr(request, "position", None), perm):
            raise PermissionDenied(_("当前岗位无权执行此操作"), details={"required_permission": perm})
