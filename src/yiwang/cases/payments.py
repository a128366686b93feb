"""Pluggable payment backends (支付渠道).

A backend records how a fee was paid. The default ``offline`` backend records a payment taken at
the window (cash, card or a non-tax payment slip) and entered by a clerk with ``PAYMENT_RECORD``;
an online backend (e.g. a 非税收入 gateway) registers itself with :func:`register` and may verify
the receipt with the gateway in :meth:`record`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from django.utils.translation import gettext as _

from yiwang.core.errors import InvalidInput

DEFAULT_BACKEND = "offline"


class PaymentBackend(Protocol):
    code: str
    label: str
    requires_receipt: bool

    def record(self, *, case: Any, amount: Decimal, receipt_no: str, actor: Any, position: Any) -> dict[str, Any]:
        """Check/confirm the payment; return extra data for the audit trail (raise DomainError to refuse)."""
        ...


class OfflineBackend:
    code = "offline"
    label = "窗口收费（线下）"
    requires_receipt = True

    def record(self, *, case: Any, amount: Decimal, receipt_no: str, actor: Any, position: Any) -> dict[str, Any]:
        return {"channel": "window"}


_REGISTRY: dict[str, PaymentBackend] = {}


def register(backend: PaymentBackend) -> PaymentBackend:
    _REGISTRY[backend.code] = backend
    return backend


def get_backend(code: str) -> PaymentBackend:
    try:
        return _REGISTRY[code]
    except KeyError as exc:
        raise InvalidInput(_("未知的支付方式"), details={"backend": code}) from exc


def backends() -> list[PaymentBackend]:
    return list(_REGISTRY.values())


register(OfflineBackend())
