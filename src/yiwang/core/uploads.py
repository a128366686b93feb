"""Checks for every uploaded file (application materials, hotline attachments, supervision evidence).

Content is identified by its magic bytes, never by the file name or the browser's content type:

* ``pdf`` ``%PDF-``; ``png`` ``\\x89PNG``; ``jpg`` ``\\xff\\xd8\\xff``; ``gif`` ``GIF87a``/``GIF89a``;
  ``mp3`` ``ID3`` or an MPEG frame header (hotline call recordings);
* ZIP containers (``PK\\x03\\x04``) are opened to tell ``docx`` (``word/``), ``xlsx`` (``xl/``) and
  ``ofd`` (``OFD.xml``, the national layout-document format) apart; ``ole`` is the legacy Office
  container (``.doc``/``.xls``, told apart by the extension only).

``check_upload`` accepts a file only when its sniffed kind is in ``allowed`` **and** its extension
belongs to that kind (an ``.html`` renamed ``.pdf`` fails both ways). Empty files, files larger than
``max_bytes`` (default ``UPLOAD_MAX_BYTES``, 10 MB) and unsafe names (path parts, ``..``, NUL or other
control characters, more than 100 characters) are refused with :class:`InvalidInput` before anything
is stored. The stored name is generated; the sanitized original name is kept. ``check_uploads``
checks a list of files and their number.

Each app states its own policy on top (which kinds, how many): ``cases.uploads`` per material,
``hotline.services.intake`` for attachments and evidence.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from yiwang.core.errors import InvalidInput

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_NAME_LENGTH = 100

EXTENSIONS: dict[str, frozenset[str]] = {
    "pdf": frozenset({".pdf"}),
    "png": frozenset({".png"}),
    "jpg": frozenset({".jpg", ".jpeg"}),
    "gif": frozenset({".gif"}),
    "docx": frozenset({".docx"}),
    "xlsx": frozenset({".xlsx"}),
    "ofd": frozenset({".ofd"}),
    "mp3": frozenset({".mp3"}),
    "ole": frozenset({".doc", ".xls"}),
}
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ofd": "application/ofd",
    "mp3": "audio/mpeg",
    "ole": "application/msword",
}
CONTENT_TYPES_BY_EXTENSION = {".xls": "application/vnd.ms-excel"}
LABELS = {"pdf": "PDF", "png": "PNG", "jpg": "JPEG", "gif": "GIF", "docx": "Word", "xlsx": "Excel", "ofd": "OFD",
          "mp3": "MP3", "ole": "Word/Excel 97"}
STORED_EXTENSION = {"jpg": ".jpg"}


class UploadLike(Protocol):
    name: str | None

    def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    content_type: str
    size: int
    sha256: str
    original_name: str
    stored_name: str
    content: bytes


def default_max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _zip_kind(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "OFD.xml" in names:
        return "ofd"
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    return None


def sniff(content: bytes) -> str | None:
    """The kind of ``content`` from its leading bytes (``None`` when unknown)."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if content.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if content.startswith((b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")):
        return "mp3"
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    return None


def clean_name(name: str | None) -> str:
    """The original file name if it is safe to keep; raises :class:`InvalidInput` otherwise."""
    raw = name or ""
    problems = []
    if not raw.strip():
        problems.append("empty")
    if len(raw) > MAX_NAME_LENGTH:
        problems.append("too_long")
    if "\x00" in raw or any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in raw):
        problems.append("control_characters")
    if "/" in raw or "\\" in raw or raw.startswith(("~", ".")) or ".." in raw or ":" in raw:
        problems.append("path")
    if problems:
        raise InvalidInput(_("文件名不安全或过长，请重命名后上传"), code="upload_bad_name",
                           details={"problems": problems, "max_length": MAX_NAME_LENGTH})
    return unicodedata.normalize("NFC", raw.strip())


def _read(upload: UploadLike, limit: int) -> bytes:
    if hasattr(upload, "seek"):
        try:
            upload.seek(0)
        except (OSError, ValueError):
            pass
    chunks = getattr(upload, "chunks", None)
    if callable(chunks):
        buffer = bytearray()
        for chunk in chunks():
            buffer.extend(chunk)
            if len(buffer) > limit:
                break
        content = bytes(buffer)
    else:
        content = upload.read(limit + 1)
    if hasattr(upload, "seek"):  # the caller may still store the upload itself
        try:
            upload.seek(0)
        except (OSError, ValueError):
            pass
    return content


def check_upload(upload: UploadLike | None, *, allowed: Iterable[str], max_bytes: int | None = None,
                 field: str = "") -> CheckedUpload:
    """Check ``upload`` and return its bytes with metadata; raises :class:`InvalidInput`."""
    extra = {"field": field} if field else {}
    if upload is None:
        raise InvalidInput(_("请选择要上传的文件"), code="upload_missing", details=extra)
    try:
        original = clean_name(getattr(upload, "name", None))
    except InvalidInput as exc:
        raise InvalidInput(exc.message, code=exc.code, details={**exc.details, **extra}) from exc
    limit = max_bytes if max_bytes is not None else default_max_bytes()
    content = _read(upload, limit)
    if not content:
        raise InvalidInput(_("文件内容为空"), code="upload_empty", details={"file": original, **extra})
    if len(content) > limit:
        raise InvalidInput(_("文件超过大小上限（%(mb)s MB）") % {"mb": round(limit / 1024 / 1024, 1)},
                           code="upload_too_large", details={"file": original, "max_bytes": limit, **extra})
    allowed = tuple(allowed)
    kind = sniff(content)
    extension = "." + original.rsplit(".", 1)[-1].lower() if "." in original else ""
    if kind is None or kind not in allowed:
        raise InvalidInput(
            _("不支持的文件类型，仅支持：%(types)s") % {"types": "、".join(LABELS.get(k, k) for k in allowed)},
            code="upload_bad_type", details={"file": original, "detected": kind, "allowed": list(allowed), **extra})
    if extension not in EXTENSIONS[kind]:
        raise InvalidInput(_("文件扩展名与文件内容不符"), code="upload_extension_mismatch",
                           details={"file": original, "detected": kind, "extension": extension, **extra})
    stored = f"{uuid.uuid4().hex}{STORED_EXTENSION.get(kind) or sorted(EXTENSIONS[kind])[0]}"
    content_type = CONTENT_TYPES_BY_EXTENSION.get(extension, CONTENT_TYPES[kind])
    return CheckedUpload(kind=kind, content_type=content_type, size=len(content),
                         sha256=hashlib.sha256(content).hexdigest(), original_name=original, stored_name=stored,
                         content=content)


def check_uploads(files: Iterable[Any] | None, *, allowed: Iterable[str], max_count: int,
                  max_bytes: int | None = None, field: str = "attachments") -> list[CheckedUpload]:
    """Check each of ``files`` (at most ``max_count``) with :func:`check_upload`."""
    items = list(files or ())
    if len(items) > max_count:
        raise InvalidInput(_("附件最多 %(n)s 个") % {"n": max_count}, code="upload_too_many",
                           details={"field": field, "max_count": max_count})
    allowed = tuple(allowed)
    return [check_upload(f, allowed=allowed, max_bytes=max_bytes, field=field) for f in items]
