"""What a search box's text becomes before any search runs (one rule for every search).

:func:`clean_search_query` drops control and format characters (NUL, zero-width joiners, …),
collapses whitespace and cuts to ``max_length``; :func:`has_search_terms` tells whether anything
searchable (a letter or digit) is left. A query of punctuation alone (``？``, ``，``, ``'``, ``-``,
``*``) is therefore "no keywords": the search shows the unfiltered list, never an error.
"""

from __future__ import annotations

import unicodedata

DEFAULT_MAX_LENGTH = 100
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})  # control, format, lone surrogates (private use stays)


def clean_search_query(raw: object, *, max_length: int = DEFAULT_MAX_LENGTH) -> str:
    """``raw`` without control/format characters, whitespace collapsed, at most ``max_length`` chars."""
    text = raw if isinstance(raw, str) else ""
    kept = (" " if ch.isspace() else ch for ch in text
            if ch.isspace() or unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    return " ".join("".join(kept).split())[:max_length]


def has_search_terms(query: str) -> bool:
    """True when ``query`` holds at least one letter or digit (punctuation alone searches nothing)."""
    return any(ch.isalnum() for ch in query)
