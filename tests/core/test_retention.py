"""网络安全法 Art. 21: audit events are kept at least six months; the platform never deletes them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from yiwang.env import env_int

SRC = Path(__file__).resolve().parents[2] / "src" / "yiwang"


def test_retention_is_at_least_six_months(monkeypatch):
    assert settings.AUDIT_RETENTION_DAYS >= 183
    monkeypatch.setenv("YIWANG_AUDIT_RETENTION_DAYS", "90")
    with pytest.raises(ImproperlyConfigured):
        env_int("YIWANG_AUDIT_RETENTION_DAYS", 365, minimum=183)


def test_no_code_path_deletes_audit_events():
    pattern = re.compile(r"(AuditEvent|AuditAnchor)[^\n]*\.delete\(|DELETE\s+FROM\s+core_audit", re.IGNORECASE)
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
