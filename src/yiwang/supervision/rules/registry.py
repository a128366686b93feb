"""The registry of rules: ``RULES`` (code → rule), ``load_configs`` (the active rules with their
configuration and overrides), ``alert_model``.
"""

from __future__ import annotations

from yiwang.supervision.models import Alert, Rule
from yiwang.supervision.rules.base import BaseRule, RuleConfig
from yiwang.supervision.rules.per_object import LicenceLate, StepOutOfOrder
from yiwang.supervision.rules.personal_data import UnmaskVolume
from yiwang.supervision.rules.procedure import (
    DeemedAcceptance,
    ExtensionOverMax,
    FeeMismatch,
    RefusalWithoutReasons,
    RiskUnconfirmed,
    StepUnauthorised,
    SupplementRepeat,
    SuspensionWithoutNotice,
)
from yiwang.supervision.rules.time_limits import (
    CaseTimeLimit,
    DeferralTimeLimit,
    StepTimeLimit,
    TicketTimeLimit,
)

RULES: dict[str, BaseRule] = {r.code: r for r in (
    CaseTimeLimit(), StepTimeLimit(), DeferralTimeLimit(), RefusalWithoutReasons(), DeemedAcceptance(), SupplementRepeat(),
    StepUnauthorised(), StepOutOfOrder(), LicenceLate(), SuspensionWithoutNotice(), ExtensionOverMax(),
    FeeMismatch(), RiskUnconfirmed(), TicketTimeLimit(), UnmaskVolume(),
)}



def load_configs(*, active_only: bool = True) -> list[tuple[BaseRule, RuleConfig]]:
    rules = Rule.objects.filter(code__in=list(RULES)).prefetch_related("overrides")
    if active_only:
        rules = rules.filter(is_active=True)
    return [(RULES[r.code], RuleConfig(r, list(r.overrides.all()))) for r in rules]



def alert_model() -> type[Alert]:
    return Alert
