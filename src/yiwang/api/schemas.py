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


ERROR_SCHEMA_REF = "#/components/schemas/ErrorOut"
_ERROR_DESCRIPTIONS = {
    400: "请求参数不正确（含校验失败、分页越界、非法字符）",
    401: "需要登录（工作人员须完成双因素认证）或有效的 API 密钥",
    403: "无权执行此操作（岗位权限或 API 密钥权限范围不足）",
    404: "资源不存在或不在本岗位管辖范围内",
}


def document_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare the error answers every operation can give, in the OpenAPI document, in one place.

    * 400 for every operation (validation, bounded pagination, the NUL guard);
    * 401 and 403 for an operation with authentication (``security``);
    * 404 for an operation with a path parameter.

    Answers an operation declares itself (409, 413, 429, or its own 4xx) are kept as they are.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}"))
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = [400]
            if operation.get("security"):
                codes += [401, 403]
            if "{" in path:
                codes.append(404)
            responses = operation["responses"]
            for code in codes:
                if code not in responses and str(code) not in responses:
                    responses[code] = {
                        "description": _ERROR_DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": {"$ref": ERROR_SCHEMA_REF}}},
                    }
    return schema
