"""core.uploads: the one upload check every app uses (cases, hotline, supervision, catalog)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.core.errors import InvalidInput
from yiwang.core.uploads import check_upload, check_uploads, sniff

PDF = b"%PDF-1.7\n%test\n"
GIF = b"GIF89a\x01\x00\x01\x00"
MP3 = b"ID3\x03\x00\x00\x00"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16


class RawUpload:
    """An upload whose name is not sanitized (Django's UploadedFile strips path parts)."""

    def __init__(self, name: str, content: bytes) -> None:
        self.name = name
        self._buffer = io.BytesIO(content)

    def read(self, size: int = -1) -> bytes:
        return self._buffer.read(size)


def test_sniffing_by_content():
    assert sniff(PDF) == "pdf" and sniff(GIF) == "gif" and sniff(MP3) == "mp3" and sniff(OLE) == "ole"
    assert sniff(b"<html>") is None


def test_legacy_office_files_keep_their_content_type():
    assert check_upload(SimpleUploadedFile("表.xls", OLE), allowed=("ole",)).content_type == "application/vnd.ms-excel"
    assert check_upload(SimpleUploadedFile("表.doc", OLE), allowed=("ole",)).content_type == "application/msword"


@pytest.mark.parametrize("name,content,code", [
    ("../etc/passwd.pdf", PDF, "upload_bad_name"),
    ("a\x00.pdf", PDF, "upload_bad_name"),
    ("x" * 101 + ".pdf", PDF, "upload_bad_name"),
    ("page.pdf", b"<html><script>alert(1)</script>", "upload_bad_type"),
    ("image.gif", PDF, "upload_extension_mismatch"),
    ("empty.pdf", b"", "upload_empty"),
])
def test_bad_files_are_refused(name, content, code):
    upload = RawUpload(name, content)
    with pytest.raises(InvalidInput) as exc:
        check_upload(upload, allowed=("pdf", "gif"), field="attachments")
    assert exc.value.code == code and exc.value.details["field"] == "attachments"


def test_size_limit_and_count():
    with pytest.raises(InvalidInput) as exc:
        check_upload(SimpleUploadedFile("big.pdf", PDF + b"x" * 100), allowed=("pdf",), max_bytes=50)
    assert exc.value.code == "upload_too_large"
    files = [SimpleUploadedFile(f"{i}.pdf", PDF) for i in range(3)]
    assert len(check_uploads(files, allowed=("pdf",), max_count=3)) == 3
    with pytest.raises(InvalidInput) as exc:
        check_uploads(files, allowed=("pdf",), max_count=2)
    assert exc.value.code == "upload_too_many"


def test_the_upload_can_still_be_stored_after_the_check():
    upload = SimpleUploadedFile("a.pdf", PDF)
    check_upload(upload, allowed=("pdf",))
    assert upload.read() == PDF


def test_hotline_and_catalog_use_the_core_check():
    from yiwang.catalog.services.cleaning import check_attachment
    from yiwang.hotline.services.records import check_attachments

    with pytest.raises(InvalidInput) as exc:
        check_attachments([SimpleUploadedFile("证据.pdf", b"MZ\x90\x00")], field="evidence")
    assert exc.value.code == "upload_bad_type" and exc.value.details["field"] == "evidence"
    assert check_attachments([SimpleUploadedFile("录音.mp3", MP3)])[0].kind == "mp3"
    with pytest.raises(InvalidInput) as exc:
        check_attachment(SimpleUploadedFile("样表.xls", PDF), label="示例样表")
    assert exc.value.message.startswith("示例样表") and exc.value.code == "upload_extension_mismatch"
    check_attachment(SimpleUploadedFile("空白表格.doc", OLE), label="空白表格")
