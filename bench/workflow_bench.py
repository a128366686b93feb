"""Benchmark: task completion cost of the workflow adapter against a bare SpiffWorkflow step.

    .venv/bin/python bench/workflow_bench.py [K]

In one run, on the standard template (受理 → 审查 → 决定 → 办结), for K cases each:

* **bare SpiffWorkflow**: the spec is parsed once; each case is started and its four user
  tasks completed in memory (``task.run()`` + ``do_engine_steps()``), with no serialization;
* **adapter, in memory**: ``engine.start`` then ``engine.complete`` for each step, passing the
  state dict straight along (restore from the spec-less state, complete, serialize);
* **adapter + JSON**: the same, with the state also dumped to and loaded from JSON text
  between steps, as it is stored in the database between two requests.

The cost per step is the total time divided by 4K (start is included, spread over the steps).
Prints a markdown table with ms/step and the ratio to the bare step. No database is needed.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")

import django  # noqa: E402

django.setup()

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from yiwang.workflow import engine, templates  # noqa: E402
from yiwang.workflow.models import ProcessDefinition, ProcessStatus  # noqa: E402
from yiwang.workflow.validation import parse_xml  # noqa: E402

K = int(sys.argv[1]) if len(sys.argv) > 1 else 300
STEPS = 4
ROUNDS = 3


def bare(spec, subprocess_specs) -> float:
    started = time.perf_counter()
    for _ in range(K):
        workflow = BpmnWorkflow(spec, subprocess_specs)
        workflow.do_engine_steps()
        for _step in range(STEPS):
            task = workflow.get_next_task(state=TaskState.READY, manual=True)
            task.data.update({"review_passed": True})
            task.run()
            workflow.do_engine_steps()
        assert workflow.is_completed()
    return (time.perf_counter() - started) * 1000 / (K * STEPS)


def adapter(definition: ProcessDefinition, *, with_json: bool) -> float:
    started = time.perf_counter()
    for _ in range(K):
        state, steps = engine.start(definition, {"amount": 1})
        finished = False
        for _step in range(STEPS):
            if with_json:
                state = json.loads(json.dumps(state))
            state, steps, finished = engine.complete(definition, state, steps[0].task_id, {"review_passed": True})
        assert finished and not steps
        if with_json:
            json.dumps(state)
    return (time.perf_counter() - started) * 1000 / (K * STEPS)


def main() -> None:
    xml = templates.standard()
    spec, subprocess_specs = engine.parse_spec(parse_xml(xml), "Process_standard")
    definition = ProcessDefinition(pk=1, name="bench", process_id="Process_standard", bpmn_xml=xml,
                                   sha256="bench", status=ProcessStatus.VALID,
                                   spec_json=engine.spec_to_json(spec, subprocess_specs))
    engine.start(definition, {})  # warm the spec cache, as a running server has it
    results: dict[str, list[float]] = {"bare": [], "memory": [], "json": []}
    for _ in range(ROUNDS):
        results["bare"].append(bare(spec, subprocess_specs))
        results["memory"].append(adapter(definition, with_json=False))
        results["json"].append(adapter(definition, with_json=True))
    median = {k: statistics.median(v) for k, v in results.items()}
    state, _steps = engine.start(definition, {})
    size = len(json.dumps(state))
    print(f"Workflow step cost, standard template, K={K} cases x {STEPS} steps, median of {ROUNDS} rounds\n")
    print("| Variant | ms/step | ratio to bare |")
    print("|---|---:|---:|")
    print(f"| bare SpiffWorkflow (in memory, no serialization) | {median['bare']:.3f} | 1.00 |")
    print(f"| adapter: restore + complete + serialize | {median['memory']:.3f} | "
          f"{median['memory'] / median['bare']:.2f} |")
    print(f"| adapter + JSON text round trip (as stored) | {median['json']:.3f} | "
          f"{median['json'] / median['bare']:.2f} |")
    print(f"\nSerialized case state after start: {size} bytes (spec excluded; spec_json is "
          f"{len(json.dumps(definition.spec_json))} bytes, stored once per definition)")


if __name__ == "__main__":
    main()
