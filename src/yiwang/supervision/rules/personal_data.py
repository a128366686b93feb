"""Personal-data rules (个人信息保护法 Art. 51: access control and audit).

* ``UnmaskVolume``: a position that unmasked more people within one hour than the threshold.
"""

# SQL here is assembled only from constants and model table names; values are always bound parameters.
# ruff: noqa: S608
from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count
from django.utils.translation import gettext as _

from yiwang.cases.models import Case
from yiwang.org.models import Position
from yiwang.supervision.models import AlertLevel
from yiwang.supervision.rules.base import BaseRule, Finding, RuleConfig, ct_id


class UnmaskVolume(BaseRule):
    """查看完整个人信息 at an unusual volume (个人信息保护法 Art. 51: access control and audit): a position
    that unmasked more people within one hour than ``per_hour`` (the rule's param, else the setting
    ``PERSON_UNMASK_ALERT_PER_HOUR``) during the last day. Raised at once by ``accounts.unmasking.person_unmask``
    when a position crosses the threshold; the periodic sweep keeps it for a day."""

    code = "unmask_volume"
    name = "查看个人信息次数异常"
    kind = "risk"
    levels = (AlertLevel.YELLOW,)
    python = True
    ACTION = "person.unmask"

    def findings(self, cfg: RuleConfig, today: date, case_id: int | None) -> list[Finding]:
        if case_id is not None:
            return []  # not about a case
        from django.conf import settings
        from django.utils import timezone

        from yiwang.core.models import AuditEvent

        per_hour = int(cfg.param("per_hour", getattr(settings, "PERSON_UNMASK_ALERT_PER_HOUR", 10)))
        since = timezone.now() - timedelta(days=1)
        events = AuditEvent.objects.filter(action=self.ACTION, occurred_at__gte=since, position_id__isnull=False)
        busy = [pk for pk in events.values("position_id").annotate(n=Count("id")).filter(n__gt=per_hour)
                .values_list("position_id", flat=True) if pk is not None]
        out: list[Finding] = []
        for position in Position.objects.filter(pk__in=busy).order_by("pk"):
            times = sorted(events.filter(position_id=position.pk).values_list("occurred_at", flat=True))
            peak = max(sum(1 for later in times[i:] if later - start < timedelta(hours=1))
                       for i, start in enumerate(times))
            if peak > per_hour:
                out.append(Finding(self.code, AlertLevel.YELLOW, ct_id(Position), position.pk, None, None,
                                   position.department_id, position.division_id, position.user_id,
                                   _("该岗位一小时内查看完整个人信息 %(n)s 次，超过 %(limit)s 次") % {
                                       "n": peak, "limit": per_hour}))
        return out

    def evaluate(self, case: Case | int, cfg: RuleConfig, today: date) -> list[Finding]:
        return []
