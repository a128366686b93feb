"""办理 Handling (行政许可法 Arts. 34–45), one module per family of use cases. Every write is a
keyword-only service that checks permission and scope, locks the case row (and the step row) with
``select_for_update``, writes an audit event and sends notifications on commit.

* ``steps``: steps from the workflow engine, 认领/完成/退回/加签/转办 (Arts. 34–37);
* ``decision``: 准予/不予, the 决定书 with the applicant's remedies, 办结 (Arts. 37–39, 44);
* ``time_limits``: 特别程序 (Art. 45) and 延期 (Art. 42);
* ``inbox``: scope, the staff inbox and the handling selectors; audited material downloads;
* ``clocks``: the step and handling clocks and their view;
* ``records``: what they share (constants, locking, permission checks, timeline, notices).

The names that views and the API call as ``handling.X`` are re-exported here.
"""

from yiwang.cases.handling.clocks import (
    case_time_clocks,
    clock_view,
    handling_clock,
    step_clock,
)
from yiwang.cases.handling.decision import (
    rights_statement,
)
from yiwang.cases.handling.inbox import (
    case_get_for_handling,
    case_queryset_for_handling,
    case_steps,
    inbox_for_position,
    material_open,
    positions_for_step,
    step_get_for_position,
    step_in_scope,
)
from yiwang.cases.handling.records import (
    OPEN_STEP_STATUSES,
    STEP_CLOCK_PURPOSE,
)
from yiwang.cases.handling.steps import (
    step_claim,
    step_complete,
    step_countersign,
    step_return,
    step_transfer,
    steps_sync,
)
from yiwang.cases.handling.time_limits import (
    MAX_EXTENSION_DAYS,
    MAX_JOINT_EXTENSION_DAYS,
    SPECIAL_KINDS,
    case_extend,
    case_special_procedure_end,
    case_special_procedure_start,
    is_joint,
)

__all__ = [
    "MAX_EXTENSION_DAYS",
    "MAX_JOINT_EXTENSION_DAYS",
    "OPEN_STEP_STATUSES",
    "SPECIAL_KINDS",
    "STEP_CLOCK_PURPOSE",
    "case_extend",
    "case_get_for_handling",
    "case_queryset_for_handling",
    "case_special_procedure_end",
    "case_special_procedure_start",
    "case_steps",
    "case_time_clocks",
    "clock_view",
    "handling_clock",
    "inbox_for_position",
    "is_joint",
    "material_open",
    "positions_for_step",
    "rights_statement",
    "step_claim",
    "step_clock",
    "step_complete",
    "step_countersign",
    "step_get_for_position",
    "step_in_scope",
    "step_return",
    "step_transfer",
    "steps_sync",
]
