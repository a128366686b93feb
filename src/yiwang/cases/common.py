"""Shared helpers of the cases services: scope rules, numbers, timeline, notices, notifications."""

from __future__ import annotations

import logging
import secrets
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiwang.cases.models import Case, CaseEvent, CaseNotice, CaseNumberSequence, CaseStatus, NoticeKind
from yiwang.core.crypto import constant_time_equal, decrypt, encrypt
from yiwang.org.models import Division, DivisionLevel, Position, Window
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm

logger = logging.getLogger(__name__)

QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
QUERY_CODE_LENGTH = 8
ACCEPTANCE_DAYS = 5  # 行政许可法 Art. 32: 五日内 (working days)
ACCEPTANCE_PURPOSE = "acceptance"
HANDLING_PURPOSE = "handling"  # the promised limit (承诺时限): the main clock
STATUTORY_PURPOSE = "statutory"  # the statutory limit (法定时限), kept for supervision
NOTICE_ABBREVIATIONS: dict[str, str] = {
    NoticeKind.ACCEPT: "受", NoticeKind.SUPPLEMENT: "补", NoticeKind.REJECT: "不受",
    NoticeKind.NOT_LICENSING: "告", NoticeKind.SPECIAL: "特", NoticeKind.EXTENSION: "延",
    NoticeKind.GRANT: "准", NoticeKind.DENY: "不准",
}
STATUS_TEMPLATE = "case.status_changed"


# --- time ---------------------------------------------------------------------------------

def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def local_date(moment: datetime) -> date:
    return timezone.localdate(moment)


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


# --- applicant personal data --------------------------------------------------------------

def encrypt_id(value: str) -> str:
    return encrypt(value, associated=b"case_applicant_id") if value else ""


def encrypt_phone(value: str) -> str:
    return encrypt(value, associated=b"case_applicant_phone") if value else ""


def applicant_phone(case: Case) -> str:
    return decrypt(case.applicant_phone_enc, associated=b"case_applicant_phone") if case.applicant_phone_enc else ""


def applicant_id_number(case: Case) -> str:
    return decrypt(case.applicant_id_enc, associated=b"case_applicant_id") if case.applicant_id_enc else ""


# --- geography ------------------------------------------------------------------------------

def township_of(division: Division) -> Division | None:
    if division.level == DivisionLevel.TOWNSHIP:
        return division
    if division.level == DivisionLevel.VILLAGE:
        return division.parent
    return None


def county_code(division: Division) -> str:
    return (division.code + "000000")[:6]


# --- scope ------------------------------------------------------------------------------------

def comprehensive_division_ids(position: Position) -> list[int]:
    """Divisions whose comprehensive window (综合受理窗口, 一窗受理) the position's department staffs."""
    if position.department_id is None:
        return []
    return list(Window.objects.filter(is_comprehensive=True, is_active=True, departments=position.department_id,
                                      hall__division__path__startswith=position.division.path)
                .values_list("hall__division_id", flat=True).distinct())


def acceptance_q(position: Position) -> Q:
    """Cases a window position may accept: in its division subtree and either its own department's
    or handled in a division whose comprehensive window its department staffs (一窗受理)."""
    q = Q(division__path__startswith=position.division.path)
    if position.department_id is None:
        return q
    return q & (Q(department_id=position.department_id) | Q(division_id__in=comprehensive_division_ids(position)))


def can_accept(position: Position | None, case: Case) -> bool:
    if position is None or not has_perm(position, Perm.CASE_ACCEPT):
        return False
    return Case.objects.filter(pk=case.pk).filter(acceptance_q(position)).exists()


def staff_q(position: Position) -> Q:
    """Cases a staff position may see: scope (division subtree and department), 一窗受理 divisions,
    cases with a step for its department, and cases the position's holder filed (agents)."""
    q = acceptance_q(position)
    if position.department_id is not None:
        q |= Q(steps__department_id=position.department_id, steps__division__path__startswith=position.division.path)
    elif position.role not in ("window_clerk",):
        q |= Q(division__path__startswith=position.division.path)
    q |= Q(filed_by_id=position.user_id)
    return q


# --- numbers ----------------------------------------------------------------------------------

def next_sequence(prefix: str, year: int) -> int:
    """The next number of ``(prefix, year)``, locked with ``select_for_update``."""
    # Inside the caller's transaction no savepoint is needed: any error here aborts that transaction.
    with transaction.atomic(savepoint=False):
        row = CaseNumberSequence.objects.select_for_update().filter(prefix=prefix, year=year).first()
        if row is None:
            try:
                with transaction.atomic():
                    CaseNumberSequence.objects.create(prefix=prefix, year=year, last=0)
            except IntegrityError:
                pass
            row = CaseNumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
        row.last += 1
        row.save(update_fields=["last"])
        return row.last


def case_number_for(division: Division, moment: datetime) -> str:
    """``YW`` + county code (6) + year (4) + sequence (6), e.g. ``YW3713272026000001``."""
    prefix = f"YW{county_code(division)}"
    year = local_date(moment).year
    return f"{prefix}{year}{next_sequence(prefix, year):06d}"


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def query_code_matches(case: Case | None, code: str) -> bool:
    """Constant-time comparison (also spent when there is no case)."""
    expected = case.query_code if case is not None and case.query_code else "X" * QUERY_CODE_LENGTH
    ok = constant_time_equal(expected, (code or "").strip().upper())
    return ok and case is not None


# --- timeline ---------------------------------------------------------------------------------

def actor_label(actor: Any) -> str:
    if actor is None:
        return str(_("系统"))
    return str(getattr(actor, "display_name", None) or getattr(actor, "real_name", "") or actor)[:100]


def event_add(case: Case, kind: str, title: str, detail: str = "", *, actor: Any = None, public: bool = True,
              at: datetime | None = None) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, title=str(title)[:200], detail=str(detail),
                                    actor_label=actor_label(actor), at=at or timezone.now(), public=public)


# --- notices ------------------------------------------------------------------------------------

def notice_number(case: Case, kind: str, moment: datetime) -> str:
    """e.g. ``莒南县行审受字〔2026〕000012号``-style: county code, kind abbreviation, year, sequence."""
    year = local_date(moment).year
    prefix = f"N{county_code(case.division)}{kind}"[:20]
    seq = next_sequence(prefix, year)
    return f"YW{county_code(case.division)}{NOTICE_ABBREVIATIONS.get(kind, '文')}字〔{year}〕{seq:06d}号"


def notice_issue(*, case: Case, kind: str, context: dict[str, Any], actor: Any, moment: datetime) -> CaseNotice:
    """Create a :class:`CaseNotice`; its PDF is rendered by ``licences.notices.notice_render`` when available."""
    base = {
        "case_number": case.number or "", "item": case.version.name, "applicant": case.applicant_name,
        "department": case.department.name, "division": case.division.name,
        "date": local_date(moment).isoformat(),
    }
    notice = CaseNotice.objects.create(case=case, kind=kind, number=notice_number(case, kind, moment),
                                       context={**base, **context}, issued_at=moment,
                                       issued_by=actor if getattr(actor, "pk", None) else None)
    render_notice_file(notice)
    return notice


def render_notice_file(notice: CaseNotice) -> bool:
    """Attach the signed PDF and its SHA-256 with ``licences.notices.notice_attach_pdf`` (audited);
    a rendering failure never undoes the action (the notice row is the legal record; re-render later)."""
    try:
        from yiwang.licences.notices import notice_attach_pdf
    except ImportError:
        return False
    try:
        with transaction.atomic():
            notice_attach_pdf(notice=notice)
    except Exception:  # noqa: BLE001
        # an error, not a warning: the applicant sees "生成失败" until someone fixes the cause
        logger.error("notice PDF rendering failed for notice %s", notice.pk, exc_info=True)
        return False
    return True


# --- notifications --------------------------------------------------------------------------------

def _notify_fields() -> tuple[str, ...]:
    """What the status notice reads: a few case columns, the item name, the two accounts in full."""
    from yiwang.accounts.models import User

    users = [f.name for f in User._meta.concrete_fields]
    return ("id", "number", "query_code", "applicant_name", "applicant_phone_enc", "channel", "status",
            "applicant_user", "filed_by", "version", "version__name",
            *(f"applicant_user__{name}" for name in users), *(f"filed_by__{name}" for name in users))


_NOTIFY_FIELDS: tuple[str, ...] = ()


def notify_status(case: Case, *, note: str = "", key: str = "") -> None:
    """After commit: SMS + inbox to the applicant's account about the case's new status, and an
    inbox copy to the agent who filed it (村级代办) so that they can tell the villager."""
    case_id, status = case.pk, case.status

    def send() -> None:
        # Applicants get their messages in the platform's language, whatever the clerk's UI language is.
        with translation.override(settings.LANGUAGE_CODE):
            _send()

    def _send() -> None:
        global _NOTIFY_FIELDS
        from yiwang.notify.services import notify_person

        if not _NOTIFY_FIELDS:
            _NOTIFY_FIELDS = _notify_fields()
        fresh = Case.objects.select_related("applicant_user", "filed_by", "version").only(*_NOTIFY_FIELDS).get(
            pk=case_id)
        context = {"name": fresh.applicant_name, "case_no": fresh.number or "", "case_number": fresh.number or "",
                   "item": fresh.version.name, "status": str(CaseStatus(status).label), "note": note,
                   "query_code": fresh.query_code}
        dedupe = key or f"case-{case_id}-{status}"
        try:
            if fresh.applicant_user is not None:
                notify_person(user=fresh.applicant_user, template=STATUS_TEMPLATE, context=context,
                              dedupe_key=dedupe)
            elif fresh.applicant_phone_enc:
                # Filed at a window or by an agent for someone without an account: SMS to their number.
                from yiwang.notify.services import notify_phone

                notify_phone(phone=applicant_phone(fresh), template=STATUS_TEMPLATE, context=context,
                             dedupe_key=dedupe)
            if fresh.filed_by is not None and fresh.channel == "agent" and fresh.filed_by != fresh.applicant_user:
                notify_person(user=fresh.filed_by, template=STATUS_TEMPLATE, context=context, channels=["inbox"],
                              dedupe_key=dedupe)
        except Exception:  # noqa: BLE001 - a notification failure never undoes the case's progress
            logger.warning("status notification failed for case %s", case_id, exc_info=True)

    transaction.on_commit(send, robust=True)
