import pytest

from tests.conftest import make_position, make_user


@pytest.fixture
def standard_process(db):
    from yiwang.workflow.services import process_from_template

    return process_from_template(kind="standard", name="标准流程")


@pytest.fixture
def reviewer_civil(county):
    user = make_user("reviewer_civil", real_name="王审查", phone="13900000011")
    make_position(user, "reviewer", county.county, county.civil_affairs)
    return user


@pytest.fixture
def reviewer_bureau(county):
    user = make_user("reviewer_bureau", real_name="周审查", phone="13900000012")
    make_position(user, "reviewer", county.county, county.approval_bureau)
    return user


def position_of(user):
    return user.positions.first()


FOOD_FIELDS = {
    "name": "食品经营许可",
    "item_type": "licensing",
    "legal_basis": "《中华人民共和国食品安全法》第三十五条",
    "levels": ["county"],
    "service_targets": ["enterprise"],
    "statutory_limit": 20,
    "promised_limit": 10,
    "acceptance_conditions": "具有与经营的食品品种相适应的场所",
    "result_name": "食品经营许可证",
    "result_type": "licence",
}


@pytest.fixture
def make_published(standard_process, admin_user):
    """Create and publish an item as the administrator; returns the published version."""
    from yiwang.catalog import services

    def _make(base_code, department, *, fields=None, materials=None, fees=None, themes=None):
        position = position_of(admin_user)
        data = {**FOOD_FIELDS, **(fields or {}), "process": standard_process}
        if themes:
            data["themes"] = themes
        draft = services.item_create(base_code=base_code, department=department, fields=data,
                                     materials=materials if materials is not None else [
                                         {"name": "食品经营许可申请书", "form": "original", "source": "applicant"},
                                         {"name": "营业执照", "form": "copy", "source": "government"}],
                                     fees=fees, actor=admin_user, position=position)
        services.version_submit(version=draft, actor=admin_user, position=position)
        return services.version_publish(version=draft, actor=admin_user, position=position, note="同意")

    return _make
