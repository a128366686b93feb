"""容缺受理 configuration of a catalogue item (REGULATIONS.md after 行政许可法 Art. 32).

A version offers it with ``deferral_days`` (working days the applicant has to supply a deferred
material; 0 = not offered); each material that may follow later is marked ``deferrable``. Only a
*required* material the applicant must hand in can be deferred (a non-required one is never demanded,
a 免提交 one is obtained by the platform), and at least one required, non-deferrable material (the
core, e.g. the application form) must remain, so that no application is accepted with nothing in hand.

:func:`material_problem` checks one material (editing screens, Excel rows); :func:`deferral_problems`
checks the version as a whole before it is published (``catalog.services.publishing.publish_problems``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

MAX_DEFERRAL_DAYS = 60


def material_problem(*, required: bool, can_share: bool, deferrable: bool) -> str:
    """Why this material cannot be marked 可容缺 ("" when it can, or is not marked)."""
    if not deferrable:
        return ""
    if not required:
        return _("只有必要材料才能标注为可容缺（非必要材料本就不要求提交）")
    if can_share:
        return _("可通过数据共享获取的材料申请人免提交，无须容缺")
    return ""


def deferral_problems(version: Any) -> dict[str, str]:
    """What makes the version's 容缺 configuration inconsistent (empty when it is sound)."""
    problems: dict[str, str] = {}
    materials = list(version.materials.all())
    deferrable = [m for m in materials if m.deferrable]
    bad = [m.name for m in deferrable if material_problem(required=m.required, can_share=m.can_share,
                                                          deferrable=True)]
    if bad:
        problems["deferrable"] = _("以下材料不能标注为可容缺：%(names)s") % {"names": "、".join(bad)}
    if int(version.deferral_days or 0) > 0:
        if not deferrable:
            problems["deferral_days"] = _("允许容缺受理的事项须至少将一项必要材料标注为可容缺")
        if not any(m.required and not m.deferrable and not m.can_share for m in materials):
            problems["deferral_core"] = _("容缺受理须保留至少一项必要且不可容缺的核心材料（如申请书）")
    elif deferrable:
        problems["deferral_days"] = _("已有材料标注为可容缺，但事项未允许容缺受理（请填写承诺补交期限）")
    return problems
