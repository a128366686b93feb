"""The clocks of a case in handling, all on the ``calendar`` ledger (行政许可法 Arts. 42, 45).

* ``step_clock``: a step's own time limit (purpose ``case_step``);
* ``handling_clock``: the case's handling time limit (办理时限), started at acceptance;
* ``case_time_clocks``: every running limit but acceptance (promised and statutory); special
  procedures, extensions and 办结 apply to all of them;
* ``clock_view``: due date, remaining working days and the traffic light, for views and the API.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from yiwang.calendar import selectors as clock_selectors
from yiwang.calendar import services as clock_services
from yiwang.calendar.models import Clock
from yiwang.cases.handling.records import HANDLING_CLOCK_PURPOSES, STEP_CLOCK_PURPOSE
from yiwang.cases.models import Case, CaseStep


def step_clock(step: CaseStep) -> Clock | None:
    return clock_selectors.clock_for_object(step, purpose=STEP_CLOCK_PURPOSE)



def handling_clock(case: Case) -> Clock | None:
    """The case's handling time limit (办理时限), started at acceptance."""
    clocks = list(clock_selectors.clock_list_for_object(case))
    for purpose in HANDLING_CLOCK_PURPOSES:
        found = [c for c in clocks if c.purpose == purpose]
        if found:
            return found[-1]
    rest = [c for c in clocks if "accept" not in c.purpose]
    return rest[-1] if rest else None



def case_time_clocks(case: Case) -> list[Clock]:
    """The case's running time limits other than acceptance: the promised (handling) and the
    statutory limit. Special procedures, extensions and 办结 apply to all of them."""
    return [c for c in clock_selectors.clock_list_for_object(case)
            if c.stopped_at is None and "accept" not in c.purpose]



def _stop_clock(clock: Clock | None, *, actor: Any, position: Any) -> None:
    if clock is not None and clock.stopped_at is None:
        clock_services.clock_stop(clock=clock, actor=actor, position=position)



def clock_view(clock: Clock | None, *, today: date | None = None) -> dict[str, Any] | None:
    """Due date, remaining working days and the traffic light of ``clock`` as of today."""
    if clock is None:
        return None
    from yiwang.calendar.clocks import clock_state

    state = clock_state(clock, today=today)
    return {"due_date": state.due_date, "remaining": state.remaining, "status": state.status,
            "status_label": _STATUS_LABELS.get(state.status, state.status), "paused": state.paused,
            "suspended": state.suspended, "extended": state.extended, "budget": clock.budget,
            "stopped": clock.stopped_at is not None, "start_date": clock.start_date}



_STATUS_LABELS: dict[str, Any] = {}



def _init_labels() -> None:
    from yiwang.calendar.models import ClockStatus

    _STATUS_LABELS.update({str(k): v for k, v in ClockStatus.choices})



_init_labels()
