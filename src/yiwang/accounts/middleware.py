from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve, reverse

from yiwang.accounts.two_factor import TWO_FACTOR_URL_NAMES, two_factor_pending


class StaffTwoFactorMiddleware:
    """Until staff pass TOTP (or a backup code), their session is anonymous everywhere but the 2FA pages.

    Deny by default, whatever the URL: on any path whose resolved name is not in
    ``TWO_FACTOR_URL_NAMES`` a half-signed-in session gets ``request.user = AnonymousUser()``, so
    pages, exports and API operations answer as they do to a visitor, and the position middleware
    (which must come after this one) gives it no position. A redirect to a sign-in page becomes
    a redirect to the two-factor page; ``request.two_factor_pending`` lets public pages show a link.
    Must come after ``django_otp.middleware.OTPMiddleware``, which sets ``user.is_verified``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        pending = two_factor_pending(getattr(request, "user", None))
        request.two_factor_pending = pending  # type: ignore[attr-defined]
        if pending and not _allowed(request):
            request.user = _anonymous()
        response = self.get_response(request)
        if pending:
            _send_sign_in_to_two_factor(response)
        return response


def _allowed(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in TWO_FACTOR_URL_NAMES


def _anonymous() -> AnonymousUser:
    user = AnonymousUser()
    user.otp_device = None  # type: ignore[attr-defined]  # as django_otp leaves a visitor
    user.is_verified = lambda: False  # type: ignore[attr-defined]
    return user


def _send_sign_in_to_two_factor(response: HttpResponse) -> None:
    """``/accounts/login/?next=…`` (or the admin's login) → ``/accounts/2fa/?next=…``."""
    location = response.headers.get("Location")
    if not location or not 300 <= response.status_code < 400:
        return
    parts = urlsplit(location)
    sign_in = {reverse(settings.LOGIN_URL), reverse("admin:login")}
    if parts.path in sign_in and not parts.netloc:
        response.headers["Location"] = urlunsplit(("", "", reverse("accounts:two_factor"), parts.query, ""))
