"""Written notices of a case (受理通知书, 补正告知书, 准予许可决定书, ...).

``notice_issue`` numbers the notice (``notice_number``) and creates the :class:`CaseNotice`;
``render_notice_file`` attaches its signed PDF through ``licences.notices`` and never undoes the
action when rendering fails.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction

from yiwang.cases.deadlines import local_date
from yiwang.cases.models import Case, CaseNotice, NoticeKind
from yiwang.cases.numbering import county_code, next_sequence

logger = logging.getLogger(__name__)

NOTICE_ABBREVIATIONS: dict[str, str] = {
    NoticeKind.ACCEPT: "受", NoticeKind.SUPPLEMENT: "补", NoticeKind.REJECT: "不受",
    NoticeKind.NOT_LICENSING: "告", NoticeKind.SPECIAL: "特", NoticeKind.EXTENSION: "延",
    NoticeKind.GRANT: "准", NoticeKind.DENY: "不准",
}


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
