from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

PROTECTED_PREFIXES = ("/console/", "/admin/", "/inbox/")


class StaffTwoFactorMiddleware:
    """Staff must pass TOTP (or a backup code) before they reach the console or the admin."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.STAFF_REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and getattr(user, "needs_two_factor", False)
            and not user.is_verified()
            and request.path.startswith(PROTECTED_PREFIXES)
        ):
            from django.urls import reverse
            from django.utils.http import urlencode

            return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
