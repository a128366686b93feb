"""Turning component values into points, a total, a grade and a rank (pure functions)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from yiwang.performance.models import AssessmentScheme

TWO = Decimal("0.01")
RATE_COMPONENTS = (
    ("on_time_rate", "weight_on_time"),
    ("satisfaction_rate", "weight_satisfaction"),
    ("rectification_rate", "weight_rectification"),
)
PENALTIES = (
    ("warning", "penalty_warning"),
    ("yellow", "penalty_yellow"),
    ("red", "penalty_red"),
    ("recommendation", "penalty_recommendation"),
)


def scheme_snapshot(scheme: AssessmentScheme) -> dict[str, str]:
    fields = [w for _c, w in RATE_COMPONENTS] + ["weight_alerts"] + [p for _l, p in PENALTIES] + [
        "threshold_excellent", "threshold_good", "threshold_pass"]
    return {"id": str(scheme.pk), "name": scheme.name, **{f: str(getattr(scheme, f)) for f in fields}}


def score(values: dict[str, Any], scheme: AssessmentScheme) -> tuple[dict[str, Any], Decimal, str]:
    """Points for one target.

    The rate components share ``weight_on_time + weight_satisfaction + weight_rectification``
    points; a component without data in the month (no case due, no rating, no rectification) is
    left out and the others are scaled up to the same share. The alert component starts at
    ``weight_alerts`` and loses the scheme's penalty per alert of each level (never below 0). The
    total is scaled to 100 when the weights do not add up to 100.
    """
    rate_share = sum((getattr(scheme, w) for _c, w in RATE_COMPONENTS), Decimal(0))
    with_data = [(Decimal(str(values[c])), getattr(scheme, w)) for c, w in RATE_COMPONENTS
                 if values.get(c) is not None]
    weight_with_data = sum((w for _r, w in with_data), Decimal(0))
    points: dict[str, Any] = {}
    if weight_with_data > 0:
        scale = rate_share / weight_with_data
        for c, w in RATE_COMPONENTS:
            value = values.get(c)
            points[c] = (None if value is None
                         else (Decimal(str(value)) * getattr(scheme, w) * scale).quantize(TWO, ROUND_HALF_UP))
        rate_points = sum((r * w for r, w in with_data), Decimal(0)) * scale
    else:
        for c, _w in RATE_COMPONENTS:
            points[c] = None
        rate_points = rate_share
    penalty = sum((Decimal(int(values.get(level) or 0)) * getattr(scheme, p) for level, p in PENALTIES), Decimal(0))
    alert_points = max(Decimal(0), scheme.weight_alerts - penalty)
    points["alerts"] = alert_points.quantize(TWO, ROUND_HALF_UP)
    total = rate_points + alert_points
    if scheme.total_weight and scheme.total_weight != Decimal(100):
        total = total * Decimal(100) / scheme.total_weight
    total = total.quantize(TWO, ROUND_HALF_UP)
    components = {**values, "points": {k: (str(v) if v is not None else None) for k, v in points.items()}}
    return components, total, scheme.grade_for(total)


def ranks(totals: list[Decimal]) -> list[int]:
    """Competition ranking (1, 2, 2, 4) of ``totals``, highest first; same order as given."""
    ordered = sorted(totals, reverse=True)
    first: dict[Decimal, int] = {}
    for i, t in enumerate(ordered, start=1):
        first.setdefault(t, i)
    return [first[t] for t in totals]
