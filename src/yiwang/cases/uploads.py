"""Which uploaded application materials (申请材料上传) a case accepts; the checks live in ``core.uploads``.

* ``allowed_types``: ``CASE_UPLOAD_ALLOWED_TYPES`` (default pdf/jpg/png), or per material name via
  ``CASE_UPLOAD_TYPES_BY_MATERIAL``;
* ``max_bytes``: ``CASE_UPLOAD_MAX_BYTES`` (default 10 MB);
* ``check_upload``: :func:`yiwang.core.uploads.check_upload` with those limits.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from yiwang.core import uploads as core_uploads
from yiwang.core.uploads import CheckedUpload, UploadLike

__all__ = ["CheckedUpload", "allowed_types", "check_upload", "max_bytes"]

DEFAULT_ALLOWED = ("pdf", "jpg", "png")


def max_bytes() -> int:
    return int(getattr(settings, "CASE_UPLOAD_MAX_BYTES", core_uploads.default_max_bytes()))


def allowed_types(material_name: str = "") -> tuple[str, ...]:
    by_material: dict[str, Any] = getattr(settings, "CASE_UPLOAD_TYPES_BY_MATERIAL", {}) or {}
    if material_name and material_name in by_material:
        return tuple(by_material[material_name])
    return tuple(getattr(settings, "CASE_UPLOAD_ALLOWED_TYPES", DEFAULT_ALLOWED))


def check_upload(upload: UploadLike | None, *, allowed: tuple[str, ...] | None = None,
                 material_name: str = "") -> CheckedUpload:
    """Check an application material against the case's policy; raises :class:`InvalidInput`."""
    return core_uploads.check_upload(upload, allowed=allowed or allowed_types(material_name), max_bytes=max_bytes())
