from __future__ import annotations

import json

import pytest

from yiwang.workflow import engine


@pytest.fixture
def make_definition(db):
    from yiwang.workflow.services import process_from_template

    def _make(kind: str, departments: list[str] | None = None, name: str | None = None):
        return process_from_template(kind=kind, name=name or f"测试-{kind}", departments=departments)

    return _make


def roundtrip(state: dict) -> dict:
    """What the cases app does between requests: store as JSON, load again."""
    text = json.dumps(state)
    assert '"spec"' not in text and "subprocess_specs" not in text
    assert len(text) < 40_000
    return json.loads(text)


def run_all(definition, data: dict | None = None, step_data: dict | None = None) -> list[str]:
    """Complete every ready task in turn until the process ends; return the order of spec names."""
    state, steps = engine.start(definition, data or {})
    order: list[str] = []
    finished = False
    for _ in range(50):
        if not steps:
            break
        step = steps[0]
        order.append(step.spec_name)
        state, steps, finished = engine.complete(definition, roundtrip(state), step.task_id,
                                                 (step_data or {}).get(step.spec_name, {}))
    assert finished
    return order
