"""Written notices (文书) as PDFs: one template per :class:`~yiwang.cases.models.NoticeKind`.

``notice_render(notice)`` builds the PDF from the case and ``notice.context``;
``notice_attach_pdf(notice=...)`` renders it and stores the file with its SHA-256. Each notice ends
with the issuing department, the date and an electronic seal block (（电子印章）) carrying the SM2
signature over the notice's canonical data, which is also embedded in the PDF (``/Keywords``).

The texts are translatable strings with named placeholders; official documents are rendered in
the site language (``settings.LANGUAGE_CODE``). ``notice.context`` keys read, per kind (all
optional; the case fields are used when absent):

* ``supplement``: ``items`` ``[{"name", "problem"}]`` (default: the case's latest
  ``SupplementNotice.items``), ``deadline``;
* ``reject``: ``reason`` (default ``case.outcome_note``), ``competent_agency``
  (default ``case.competent_agency``);
* ``not_licensing``: ``reason``;
* ``special``: ``procedure`` (a ``calendar.SuspensionKind`` code or a label), ``days``
  (or ``expected_days``), ``start``, ``reason``;
* ``extension``: ``days``, ``reason``, ``new_due_date``;
* ``accept``: ``due_date``; ``deferred`` ``[{"name", "due_date"}]`` (容缺受理: the materials the applicant
  promised in writing to supply later, listed with their promised dates);
* ``grant``: ``reason`` (default ``case.decision_reason``), ``licence_number``;
* ``deny``: ``reason`` (default ``case.decision_reason``);
* every kind: ``review_body`` (行政复议机关; default "<county>人民政府").
"""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from yiwang.cases.models import Case, CaseNotice, NoticeKind
from yiwang.core.audit import audit_record, normalise
from yiwang.core.pdf import FONT, base_document, paragraph
from yiwang.licences.signing import Signed, payload_encode, sign_data

RED = colors.HexColor("#b3261e")

PROCEDURES = {
    "hearing": gettext_lazy("听证"),
    "tender": gettext_lazy("招标"),
    "auction": gettext_lazy("拍卖"),
    "inspection": gettext_lazy("检验、检测、检疫"),
    "appraisal": gettext_lazy("鉴定"),
    "expert_review": gettext_lazy("专家评审"),
    "consultation": gettext_lazy("征求第三方意见"),
    "other": gettext_lazy("其他特别程序"),
}

# Body templates per kind. Placeholders: applicant, item, submitted, accepted, case_number,
# query_code, promised, statutory, reason, agency, procedure, days, start, due_date, new_due_date,
# result_name, licence_number, deadline, review_body.
TEMPLATES: dict[str, list[Any]] = {
    NoticeKind.ACCEPT: [
        "ACCEPT",
        gettext_lazy("本机关将自受理之日起%(promised)s个%(promised_unit)s内作出决定（法定期限%(statutory)s个%(statutory_unit)s）%(due_date)s。"
                     "依法需要听证、检验、检测、鉴定、专家评审等的，所需时间不计算在上述期限内。"),
        gettext_lazy("办件编号：%(case_number)s，查询码：%(query_code)s。你可凭办件编号和查询码查询办理进度。"),
    ],
    NoticeKind.SUPPLEMENT: [
        gettext_lazy("你（单位）于%(submitted)s提出的%(item)s申请，经审查，申请材料不齐全或者不符合法定形式。根据"
                     "《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，现一次性告知你需要补正的全部内容"
                     "如下："),
        "TABLE",
        gettext_lazy("请按上述要求补正全部材料后提交%(deadline)s。补正材料期间不计算在办理时限内，自材料补齐之日起"
                     "继续办理。办件编号：%(case_number)s。"),
    ],
    NoticeKind.REJECT: [
        gettext_lazy("你（单位）于%(submitted)s提出的%(item)s申请，经审查：%(reason)s。根据《中华人民共和国行政许可法》"
                     "第三十二条第一款的规定，本机关决定不予受理。"),
        "AGENCY",
        "RIGHTS",
    ],
    NoticeKind.NOT_LICENSING: [
        gettext_lazy("你（单位）于%(submitted)s提出的%(item)s申请，经审查，该申请事项依法不需要取得行政许可"
                     "%(reason)s。根据《中华人民共和国行政许可法》第三十二条第一款第（一）项的规定，本机关不予受理，"
                     "特此告知。"),
    ],
    NoticeKind.SPECIAL: [
        gettext_lazy("你（单位）申请的%(item)s（办件编号：%(case_number)s），依法需要进行%(procedure)s%(reason)s。"),
        gettext_lazy("根据《中华人民共和国行政许可法》第四十五条的规定，%(procedure)s所需时间不计算在行政许可期限内。"
                     "%(procedure)s预计需要%(days)s个工作日（自%(start)s起），期间办理时限中止计算，程序结束后继续计算。"),
    ],
    NoticeKind.EXTENSION: [
        gettext_lazy("你（单位）申请的%(item)s（办件编号：%(case_number)s），因%(reason)s，本机关不能在法定期限内"
                     "作出决定。"),
        gettext_lazy("经本机关负责人批准，根据《中华人民共和国行政许可法》第四十二条的规定，办理期限延长%(days)s个"
                     "工作日%(new_due_date)s。特此告知。"),
    ],
    NoticeKind.GRANT: [
        gettext_lazy("你（单位）于%(submitted)s提出的%(item)s申请，本机关已于%(accepted)s受理。经审查，申请符合法定"
                     "条件、标准%(reason)s。根据《中华人民共和国行政许可法》第三十八条第一款的规定，本机关决定准予"
                     "行政许可。"),
        gettext_lazy("本机关将自本决定作出之日起十日内向你颁发%(result_name)s%(licence_number)s。"),
    ],
    NoticeKind.DENY: [
        gettext_lazy("你（单位）于%(submitted)s提出的%(item)s申请，本机关已于%(accepted)s受理。经审查：%(reason)s，"
                     "不符合法定条件、标准。根据《中华人民共和国行政许可法》第三十八条第二款的规定，本机关决定不予"
                     "行政许可。"),
        "RIGHTS",
    ],
}
ACCEPT_TEXT = gettext_lazy("你（单位）于%(submitted)s提出的%(item)s申请，申请材料齐全、符合法定形式。根据《中华人民共和国"
                           "行政许可法》第三十二条第一款第（五）项的规定，本机关决定予以受理。")
# 容缺受理: the materials are complete except those the applicant promised in writing to supply later.
ACCEPT_DEFERRED_TEXT = gettext_lazy("你（单位）于%(submitted)s提出的%(item)s申请，除下列容缺材料外，申请材料齐全、符合法定"
                                    "形式，你（单位）已书面承诺在下列期限前补交。根据《中华人民共和国行政许可法》第三十二条"
                                    "第一款第（五）项的规定，本机关决定予以容缺受理。")
DEFERRED_AFTER_TEXT = gettext_lazy("请在承诺期限前补交上述材料。上述材料补交齐全前，本机关不作出准予行政许可的决定。")
AGENCY_TEXT = gettext_lazy("该申请事项依法不属于本机关职权范围，请向%(agency)s提出申请。")
RIGHTS_TEXT = gettext_lazy("如不服本决定，可以自收到本决定书之日起六十日内向%(review_body)s申请行政复议，也可以自收到"
                           "本决定书之日起六个月内依法向人民法院提起行政诉讼。")


def _cn_date(value: Any) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, date):
        return _("%(y)d年%(m)d月%(d)d日") % {"y": value.year, "m": value.month, "d": value.day}
    return ""


def _county_name(case: Case) -> str:
    division = case.department.division if case.department_id else case.division
    chain = [*division.ancestors(), division]
    county = next((d for d in chain if d.level == "county"), chain[0])
    return county.name


def _supplement_items(case: Case, context: dict[str, Any]) -> list[dict[str, str]]:
    items = context.get("items")
    if not isinstance(items, list):
        latest = case.supplement_notices.order_by("-sequence").first()
        items = latest.items if latest is not None and isinstance(latest.items, list) else []
    out = []
    for entry in items:
        if isinstance(entry, dict):
            out.append({"name": str(entry.get("name", "")), "problem": str(entry.get("problem", ""))})
    return out


def _deferred_items(context: dict[str, Any]) -> list[dict[str, str]]:
    """The 容缺 materials recorded at acceptance (``[{"name", "due_date"}]``)."""
    items = context.get("deferred")
    if not isinstance(items, list):
        return []
    return [{"name": str(entry.get("name", "")), "due_date": _cn_date(entry.get("due_date"))}
            for entry in items if isinstance(entry, dict) and entry.get("name")]


def _grid(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3e5e5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


_CLAUSE_END = "。.；;，,、！!？? \u3000\n"


def _clause(text: str) -> str:
    """A free-text reason as a clause: the templates supply the sentence's own punctuation, so a
    trailing "。" typed by the officer would be doubled (“……标准（同意。）。”)."""
    return text.strip().rstrip(_CLAUSE_END)


def _values(notice: CaseNotice) -> dict[str, str]:
    case = notice.case
    ctx = notice.context if isinstance(notice.context, dict) else {}
    version = case.version
    kind = notice.kind
    reason = str(ctx.get("reason") or "")
    if not reason and kind in (NoticeKind.REJECT, NoticeKind.NOT_LICENSING):
        reason = case.outcome_note
    if not reason and kind in (NoticeKind.GRANT, NoticeKind.DENY):
        reason = case.decision_reason
    reason = _clause(reason)
    procedure = str(ctx.get("procedure") or "")
    procedure = str(PROCEDURES.get(procedure, procedure)) or str(PROCEDURES["other"])
    days = ctx.get("days", ctx.get("expected_days", ""))
    licence_number = str(ctx.get("licence_number") or getattr(getattr(case, "licence", None), "number", "") or "")
    due, new_due, deadline = ctx.get("due_date"), ctx.get("new_due_date"), ctx.get("deadline")
    if kind in (NoticeKind.NOT_LICENSING, NoticeKind.SPECIAL, NoticeKind.GRANT):
        reason = _("（%(r)s）") % {"r": reason} if reason else ""
    return {
        "applicant": case.applicant_name,
        "item": version.name,
        "submitted": _cn_date(case.submitted_at or case.created_at),
        "accepted": _cn_date(case.accepted_at or case.submitted_at or case.created_at),
        "case_number": case.number or "",
        "query_code": case.query_code,
        "promised": str(version.promised_limit),
        "statutory": str(version.statutory_limit),
        "promised_unit": str(version.get_promised_unit_display()),
        "statutory_unit": str(version.get_statutory_unit_display()),
        "reason": reason or _("申请不符合受理条件"),
        "agency": _clause(str(ctx.get("competent_agency") or case.competent_agency or "")),
        "procedure": procedure,
        "days": str(days) if days not in (None, "") else _("（另行告知）"),
        "start": _cn_date(ctx.get("start")) or _cn_date(notice.issued_at),
        "due_date": _("，即%(d)s前") % {"d": _cn_date(due)} if due else "",
        "new_due_date": _("，延长后的办结期限为%(d)s") % {"d": _cn_date(new_due)} if new_due else "",
        "deadline": _("（补正期限：%(d)s前）") % {"d": _cn_date(deadline)} if deadline else "",
        "result_name": version.result_name or _("行政许可决定文书"),
        "licence_number": _("（电子证照编号：%(n)s）") % {"n": licence_number} if licence_number else "",
        "review_body": str(ctx.get("review_body") or _("%(c)s人民政府") % {"c": _county_name(case)}),
    }


def notice_canonical_data(notice: CaseNotice) -> dict[str, Any]:
    """What the seal signs: the notice's identity, its case, and its context."""
    case = notice.case
    return {
        "schema": 1,
        "number": notice.number,
        "kind": notice.kind,
        "case_number": case.number or "",
        "applicant": case.applicant_name,
        "item": case.version.name,
        "department": case.department.name,
        "issued_on": timezone.localtime(notice.issued_at).date().isoformat()
        if timezone.is_aware(notice.issued_at) else notice.issued_at.date().isoformat(),
        "context": normalise(notice.context if isinstance(notice.context, dict) else {}),
    }


class SealBlock(Flowable):
    """Right-aligned issuing department and date over a red round seal (（电子印章）)."""

    def __init__(self, department: str, day: str, width: float = 80 * mm):
        super().__init__()
        self.department, self.day, self.block_width = department, day, width

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail_width = avail_width
        return avail_width, 42 * mm

    def draw(self) -> None:
        c = self.canv
        cx = self.avail_width - self.block_width / 2
        c.saveState()
        c.setStrokeColor(RED)
        c.setLineWidth(1.6)
        c.circle(cx, 24 * mm, 17 * mm, stroke=1, fill=0)
        c.setFillColor(RED)
        c.setFont(FONT, 18)
        c.drawCentredString(cx, 21 * mm, "★")
        c.setFont(FONT, 7.5)
        c.drawCentredString(cx, 13 * mm, _("（电子印章）"))
        c.setFillColor(colors.black)
        c.setFont(FONT, 11)
        c.drawCentredString(cx, 30 * mm, "".join(ch for ch in self.department if ord(ch) < 0x20000)[:24])
        c.drawCentredString(cx, 5 * mm, self.day)
        c.restoreState()


def _story(notice: CaseNotice, signed: Signed) -> list[Flowable]:
    case = notice.case
    values = _values(notice)
    title = NoticeKind(notice.kind).label
    story: list[Flowable] = [
        paragraph(case.department.name, "heading"),
        paragraph(str(title), "title"),
        paragraph(_("文号：%(n)s") % {"n": notice.number}, "small"),
        Spacer(1, 4 * mm),
        paragraph(_("%(a)s：") % {"a": case.applicant_name}),
    ]
    context = notice.context if isinstance(notice.context, dict) else {}
    for part in TEMPLATES[notice.kind]:
        if part == "ACCEPT":
            deferred = _deferred_items(context)
            if not deferred:
                story.append(paragraph(str(ACCEPT_TEXT) % values))
                continue
            story.append(paragraph(str(ACCEPT_DEFERRED_TEXT) % values))
            rows = [[paragraph(_("序号"), "cell"), paragraph(_("容缺材料"), "cell"),
                     paragraph(_("承诺补交期限"), "cell")]]
            rows += [[paragraph(str(i), "cell"), paragraph(it["name"], "cell"), paragraph(it["due_date"], "cell")]
                     for i, it in enumerate(deferred, start=1)]
            story += [_grid(rows, [14 * mm, 96 * mm, 60 * mm]), Spacer(1, 3 * mm),
                      paragraph(str(DEFERRED_AFTER_TEXT) % values)]
        elif part == "TABLE":
            items = _supplement_items(case, context)
            rows = [[paragraph(_("序号"), "cell"), paragraph(_("材料名称"), "cell"),
                     paragraph(_("存在问题及补正要求"), "cell")]]
            rows += [[paragraph(str(i), "cell"), paragraph(it["name"], "cell"), paragraph(it["problem"], "cell")]
                     for i, it in enumerate(items, start=1)]
            if not items:
                rows.append([paragraph("—", "cell"), paragraph(_("（无）"), "cell"), paragraph("", "cell")])
            story += [_grid(rows, [14 * mm, 60 * mm, 96 * mm]), Spacer(1, 3 * mm)]
        elif part == "AGENCY":
            if values["agency"]:
                story.append(paragraph(str(AGENCY_TEXT) % values))
        elif part == "RIGHTS":
            story.append(paragraph(str(RIGHTS_TEXT) % values))
        else:
            story.append(paragraph(str(part) % values))
    story += [
        Spacer(1, 8 * mm),
        SealBlock(case.department.name, _cn_date(notice.issued_at)),
        Spacer(1, 4 * mm),
        paragraph(_("本文书已加盖电子印章，与纸质文书具有同等法律效力。"), "small"),
        paragraph(_("数据摘要 SM3：%(d)s") % {"d": signed.digest}, "small"),
        paragraph(_("SM2 签名：%(s)s") % {"s": signed.signature}, "small"),
        paragraph(_("签名公钥：%(k)s") % {"k": signed.public_key}, "small"),
    ]
    return story


def notice_render(notice: CaseNotice) -> bytes:
    """The PDF of ``notice`` (any :class:`NoticeKind`), signed with the platform SM2 key."""
    if notice.kind not in TEMPLATES:
        raise ValueError(f"unknown notice kind {notice.kind!r}")
    with translation.override(settings.LANGUAGE_CODE):
        data = notice_canonical_data(notice)
        signed = sign_data(data)
        buffer = io.BytesIO()
        title = f"{NoticeKind(notice.kind).label} {notice.number}"
        doc = base_document(buffer, title, subject=str(NoticeKind(notice.kind).label),
                            keywords=payload_encode(kind="notice", data=data, signed=signed),
                            author=notice.case.department.name)
        doc.build(_story(notice, signed))
    return buffer.getvalue()


def notice_attach_pdf(*, notice: CaseNotice) -> CaseNotice:
    """Render the notice, store the file and its SHA-256 (called by the case action that issued it)."""
    pdf_bytes = notice_render(notice)
    digest = hashlib.sha256(pdf_bytes).hexdigest()
    with transaction.atomic():
        notice.file.save(f"{notice.kind}-{notice.pk or 'new'}-{digest[:12]}.pdf", ContentFile(pdf_bytes), save=False)
        notice.sha256 = digest
        if notice.pk is None:
            notice.save()
        else:
            notice.save(update_fields=["file", "sha256"])
        audit_record(action="notice.render", actor=notice.issued_by, obj=notice,
                     after={"number": notice.number, "kind": notice.kind, "sha256": digest})
    return notice
