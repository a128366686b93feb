"""notify imports go one way: services → tasks → delivery (no cycle services ↔ tasks)."""

from __future__ import annotations

import ast
from pathlib import Path

import yiwang.notify

NOTIFY = Path(yiwang.notify.__file__).parent


def _imported_modules(name: str) -> set[str]:
    tree = ast.parse((NOTIFY / f"{name}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_tasks_and_delivery_never_import_services():
    for name in ("tasks", "delivery"):
        assert "yiwang.notify.services" not in _imported_modules(name), name


def test_delivery_never_imports_tasks():
    assert "yiwang.notify.tasks" not in _imported_modules("delivery")
