"""Writes of the cases app (re-exported from the modules that implement them).

* applying — :mod:`yiwang.cases.application` (drafts, uploads, idempotent submission, three channels);
* acceptance under 行政许可法 Art. 32 — :mod:`yiwang.cases.acceptance`;
* fees (一费制) — :mod:`yiwang.cases.fees` with pluggable :mod:`yiwang.cases.payments` backends;
* handling (steps, decisions) — :mod:`yiwang.cases.handling` (a separate module).
"""

from __future__ import annotations

from yiwang.cases.acceptance import (
    case_accept,
    case_correct_on_spot,
    case_not_licensing,
    case_reject,
    case_request_supplement,
    case_supplement_upload,
    cases_deem_accepted,
)
from yiwang.cases.application import (
    case_apply,
    case_draft_save,
    case_material_upload,
    case_submit,
    resolve_handling,
)
from yiwang.cases.fees import fee_quote, payment_record

__all__ = [
    "case_accept",
    "case_apply",
    "case_correct_on_spot",
    "case_draft_save",
    "case_material_upload",
    "case_not_licensing",
    "case_reject",
    "case_request_supplement",
    "case_submit",
    "case_supplement_upload",
    "cases_deem_accepted",
    "fee_quote",
    "payment_record",
    "resolve_handling",
]
