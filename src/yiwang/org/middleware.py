from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

SESSION_KEY = "yiwang_position_id"


class CurrentPositionMiddleware:
    """Puts the acting position (chosen with the console's switcher) on ``request.position``.

    None until staff have passed two-factor (and after ``StaffTwoFactorMiddleware``, which makes a
    half-signed-in session anonymous)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from yiwang.accounts.two_factor import two_factor_pending
        from yiwang.org.selectors import position_list_for_user

        request.position = None  # type: ignore[attr-defined]
        request.positions = []  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not two_factor_pending(user):
            positions = list(position_list_for_user(user=user))
            request.positions = positions  # type: ignore[attr-defined]
            wanted = request.session.get(SESSION_KEY)
            chosen = next((p for p in positions if p.pk == wanted), None)
            if chosen is None and positions:
                chosen = positions[0]
            request.position = chosen  # type: ignore[attr-defined]
        return self.get_response(request)
