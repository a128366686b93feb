"""Factories for case tests (owned by the cases-core helper; handling and licences tests import them).

* :func:`make_item` builds a **published** :class:`ServiceItemVersion` bound to a workflow
  template process, through the catalogue services (``system=True``).
* :func:`make_submitted_case` / :func:`make_accepted_case` go through ``yiwang.cases.services``.

Handling rule reminder: an item with ``levels`` containing ``"township"`` (or ``"village"``) filed
in township A is handled by township A's department (``county.civil_affairs_a`` in the test county),
so ``clerk_a`` accepts it and ``clerk_b`` cannot. County-only items are handled by the item's own
department at the county.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32

DEFAULT_MATERIALS: tuple[tuple[str, bool], ...] = (("营业执照", True), ("经营场所证明", True), ("其他说明材料", False))

_codes = itertools.count(1)


def pdf_upload(name: str = "材料.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def position_of(user: Any, perm: str | None = None) -> Any:
    """The user's first active position (holding ``perm`` when given)."""
    from yiwang.org.scope import has_perm

    for position in user.positions.filter(is_active=True).select_related("division", "department"):
        if perm is None or has_perm(position, perm):
            return position
    return None


def _default_department() -> Any:
    from yiwang.org.models import Department

    return Department.objects.filter(code="D-CIVIL").first() or Department.objects.order_by("pk").first()


def make_item(
    *,
    name: str = "食品经营许可",
    department: Any = None,
    kind: str = "standard",
    materials: list[tuple[str, bool]] | tuple[tuple[str, bool], ...] = DEFAULT_MATERIALS,
    levels: list[str] | tuple[str, ...] = ("county",),
    statutory: int = 20,
    promised: int = 10,
    fee: Decimal | str | int | None = None,
    joint_departments: list[Any] | None = None,
    item_type: str = "licensing",
    extra_fields: dict[str, Any] | None = None,
) -> Any:
    """A published service item version with ``materials`` bound to a template process. A material is
    ``(name, required)`` or a dict of catalogue material fields (``can_share``, ``deferrable`` …)."""
    from yiwang.catalog import services as catalog
    from yiwang.workflow.services import process_from_template

    department = department or _default_department()
    joint_codes = [d if isinstance(d, str) else d.code for d in joint_departments or []]
    if kind == "joint" and not joint_codes:
        joint_codes = [department.code]
    process = process_from_template(kind=kind, name=f"{name}流程", departments=joint_codes or None)
    base_code = f"T{next(_codes):05d}{timezone.now().microsecond:06d}"[:12]
    fields: dict[str, Any] = {
        "name": name, "legal_basis": "《中华人民共和国行政许可法》", "item_type": item_type, "levels": list(levels),
        "statutory_limit": statutory, "promised_limit": promised, "process": process,
        "result_name": f"{name}决定", "acceptance_conditions": "材料齐全、符合法定形式", **(extra_fields or {}),
    }
    if joint_codes and kind == "joint":
        fields["joint_departments"] = joint_codes
    fees = [{"name": f"{name}工本费", "amount": str(fee), "basis": "鲁价费发〔2020〕1号"}] if fee is not None else None
    version = catalog.item_create(
        base_code=base_code, department=department, fields=fields, system=True,
        materials=[m if isinstance(m, dict) else {"name": m[0], "required": m[1]} for m in materials], fees=fees,
    )
    catalog.version_submit(version=version, system=True)
    catalog.version_publish(version=version, system=True, note="测试")
    version.refresh_from_db()
    return version


def at(day: date, hour: int = 10) -> datetime:
    """An aware local datetime on ``day``."""
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def make_submitted_case(
    *,
    version: Any = None,
    applicant: Any = None,
    channel: str = "online",
    filer: Any = None,
    division: Any = None,
    received_on: date | None = None,
    upload: str | list[str] = "all",
    applicant_info: dict[str, Any] | None = None,
    idempotency_key: str = "",
) -> Any:
    """A submitted case. ``upload``: "all" (every material), "required", or a list of material names.

    * online: ``applicant`` (a citizen user) files for themself; ``division`` is where it is handled
      (default: the test county's village A1 when the item allows township/village handling);
    * window/agent: ``filer`` (clerk or village agent) files for ``applicant_info`` (name, id_number, phone).
    """
    from yiwang.cases import services
    from yiwang.org.models import Division
    from yiwang.org.roles import Perm

    if version is None:
        version = make_item(levels=["township", "village"])
    if division is None and channel == "online" and set(version.levels) & {"township", "village"}:
        division = Division.objects.filter(code="371327001201").first()
    now = at(received_on) if received_on else None
    position = position_of(filer, Perm.CASE_FILE_FOR_OTHERS) if filer is not None else None
    actor = filer if filer is not None else applicant
    if channel != "online" and applicant_info is None:
        applicant_info = {"name": "庄大爷", "id_number": "110101194101050038", "phone": "13800000002"}
    files: dict[int, Any] = {}
    for material in version.materials.all():
        if upload == "all" or (upload == "required" and material.required) or (
                isinstance(upload, list) and material.name in upload):
            files[material.pk] = pdf_upload(f"{material.name}.pdf")
    case, _created = services.case_apply(
        version=version, actor=actor, position=position, channel=channel, applicant=applicant_info,
        form_data={"note": "测试申请", "address": "莒南县十字路街道人民路 1 号"}, division=division, files=files, idempotency_key=idempotency_key,
        submit=True, now=now,
    )
    return case


def make_accepted_case(*, clerk: Any, received_on: date | None = None, accepted_on: date | None = None,
                       **kwargs: Any) -> Any:
    """A case accepted (受理) by ``clerk``; kwargs go to :func:`make_submitted_case`."""
    from yiwang.cases import services
    from yiwang.org.roles import Perm

    case = make_submitted_case(received_on=received_on, **kwargs)
    day = accepted_on or received_on
    return services.case_accept(case=case, actor=clerk, position=position_of(clerk, Perm.CASE_ACCEPT),
                                now=at(day) if day else None)
