"""Event-time evaluation: after a relevant save commits, evaluate the rules for that case.

Handlers are connected in :meth:`SupervisionConfig.ready`. Several saves of one service call
(case, steps, clocks, notices…) schedule a single evaluation per case per transaction. A failure
in supervision never breaks the citizen's or clerk's action (the callback is robust and logged).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

logger = logging.getLogger(__name__)


def _case_id_of_clock(clock: Any) -> int | None:
    from yiwang.cases.models import Case, CaseStep

    model = ContentType.objects.get_for_id(clock.content_type_id).model_class()
    if model is Case:
        return int(clock.object_id)
    if model is CaseStep:
        return CaseStep.objects.filter(pk=clock.object_id).values_list("case_id", flat=True).first()
    return None


def case_id_for(instance: Any) -> int | None:
    from yiwang.calendar.models import Clock, ClockExtension, ClockSuspension
    from yiwang.cases.models import Case
    from yiwang.supervision.models import RiskConfirmation

    if isinstance(instance, Case):
        return None if instance.status == "draft" else instance.pk
    if isinstance(instance, Clock):
        return _case_id_of_clock(instance)
    if isinstance(instance, ClockSuspension | ClockExtension):
        return _case_id_of_clock(instance.clock)
    if isinstance(instance, RiskConfirmation):
        return instance.step.case_id
    return getattr(instance, "case_id", None)


def _evaluate(case_id: int) -> None:
    from yiwang.supervision.engine import evaluate_case

    try:
        evaluate_case(case_id)
    except Exception:  # noqa: BLE001 - supervision must never break the action that triggered it
        logger.exception("supervision evaluation failed for case %s", case_id)


def schedule(case_id: int) -> None:
    """Evaluate ``case_id`` once after the current transaction commits (at once in autocommit)."""
    for _sids, func, *_rest in getattr(connection, "run_on_commit", []):
        if getattr(func, "supervision_case_id", None) == case_id and not getattr(func, "done", False):
            return

    def run() -> None:
        run.done = True  # type: ignore[attr-defined]
        _evaluate(case_id)

    run.supervision_case_id = case_id  # type: ignore[attr-defined]
    transaction.on_commit(run, robust=True)


def on_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or not getattr(settings, "SUPERVISION_EVENT_EVALUATION", True):
        return
    try:
        case_id = case_id_for(instance)
    except Exception:  # noqa: BLE001
        logger.exception("supervision: cannot find the case of %r", instance)
        return
    if case_id:
        schedule(case_id)


def connect() -> None:
    from django.db.models.signals import post_save

    from yiwang.calendar.models import Clock, ClockExtension, ClockSuspension
    from yiwang.cases.models import Case, CaseNotice, CaseStep, Payment, SupplementNotice
    from yiwang.licences.models import Licence
    from yiwang.supervision.models import RiskConfirmation

    for model in (Case, CaseStep, CaseNotice, SupplementNotice, Payment, Clock, ClockSuspension, ClockExtension,
                  Licence, RiskConfirmation):
        post_save.connect(on_save, sender=model, dispatch_uid=f"supervision.{model._meta.label_lower}")
