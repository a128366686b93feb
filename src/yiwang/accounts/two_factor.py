"""The second factor (二次验证), deny by default: who still owes it, and what they may reach meanwhile.

A staff account (``User.needs_two_factor``) that has signed in with its password but not yet
passed TOTP or a backup code is *half signed in*. While ``settings.STAFF_REQUIRE_2FA`` holds, such
a session reaches only the pages named in :data:`TWO_FACTOR_URL_NAMES`; everywhere else
:class:`yiwang.accounts.middleware.StaffTwoFactorMiddleware` makes it an anonymous visitor, so that
every page and API operation answers exactly as it would to someone not signed in. Decorators
(``console.views.staff_required``) and the API's ``SessionAuth`` check :func:`two_factor_pending`
again, as a second line.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

#: The only URL names a half-signed-in session reaches as itself (resolved names, never prefixes).
TWO_FACTOR_URL_NAMES = frozenset({
    "accounts:login",             # sends the session on to the two-factor page
    "accounts:two_factor",
    "accounts:two_factor_setup",  # first sign-in: enrol an authenticator
    "accounts:logout",
})


def two_factor_pending(user: Any) -> bool:
    """True for a signed-in staff user who has not passed the second factor yet (and it is required)."""
    if not settings.STAFF_REQUIRE_2FA or user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "needs_two_factor", False):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (callable(is_verified) and is_verified())
