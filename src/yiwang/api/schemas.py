"""Schemas every API module shares: the one error shape ``{code, message, details}``.

Every schema class that the API publishes has a name unique across the platform (the OpenAPI
document keys schemas by class name; two ``MaterialOut`` would silently become one), which
``tests/api/test_openapi_schema_names.py`` checks.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """Every 4xx answer: a machine-readable ``code``, a human ``message`` and ``details``."""

    code: str
    message: str
    details: dict[str, Any]
