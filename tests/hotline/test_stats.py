"""Statistics (响应率/解决率/满意率/按时办结率) on a crafted dataset; the public page, JSON and API;
weekly and monthly reports as Excel and PDF."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.conftest import login
from yiwang.hotline import stats
from yiwang.hotline.models import Ticket

pytestmark = pytest.mark.django_db


def _p(hl, user):
    return hl.pos(user)


@pytest.fixture
def crafted(hl, county, phone_ticket):
    """Seven tickets with known outcomes (see the assertions for the arithmetic)."""
    from yiwang.hotline import services as s

    op = hl.operator

    def dispatch(ticket, unit=None):
        s.ticket_dispatch(ticket=ticket, lead_unit=unit or hl.housing, actor=op, position=_p(hl, op))
        ticket.refresh_from_db()
        return ticket.assignments.filter(role="lead").order_by("-id").first()

    def handle(ticket, satisfaction, resolved):
        assignment = dispatch(ticket)
        s.assignment_accept(assignment=assignment, actor=hl.housing_staff, position=_p(hl, hl.housing_staff))
        reply = s.reply_submit(assignment=assignment, content="已修复。", actor=hl.housing_staff,
                               position=_p(hl, hl.housing_staff))
        s.reply_review(reply=reply, approve=True, actor=op, position=_p(hl, op))
        ticket.refresh_from_db()
        s.callback_record(ticket=ticket, method="phone", satisfaction=satisfaction, resolved=resolved,
                          actor=op, position=_p(hl, op))
        ticket.refresh_from_db()
        return ticket

    t1 = handle(phone_ticket(content="路灯坏了"), "satisfied", True)
    t2 = handle(phone_ticket(content="路面坑洼", category="complaint"), "basic", False)
    t3 = handle(phone_ticket(content="下水道堵塞"), "unsatisfied", False)  # reopened
    t4 = phone_ticket(content="井盖缺失")
    dispatch(t4)
    t5 = phone_ticket(content="咨询村务公开", category="consult", division=county.village_b1,
                      matter_type=hl.matter_village)
    t6 = phone_ticket(content="路灯坏了（重复）")
    s.ticket_merge(ticket=t6, into=t1, actor=op, position=_p(hl, op))
    t7 = phone_ticket(content="违章搭建")
    returned = dispatch(t7, hl.enforce)
    s.assignment_return(assignment=returned, reason="不属于本单位", actor=hl.enforce_staff,
                        position=_p(hl, hl.enforce_staff))
    s.return_review(assignment=returned, approve=True, new_lead_unit=hl.housing, actor=op, position=_p(hl, op))
    # t2 was replied after its deadline; t4 was dispatched three days ago, never touched, now overdue
    t2.refresh_from_db()
    Ticket.objects.filter(pk=t2.pk).update(expected_at=t2.replied_at - timedelta(hours=1))
    past = timezone.now() - timedelta(days=3)
    Ticket.objects.filter(pk=t4.pk).update(dispatched_at=past, expected_at=timezone.now() - timedelta(hours=2))
    # t5 arrived 40 days ago (for the trend)
    Ticket.objects.filter(pk=t5.pk).update(created_at=timezone.now() - timedelta(days=40))
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6, "t7": t7}


def _range(**kw):
    today = timezone.localdate()
    return stats.StatsRange(today - timedelta(days=89), today, **kw)


def test_summary_rates_on_crafted_dataset(crafted):
    summary = stats.summary(_range())
    assert summary["total"] == 7
    assert summary["merged"] == 1
    assert summary["dispatched"] == 5  # t1 t2 t3 t4 t7 (not t5 registered, not t6 merged)
    assert summary["responded"] == 4  # t1–t3 accepted, t7 returned; t4 never touched
    assert summary["response_rate"] == 0.8
    assert summary["called_back"] == 3
    assert summary["resolution_rate"] == round(1 / 3, 4)
    assert summary["satisfaction_rate"] == round(2 / 3, 4)  # satisfied + basic
    assert summary["due"] == 4  # t1 t2 t3 replied, t4 overdue
    assert summary["on_time"] == 2  # t2 late, t4 overdue
    assert summary["on_time_rate"] == 0.5
    assert summary["overdue_open"] == 1
    assert summary["closed"] == 2
    assert crafted["t3"].status == "reopened"


def test_groups_by_category_division_unit_and_trend(crafted, county):
    rng = _range()
    categories = {r["category"]: r for r in stats.by_category(rng)}
    assert categories["help"]["total"] == 5 and categories["complaint"]["total"] == 1
    assert categories["consult"]["total"] == 1 and categories["complaint"]["label"] == "投诉"
    divisions = {r["label"]: r["total"] for r in stats.by_division(rng)}
    assert divisions == {"十字路街道": 6, "大店镇": 1}
    units = {r["label"]: r for r in stats.by_unit(rng)}
    assert units["县住建局"]["total"] == 5 and units["县住建局"]["returns"] == 0
    assert units["县执法局"]["returns"] == 1 and units["县执法局"]["total"] == 0
    matters = stats.by_matter_type(rng)
    assert matters[0] == {"code": "ROAD", "label": "道路破损", "total": 5}
    weeks = stats.trend(rng, period="week")
    assert sum(w["total"] for w in weeks) == 7 and len(weeks) >= 2
    assert all(w["period"].count("-W") == 1 for w in weeks)
    assert sum(m["total"] for m in stats.trend(rng, period="month")) == 7


def test_range_and_scope_filters(crafted, county, hl):
    today = timezone.localdate()
    assert stats.summary(stats.StatsRange(today, today))["total"] == 6  # t5 is 40 days old
    assert stats.summary(_range(division_path=county.township_b.path))["total"] == 1
    assert stats.summary(_range(unit_id=hl.enforce.pk))["total"] == 0
    empty = stats.summary(stats.StatsRange(date(2020, 1, 1), date(2020, 1, 31)))
    assert empty["total"] == 0 and empty["response_rate"] is None and empty["satisfaction_rate"] is None


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-13-01", None), ("2026-03-01", "2026-02-01"), ("2020-01-01", "2026-01-01")],
)
def test_parse_range_rejects_bad_input(start, end):
    from yiwang.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        stats.parse_range(start, end)


def test_public_page_renders_rates_tables_and_local_echarts(client, crafted):
    response = client.get("/hotline/stats/")
    assert response.status_code == 200
    html = response.content.decode("utf-8")
    assert "响应率" in html and "满意率" in html and "解决率" in html and "按时办结率" in html
    assert '<td class="num" data-key="total">7</td>' in html
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert "十字路街道" in html  # the no-JS table under the chart
    assert 'id="stats-start"' in html and 'for="stats-start"' in html


def test_public_page_bad_dates_are_400_not_500(client, crafted):
    response = client.get("/hotline/stats/", {"start": "2026-02-30"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode("utf-8")


def test_data_json_and_api(client, crafted):
    data = client.get("/hotline/stats/data.json").json()
    assert data["summary"]["total"] == 7 and data["summary"]["response_rate"] == 0.8
    assert client.get("/hotline/stats/data.json", {"end": "x"}).status_code == 400
    api = client.get("/api/v1/hotline/stats/")
    assert api.status_code == 200
    body = json.loads(api.content)
    assert body["summary"] == data["summary"]
    assert {"by_category", "by_division", "by_unit", "trend_week", "trend_month"} <= set(body)
    bad = client.get("/api/v1/hotline/stats/", {"start": "2026-05-01", "end": "2026-04-01"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_vendored_echarts_is_present():
    from django.conf import settings

    vendored = settings.BASE_DIR / "static" / "vendor" / "echarts" / "echarts.min.js"
    assert vendored.stat().st_size > 500_000
    assert b"echarts" in vendored.read_bytes()[:2000].lower()


# --- reports -------------------------------------------------------------------------------------


def test_report_window_normalises_to_monday_and_first_of_month():
    from yiwang.hotline.reports import report_window

    week = report_window("week", "2026-03-05")  # a Thursday
    assert (week.start, week.end) == (date(2026, 3, 2), date(2026, 3, 8))
    month = report_window("month", "2026-02-17")
    assert (month.start, month.end) == (date(2026, 2, 1), date(2026, 2, 28))
    last = report_window("month", today=date(2026, 1, 15))
    assert (last.start, last.end) == (date(2025, 12, 1), date(2025, 12, 31))


def test_weekly_excel_report(client, crafted, hl):
    from openpyxl import load_workbook

    login(client, hl.operator)
    start = timezone.localdate().isoformat()
    response = client.get("/hotline/reports/week.xlsx", {"start": start})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["概况", "类别", "区域", "承办单位", "热点事项", "工单明细"]
    summary = {row[0]: row[1] for row in wb["概况"].iter_rows(min_row=6, values_only=True)}
    assert summary["受理量"] == 6  # this week: t5 is 40 days old
    assert summary["响应率"] == 0.8
    detail = list(wb["工单明细"].iter_rows(min_row=2, values_only=True))
    assert len(detail) == 6 and all(row[0] for row in detail)
    text = " ".join(str(c) for row in wb["工单明细"].iter_rows(values_only=True) for c in row)
    assert "13812345678" not in text and "王先生" not in text


def test_monthly_pdf_report(client, crafted, hl):
    login(client, hl.operator)
    response = client.get("/hotline/reports/month.pdf", {"start": timezone.localdate().isoformat()})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and len(response.content) > 2000


def test_reports_are_scoped_and_forbidden_paths(client, crafted, hl, applicant):
    from openpyxl import load_workbook

    # anonymous: to the login page
    response = client.get("/hotline/reports/week.xlsx")
    assert response.status_code == 302 and "/accounts/" in response["Location"]
    # a citizen has no position
    login(client, applicant)
    assert client.get("/hotline/reports/week.xlsx").status_code == 403
    # township B's clerk only sees what township B leads: nothing
    login(client, hl.town_b_staff)
    response = client.get("/hotline/reports/week.xlsx", {"start": timezone.localdate().isoformat()})
    assert response.status_code == 200
    summary = {r[0]: r[1] for r in load_workbook(io.BytesIO(response.content))["概况"].iter_rows(
        min_row=6, values_only=True)}
    assert summary["受理量"] == 0
    # bad input is 400, unknown periods are 404
    login(client, hl.operator)
    assert client.get("/hotline/reports/week.pdf", {"start": "2026-99-01"}).status_code == 400
    assert client.get("/hotline/reports/year.pdf").status_code == 404


def test_report_needs_ticket_view(county, hl):
    from tests.conftest import make_position, make_user
    from yiwang.core.errors import PermissionDenied
    from yiwang.hotline.reports import report_data

    user = make_user("trader", real_name="钱进")
    position = make_position(user, "trading_staff", county.county)
    with pytest.raises(PermissionDenied):
        report_data(position=position, period="week")
