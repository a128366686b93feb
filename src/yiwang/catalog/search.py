"""Chinese keyword search (分词检索) over published item versions.

* ``search_text`` holds space-joined ``rjieba.cut_for_search`` tokens (fine-grained: "许可证" gives
  "许可" and "许可证"), so a database tokenizer that splits on spaces sees Chinese words.
* SQLite: an FTS5 table ``catalog_search_fts(version_id UNINDEXED, body)`` (unicode61 tokenizer)
  with one row per *published* version, maintained by :func:`index_version` / :func:`unindex_version`
  from the services, created by migration ``0002`` and checked again after every ``migrate``.
* PostgreSQL: ``to_tsvector('simple', search_text) @@ plainto_tsquery('simple', …)`` served by the
  GIN expression index ``catalog_version_search_gin`` (migration ``0002``).
* Any other database: every query token must appear in ``search_text`` (``icontains``).

A query goes through :func:`clean_query` (``core.search_query``: control characters out, at most
100 characters); one with no letter or digit (``？``, ``'``, ``*`` alone) has no tokens and filters
nothing, so the search lists every published item instead of failing.
"""

from __future__ import annotations

import re

import rjieba
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from yiwang.core.search_query import clean_search_query, has_search_terms

FTS_TABLE = "catalog_search_fts"
CREATE_FTS_SQL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(version_id UNINDEXED, body, "
    "tokenize = 'unicode61 remove_diacritics 2')"
)
MAX_QUERY_TOKENS = 12
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def tokens_for_index(*texts: str) -> list[str]:
    """Distinct fine-grained tokens of ``texts`` (order kept), lower-cased, punctuation dropped."""
    seen: dict[str, None] = {}
    for text in texts:
        for raw in rjieba.cut_for_search(_PUNCT.sub(" ", text or "")):
            token = raw.strip().lower()
            if token:
                seen.setdefault(token, None)
    return list(seen)


def clean_query(query: str | None) -> str:
    """The search box's text as searched: cleaned, or "" when it holds no letter or digit."""
    cleaned = clean_search_query(query)
    return cleaned if has_search_terms(cleaned) else ""


def tokens_for_query(query: str) -> list[str]:
    """The query's tokens (``rjieba.cut``), distinct, at most :data:`MAX_QUERY_TOKENS`."""
    seen: dict[str, None] = {}
    for raw in rjieba.cut(_PUNCT.sub(" ", clean_query(query))):
        token = raw.strip().lower()
        if token:
            seen.setdefault(token, None)
    return list(seen)[:MAX_QUERY_TOKENS]


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def ensure_fts_table() -> None:
    if is_sqlite():
        with connection.cursor() as cursor:
            cursor.execute(CREATE_FTS_SQL)


def index_version(version_id: int, search_text: str) -> None:
    """Put a (just published) version into the SQLite FTS index; no-op elsewhere."""
    if not is_sqlite():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE version_id = %s", [version_id])  # noqa: S608
        cursor.execute(f"INSERT INTO {FTS_TABLE} (version_id, body) VALUES (%s, %s)",  # noqa: S608
                       [version_id, search_text])


def unindex_version(version_id: int) -> None:
    if not is_sqlite():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE version_id = %s", [version_id])  # noqa: S608


def rebuild_index() -> int:
    """Re-create the SQLite FTS rows from every published version. Returns the row count."""
    if not is_sqlite():
        return 0
    ensure_fts_table()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (version_id, body) "  # noqa: S608
            "SELECT id, search_text FROM catalog_serviceitemversion WHERE status = 'published'"
        )
        return cursor.rowcount


def _fts5_phrase(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def filter_by_keywords(queryset: QuerySet, query: str) -> QuerySet:
    """Versions whose ``search_text`` contains every token of ``query``."""
    tokens = tokens_for_query(query)
    if not tokens:
        return queryset
    if connection.vendor == "sqlite":
        match = " AND ".join(_fts5_phrase(t) for t in tokens)
        # constant SQL; the user's tokens travel only as a bound parameter
        return queryset.filter(pk__in=RawSQL(  # noqa: S611
            f"SELECT version_id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match]))  # noqa: S608
    if connection.vendor == "postgresql":
        table = queryset.model._meta.db_table
        return queryset.alias(fts_hit=RawSQL(  # noqa: S611 - constant SQL, tokens bound as a parameter
            f"to_tsvector('simple'::regconfig, \"{table}\".\"search_text\") "
            "@@ plainto_tsquery('simple'::regconfig, %s)", [" ".join(tokens)], output_field=BooleanField(),
        )).filter(fts_hit=True)
    for token in tokens:
        queryset = queryset.filter(search_text__icontains=token)
    return queryset
