"""好差评 writes, one module per family: ``ratings`` (invitations, online and public ratings),
``window`` (window sessions and the evaluator device), ``rectification`` (回访核实 → 整改 → 反馈),
``appeals`` (申诉复核) and ``records`` (what they share).

Every function checks its caller, runs in one transaction, writes the audit chain and sends
notifications after commit. The names that views and the API call as ``services.X`` are
re-exported here.
"""

from yiwang.evaluation.services.appeals import (
    appeal_file,
    appeal_review,
)
from yiwang.evaluation.services.ratings import (
    invitation_get,
    invitation_issue,
    rating_link,
    rating_submit_online,
    rating_submit_public,
)
from yiwang.evaluation.services.rectification import (
    rectification_callback,
    rectification_complete,
    rectifications_mark_overdue,
)
from yiwang.evaluation.services.window import (
    rating_submit_window,
    window_clerk_may_use,
    window_current_session,
    window_device_check,
    window_device_register,
    window_session_finish,
    window_session_start,
)

__all__ = [
    "appeal_file",
    "appeal_review",
    "invitation_get",
    "invitation_issue",
    "rating_link",
    "rating_submit_online",
    "rating_submit_public",
    "rating_submit_window",
    "rectification_callback",
    "rectification_complete",
    "rectifications_mark_overdue",
    "window_clerk_may_use",
    "window_current_session",
    "window_device_check",
    "window_device_register",
    "window_session_finish",
    "window_session_start",
]
