"""The workflow modules import in one direction: validation → engine → bpmn_xml, never back."""

from __future__ import annotations

import ast
from pathlib import Path

import yiwang.workflow

PACKAGE = Path(yiwang.workflow.__file__).parent


def _imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):  # module level and inside functions alike
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_engine_does_not_import_validation():
    assert "yiwang.workflow.validation" not in _imports("engine")
    assert "yiwang.workflow.validation" not in _imports("bpmn_xml")
    assert "yiwang.workflow.engine" not in _imports("bpmn_xml")
    assert "yiwang.workflow.engine" in _imports("validation")
