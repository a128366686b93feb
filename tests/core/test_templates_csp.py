"""The Content-Security-Policy forbids inline script, event handlers and style blocks without a
nonce: no template may contain them (a print button with onclick="…" silently does nothing)."""

from __future__ import annotations

import re
from pathlib import Path

import yiwang

INLINE = re.compile(r"""\son[a-z]+\s*=\s*["']|<style(?![^>]*nonce)[^>]*>|<script(?![^>]*(nonce|src=))[^>]*>""",
                    re.IGNORECASE)


def test_no_template_has_inline_handlers_or_unnonced_blocks():
    root = Path(yiwang.__file__).parent
    offenders = []
    for template in root.rglob("*.html"):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), start=1):
            if INLINE.search(line):
                offenders.append(f"{template.relative_to(root)}:{number}: {line.strip()[:100]}")
    assert offenders == []
