"""The platform API at ``/api/v1`` (django-ninja, OpenAPI at ``/api/v1/openapi.json``).

Every error has one shape: ``{"code": ..., "message": ..., "details": ...}``.

Deny by default: an operation that names no ``auth`` needs an API key or a signed-in session (staff
past two-factor); a public operation says ``auth=None``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from yiwang.accounts.api import router as accounts_router
from yiwang.api.auth import ApiKeyAuth, SessionAuth
from yiwang.api.schemas import document_error_responses
from yiwang.api.system import router as system_router
from yiwang.calendar.api import router as calendar_router
from yiwang.cases.api import router as cases_router
from yiwang.catalog.api import router as catalog_router
from yiwang.core.api import router as core_router
from yiwang.core.errors import DomainError
from yiwang.evaluation.api import router as evaluation_router
from yiwang.hotline.api import router as hotline_router
from yiwang.hotline.stats import stats_router as hotline_stats_router
from yiwang.licences.api import router as licences_router
from yiwang.notify.api import router as notify_router
from yiwang.org.api import router as org_router
from yiwang.performance.api import router as performance_router
from yiwang.supervision.api import router as supervision_router
from yiwang.workflow.api import router as workflow_router


class PlatformAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document declares the shared error answers (``document_error_responses``)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
                           ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_error_responses(schema)


api = PlatformAPI(
    title="Yiwang 一网 API",
    version="1",
    description="一网通办平台接口。浏览器使用会话认证；系统对接使用带权限范围的 API 密钥（X-API-Key 头）。",
    urls_namespace="api",
    docs_url="/docs",
    auth=[ApiKeyAuth(), SessionAuth()],
)


def _error(request: HttpRequest, status: int, code: str, message: str, details=None) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "details": details if details is not None else {}}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status, str(exc.code), exc.message, exc.details)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [
        {"loc": [str(p) for p in err.get("loc", [])], "msg": str(err.get("msg", "")), "type": err.get("type", "")}
        for err in exc.errors
    ]
    return _error(request, 400, "invalid", _("请求参数不正确"), {"errors": details})


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    details = exc.message_dict if hasattr(exc, "error_dict") else {"errors": exc.messages}
    return _error(request, 400, "invalid", _("请求参数不正确"), details)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if getattr(request, "two_factor_pending", False):  # the session is anonymous until TOTP is passed
        return _error(request, 401, "unauthenticated", _("工作人员需先完成双因素认证"),
                      {"reason": "two_factor_required"})
    return _error(request, 401, "unauthenticated", _("需要登录或有效的 API 密钥"))


@api.exception_handler(DjangoPermissionDenied)
def on_permission_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    return _error(request, 403, "forbidden", str(exc) or _("无权执行此操作"))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("资源不存在"))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {400: "invalid", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
             409: "conflict", 413: "too_large", 429: "rate_limited"}
    return _error(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))


api.add_router("/calendar/", calendar_router, tags=["calendar 工作日历"])
api.add_router("/org/", org_router, tags=["org 组织机构"])
api.add_router("/accounts/", accounts_router, tags=["accounts 账户"])
api.add_router("/notify/", notify_router, tags=["notify 通知"])
api.add_router("/audit/", core_router, tags=["audit 审计"])
api.add_router("/catalog/", catalog_router, tags=["catalog 事项目录"])
api.add_router("/workflow/", workflow_router, tags=["workflow 流程"])
api.add_router("/cases/", cases_router, tags=["cases 办件"])
api.add_router("/licences/", licences_router, tags=["licences 电子证照"])
api.add_router("/hotline/stats/", hotline_stats_router, tags=["hotline 12345 热线"])
api.add_router("/hotline/", hotline_router, tags=["hotline 12345 热线"])
api.add_router("/supervision/", supervision_router, tags=["supervision 电子监察"])
api.add_router("/ratings/", evaluation_router, tags=["ratings 好差评"])
api.add_router("/performance/", performance_router, tags=["performance 绩效与大屏"])
api.add_router("/system/", system_router, tags=["system 系统"])


def _summaries_from_docstrings() -> None:
    """The docs are Chinese: an operation declared without ``summary=`` takes the first line of its
    docstring as its summary (ninja would otherwise use the function name, e.g. "Manage Items")."""
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                default = operation.view_func.__name__.title().replace("_", " ")
                doc = (operation.view_func.__doc__ or "").strip()
                if operation.summary == default and doc:
                    operation.summary = doc.splitlines()[0].strip().rstrip("。.")


_summaries_from_docstrings()
