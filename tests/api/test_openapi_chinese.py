"""The API docs at /api/v1/docs are Chinese: every operation has a Chinese summary."""

from __future__ import annotations

import re

from yiwang.api.main import api

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_operation_summary_is_chinese():
    # given the published OpenAPI document
    schema = api.get_openapi_schema()
    # when every operation's summary is read
    english = [f"{method.upper()} {path}: {op.get('summary')!r}"
               for path, ops in schema["paths"].items() for method, op in ops.items()
               if not CJK.search(op.get("summary") or "")]
    # then none is left in English (or as a function name like "Manage Items")
    assert english == []
    assert len([1 for ops in schema["paths"].values() for _ in ops]) >= 100
