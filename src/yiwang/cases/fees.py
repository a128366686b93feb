"""Fees (一费制): the quote from the item's standard and the payment record."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiwang.cases import payments
from yiwang.cases.deadlines import now_or
from yiwang.cases.models import Case, CaseStatus, Payment
from yiwang.cases.scope import acceptance_q
from yiwang.cases.timeline import event_add
from yiwang.catalog.models import ServiceItemVersion
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.org.models import Position
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm

CENT = Decimal("0.01")
UNPAYABLE = (CaseStatus.DRAFT, CaseStatus.REJECTED, CaseStatus.NOT_LICENSING, CaseStatus.WITHDRAWN)


def fee_quote(version: ServiceItemVersion) -> Decimal:
    """The fee of one application under ``version``: the sum of its fee items; free when not charged."""
    if not version.is_charged:
        return Decimal("0.00")
    total = sum((fee.amount for fee in version.fee_items.all()), Decimal("0"))
    return Decimal(total).quantize(CENT)


def fee_lines(version: ServiceItemVersion) -> list[dict[str, Any]]:
    if not version.is_charged:
        return []
    return [{"name": f.name, "amount": f.amount, "unit": f.unit, "basis": f.basis} for f in version.fee_items.all()]


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(_("金额格式不正确"), details={"fields": {"amount": _("请输入金额")}}) from exc
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise InvalidInput(_("金额应为大于零、最多两位小数的数字"), details={"fields": {"amount": _("金额不正确")}})
    return amount


def payment_key(actor: Any, key: str) -> str | None:
    key = (key or "").strip()
    if not key:
        return None
    if len(key) > 200:
        raise InvalidInput(_("幂等键过长"), details={"fields": {"idempotency_key": "max 200"}})
    return hashlib.sha256(f"payment:{getattr(actor, 'pk', '')}:{key}".encode()).hexdigest()


def payment_record(
    *, case: Case, amount: Decimal | str, receipt_no: str, actor: Any, position: Position | None,
    idempotency_key: str = "", backend: str = payments.DEFAULT_BACKEND, now: datetime | None = None,
) -> Payment:
    """Record a fee payment through ``backend`` (default ``offline``: entered at the window by a clerk
    with ``PAYMENT_RECORD``). A retried call with the same idempotency key returns the same payment.
    Charging more than the item's standard (一费制) or charging a free item is refused."""
    if not has_perm(position, Perm.PAYMENT_RECORD):
        raise PermissionDenied(_("当前岗位无权登记收费"), details={"permission": Perm.PAYMENT_RECORD})
    assert position is not None
    key = payment_key(actor, idempotency_key)
    if key:
        existing = Payment.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.case_id != case.pk:
                raise Conflict(_("该幂等键已用于其他办件"))
            return existing
    plugin = payments.get_backend(backend)
    value = _amount(amount)
    receipt_no = (receipt_no or "").strip()
    if plugin.requires_receipt and not receipt_no:
        raise InvalidInput(_("请填写票据号"), details={"fields": {"receipt_no": _("此项必填")}})
    if len(receipt_no) > 64:
        raise InvalidInput(_("票据号过长"), details={"fields": {"receipt_no": "max 64"}})
    moment = now_or(now)
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update().filter(pk=case.pk).filter(acceptance_q(position)).first()
            if locked is None:
                raise NotFound(_("办件不存在或不在本岗位办理范围内"))
            if locked.status in UNPAYABLE:
                raise Conflict(_("该办件当前状态不能收费"), details={"status": locked.status})
            outstanding = locked.fee_due - locked.fee_paid
            if locked.fee_due <= 0:
                raise InvalidInput(_("该事项不收费（无收费依据不得收费）"), code="fee_not_charged")
            if value > outstanding:
                raise InvalidInput(_("收费金额超过应收金额（一费制）"), code="fee_over_standard",
                                   details={"due": str(locked.fee_due), "paid": str(locked.fee_paid),
                                            "outstanding": str(outstanding)})
            extra = plugin.record(case=locked, amount=value, receipt_no=receipt_no, actor=actor, position=position)
            payment = Payment.objects.create(case=locked, amount=value, backend=plugin.code, receipt_no=receipt_no,
                                             recorded_by=actor if getattr(actor, "pk", None) else None,
                                             recorded_at=moment, idempotency_key=key)
            before = locked.fee_paid
            locked.fee_paid = before + value
            locked.save(update_fields=["fee_paid", "updated_at"])
            event_add(locked, "payment", _("已缴费 %(amount)s 元") % {"amount": value}, actor=actor, at=moment)
            audit_record(action="case.payment.record", actor=actor, position=position, obj=locked,
                         before={"fee_paid": before},
                         after={"fee_paid": locked.fee_paid, "fee_due": locked.fee_due, "payment": payment.pk,
                                "amount": value, "backend": plugin.code, "receipt_no": receipt_no, **extra})
    except IntegrityError as exc:
        if key:
            existing = Payment.objects.filter(idempotency_key=key).first()
            if existing is not None:
                return existing
        raise Conflict(_("该票据号已登记过"), details={"receipt_no": receipt_no}) from exc
    case.fee_paid = locked.fee_paid
    return payment
