"""Upload checks: sniffed content, renamed files, size, empty files, unsafe names."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES
from yiwang.cases.uploads import check_upload
from yiwang.core.errors import InvalidInput
from yiwang.core.uploads import sniff


class RawUpload:
    """An upload whose name is not sanitized (Django's UploadedFile strips path parts)."""

    def __init__(self, name: str, content: bytes) -> None:
        self.name = name
        self._buffer = io.BytesIO(content)

    def read(self, size: int = -1) -> bytes:
        return self._buffer.read(size)


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


def test_good_files_are_accepted_with_sha256():
    checked = check_upload(SimpleUploadedFile("营业执照.pdf", PDF_BYTES))
    assert checked.kind == "pdf" and checked.content_type == "application/pdf"
    assert len(checked.sha256) == 64 and checked.stored_name.endswith(".pdf")
    assert checked.stored_name != "营业执照.pdf" and checked.original_name == "营业执照.pdf"
    assert check_upload(SimpleUploadedFile("a.png", PNG_BYTES)).kind == "png"
    assert check_upload(SimpleUploadedFile("a.JPEG", JPEG_BYTES)).kind == "jpg"


def test_sniffing_zip_containers():
    assert sniff(_zip(["[Content_Types].xml", "word/document.xml"])) == "docx"
    assert sniff(_zip(["[Content_Types].xml", "xl/workbook.xml"])) == "xlsx"
    assert sniff(_zip(["OFD.xml", "Doc_0/Document.xml"])) == "ofd"
    assert sniff(b"PK\x03\x04garbage") is None


@pytest.mark.parametrize("name,content,code", [
    ("报告.pdf", b"<!DOCTYPE html><html><body>x</body></html>", "upload_bad_type"),  # html renamed .pdf
    ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "upload_bad_type"),  # exe renamed .pdf
    ("photo.pdf", PNG_BYTES, "upload_extension_mismatch"),  # a real PNG named .pdf
    ("doc.pdf.exe", PDF_BYTES, "upload_extension_mismatch"),
    ("empty.pdf", b"", "upload_empty"),
])
def test_bad_content_is_refused(name, content, code):
    with pytest.raises(InvalidInput) as exc:
        check_upload(SimpleUploadedFile(name, content))
    assert exc.value.code == code


def test_docx_is_refused_unless_allowed():
    content = _zip(["[Content_Types].xml", "word/document.xml"])
    with pytest.raises(InvalidInput):
        check_upload(SimpleUploadedFile("a.docx", content))
    assert check_upload(SimpleUploadedFile("a.docx", content), allowed=("pdf", "docx")).kind == "docx"


def test_oversize_is_refused(settings):
    settings.CASE_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(InvalidInput) as exc:
        check_upload(SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 2000))
    assert exc.value.code == "upload_too_large"
    assert check_upload(SimpleUploadedFile("small.pdf", PDF_BYTES)).kind == "pdf"


@pytest.mark.parametrize("name", ["../etc/passwd", "/etc/passwd.pdf", "..\\boot.pdf", "a\x00.pdf", "a\nb.pdf",
                                  "x" * 101 + ".pdf", "", "C:evil.pdf"])
def test_unsafe_names_are_refused(name):
    with pytest.raises(InvalidInput) as exc:
        check_upload(RawUpload(name, PDF_BYTES))
    assert exc.value.code == "upload_bad_name"


@pytest.mark.django_db
def test_bad_upload_in_application_stores_nothing(item, applicant, county):
    from yiwang.cases import services
    from yiwang.cases.models import Case, CaseMaterial

    good, bad = list(item.materials.all())[:2]
    with pytest.raises(InvalidInput) as exc:
        services.case_apply(version=item, actor=applicant, division=county.village_a1, submit=True, files={
            good.pk: SimpleUploadedFile("ok.pdf", PDF_BYTES),
            bad.pk: RawUpload("../etc/passwd", PDF_BYTES)})
    assert f"material_{bad.pk}" in exc.value.details["fields"]
    assert Case.objects.count() == 0 and CaseMaterial.objects.count() == 0
