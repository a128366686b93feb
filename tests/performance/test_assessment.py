from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from tests.cases.factories import position_of
from tests.conftest import login
from tests.performance.conftest import TODAY
from tests.performance.crafting import add_rating, craft_quality

pytestmark = pytest.mark.django_db


@pytest.fixture
def quality(march, county, clerk_a):
    craft_quality(county=county, cases=march, clerk_a=clerk_a)
    return march


def _compute(supervisor, scheme=None, month="2026-03"):
    from yiwang.performance.services import assessment_compute

    return assessment_compute(month=month, scheme=scheme, actor=supervisor, position=position_of(supervisor),
                              today=TODAY)


def _dept(assessment, department):
    return assessment.scores.get(target_kind="department", department=department)


def test_default_scheme_scores_and_grades(quality, county, supervisor):
    assessment = _compute(supervisor)
    a = _dept(assessment, county.civil_affairs_a)
    c = a.components
    assert c["on_time_rate"] == 0.3333
    assert c["satisfaction_rate"] == 0.75  # the excluded rating does not count
    assert c["rectification_rate"] == 1.0
    assert (c["yellow"], c["red"]) == (1, 1)
    # 0.3333*40 + 0.75*30 + 1*10 = 45.83; alerts 20 - 2 - 5 = 13
    assert a.total == Decimal("58.83")
    assert a.grade == "fail"
    b = _dept(assessment, county.civil_affairs_b)
    assert b.total == Decimal("100.00")  # on time only: scaled to the whole rate share
    assert b.grade == "excellent"
    assert (b.rank, a.rank) == (1, 2)
    assert assessment.status == "draft"
    assert assessment.summary["on_time_rate"] == 0.5


def test_grade_thresholds_change_the_grade(quality, county, supervisor):
    from yiwang.performance.models import AssessmentScheme
    from yiwang.performance.services import scheme_save

    lenient = scheme_save(scheme=AssessmentScheme(name="宽松", threshold_excellent=Decimal("95"),
                                                  threshold_good=Decimal("55"), threshold_pass=Decimal("50")),
                          actor=supervisor, position=position_of(supervisor))
    a = _dept(_compute(supervisor, lenient), county.civil_affairs_a)
    assert a.total == Decimal("58.83")
    assert a.grade == "good"


def test_weights_change_the_total(quality, county, supervisor):
    from yiwang.performance.models import AssessmentScheme
    from yiwang.performance.services import scheme_save

    scheme = scheme_save(scheme=AssessmentScheme(name="重满意度", weight_on_time=Decimal("10"),
                                                 weight_satisfaction=Decimal("60"), weight_rectification=Decimal("10"),
                                                 weight_alerts=Decimal("20"), penalty_red=Decimal("0")),
                         actor=supervisor, position=position_of(supervisor))
    a = _dept(_compute(supervisor, scheme), county.civil_affairs_a)
    # 0.3333*10 + 0.75*60 + 1*10 = 58.33; alerts 20 - 2 (yellow) - 0 (red) = 18
    assert a.total == Decimal("76.33")
    assert a.grade == "pass"


def test_scheme_weights_must_add_up(supervisor):
    from yiwang.core.errors import InvalidInput
    from yiwang.performance.models import AssessmentScheme
    from yiwang.performance.services import scheme_save

    with pytest.raises(InvalidInput):
        scheme_save(scheme=AssessmentScheme(name="错", weight_on_time=Decimal("50")), actor=supervisor,
                    position=position_of(supervisor))


def test_window_and_staff_targets(quality, county, supervisor, clerk_a):
    assessment = _compute(supervisor, month="2026-04")
    staff = assessment.scores.get(target_kind="staff", staff=clerk_a)
    assert staff.components["satisfaction_rate"] == 1.0
    window = assessment.scores.get(target_kind="window")
    assert window.components["ratings"] == 1
    march = _compute(supervisor)
    assert march.scores.get(target_kind="staff", staff=clerk_a).components["red"] == 1


def test_only_managers_compute_and_publish(march, clerk_a, head_a, supervisor):
    from yiwang.core.errors import PermissionDenied
    from yiwang.performance.services import assessment_compute, assessment_publish

    for user in (clerk_a, head_a):
        with pytest.raises(PermissionDenied):
            assessment_compute(month="2026-03", actor=user, position=position_of(user), today=TODAY)
    assessment = _compute(supervisor)
    with pytest.raises(PermissionDenied):
        assessment_publish(assessment=assessment, actor=head_a, position=position_of(head_a))


def test_bad_month_is_invalid_input(supervisor):
    from yiwang.core.errors import InvalidInput

    for month in ("2026-13", "soon", "2027-01"):
        with pytest.raises(InvalidInput):
            _compute(supervisor, month=month)


def test_publish_makes_the_report_public(client, quality, county, supervisor, clerk_a):
    from openpyxl import load_workbook

    from yiwang.core.errors import Conflict
    from yiwang.performance.services import assessment_publish

    assessment = _compute(supervisor)
    assert client.get("/performance/reports/").content.count(b"/performance/reports/%d/" % assessment.pk) == 0
    assert client.get(f"/performance/reports/{assessment.pk}/").status_code == 404
    assert client.get("/api/v1/performance/reports").json() == []

    assessment_publish(assessment=assessment, actor=supervisor, position=position_of(supervisor))
    page = client.get("/performance/reports/")
    assert f"/performance/reports/{assessment.pk}/" in page.content.decode()
    detail = client.get(f"/performance/reports/{assessment.pk}/").content.decode()
    assert county.civil_affairs_a.name in detail
    assert clerk_a.real_name not in detail  # staff scores are not published
    pdf = client.get(f"/performance/reports/{assessment.pk}/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get(f"/performance/reports/{assessment.pk}/?format=xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert len(wb.sheetnames) >= 2
    values = [c.value for row in wb.worksheets[1].iter_rows() for c in row]
    assert county.civil_affairs_a.name in values
    api = client.get(f"/api/v1/performance/reports/{assessment.pk}").json()
    assert assessment.scores.filter(target_kind="staff").exists()
    assert {s["target_kind"] for s in api["scores"]} == {"department"}

    with pytest.raises(Conflict):
        _compute(supervisor)
    with pytest.raises(Conflict):
        assessment_publish(assessment=assessment, actor=supervisor, position=position_of(supervisor))


def test_console_compute_publish_and_exports(client, quality, supervisor, clerk_a):
    from openpyxl import load_workbook

    login(client, supervisor)
    response = client.post("/performance/assessments/compute/", {"month": "2026-03"})
    assert response.status_code == 302
    from yiwang.performance.models import Assessment

    assessment = Assessment.objects.get()
    page = client.get(f"/performance/assessments/{assessment.pk}/")
    assert page.status_code == 200 and clerk_a.real_name in page.content.decode()
    pdf = client.get(f"/performance/assessments/{assessment.pk}/?format=pdf")
    assert pdf.content.startswith(b"%PDF")
    for kind, rows in (("department", 2), ("staff", 1)):
        sheet = client.get(f"/performance/assessments/{assessment.pk}/?format=xlsx&kind={kind}")
        assert load_workbook(io.BytesIO(sheet.content)).active.max_row == 3 + rows  # title, blank, header
    assert client.post(f"/performance/assessments/{assessment.pk}/publish/").status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_published and assessment.published_by == supervisor


def test_api_compute_and_publish(client, march, supervisor, head_a):
    login(client, head_a)
    assert client.post("/api/v1/performance/assessments", {"month": "2026-03"},
                       content_type="application/json").status_code == 403
    login(client, supervisor)
    created = client.post("/api/v1/performance/assessments", {"month": "2026-03"},
                          content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    bad = client.post("/api/v1/performance/assessments", {"month": "March"}, content_type="application/json")
    assert bad.status_code == 400
    assert client.post(f"/api/v1/performance/assessments/{pk}/publish").json()["status"] == "published"
    assert client.post(f"/api/v1/performance/assessments/{pk}/publish").status_code == 409
    detail = client.get(f"/api/v1/performance/assessments/{pk}").json()
    assert detail["scheme_snapshot"]["threshold_excellent"] == "90.00"


def test_monthly_job_computes_last_month_draft(march, county):
    from yiwang.performance.models import Assessment
    from yiwang.performance.services import assessments_compute_last_month

    ids = assessments_compute_last_month(today=TODAY)
    assessment = Assessment.objects.get(pk=ids[0])
    assert (assessment.division, assessment.period, assessment.status) == (county.county, date(2026, 3, 1), "draft")
    assert assessments_compute_last_month(today=TODAY) == ids  # recomputed in place


def test_excluded_ratings_do_not_count(county):
    from yiwang.evaluation.models import Rating
    from yiwang.performance import metrics

    add_rating(grade=1, department=county.civil_affairs_a, division=county.township_a, day=date(2026, 3, 3),
               status="excluded")
    add_rating(grade=4, department=county.civil_affairs_a, division=county.township_a, day=date(2026, 3, 3))
    got = metrics.satisfaction(metrics.rating_queryset(), date(2026, 3, 1), date(2026, 3, 31))[None]
    assert (got["ratings"], got["satisfaction_rate"]) == (1, 1.0)
    assert Rating.objects.count() == 2


def test_admin_scheme_form_rejects_bad_weights(admin_user):
    from yiwang.performance.admin import AssessmentSchemeForm
    from yiwang.performance.models import AssessmentScheme

    data = {f.name: getattr(AssessmentScheme(name="x"), f.name) for f in AssessmentScheme._meta.fields
            if f.name not in ("id", "updated_at")}
    form = AssessmentSchemeForm(data={**data, "is_default": False})
    assert form.is_valid(), form.errors
    assert not AssessmentSchemeForm(data={**data, "is_default": False, "weight_on_time": "60"}).is_valid()
