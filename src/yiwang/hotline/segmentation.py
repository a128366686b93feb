"""Chinese word segmentation for the hotline's search and duplicate detection.

* ``segment``: rjieba tokens, lower-cased, without punctuation or stop words;
* ``search_text``: the space-delimited token string stored on tickets and knowledge articles;
* ``jaccard``: token overlap of two texts (并单候选, ``services.intake.ticket_find_duplicates``).
"""

from __future__ import annotations

import re

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
