"""Rules that need the working-day calendar or the workflow engine per object: Python over a
set-based pre-filtered candidate query (``python = True``).

* ``LicenceLate``: the licence issued more than 10 working days after the 准予 decision;
* ``StepOutOfOrder``: a step skipped or handled out of the process order.
"""

# SQL here is assembled only from constants and model table names; values are always bound parameters.
# ruff: noqa: S608
from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db.models import F
from django.utils.translation import gettext as _

from yiwang.calendar import engine as cal
from yiwang.cases.models import Case, CaseStep, StepStatus
from yiwang.supervision.models import AlertLevel
from yiwang.supervision.rules.base import BaseRule, Finding, RuleConfig, ct_id

logger = logging.getLogger(__name__)



class LicenceLate(BaseRule):
    code = "licence_late"
    name = "作出准予决定后超过10个工作日发证"
    kind = "procedure"
    python = True

    def findings(self, cfg: RuleConfig, today: date, case_id: int | None) -> list[Finding]:
        from django.utils import timezone

        from yiwang.licences.models import Licence

        days = int(cfg.param("max_workdays", 10))
        # Set-based pre-filter: 10 working days span at least 10 calendar days.
        qs = (Licence.objects.filter(case__decided_at__isnull=False,
                                     issued_at__gt=F("case__decided_at") + timedelta(days=days))
              .select_related("case"))
        if case_id is not None:
            qs = qs.filter(case_id=case_id)
        out: list[Finding] = []
        licence_ct = ct_id(Licence)
        for licence in qs.iterator(chunk_size=500):
            case = licence.case
            assert case is not None and case.decided_at is not None
            decided = timezone.localdate(case.decided_at)
            if timezone.localdate(licence.issued_at) > cal.add_workdays(decided, days):
                out.append(Finding(self.code, AlertLevel.RED, licence_ct, licence.pk, case.pk, case.item_id,
                                   case.department_id, case.division_id, licence.issued_by_id,
                                   _("作出准予许可决定后超过10个工作日才颁发证照")))
        return out



class StepOutOfOrder(BaseRule):
    code = "step_out_of_order"
    name = "跳过环节或未按流程顺序办理"
    kind = "procedure"
    python = True

    def findings(self, cfg: RuleConfig, today: date, case_id: int | None) -> list[Finding]:
        from django.utils import timezone

        from yiwang.workflow import engine

        if case_id is not None:
            case_ids = [case_id]
        else:  # set-based candidates: cases with a step completed in the window
            since = timezone.now() - timedelta(days=int(cfg.param("window_days", 2)))
            case_ids = list(CaseStep.objects.filter(status=StepStatus.COMPLETED, completed_at__gte=since)
                            .values_list("case_id", flat=True).distinct())
        out: list[Finding] = []
        for case in (Case.objects.filter(pk__in=case_ids, workflow_state__isnull=False)
                     .select_related("version__process")):
            definition = case.version.process
            if definition is None or case.workflow_state is None:
                continue
            steps = list(CaseStep.objects.filter(case=case, parent__isnull=True).exclude(task_id="")
                         .order_by("completed_at", "sequence"))
            if any(s.status == StepStatus.RETURNED for s in steps):
                continue  # a return (退回) legitimately re-runs earlier steps
            try:
                done = engine.completed_steps(definition, case.workflow_state)
            except Exception:  # noqa: BLE001 - a broken state is itself reported elsewhere
                logger.warning("supervision: cannot read workflow state of case %s", case.pk)
                continue
            engine_order = [row["spec_name"] for row in done]
            step_order = [s.spec_name for s in steps if s.status == StepStatus.COMPLETED]
            if engine_order == step_order:
                continue
            missing = [name for name in engine_order if name not in step_order]
            message = (_("流程环节被跳过：{names}").format(names="、".join(missing)) if missing
                       else _("环节未按流程顺序办理"))
            out.append(Finding(self.code, AlertLevel.RED, ct_id(Case), case.pk, case.pk, case.item_id,
                               case.department_id, case.division_id, None, message[:500]))
        return out
