from __future__ import annotations

import io
from datetime import date

import pytest

from tests.conftest import login
from tests.performance.crafting import add_alert, add_rating

pytestmark = pytest.mark.django_db

MARCH = "start=2026-03-01&end=2026-03-31"


@pytest.fixture
def extras(march, county):
    add_rating(grade=5, department=county.civil_affairs_a, division=county.township_a, day=date(2026, 3, 10))
    add_rating(grade=2, department=county.civil_affairs_b, division=county.township_b, day=date(2026, 3, 10))
    add_alert(level="red", case=march["b1"], day=date(2026, 3, 3))
    return march


def test_township_head_sees_only_township_a(client, extras, county, head_a):
    login(client, head_a)
    page = client.get(f"/performance/dashboard/?{MARCH}")
    assert page.status_code == 200
    html = page.content.decode()
    assert county.civil_affairs_a.name in html
    assert county.civil_affairs_b.name not in html
    assert "vendor/echarts/echarts.min.js" in html and "//cdn" not in html
    data = client.get(f"/performance/dashboard/data.json?{MARCH}").json()
    assert data["summary"]["due"] == 3 and data["summary"]["on_time"] == 1
    assert data["summary"]["speedup"] == 0.65
    assert data["summary"]["satisfaction_rate"] == 1.0  # township B's bad rating is not in scope
    assert data["summary"]["alerts"] == 0  # the red card is township B's
    assert [r["label"] for r in data["by_department"]] == [county.civil_affairs_a.name]


def test_county_supervisor_sees_everything(client, extras, county, supervisor):
    login(client, supervisor)
    data = client.get(f"/api/v1/performance/dashboard?{MARCH}").json()
    assert data["summary"]["due"] == 4
    assert data["summary"]["satisfaction_rate"] == 0.5
    assert {r["level"]: r["total"] for r in data["alerts_by_level"]}["red"] == 1
    assert {r["label"] for r in data["by_department"]} == {county.civil_affairs_a.name, county.civil_affairs_b.name}
    assert data["by_month"] == [{"period": "2026-03", "submitted": 5, "completed": 3}]


def test_citizen_forbidden_and_anonymous_redirected(client, applicant, clerk_a):
    assert client.get("/performance/dashboard/").status_code == 302
    assert client.get("/api/v1/performance/dashboard").status_code == 401
    login(client, applicant)
    assert client.get("/performance/dashboard/").status_code == 403
    login(client, clerk_a)  # a window clerk has no performance.view
    assert client.get("/performance/dashboard/").status_code == 403
    assert client.get("/api/v1/performance/dashboard").status_code == 403


def test_bad_dates_are_a_400_not_a_500(client, head_a):
    login(client, head_a)
    assert client.get("/performance/dashboard/?start=yesterday").status_code == 400
    assert client.get("/performance/dashboard/data.json?start=2026-05-01&end=2026-01-01").status_code == 400
    assert client.get("/api/v1/performance/dashboard?start=2020-01-01&end=2026-01-01").status_code == 400


def test_every_dashboard_table_exports_to_excel(client, extras, county, head_a):
    from openpyxl import load_workbook

    from yiwang.performance.views import dashboard_tables

    login(client, head_a)
    for table in dashboard_tables():
        response = client.get(f"/performance/dashboard/?{MARCH}&format=xlsx&table={table}")
        assert response.status_code == 200, table
        wb = load_workbook(io.BytesIO(response.content))
        values = [c.value for row in wb.active.iter_rows() for c in row]
        if table == "by_department":
            assert county.civil_affairs_a.name in values
            assert county.civil_affairs_b.name not in values
    assert client.get(f"/performance/dashboard/?{MARCH}&format=xlsx&table=nope").status_code == 404
