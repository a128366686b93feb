"""Shared helpers of the hotline app: who is the centre, segmentation, uploads, service levels."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.org.models import Department, Position
from yiwang.org.roles import Role
from yiwang.org.scope import has_perm

CENTRE_CODE = getattr(settings, "HOTLINE_CENTRE_DEPARTMENT", "HOTLINE")

# Default service levels (category "", any): urgent 24 natural hours, normal 5 working days,
# consultation 1 working day. Rows in :class:`ServiceLevel` override these.
DEFAULT_LEVELS: dict[tuple[str, str], tuple[int, str]] = {
    ("", "urgent"): (24, "hours"),
    ("", "normal"): (5, "workdays"),
    ("consult", "normal"): (1, "workdays"),
}
URGENT_YELLOW_HOURS = 4


def require(position: Position | None, perm: str) -> Position:
    if position is None or not has_perm(position, perm):
        raise PermissionDenied(_("当前岗位无权执行此操作"), details={"permission": str(perm)})
    return position


def is_centre(position: Position | None) -> bool:
    """The 12345 centre: hotline operators, or any position in the HOTLINE department."""
    if position is None or not position.is_active:
        return False
    if position.role == Role.HOTLINE_OPERATOR:
        return True
    return bool(position.department_id and position.department and position.department.code == CENTRE_CODE)


def require_centre(position: Position | None, perm: str) -> Position:
    position = require(position, perm)
    if not is_centre(position):
        raise PermissionDenied(_("仅 12345 热线中心可执行此操作"), details={"permission": str(perm)})
    return position


def centre_department() -> Department | None:
    return Department.objects.filter(code=CENTRE_CODE).first()


# --- segmentation ------------------------------------------------------------------
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_STOP = frozenset("的 了 是 在 和 有 我 我们 你 您 他 她 也 都 就 还 很 吗 呢 吧 啊 与 及 或 一个 这个 那个 什么 怎么 请问 一下".split())


def segment(text: str) -> list[str]:
    """Chinese word segmentation with rjieba (no model download, no network); lower-cased tokens
    without punctuation or stop words. Falls back to character bigrams if rjieba is missing."""
    text = (text or "").lower()
    try:
        import rjieba

        words = rjieba.cut_for_search(text)
    except ImportError:  # pragma: no cover - rjieba is a dependency
        compact = _PUNCT.sub("", text)
        words = [compact[i:i + 2] for i in range(max(len(compact) - 1, 1))]
    out: list[str] = []
    for w in words:
        w = _PUNCT.sub("", w)
        if w and w not in _STOP and w not in out:
            out.append(w)
    return out


def search_text(*parts: str) -> str:
    """Space-delimited tokens with a leading and trailing space, so ``contains(" tok ")`` matches
    whole tokens on any database."""
    tokens: list[str] = []
    for part in parts:
        for t in segment(part):
            if t not in tokens:
                tokens.append(t)
    return f" {' '.join(tokens)} " if tokens else ""


def jaccard(a: str, b: str) -> float:
    sa, sb = set(segment(a)), set(segment(b))
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


# --- uploads -----------------------------------------------------------------------
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOADS = 5
_SIGNATURES: dict[str, tuple[tuple[bytes, ...], str]] = {
    ".pdf": ((b"%PDF-",), "application/pdf"),
    ".png": ((b"\x89PNG\r\n\x1a\n",), "image/png"),
    ".jpg": ((b"\xff\xd8\xff",), "image/jpeg"),
    ".jpeg": ((b"\xff\xd8\xff",), "image/jpeg"),
    ".gif": ((b"GIF87a", b"GIF89a"), "image/gif"),
    ".docx": ((b"PK\x03\x04",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ((b"PK\x03\x04",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".mp3": ((b"ID3", b"\xff\xfb", b"\xff\xf3"), "audio/mpeg"),
}
_SAFE_NAME = re.compile(r"[^\w.\-（）()\u4e00-\u9fff]+")


@dataclass(frozen=True)
class CheckedUpload:
    upload: UploadedFile
    name: str
    content_type: str
    size: int
    sha256: str


def check_uploads(files: Any) -> list[CheckedUpload]:
    """Check attachments by size, name (extension allow-list) and content (magic bytes); the
    declared content type is ignored. Returns checked uploads with their SHA-256."""
    files = list(files or ())
    if len(files) > MAX_UPLOADS:
        raise InvalidInput(_("附件最多 %(n)s 个") % {"n": MAX_UPLOADS}, details={"field": "attachments"})
    checked = []
    for f in files:
        raw_name = str(getattr(f, "name", "") or "")
        name = _SAFE_NAME.sub("_", raw_name.replace("\\", "/").rsplit("/", 1)[-1])[-100:] or "file"
        ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        if ext not in _SIGNATURES:
            raise InvalidInput(_("不支持的附件类型：%(name)s") % {"name": name},
                               details={"field": "attachments", "name": name})
        size = int(getattr(f, "size", 0) or 0)
        if size <= 0 or size > MAX_UPLOAD_BYTES:
            raise InvalidInput(_("附件大小须在 10MB 以内且不能为空：%(name)s") % {"name": name},
                               details={"field": "attachments", "name": name})
        f.seek(0)
        head = f.read(16)
        signatures, content_type = _SIGNATURES[ext]
        if not any(head.startswith(sig) for sig in signatures):
            raise InvalidInput(_("附件内容与扩展名不符：%(name)s") % {"name": name},
                               details={"field": "attachments", "name": name})
        f.seek(0)
        digest = hashlib.sha256()
        for chunk in f.chunks():
            digest.update(chunk)
        f.seek(0)
        checked.append(CheckedUpload(f, name, content_type, size, digest.hexdigest()))
    return checked
