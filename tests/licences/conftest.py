"""Fixtures for licences: a published 食品经营许可 item, a granted case, and the staff who act on it.

Built with the ORM directly so that these tests do not depend on the cases services.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import make_position, make_user


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def food_version(county):
    from yiwang.catalog.models import ServiceItem, ServiceItemVersion

    item = ServiceItem.objects.create(base_code="000123456000", name="食品经营许可", department=county.approval_bureau)
    version = ServiceItemVersion.objects.create(
        item=item, number=1, status="published", implementation_code="11371327MB0000000X000123456000",
        name="食品经营许可", item_type="licensing", department=county.approval_bureau,
        legal_basis="《中华人民共和国食品安全法》第三十五条", levels=["county"], service_targets=["enterprise"],
        statutory_limit=20, promised_limit=10, result_name="食品经营许可证", result_type="licence",
        licence_template="food_business",
    )
    item.published_version = version
    item.save(update_fields=["published_version"])
    return version


def build_case(version, *, applicant=None, status="granted", number="JN20260001", name="王秀英", **extra):
    from yiwang.cases.models import Case

    now = timezone.now()
    return Case.objects.create(
        number=number, query_code="Q1W2E3", item=version.item, version=version, applicant_user=applicant,
        applicant_name=name, applicant_id_masked="1101**********0011", division=version.department.division,
        department=version.department, status=status, submitted_at=now - timedelta(days=8),
        accepted_at=now - timedelta(days=7), decision="grant" if status == "granted" else "",
        form_data={"business_name": "莒南县王记小吃店", "address": "十字路街道人民路 1 号", "scope": "热食类食品制售"},
        **extra,
    )


@pytest.fixture
def granted_case(food_version, applicant):
    return build_case(food_version, applicant=applicant)


@pytest.fixture
def approver(county):
    user = make_user("approver_lic", real_name="孙审批", phone="13900000011")
    make_position(user, "approver", county.county, county.approval_bureau)
    return user


@pytest.fixture
def dept_head(county):
    user = make_user("head_lic", real_name="周局长", phone="13900000012")
    make_position(user, "department_head", county.county, county.approval_bureau)
    return user


@pytest.fixture
def other_citizen(county):
    return make_user("other_citizen", kind="citizen", real_name="刘洋", phone="13800000009")


def position_of(user):
    return user.positions.first()
