"""Weekly and monthly hotline reports (周报/月报) as Excel (openpyxl) and PDF (reportlab).

``/hotline/reports/week.xlsx?start=2026-03-02`` (or ``month``, ``.pdf``): staff with
``ticket.view``; the figures cover the acting position's scope (its division subtree and, for
departmental roles, the tickets its department leads). ``start`` defaults to the previous full
week (Monday) or month, and is moved back to the Monday / the first of the month.
"""

from __future__ import annotations

import calendar
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.hotline import stats
from yiwang.hotline.models import Category, Ticket, TicketChannel, TicketStatus
from yiwang.org.models import Position
from yiwang.org.roles import Perm
from yiwang.org.scope import Scope, has_perm

PERIODS = {"week": "周报", "month": "月报"}
TICKET_ROWS_LIMIT = 20000


@dataclass(frozen=True)
class ReportWindow:
    period: str
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.period == "week":
            iso = self.start.isocalendar()
            return f"{iso.year}年第{iso.week}周（{self.start:%m月%d日}—{self.end:%m月%d日}）"
        return f"{self.start.year}年{self.start.month}月"


def report_window(period: str, start: str | None = None, *, today: date | None = None) -> ReportWindow:
    """The week (Monday–Sunday) or calendar month containing ``start`` (default: the previous one)."""
    if period not in PERIODS:
        raise InvalidInput(_("报表周期只能是 week 或 month"), details={"period": period})
    today = today or timezone.localdate()
    try:
        day = date.fromisoformat(start) if start else None
    except ValueError as exc:
        raise InvalidInput(_("日期格式应为 YYYY-MM-DD"), details={"start": start}) from exc
    if period == "week":
        if day is None:
            day = today - timedelta(days=7)
        monday = day - timedelta(days=day.weekday())
        return ReportWindow(period, monday, monday + timedelta(days=6))
    if day is None:
        day = today.replace(day=1) - timedelta(days=1)
    first = day.replace(day=1)
    return ReportWindow(period, first, first.replace(day=calendar.monthrange(first.year, first.month)[1]))


def scope_range(position: Position, window: ReportWindow) -> stats.StatsRange:
    scope = Scope.of(position)
    division_path = None if position.division.parent_id is None else scope.division_path
    return stats.StatsRange(window.start, window.end, division_path=division_path, unit_id=scope.department_id)


def report_data(*, position: Position, period: str, start: str | None = None) -> dict[str, Any]:
    """Everything a report shows, for ``position``'s scope. Needs ``ticket.view``."""
    if not has_perm(position, Perm.TICKET_VIEW):
        raise PermissionDenied(_("当前岗位无权查看热线报表"), details={"required_permission": Perm.TICKET_VIEW})
    window = report_window(period, start)
    rng = scope_range(position, window)
    now = timezone.now()
    return {
        "title": f"{settings.SITE_NAME} 12345 热线{PERIODS[period]}",
        "window": window,
        "scope": position.department.name if rng.unit_id and position.department else position.division.name,
        "summary": stats.summary(rng, now=now),
        "by_category": stats.by_category(rng, now=now),
        "by_matter_type": stats.by_matter_type(rng),
        "by_division": stats.by_division(rng, now=now),
        "by_unit": stats.by_unit(rng, now=now),
        "tickets": list(
            stats.tickets_in_range(rng)
            .select_related("matter_type", "division", "lead_unit")
            .order_by("created_at", "id")[:TICKET_ROWS_LIMIT]
        ),
        "generated_at": timezone.localtime(now),
    }


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def summary_rows(summary: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        (_("受理量"), summary["total"]),
        (_("直接办结"), summary["closed_on_spot"]),
        (_("引导/不予受理"), summary["diverted"]),
        (_("并单"), summary["merged"]),
        (_("派单量"), summary["dispatched"]),
        (_("已办结"), summary["closed"]),
        (_("超期未办结"), summary["overdue_open"]),
        (_("已回访"), summary["called_back"]),
        (_("响应率"), summary["response_rate"]),
        (_("解决率"), summary["resolution_rate"]),
        (_("满意率"), summary["satisfaction_rate"]),
        (_("按时办结率"), summary["on_time_rate"]),
    ]


GROUP_COLUMNS = (
    ("total", "数量"), ("dispatched", "派单"), ("closed", "办结"), ("response_rate", "响应率"),
    ("on_time_rate", "按时办结率"), ("resolution_rate", "解决率"), ("satisfaction_rate", "满意率"),
)


def _ticket_row(ticket: Ticket) -> list[Any]:
    on_time: str = ""
    if ticket.expected_at and ticket.replied_at:
        on_time = _("是") if ticket.replied_at <= ticket.expected_at else _("否")
    local = timezone.localtime
    return [
        ticket.number,
        local(ticket.created_at).replace(tzinfo=None),
        str(dict(Category.choices).get(ticket.category, ticket.category)),
        str(dict(TicketChannel.choices).get(ticket.channel, ticket.channel)),
        ticket.matter_type.name if ticket.matter_type else "",
        ticket.division.name if ticket.division else "",
        ticket.lead_unit.name if ticket.lead_unit else "",
        str(dict(TicketStatus.choices).get(ticket.status, ticket.status)),
        local(ticket.expected_at).replace(tzinfo=None) if ticket.expected_at else None,
        local(ticket.replied_at).replace(tzinfo=None) if ticket.replied_at else None,
        on_time,
    ]


TICKET_HEADERS = ("工单编号", "登记时间", "类别", "渠道", "事项类型", "区划", "主办单位", "状态", "应办结时间",
                  "答复时间", "按时")


def report_xlsx(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="F4F6F8")

    def header(ws: Any, row: int, titles: Any) -> None:
        for col, title in enumerate(titles, start=1):
            cell = ws.cell(row=row, column=col, value=str(title))
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(horizontal="center")

    ws = wb.active
    ws.title = "概况"
    ws["A1"] = data["title"]
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"{data['window'].label} · {data['scope']}"
    ws["A3"] = f"{_('生成时间')}：{data['generated_at']:%Y-%m-%d %H:%M}"
    header(ws, 5, (_("指标"), _("数值")))
    for i, (label, value) in enumerate(summary_rows(data["summary"]), start=6):
        ws.cell(row=i, column=1, value=str(label))
        cell = ws.cell(row=i, column=2, value=value)
        if isinstance(value, float) or (value is None and "率" in str(label)):
            cell.number_format = "0.0%"
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 14

    for title, rows, first in (
        ("类别", data["by_category"], "类别"),
        ("区域", data["by_division"], "乡镇/街道"),
        ("承办单位", data["by_unit"], "承办单位"),
    ):
        sheet = wb.create_sheet(title)
        extra = [("returns", "退单")] if title == "承办单位" else []
        columns = [*GROUP_COLUMNS, *extra]
        header(sheet, 1, [first, *(label for _k, label in columns)])
        for r, row in enumerate(rows, start=2):
            sheet.cell(row=r, column=1, value=row.get("label", ""))
            for c, (key, _label) in enumerate(columns, start=2):
                cell = sheet.cell(row=r, column=c, value=row.get(key))
                if key.endswith("_rate"):
                    cell.number_format = "0.0%"
        sheet.column_dimensions["A"].width = 26

    sheet = wb.create_sheet("热点事项")
    header(sheet, 1, ("事项类型", "数量"))
    for r, row in enumerate(data["by_matter_type"], start=2):
        sheet.cell(row=r, column=1, value=row["label"])
        sheet.cell(row=r, column=2, value=row["total"])
    sheet.column_dimensions["A"].width = 20

    sheet = wb.create_sheet("工单明细")
    header(sheet, 1, TICKET_HEADERS)
    for r, ticket in enumerate(data["tickets"], start=2):
        for c, value in enumerate(_ticket_row(ticket), start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if c in (2, 9, 10) and value is not None:
                cell.number_format = "yyyy-mm-dd hh:mm"
    for c, width in enumerate((22, 17, 8, 12, 14, 14, 24, 12, 17, 17, 6), start=1):
        sheet.column_dimensions[get_column_letter(c)].width = width
    sheet.freeze_panes = "A2"

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def report_pdf(data: dict[str, Any]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer, Table, TableStyle

    from yiwang.core.pdf import FONT, base_document, paragraph

    buffer = io.BytesIO()
    doc = base_document(buffer, data["title"])
    style = TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#c9d1d9")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f4f6f8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ])

    def table(rows: list[list[Any]], widths: list[float] | None = None) -> Table:
        cells = [[paragraph(v, "cell") if isinstance(v, str) else paragraph(str(v), "cell") for v in row]
                 for row in rows]
        t = Table(cells, colWidths=widths, repeatRows=1)
        t.setStyle(style)
        return t

    flow: list[Any] = [
        paragraph(data["title"], "title"),
        paragraph(f"{data['window'].label} · {data['scope']}", "body"),
        paragraph(f"{_('生成时间')}：{data['generated_at']:%Y-%m-%d %H:%M}", "small"),
        paragraph(_("核心指标"), "heading"),
    ]
    rows = [[_("指标"), _("数值")]]
    for label, value in summary_rows(data["summary"]):
        rows.append([str(label), _pct(value) if isinstance(value, float) or value is None else str(value)])
    flow.append(table(rows, [60 * mm, 40 * mm]))

    for heading, key, first in (
        (_("诉求类别"), "by_category", _("类别")),
        (_("热点区域"), "by_division", _("乡镇/街道")),
        (_("承办单位"), "by_unit", _("承办单位")),
    ):
        flow += [Spacer(1, 4 * mm), paragraph(heading, "heading")]
        rows = [[str(first), *(label for _k, label in GROUP_COLUMNS)]]
        for row in data[key]:
            rows.append([row.get("label", ""), *(
                _pct(row.get(k)) if k.endswith("_rate") else str(row.get(k, 0)) for k, _l in GROUP_COLUMNS
            )])
        if len(rows) == 1:
            rows.append([_("暂无数据"), *([""] * len(GROUP_COLUMNS))])
        flow.append(table(rows, [40 * mm] + [19 * mm] * len(GROUP_COLUMNS)))

    flow += [Spacer(1, 4 * mm), paragraph(_("热点事项"), "heading")]
    rows = [[_("事项类型"), _("数量")]] + [[r["label"], str(r["total"])] for r in data["by_matter_type"]]
    if len(rows) == 1:
        rows.append([_("暂无数据"), ""])
    flow.append(table(rows, [60 * mm, 30 * mm]))
    doc.build(flow)
    return buffer.getvalue()


@login_required
def report_download(request: HttpRequest, period: str, fmt: str) -> HttpResponse:
    """``/hotline/reports/<week|month>.<xlsx|pdf>?start=YYYY-MM-DD``."""
    position = getattr(request, "position", None)
    try:
        if position is None:
            raise PermissionDenied(_("您没有可用的工作岗位。"))
        data = report_data(position=position, period=period, start=request.GET.get("start"))
    except (PermissionDenied, InvalidInput) as exc:
        return render(request, "portal/error.html", {"title": _("无法生成报表"), "message": exc.message},
                      status=exc.status)
    name = f"hotline-{period}-{data['window'].start:%Y%m%d}.{fmt}"
    if fmt == "xlsx":
        body = report_xlsx(data)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = report_pdf(data)
        content_type = "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
