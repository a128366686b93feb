"""Writes of the 12345 hotline (12345 热线), one module per stage of a ticket. Every function is
keyword-only, checks the acting position's permission (and, for units, that the assignment is
theirs), runs in a transaction, writes an audit event and sends notifications after commit.

* ``intake``: 受理 from every channel, anonymity and query codes, 直接办结, duplicates and 并单;
* ``diversion``: 不予受理/引导 (北京市接诉即办工作条例 Art. 11);
* ``dispatch``: the dispatch catalogue and suggestion, 派单, the ticket clock, 退单 and 改派;
* ``handling``: 答复 and its review, 回访 and 重办, 领导批示, extensions, 催办/督办;
* ``knowledge``: the knowledge base (知识库);
* ``publication``: 公开审核, the review of a letter before its text is public;
* ``records``/``messages``: what they share (locking, timeline, clean input, attachments; messages
  to units and callers after commit).

The public functions are re-exported here, so ``from yiwang.hotline import services`` and
``services.ticket_create(...)`` keep working in views and the API.
"""

from yiwang.hotline.services.dispatch import (
    assignment_accept,
    assignment_redispatch,
    assignment_return,
    catalogue_rule,
    current_clock,
    dispatch_suggest,
    return_review,
    service_level_for,
    ticket_dispatch,
)
from yiwang.hotline.services.diversion import (
    EMERGENCY_NUMBERS,
    OTHER_CHANNELS,
    emergency_number,
    ticket_divert,
)
from yiwang.hotline.services.handling import (
    callback_record,
    escalation_sweep,
    extension_decide,
    extension_request,
    leader_instruct,
    reply_review,
    reply_submit,
    ticket_flag_for_leader,
)
from yiwang.hotline.services.intake import (
    sms_category_guess,
    ticket_close_on_spot,
    ticket_create,
    ticket_find_duplicates,
    ticket_merge,
    ticket_update_intake,
)
from yiwang.hotline.services.knowledge import (
    knowledge_create,
    knowledge_draft_save,
    knowledge_review,
    knowledge_submit,
    knowledge_update,
)
from yiwang.hotline.services.publication import ticket_publication_review
from yiwang.hotline.services.records import max_reopens

__all__ = [
    "EMERGENCY_NUMBERS", "OTHER_CHANNELS", "assignment_accept", "assignment_redispatch", "assignment_return",
    "callback_record", "catalogue_rule", "current_clock", "dispatch_suggest", "emergency_number",
    "escalation_sweep", "extension_decide", "extension_request", "knowledge_create", "knowledge_draft_save",
    "knowledge_review", "knowledge_submit", "knowledge_update", "leader_instruct", "max_reopens", "reply_review",
    "reply_submit", "return_review", "service_level_for", "sms_category_guess", "ticket_close_on_spot",
    "ticket_create", "ticket_dispatch", "ticket_divert", "ticket_find_duplicates", "ticket_flag_for_leader",
    "ticket_merge", "ticket_publication_review", "ticket_update_intake",
]
