"""Keep the public status-query cache honest: a change to a case, one of its events or one of its
clocks drops the case's cached payload (:func:`yiwang.cases.status_query.status_cache_invalidate`)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from yiwang.calendar.models import Clock, ClockExtension, ClockSuspension
from yiwang.cases.models import Case, CaseEvent
from yiwang.cases.status_query import status_cache_invalidate


def _drop(case_pk: int | None) -> None:
    # now (this process reads its own writes) and after commit (no reader caches the old row again)
    status_cache_invalidate(case_pk)
    transaction.on_commit(lambda: status_cache_invalidate(case_pk))


@receiver([post_save, post_delete], sender=Case, dispatch_uid="cases_status_case")
def _case_changed(sender: Any, instance: Case, **kwargs: Any) -> None:
    _drop(instance.pk)


@receiver([post_save, post_delete], sender=CaseEvent, dispatch_uid="cases_status_event")
def _event_changed(sender: Any, instance: CaseEvent, **kwargs: Any) -> None:
    _drop(instance.case_id)


@receiver([post_save, post_delete], sender=Clock, dispatch_uid="cases_status_clock")
def _clock_changed(sender: Any, instance: Clock, **kwargs: Any) -> None:
    if instance.content_type_id == ContentType.objects.get_for_model(Case).pk:
        _drop(instance.object_id)


@receiver([post_save, post_delete], sender=ClockSuspension, dispatch_uid="cases_status_suspension")
@receiver([post_save, post_delete], sender=ClockExtension, dispatch_uid="cases_status_extension")
def _clock_part_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    clock = instance.clock  # services hold the clock already; it is saved again with its new state
    if clock.content_type_id == ContentType.objects.get_for_model(Case).pk:
        _drop(clock.object_id)
