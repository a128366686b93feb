"""Applying (申请): drafts, materials, idempotent submission, through three channels.

Channels
  * ``online`` — a citizen or enterprise applies for themself (申请人本人网上申请);
  * ``window`` — a clerk with ``CASE_FILE_FOR_OTHERS`` files for the applicant at a window (一窗受理),
    entering their name, ID number and phone;
  * ``agent`` — a village agent (代办员) files for a villager of his village (全程代办); the item's
    ``levels`` must include ``village``.

Where a case is handled (:func:`resolve_handling`)
  * Find the township of the filing place (the agent's village, the clerk's window, or the division
    the online applicant chose). If there is one and the item may be handled at township or village
    level, the case is handled by **that township**: division = the township, department = the
    filing clerk's own department when it sits in that township, else the township department whose
    parent is the item's department, else the township's first active department (便民服务中心).
  * Otherwise, if the item may be handled at county level, by the **item's department** at its division.
  * Otherwise the item cannot be filed there (``InvalidInput``).

Submission assigns the case number (``YW`` + county code + year + 6-digit sequence, counted in
:class:`CaseNumberSequence` under ``select_for_update``) and an 8-character query code, records
the day the materials arrived (行政许可法 Art. 32 counts from it) and starts the 5-working-day
acceptance clock. A form carries an idempotency key: a retried POST returns the same case.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiwang.accounts.identity import IdentityError, check_credit_code, check_phone, check_resident_id
from yiwang.calendar import services as clock_services
from yiwang.cases import uploads
from yiwang.cases.deadlines import ACCEPTANCE_DAYS, ACCEPTANCE_PURPOSE, local_date, now_or
from yiwang.cases.fees import fee_quote
from yiwang.cases.models import ApplicantKind, Case, CaseMaterial, CaseStatus, Channel
from yiwang.cases.notifications import notify_status
from yiwang.cases.numbering import case_number_for, new_query_code
from yiwang.cases.personal_data import encrypt_id, encrypt_phone
from yiwang.cases.scope import township_of
from yiwang.cases.timeline import event_add
from yiwang.catalog.models import Material, ServiceItemVersion, VersionStatus
from yiwang.core.audit import audit_record
from yiwang.core.crypto import blind_index
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.core.masking import mask_id_number, mask_phone
from yiwang.org.models import Department, Division, DivisionLevel, Position
from yiwang.org.roles import Perm, Role
from yiwang.org.scope import has_perm

FORM_FIELDS: dict[str, int] = {"address": 200, "note": 1000, "delivery": 20, "contact_phone": 20,
                               "legal_representative": 100}
DELIVERY_CHOICES = ("window", "express", "electronic")


# --- idempotency ----------------------------------------------------------------------------

def idempotency_hash(actor: Any, key: str) -> str | None:
    """The stored key: SHA-256 of the actor and the client's key, so keys never collide across users."""
    key = (key or "").strip()
    if not key:
        return None
    if len(key) > 200:
        raise InvalidInput(_("幂等键过长"), details={"fields": {"idempotency_key": "max 200"}})
    return hashlib.sha256(f"case:{getattr(actor, 'pk', '')}:{key}".encode()).hexdigest()


def _existing_for_key(key: str | None) -> Case | None:
    return Case.objects.filter(idempotency_key=key).first() if key else None


# --- where a case is handled ----------------------------------------------------------------

def _township_department(township: Division, version: ServiceItemVersion,
                         filer_position: Position | None) -> Department | None:
    if (filer_position is not None and filer_position.department_id
            and filer_position.department is not None and filer_position.department.division_id == township.pk):
        return filer_position.department
    deps = Department.objects.filter(division=township, is_active=True).order_by("code")
    return deps.filter(parent_id=version.department_id).first() or deps.first()


def resolve_handling(*, version: ServiceItemVersion, channel: str, filing_division: Division | None,
                     filer_position: Position | None = None) -> tuple[str, Division, Department]:
    """(handling level, division, department) for a case filed at ``filing_division`` (see module doc)."""
    levels = set(version.levels or [])
    if channel == Channel.AGENT and "village" not in levels:
        raise InvalidInput(_("该事项不支持村级代办"), code="level_not_allowed", details={"levels": sorted(levels)})
    township = township_of(filing_division) if filing_division is not None else None
    if township is not None and levels & {"township", "village"}:
        department = _township_department(township, version, filer_position)
        if department is None:
            raise InvalidInput(_("该乡镇（街道）尚未设置办理部门"), code="no_township_department")
        return "township", township, department
    if "county" in levels:
        return "county", version.department.division, version.department
    if township is None and levels & {"township", "village"}:
        raise InvalidInput(_("请选择办理地点（乡镇/街道或村/社区）"), code="division_required",
                           details={"fields": {"division": _("此项必填")}})
    raise InvalidInput(_("该事项不能在此办理"), code="level_not_allowed", details={"levels": sorted(levels)})


# --- checks ---------------------------------------------------------------------------------

def _published(version: ServiceItemVersion) -> ServiceItemVersion:
    if version.status != VersionStatus.PUBLISHED or not version.item.is_active:
        raise Conflict(_("该事项当前不可申请"), code="item_unavailable")
    return version


def _clean_form(form_data: dict[str, Any] | None) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, limit in FORM_FIELDS.items():
        value = (form_data or {}).get(name)
        if value in (None, ""):
            continue
        text = str(value).strip()
        if len(text) > limit:
            errors[name] = _("不能超过 %(n)d 个字符") % {"n": limit}
        elif name == "delivery" and text not in DELIVERY_CHOICES:
            errors[name] = _("取值不在可选范围内")
        elif name == "contact_phone":
            try:
                cleaned[name] = check_phone(text)
            except IdentityError as exc:
                errors[name] = str(exc)
        else:
            cleaned[name] = text
    if errors:
        raise InvalidInput(_("申请表填写有误"), details={"fields": errors})
    return cleaned


def _clean_applicant(data: dict[str, Any] | None) -> dict[str, Any]:
    """Applicant fields entered by a clerk or agent: name, ID number (or credit code), phone."""
    data = data or {}
    errors: dict[str, str] = {}
    kind = str(data.get("kind") or ApplicantKind.PERSON)
    if kind not in ApplicantKind.values:
        errors["kind"] = _("取值不在可选范围内")
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 200:
        errors["name"] = _("请填写申请人姓名（名称）")
    id_number = credit_code = ""
    if kind == ApplicantKind.ENTERPRISE:
        try:
            credit_code = check_credit_code(str(data.get("credit_code") or ""))
        except IdentityError as exc:
            errors["credit_code"] = str(exc)
    raw_id = str(data.get("id_number") or "").strip()
    if raw_id or kind == ApplicantKind.PERSON:
        try:
            id_number = check_resident_id(raw_id).number
        except IdentityError as exc:
            errors["id_number"] = str(exc)
    try:
        phone = check_phone(str(data.get("phone") or ""))
    except IdentityError as exc:
        errors["phone"] = str(exc)
        phone = ""
    if errors:
        raise InvalidInput(_("申请人信息填写有误"), details={"fields": errors})
    return {"kind": kind, "name": name, "id_number": id_number, "phone": phone, "credit_code": credit_code}


def _self_applicant(user: Any) -> dict[str, Any]:
    from yiwang.accounts.models import Enterprise

    enterprise = Enterprise.objects.filter(account=user).first()
    if enterprise is not None:
        return {"kind": ApplicantKind.ENTERPRISE, "name": enterprise.name, "credit_code": enterprise.credit_code,
                "id_number": "", "phone": user.decrypt_phone()}
    return {"kind": ApplicantKind.PERSON, "name": user.real_name or user.username,
            "id_number": user.decrypt_id_number(), "phone": user.decrypt_phone(), "credit_code": ""}


def _apply_applicant(case: Case, info: dict[str, Any]) -> None:
    case.applicant_kind = info["kind"]
    case.applicant_name = info["name"]
    case.applicant_id_enc = encrypt_id(info["id_number"])
    case.applicant_id_masked = mask_id_number(info["id_number"])
    case.applicant_phone_enc = encrypt_phone(info["phone"])
    case.applicant_phone_masked = mask_phone(info["phone"])
    case.applicant_credit_code = info["credit_code"]


def _account_for(info: dict[str, Any]) -> Any:
    """The applicant's platform account, matched by the ID number's blind index (for SMS/inbox)."""
    from yiwang.accounts.models import User

    if not info.get("id_number"):
        return None
    return User.objects.filter(id_number_index=blind_index(info["id_number"], purpose="id_number"),
                               is_active=True).first()


def _filing_position(channel: str, actor: Any, position: Position | None) -> Position | None:
    if channel == Channel.ONLINE:
        if not getattr(actor, "is_authenticated", False):
            raise PermissionDenied(_("请先登录"))
        return None
    if position is None or position.user_id != getattr(actor, "pk", None) or not has_perm(
            position, Perm.CASE_FILE_FOR_OTHERS):
        raise PermissionDenied(_("当前岗位无权代为申请"), details={"permission": Perm.CASE_FILE_FOR_OTHERS})
    if channel == Channel.AGENT and position.role != Role.VILLAGE_AGENT:
        raise PermissionDenied(_("只有村级代办员可以代办申请"))
    if channel == Channel.WINDOW and position.role == Role.VILLAGE_AGENT:
        raise PermissionDenied(_("代办员请使用村级代办渠道"))
    return position


def _filing_division(channel: str, position: Position | None, division: Division | None,
                     version: ServiceItemVersion) -> Division | None:
    if channel == Channel.ONLINE:
        if division is None:
            return None
        county_path = version.department.division.path.split("/")[1]
        if f"/{county_path}/" not in division.path or division.level == DivisionLevel.COUNTY:
            raise InvalidInput(_("办理地点不在本县范围内"), details={"fields": {"division": _("请重新选择")}})
        return division
    assert position is not None
    if channel == Channel.AGENT:
        chosen = division or position.division
        if not chosen.path.startswith(position.division.path) or chosen.level != DivisionLevel.VILLAGE:
            raise PermissionDenied(_("代办员只能为本村村民代办"), details={"division": chosen.code})
        return chosen
    return position.division


def _can_edit(case: Case, actor: Any) -> bool:
    if case.channel == Channel.ONLINE:
        return case.applicant_user_id is not None and case.applicant_user_id == getattr(actor, "pk", None)
    return case.filed_by_id is not None and case.filed_by_id == getattr(actor, "pk", None)


def _require_owner(case: Case, actor: Any) -> None:
    if not _can_edit(case, actor):
        raise NotFound(_("办件不存在"))


# --- services -----------------------------------------------------------------------------------

def case_draft_save(
    *, version: ServiceItemVersion, actor: Any, position: Position | None = None, channel: str = Channel.ONLINE,
    applicant: dict[str, Any] | None = None, form_data: dict[str, Any] | None = None,
    division: Division | None = None, case: Case | None = None, idempotency_key: str = "",
) -> Case:
    """Create or update a draft (草稿). A new draft carries the idempotency key; a retried create
    returns the draft (or case) already made with that key."""
    if channel not in Channel.values:
        raise InvalidInput(_("申请渠道不正确"), details={"fields": {"channel": channel}})
    key = idempotency_hash(actor, idempotency_key)
    if case is None:
        existing = _existing_for_key(key)
        if existing is not None:
            _require_owner(existing, actor)
            if existing.status != CaseStatus.DRAFT:
                return existing
            case = existing
    filer_position = _filing_position(channel if case is None else case.channel, actor, position)
    form = _clean_form(form_data)
    if case is None:
        _published(version)
        info = _self_applicant(actor) if channel == Channel.ONLINE else _clean_applicant(applicant)
        level, where, department = resolve_handling(
            version=version, channel=channel, filing_division=_filing_division(channel, filer_position, division,
                                                                                 version),
            filer_position=filer_position)
        draft = Case(item=version.item, version=version, channel=channel, division=where, department=department,
                     handling_level=level, status=CaseStatus.DRAFT, form_data=form, idempotency_key=key,
                     applicant_user=actor if channel == Channel.ONLINE else _account_for(info))
        if channel != Channel.ONLINE:
            draft.filed_by = actor
            draft.filed_by_position = filer_position
            filed_at = _filing_division(channel, filer_position, division, version)
            if filed_at is not None and (division is not None or channel == Channel.AGENT):
                draft.form_data["filing_division"] = filed_at.code
        _apply_applicant(draft, info)
        try:
            with transaction.atomic():
                draft.save()
                audit_record(action="case.draft.create", actor=actor, position=filer_position, obj=draft,
                             after={"item": version.item.base_code, "version": version.pk, "channel": channel,
                                    "division": where.code, "department": department.code, "level": level})
        except IntegrityError:
            existing = _existing_for_key(key)
            if existing is None:
                raise
            _require_owner(existing, actor)
            return existing
        draft._created = True  # type: ignore[attr-defined]
        return draft
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        _require_owner(locked, actor)
        if locked.status != CaseStatus.DRAFT:
            raise Conflict(_("已提交的申请不能再修改"), code="case_not_draft")
        before = dict(locked.form_data)
        locked.form_data = {**locked.form_data, **form}
        if applicant is not None and locked.channel != Channel.ONLINE:
            info = _clean_applicant(applicant)
            _apply_applicant(locked, info)
            locked.applicant_user = _account_for(info)
        if division is not None and locked.channel == Channel.ONLINE:
            level, where, department = resolve_handling(
                version=locked.version, channel=locked.channel,
                filing_division=_filing_division(locked.channel, None, division, locked.version))
            locked.handling_level, locked.division, locked.department = level, where, department
        locked.save()
        audit_record(action="case.draft.update", actor=actor, position=filer_position, obj=locked,
                     before=before, after=locked.form_data)
    return locked


def _material_of(case: Case, material_id: Any) -> Material:
    try:
        pk = int(material_id)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(_("材料不存在"), details={"material": material_id}) from exc
    material = Material.objects.filter(pk=pk, version_id=case.version_id).first()
    if material is None:
        raise InvalidInput(_("材料不存在"), details={"material": material_id})
    return material


def store_material(*, case: Case, material: Material | None, checked: uploads.CheckedUpload, actor: Any,
                   notice: Any = None, name: str = "", first_upload: bool = False) -> CaseMaterial:
    """Save a checked upload; earlier files of the same material stop being current (they are kept).
    ``first_upload``: the caller knows the case has no file of this material yet (a case created in
    the same transaction), so there is nothing to mark."""
    if material is not None and not first_upload:
        CaseMaterial.objects.filter(case=case, material=material, is_current=True).update(is_current=False)
    return CaseMaterial.objects.create(
        case=case, material=material, name=(material.name if material is not None else name)[:200],
        file=ContentFile(checked.content, name=checked.stored_name), original_name=checked.original_name,
        content_type=checked.content_type, size=checked.size, sha256=checked.sha256, is_current=True,
        supplement_notice=notice, uploaded_by=actor if getattr(actor, "pk", None) else None,
    )


def check_files(case_or_version: Any, files: dict[Any, Any] | None) -> list[tuple[Material, uploads.CheckedUpload]]:
    """Check every file before anything is stored; one ``InvalidInput`` names every bad one."""
    version_id = getattr(case_or_version, "version_id", None) or case_or_version.pk
    checked: list[tuple[Material, uploads.CheckedUpload]] = []
    errors: dict[str, Any] = {}
    wanted: set[int] = {
        mid for mid in (_int(material_id) for material_id, upload in (files or {}).items() if upload is not None)
        if mid is not None
    }
    known = {m.pk: m for m in Material.objects.filter(pk__in=wanted, version_id=version_id)} if wanted else {}
    for material_id, upload in (files or {}).items():
        if upload is None:
            continue
        pk = _int(material_id)
        material = known.get(pk) if pk is not None else None
        if material is None:
            errors[f"material_{material_id}"] = {"message": _("材料不存在")}
            continue
        try:
            checked.append((material, uploads.check_upload(upload, material_name=material.name)))
        except InvalidInput as exc:
            errors[f"material_{material_id}"] = {"message": exc.message, "code": str(exc.code), **exc.details}
    if errors:
        raise InvalidInput(_("上传的材料不符合要求"), code="upload_invalid", details={"fields": errors})
    return checked


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def case_material_upload(*, case: Case, material_id: Any, upload: Any, actor: Any,
                         position: Position | None = None) -> CaseMaterial:
    """Upload one material to a draft."""
    material = _material_of(case, material_id)
    checked = uploads.check_upload(upload, material_name=material.name)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        _require_owner(locked, actor)
        if locked.status != CaseStatus.DRAFT:
            raise Conflict(_("已提交的申请请通过补正上传材料"), code="case_not_draft")
        row = store_material(case=locked, material=material, checked=checked, actor=actor)
        audit_record(action="case.material.upload", actor=actor, position=position, obj=locked,
                     after={"material": material.pk, "name": material.name, "sha256": checked.sha256,
                            "size": checked.size, "type": checked.kind})
    return row


def missing_materials(case: Case) -> list[Material]:
    """Required materials of the case's version without a current upload."""
    have = set(CaseMaterial.objects.filter(case=case, is_current=True).values_list("material_id", flat=True))
    return [m for m in case.version.materials.all() if m.required and m.pk not in have]


def case_submit(*, case: Case, actor: Any, position: Position | None = None, now: datetime | None = None) -> Case:
    """Submit a draft (提交申请): number, query code, materials-received day, acceptance clock,
    timeline, audit, SMS + inbox on commit. Submitting an already submitted case returns it."""
    moment = now_or(now)
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("version", "division", "item").get(pk=case.pk)
        _require_owner(locked, actor)
        if locked.status != CaseStatus.DRAFT:
            if locked.number:
                return locked  # a retried submit: the same case, nothing new
            raise Conflict(_("该申请不能提交"), details={"status": locked.status})
        _submit_locked(locked, actor=actor, position=position, moment=moment,
                       missing=[m.name for m in missing_materials(locked)])
    return locked


def _submit_locked(locked: Case, *, actor: Any, position: Position | None, moment: datetime,
                   missing: list[str]) -> None:
    """The submission itself, on a draft the caller holds (locked, or created in its transaction),
    inside the caller's transaction; ``missing``: names of required materials without a file."""
    if locked.channel != Channel.ONLINE:
        _filing_position(locked.channel, actor, position)
    if not locked.applicant_name:
        raise InvalidInput(_("请填写申请人信息"), details={"fields": {"name": _("此项必填")}})
    received = local_date(moment)
    locked.status = CaseStatus.SUBMITTED
    locked.submitted_at = moment
    locked.materials_received_on = received
    locked.fee_due = fee_quote(locked.version)
    locked.lock_version += 1
    clock_services.clock_start(obj=locked, start=received, budget=ACCEPTANCE_DAYS, unit="workdays",
                               position=position if locked.channel != Channel.ONLINE else None, actor=actor,
                               purpose=ACCEPTANCE_PURPOSE, today=received)
    titles: dict[str, str] = {Channel.ONLINE: _("网上提交申请"), Channel.WINDOW: _("窗口收件"),
                              Channel.AGENT: _("村级代办员代为提交申请")}
    event_add(locked, "submitted", titles[locked.channel],
              _("材料收到日：%(day)s") % {"day": received.isoformat()}, actor=actor, at=moment)
    # The number last: its sequence row stays locked until commit, so every other submission in
    # the county waits for it; taking it here keeps that wait as short as possible.
    locked.number = case_number_for(locked.division, moment)
    locked.query_code = new_query_code()
    locked.save()
    audit_record(action="case.submit", actor=actor, position=position, obj=locked,
                 before={"status": CaseStatus.DRAFT},
                 after={"status": locked.status, "number": locked.number, "materials_received_on": received,
                        "channel": locked.channel, "fee_due": locked.fee_due, "missing_materials": missing})
    notify_status(locked)


def case_apply(
    *, version: ServiceItemVersion, actor: Any, position: Position | None = None, channel: str = Channel.ONLINE,
    applicant: dict[str, Any] | None = None, form_data: dict[str, Any] | None = None,
    division: Division | None = None, files: dict[Any, Any] | None = None, idempotency_key: str = "",
    submit: bool = True, now: datetime | None = None,
) -> tuple[Case, bool]:
    """One call for a whole application: draft, uploads and (optionally) submission.

    Returns ``(case, created)``. With an idempotency key already used by this actor the earlier case
    is returned (and submitted if it is still a draft and ``submit`` is asked), never a second one.
    """
    key = idempotency_hash(actor, idempotency_key)
    existing = _existing_for_key(key)
    if existing is not None:
        _require_owner(existing, actor)
        if submit and existing.status == CaseStatus.DRAFT:
            existing = case_submit(case=existing, actor=actor, position=position, now=now)
        return existing, False
    checked = check_files(version, files)
    try:
        with transaction.atomic():
            case = case_draft_save(version=version, actor=actor, position=position, channel=channel,
                                   applicant=applicant, form_data=form_data, division=division,
                                   idempotency_key=idempotency_key)
            if not getattr(case, "_created", False):  # a concurrent request with the same key won
                return case, False
            stored: set[int] = set()
            for material, upload in checked:
                store_material(case=case, material=material, checked=upload, actor=actor,
                               first_upload=material.pk not in stored)
                stored.add(material.pk)
            if checked:
                audit_record(action="case.material.upload", actor=actor, position=position, obj=case,
                             after={"materials": [{"material": m.pk, "sha256": u.sha256, "size": u.size,
                                                   "type": u.kind} for m, u in checked]})
            if submit:
                # The draft was created in this transaction, so nobody else can see, lock or change
                # it: submit it as it is, and its only current files are the ones just stored.
                missing = [m.name for m in version.materials.all() if m.required and m.pk not in stored]
                _submit_locked(case, actor=actor, position=position, moment=now_or(now), missing=missing)
    except IntegrityError:
        existing = _existing_for_key(key)
        if existing is None:
            raise
        return existing, False
    return case, True
