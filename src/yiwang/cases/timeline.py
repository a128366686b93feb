"""The case timeline (办理过程): ``event_add`` records one :class:`CaseEvent`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases.models import Case, CaseEvent


def actor_label(actor: Any) -> str:
    if actor is None:
        return str(_("系统"))
    return str(getattr(actor, "display_name", None) or getattr(actor, "real_name", "") or actor)[:100]


def event_add(case: Case, kind: str, title: str, detail: str = "", *, actor: Any = None, public: bool = True,
              at: datetime | None = None) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, title=str(title)[:200], detail=str(detail),
                                    actor_label=actor_label(actor), at=at or timezone.now(), public=public)
