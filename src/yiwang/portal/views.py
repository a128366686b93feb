"""The public site (门户): home page, accessibility toggles, health check and error pages."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

LARGE_FONT_COOKIE = "yw_large_font"


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@require_POST
def toggle_large_font(request: HttpRequest) -> HttpResponse:
    """大字模式 for older people: a cookie, so it works before login too."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.COOKIES.get(LARGE_FONT_COOKIE) == "1":
        response.delete_cookie(LARGE_FONT_COOKIE)
    else:
        response.set_cookie(LARGE_FONT_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax")
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        codes = {400: "invalid", 403: "forbidden", 404: "not_found", 500: "server_error"}
        return JsonResponse({"code": codes[status], "message": message, "details": {}}, status=status)
    return render(request, "portal/error.html", {"title": title, "message": message}, status=status)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400, _("请求有误"), _("请求内容不正确，请检查后重试。"))


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403, _("无权访问"), _("您当前的岗位无权访问该页面。"))


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, _("页面不存在"), _("您访问的页面不存在或已被移除。"))


def error_500(request: HttpRequest) -> HttpResponse:
    return _error_page(request, 500, _("系统繁忙"), _("系统暂时无法处理您的请求，请稍后再试。您提交的内容不会丢失。"))
