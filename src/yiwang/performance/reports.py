"""The monthly assessment report (PDF, reportlab via ``core.pdf``) and Excel exports (openpyxl).

``table_xlsx`` turns any list of rows into a one-sheet workbook: every table on the dashboard
and the assessment pages is exported with it (``?format=xlsx``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from yiwang.performance.models import Assessment, AssessmentScore, Grade, TargetKind

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pct(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def num(value: Any) -> str:
    return "—" if value is None else f"{value}"


def score_columns() -> list[tuple[str, str]]:
    return [
        ("rank", _("排名")), ("label", _("考核对象")), ("total", _("总分")), ("grade", _("等次")),
        ("on_time_rate", _("按时办结率")), ("cases_due", _("应办结")), ("satisfaction_rate", _("满意率")),
        ("ratings", _("评价数")), ("rectification_rate", _("整改及时率")), ("warning", _("提示")),
        ("yellow", _("黄牌")), ("red", _("红牌")), ("recommendation", _("监察建议书")),
    ]


def score_row(score: AssessmentScore) -> dict[str, Any]:
    c = score.components or {}
    return {"rank": score.rank, "label": score.label, "total": float(score.total),
            "grade": str(Grade(score.grade).label), **{k: c.get(k) for k, _l in score_columns()[4:]}}


def _kind_title(kind: str) -> str:
    titles: dict[str, str] = {TargetKind.DEPARTMENT: _("部门"), TargetKind.WINDOW: _("窗口"),
                              TargetKind.STAFF: _("工作人员")}
    return titles[kind]


def table_xlsx(title: str, columns: Sequence[tuple[str, str]], rows: Sequence[dict[str, Any]],
               *, subtitle: str = "") -> bytes:
    """One sheet: a title row, an optional subtitle, a header and the rows (rates as percentages)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31] or "Sheet"
    _write_table(ws, title, columns, rows, subtitle=subtitle)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _write_table(ws: Any, title: str, columns: Sequence[tuple[str, str]], rows: Sequence[dict[str, Any]],
                 *, subtitle: str = "") -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    if subtitle:
        ws["A2"] = subtitle
    head = 4 if subtitle else 3
    for col, (_key, label) in enumerate(columns, start=1):
        cell = ws.cell(row=head, column=col, value=str(label))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F4F6F8")
    for r, row in enumerate(rows, start=head + 1):
        for c, (key, _label) in enumerate(columns, start=1):
            value = row.get(key)
            cell = ws.cell(row=r, column=c, value=value if not isinstance(value, dict | list) else str(value))
            if (key.endswith("_rate") or key == "speedup") and isinstance(value, int | float):
                cell.number_format = "0.0%"
    for c in range(1, len(columns) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 28 if c <= 2 else 12
    ws.freeze_panes = ws.cell(row=head + 1, column=1)


def assessment_xlsx(assessment: Assessment, scores: Sequence[AssessmentScore]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = _("概况")
    summary = assessment.summary or {}
    rows = [
        {"k": _("考核月份"), "v": assessment.label}, {"k": _("考核范围"), "v": assessment.division.name},
        {"k": _("考核方案"), "v": assessment.scheme.name},
        {"k": _("状态"), "v": str(assessment.get_status_display())},
        {"k": _("按时办结率"), "v": pct(summary.get("on_time_rate"))},
        {"k": _("平均办理用时（工作日）"), "v": num(summary.get("avg_days"))},
        {"k": _("平均法定时限（工作日）"), "v": num(summary.get("avg_statutory_days"))},
        {"k": _("提速比例"), "v": pct(summary.get("speedup"))},
    ]
    _write_table(ws, report_title(assessment), [("k", _("项目")), ("v", _("数值"))], rows)
    for kind in TargetKind.values:
        of_kind = [score_row(s) for s in scores if s.target_kind == kind]
        if not of_kind:
            continue
        sheet = wb.create_sheet(_kind_title(kind))
        _write_table(sheet, f"{report_title(assessment)} · {_kind_title(kind)}", score_columns(), of_kind)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def report_title(assessment: Assessment) -> str:
    return _("%(division)s %(month)s 政务服务绩效考核") % {"division": assessment.division.name,
                                                      "month": assessment.label}


def assessment_pdf(assessment: Assessment, scores: Sequence[AssessmentScore]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer, Table, TableStyle

    from yiwang.core.pdf import FONT, base_document, paragraph

    buffer = io.BytesIO()
    doc = base_document(buffer, report_title(assessment), pagesize=landscape(A4))
    style = TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#c9d1d9")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f4f6f8")), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ])

    def table(rows: list[list[Any]], widths: list[float] | None = None) -> Table:
        t = Table([[paragraph(str(v), "cell") for v in row] for row in rows], colWidths=widths, repeatRows=1)
        t.setStyle(style)
        return t

    summary = assessment.summary or {}
    snap = assessment.scheme_snapshot or {}
    status = _("已发布") if assessment.is_published else _("草稿（未发布）")
    flow: list[Any] = [
        paragraph(report_title(assessment), "title"),
        paragraph(f"{_('考核方案')}：{assessment.scheme.name} · {status}", "body"),
        paragraph(_("权重：按时办结率 %(a)s 分，满意率 %(b)s 分，整改及时率 %(c)s 分，预警 %(d)s 分；"
                    "优秀 ≥ %(e)s，良好 ≥ %(f)s，合格 ≥ %(g)s。") % {
            "a": snap.get("weight_on_time"), "b": snap.get("weight_satisfaction"),
            "c": snap.get("weight_rectification"), "d": snap.get("weight_alerts"),
            "e": snap.get("threshold_excellent"), "f": snap.get("threshold_good"), "g": snap.get("threshold_pass")},
            "small"),
        paragraph(_("总体情况"), "heading"),
        table([[_("按时办结率"), _("应办结"), _("办结"), _("平均办理用时（工作日）"), _("平均法定时限（工作日）"),
                _("提速比例")],
               [pct(summary.get("on_time_rate")), num(summary.get("cases_due")), num(summary.get("completed")),
                num(summary.get("avg_days")), num(summary.get("avg_statutory_days")), pct(summary.get("speedup"))]]),
    ]
    columns = score_columns()
    widths = [12 * mm, 60 * mm] + [17 * mm] * (len(columns) - 2)
    for kind in TargetKind.values:
        of_kind = [score_row(s) for s in scores if s.target_kind == kind]
        if not of_kind:
            continue
        rows = [[str(label) for _k, label in columns]]
        for r in of_kind:
            rows.append([pct(r[k]) if k.endswith("_rate") else num(r[k]) for k, _l in columns])
        flow += [Spacer(1, 4 * mm), paragraph(_kind_title(kind), "heading"), table(rows, widths)]
    if published := assessment.published_at:
        flow += [Spacer(1, 4 * mm), paragraph(f"{_('发布时间')}：{published:%Y-%m-%d %H:%M}", "small")]
    doc.build(flow)
    return buffer.getvalue()
