"""The OpenAPI document keys schemas by class name: two classes of one name would silently become one
(``MaterialOut`` of the catalogue and of cases did), so operations would answer outside their schema."""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def test_every_api_schema_class_has_a_unique_name():
    import yiwang.api.main  # noqa: F401 - loads every router and its schemas

    modules_by_name: dict[str, set[str]] = defaultdict(set)
    for cls in _subclasses(BaseModel):
        if cls.__module__.startswith("yiwang."):
            modules_by_name[cls.__name__].add(cls.__module__)

    duplicates = {name: sorted(mods) for name, mods in modules_by_name.items() if len(mods) > 1}
    assert not duplicates


def test_the_openapi_document_publishes_each_schema_once_under_its_own_name():
    from yiwang.api.main import api

    schemas = api.get_openapi_schema()["components"]["schemas"]

    assert {"CatalogMaterialOut", "CaseMaterialOut", "HandlingStepOut", "ProcessStepOut"} <= set(schemas)
    assert "MaterialOut" not in schemas and "StepOut" not in schemas
    assert set(schemas["CatalogMaterialOut"]["properties"]) >= {"required", "form", "source", "copies"}
    assert set(schemas["CaseMaterialOut"]["properties"]) >= {"original_name", "sha256", "uploaded_at"}
