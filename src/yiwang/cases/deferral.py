"""容缺受理 (acceptance with a deferred material), the one exception to "an application whose
required materials are missing is never accepted" (REGULATIONS.md, after 行政许可法 Art. 32).

Configuration lives in the catalogue: a version's ``deferral_days`` (working days to supply the
material; 0 = not offered) and each material's ``deferrable`` flag (non-core materials only). A
material the platform obtains itself (``can_share``, 免提交) is never demanded.

* :func:`acceptance_gap` — what acceptance would lack: missing demanded materials, and whether a
  written promise could cover them; ``case_accept`` refuses unless it can.
* :func:`deferrals_record` — inside ``case_accept``: the applicant's written promise (承诺书: text and
  the person who signed it) is recorded with the case, one :class:`CaseDeferral` per material, each
  with a ``calendar`` clock (purpose ``deferral``) for the promised deadline.
* :func:`case_deferred_supply` — the applicant (or the accepting window) uploads the promised
  material; its clock stops.
* :func:`require_supplied` — a grant (准予许可) waits until every promised material is in;
  a late promise turns its clock red (``overdue``) and :func:`overdue_deferrals` lists it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.calendar import selectors as clock_selectors
from yiwang.calendar import services as clock_services
from yiwang.cases import uploads
from yiwang.cases.deadlines import local_date, now_or
from yiwang.cases.models import Case, CaseDeferral, CaseStatus
from yiwang.cases.timeline import event_add
from yiwang.catalog.models import Material
from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.org.models import Position
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm

DEFERRAL_PURPOSE = "deferral"
MAX_PROMISE = 2000


@dataclass
class AcceptanceGap:
    """Materials acceptance would lack, and whether 容缺受理 can cover them."""

    missing: list[Material] = field(default_factory=list)
    deferrable: bool = False
    days: int = 0

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.missing]


def acceptance_gap(case: Case) -> AcceptanceGap:
    from yiwang.cases.application import missing_materials

    missing = missing_materials(case)
    days = int(case.version.deferral_days or 0)
    return AcceptanceGap(missing=missing, days=days,
                         deferrable=bool(missing) and days > 0 and all(m.deferrable for m in missing))


def check_promise(case: Case, promise: dict[str, Any] | None) -> tuple[AcceptanceGap, dict[str, str] | None]:
    """Refuse acceptance with missing materials unless a written promise covers them (``InvalidInput``
    naming every missing material). Returns the gap and the cleaned promise (``None`` if none needed)."""
    gap = acceptance_gap(case)
    if not gap.missing:
        return gap, None
    details = {"missing": [{"id": m.pk, "name": m.name, "deferrable": m.deferrable} for m in gap.missing],
               "deferral_days": gap.days}
    if not gap.deferrable:
        raise InvalidInput(_("必要材料不齐全，不能受理：%(names)s。请出具补正材料通知书。") % {
            "names": "、".join(gap.names)}, code="materials_missing", details=details)
    text = str((promise or {}).get("text") or "").strip()
    promised_by = str((promise or {}).get("promised_by") or case.applicant_name or "").strip()
    errors: dict[str, str] = {}
    if not promise or not text:
        errors["promise_text"] = _("容缺受理须有申请人书面承诺（承诺书）")
    elif len(text) > MAX_PROMISE:
        errors["promise_text"] = _("不能超过 %(n)d 个字符") % {"n": MAX_PROMISE}
    if not promised_by or len(promised_by) > 200:
        errors["promised_by"] = _("请填写承诺人")
    if errors:
        raise InvalidInput(_("以下材料可容缺受理，但须申请人书面承诺在 %(days)d 个工作日内补交：%(names)s") % {
            "days": gap.days, "names": "、".join(gap.names)}, code="promise_required",
            details={**details, "fields": errors})
    return gap, {"text": text, "promised_by": promised_by}


def deferrals_record(*, case: Case, gap: AcceptanceGap, promise: dict[str, str], actor: Any,
                     position: Position | None, moment: datetime) -> list[CaseDeferral]:
    """Record the promise and start one clock per deferred material (inside the caller's transaction)."""
    today = local_date(moment)
    rows: list[CaseDeferral] = []
    for material in gap.missing:
        row = CaseDeferral(case=case, material=material, name=material.name[:200], promise_text=promise["text"],
                           promised_by=promise["promised_by"][:200], recorded_by=actor,
                           recorded_by_position=position, recorded_at=moment, due_date=today)
        row.save()
        clock = clock_services.clock_start(obj=row, start=today, budget=gap.days, unit="workdays",
                                           position=position, actor=actor, purpose=DEFERRAL_PURPOSE,
                                           started_at=moment, today=today)
        row.due_date = clock.due_date
        row.save(update_fields=["due_date"])
        rows.append(row)
    due = max(r.due_date for r in rows)
    event_add(case, "deferred_acceptance", _("容缺受理"),
              _("申请人书面承诺于 %(due)s 前补交：%(names)s") % {"due": due.isoformat(), "names": "、".join(gap.names)},
              actor=actor, at=moment)
    audit_record(action="case.deferral.promise", actor=actor, position=position, obj=case,
                 after={"materials": [r.material_id for r in rows], "promised_by": promise["promised_by"],
                        "promise_text": promise["text"], "due_date": due, "deferral_days": gap.days})
    return rows


def open_deferrals(case: Case) -> QuerySet[CaseDeferral]:
    return CaseDeferral.objects.filter(case=case, supplied_at__isnull=True).order_by("due_date", "pk")


def require_supplied(case: Case) -> None:
    """A case accepted under 容缺 is not granted until every promised material is in."""
    names = list(open_deferrals(case).values_list("name", flat=True))
    if names:
        raise Conflict(_("容缺材料尚未补交，不能作出准予决定：%(names)s") % {"names": "、".join(names)},
                       code="deferral_outstanding", details={"materials": names})


def _can_supply(case: Case, actor: Any, position: Position | None) -> bool:
    from yiwang.cases.scope import acceptance_q

    pk = getattr(actor, "pk", None)
    if pk is not None and pk in (case.applicant_user_id, case.filed_by_id):
        return True
    return (position is not None and has_perm(position, Perm.CASE_ACCEPT)
            and Case.objects.filter(pk=case.pk).filter(acceptance_q(position)).exists())


def case_deferred_supply(*, deferral_id: int, upload: Any, actor: Any, position: Position | None = None,
                         now: datetime | None = None) -> CaseDeferral:
    """补交容缺材料: the promised material arrives; its clock stops (late or not, the record says)."""
    from yiwang.cases.application import store_material

    moment = now_or(now)
    with transaction.atomic():
        row = CaseDeferral.objects.select_for_update().select_related("case", "material").filter(
            pk=deferral_id).first()
        if row is None or not _can_supply(row.case, actor, position):
            raise NotFound(_("容缺承诺不存在"))
        if row.supplied_at is not None:
            raise Conflict(_("该容缺材料已补交"), code="deferral_supplied")
        if row.case.status not in (CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED):
            raise Conflict(_("办件当前状态不能补交材料"), code="case_status")
        checked = uploads.check_upload(upload, material_name=row.name)
        stored = store_material(case=row.case, material=row.material, checked=checked, actor=actor)
        row.supplied_at = moment
        row.supplied_material = stored
        row.save(update_fields=["supplied_at", "supplied_material"])
        clock = clock_selectors.clock_for_object(row, purpose=DEFERRAL_PURPOSE)
        if clock is not None and clock.stopped_at is None:
            clock_services.clock_stop(clock=clock, actor=None, position=None, at=moment)
        late = local_date(moment) > row.due_date
        event_add(row.case, "deferral_supplied", _("已补交容缺材料：%(name)s") % {"name": row.name},
                  _("超过承诺期限") if late else "", actor=actor, at=moment)
        audit_record(action="case.deferral.supply", actor=actor, position=position, obj=row.case,
                     after={"deferral": row.pk, "material": row.material_id, "sha256": checked.sha256,
                            "late": late, "due_date": row.due_date})
    return row


def overdue_deferrals(*, today: date | None = None) -> QuerySet[CaseDeferral]:
    """Promises past their deadline with the material still missing (for the desk and supervision)."""
    day = today or timezone.localdate()
    return CaseDeferral.objects.filter(supplied_at__isnull=True, due_date__lt=day).select_related("case")
