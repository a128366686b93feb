"""Applying: three channels, drafts, idempotent submission, numbers and query codes."""

from __future__ import annotations

from datetime import date

import pytest

from tests.cases.factories import at, make_item, make_submitted_case, pdf_upload, position_of
from yiwang.cases import services
from yiwang.cases.deadlines import ACCEPTANCE_PURPOSE
from yiwang.cases.models import Case, CaseMaterial, CaseStatus, Channel
from yiwang.core.errors import InvalidInput, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def test_online_submission_assigns_number_code_and_acceptance_clock(item, applicant, county):
    case = make_submitted_case(version=item, applicant=applicant, received_on=date(2026, 9, 29))
    assert case.status == CaseStatus.SUBMITTED
    assert case.number == "YW3713272026000001"
    assert len(case.query_code) == 8 and not set(case.query_code) & set("01OIL")
    assert case.materials_received_on == date(2026, 9, 29)
    assert case.division == county.township_a and case.department == county.civil_affairs_a
    assert case.handling_level == "township"
    assert case.applicant_name == "王秀英" and case.applicant_id_masked.startswith("1101")
    from yiwang.calendar.selectors import clock_for_object

    clock = clock_for_object(case, purpose=ACCEPTANCE_PURPOSE)
    assert clock.budget == 5 and clock.start_date == date(2026, 9, 29)
    # 9-30, 10-08, 10-09, 10-10 (adjusted Saturday), 10-12: 国庆 is not counted.
    assert clock.due_date == date(2026, 10, 12)
    assert CaseMaterial.objects.filter(case=case).count() == 3
    assert all(len(m.sha256) == 64 for m in case.materials.all())
    second = make_submitted_case(version=item, applicant=applicant, received_on=date(2026, 9, 29))
    assert second.number == "YW3713272026000002"


def test_county_item_is_handled_by_its_department(county_item, applicant, county):
    case = make_submitted_case(version=county_item, applicant=applicant)
    assert case.division == county.county and case.department == county.approval_bureau
    assert case.handling_level == "county"


def test_township_item_online_needs_a_place(item, applicant):
    with pytest.raises(InvalidInput) as exc:
        services.case_apply(version=item, actor=applicant, channel=Channel.ONLINE, division=None, files={})
    assert exc.value.code == "division_required"


def test_same_idempotency_key_gives_one_case(item, applicant):
    first = make_submitted_case(version=item, applicant=applicant, idempotency_key="k-1")
    again = make_submitted_case(version=item, applicant=applicant, idempotency_key="k-1")
    assert again.pk == first.pk
    assert Case.objects.count() == 1
    other = make_submitted_case(version=item, applicant=applicant, idempotency_key="k-2")
    assert other.pk != first.pk


def test_idempotency_keys_are_per_user(item, applicant, other_applicant):
    mine = make_submitted_case(version=item, applicant=applicant, idempotency_key="same")
    theirs = make_submitted_case(version=item, applicant=other_applicant, idempotency_key="same")
    assert mine.pk != theirs.pk


def test_draft_is_saved_and_resumed_then_submitted(item, applicant, county):
    draft = services.case_draft_save(version=item, actor=applicant, division=county.village_a1,
                                     form_data={"address": "东关村 1 号"}, idempotency_key="d1")
    assert draft.status == CaseStatus.DRAFT and draft.number is None
    material = item.materials.first()
    services.case_material_upload(case=draft, material_id=material.pk, upload=pdf_upload(), actor=applicant)
    draft = services.case_draft_save(version=item, actor=applicant, case=draft, form_data={"note": "补充说明"})
    assert draft.form_data == {"address": "东关村 1 号", "note": "补充说明"}
    case = services.case_submit(case=draft, actor=applicant, now=at(date(2026, 3, 2)))
    assert case.status == CaseStatus.SUBMITTED and case.number
    assert services.case_submit(case=case, actor=applicant).number == case.number  # a retry changes nothing


def test_other_user_cannot_touch_my_draft(item, applicant, other_applicant, county):
    draft = services.case_draft_save(version=item, actor=applicant, division=county.village_a1)
    with pytest.raises(NotFound):
        services.case_submit(case=draft, actor=other_applicant)
    with pytest.raises(NotFound):
        services.case_draft_save(version=item, actor=other_applicant, case=draft, form_data={"note": "x"})


def test_window_filing_for_an_applicant(item, clerk_a, villager, county):
    case = make_submitted_case(version=item, channel="window", filer=clerk_a)
    assert case.channel == Channel.WINDOW
    assert case.filed_by == clerk_a and case.filed_by_position == position_of(clerk_a)
    assert case.applicant_user == villager  # matched by the ID number's blind index
    assert case.department == county.civil_affairs_a


def test_window_filing_validates_the_applicant(item, clerk_a):
    with pytest.raises(InvalidInput) as exc:
        make_submitted_case(version=item, channel="window", filer=clerk_a,
                            applicant_info={"name": "", "id_number": "123", "phone": "12"})
    assert set(exc.value.details["fields"]) == {"name", "id_number", "phone"}


def test_citizen_cannot_file_for_others(item, applicant):
    with pytest.raises(PermissionDenied):
        make_submitted_case(version=item, channel="window", filer=applicant)


def test_agent_files_for_a_villager(village_item, agent, villager, county):
    case = make_submitted_case(version=village_item, channel="agent", filer=agent)
    assert case.channel == Channel.AGENT
    assert case.filed_by == agent and case.filed_by_position.division == county.village_b1
    assert case.division == county.township_b and case.department == county.civil_affairs_b
    assert case.applicant_user == villager
    assert case.form_data["filing_division"] == county.village_b1.code


def test_agent_cannot_file_outside_his_village(village_item, agent, county):
    with pytest.raises(PermissionDenied):
        make_submitted_case(version=village_item, channel="agent", filer=agent, division=county.village_a1)


def test_agent_needs_a_village_level_item(county, agent):
    township_only = make_item(name="乡镇事项", department=county.civil_affairs, levels=["township"])
    with pytest.raises(InvalidInput) as exc:
        make_submitted_case(version=township_only, channel="agent", filer=agent)
    assert exc.value.code == "level_not_allowed"


def test_clerk_cannot_use_agent_channel(village_item, clerk_b):
    with pytest.raises(PermissionDenied):
        make_submitted_case(version=village_item, channel="agent", filer=clerk_b)
