from __future__ import annotations

import pytest

from tests.cases.factories import make_submitted_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall_case(county, item, applicant):
    from yiwang.org.models import ServiceHall

    case = make_submitted_case(version=item, applicant=applicant, division=county.village_a1)
    hall = ServiceHall.objects.create(name="东关村便民服务站", division=case.division)
    return hall, case


def test_hall_display_shows_today_masked_and_refreshes(client, county, hall_case, applicant):
    from datetime import date

    from tests.performance.crafting import add_rating
    from yiwang.org.models import Window

    hall, case = hall_case
    window = Window.objects.create(hall=hall, number="1", name="综合窗口")
    add_rating(grade=5, department=county.civil_affairs_a, division=county.township_a, day=date.today(),
               window=window)
    from django.utils import timezone

    from yiwang.evaluation.models import Rating

    Rating.objects.update(created_at=timezone.now())
    response = client.get(f"/performance/hall/{hall.pk}/display/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'http-equiv="refresh"' in html and 'hx-trigger="every 30s"' in html
    assert "王**" in html
    assert applicant.real_name not in html
    assert "13800000000" not in html and "110101199003070011" not in html
    assert case.number in html
    data = client.get(f"/api/v1/performance/halls/{hall.pk}/display").json()
    assert data["waiting"] == 1 and data["submitted_today"] == 1
    assert data["ratings"]["total"] == 1 and data["ratings"]["satisfaction_rate"] == 1.0
    assert data["queue"][0]["applicant"] == "王**"
    partial = client.get(f"/performance/hall/{hall.pk}/display/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "王**" in partial


def test_unknown_hall_is_404(client, county):
    assert client.get("/performance/hall/999999/display/").status_code == 404
    assert client.get("/api/v1/performance/halls/999999/display").status_code == 404
