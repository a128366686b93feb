"""Sign-in lockout (登录锁定): django-axes with one limit per account and a wider one per address.

``AXES_LOCKOUT_PARAMETERS`` counts failures twice: per user name from any address (someone
guessing one account's password from many machines) and per client address against any
account (password spraying: one common password tried on many accounts). An office behind
one NAT address shares the second counter, so it gets the wider limit
``AXES_IP_FAILURE_LIMIT``; the per-account counter keeps ``AXES_FAILURE_LIMIT``.

axes compares one number with one limit, so :class:`LockoutHandler` scales the per-address
count onto the per-account limit before taking the larger of the two. A successful sign-in
clears the failures against that account only: clearing the address's failures would let a
sprayer reset its counter by signing in to an account of its own now and then.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _is_address_only(parameter: Any) -> bool:
    names = [parameter] if isinstance(parameter, str) else list(parameter)
    return names == ["ip_address"]


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler, with the per-address counter measured against its own limit."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        attempts_list = self.get_user_attempts(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        account_limit = int(settings.AXES_FAILURE_LIMIT)
        address_limit = max(int(getattr(settings, "AXES_IP_FAILURE_LIMIT", account_limit)), 1)
        worst = 0
        for parameter, attempts in zip(parameters, attempts_list, strict=False):
            count = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if _is_address_only(parameter):
                count = count * account_limit // address_limit
            worst = max(worst, count)
        return worst

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _deleted = AccessAttempt.objects.filter(username=username).delete()
        return count
