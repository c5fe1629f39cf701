"""Catalogue search that understands residents (办事搜索).

Residents type what they would say (`低保`, `医保 外地 看病`, `残疾证怎么办`), pinyin (`dibao`) or
initials (`jzz`), not the official name of an item. So the published version of each item is
analysed once, when it is indexed, into two space-separated token strings kept on its
`SearchDocument`:

* `name_tokens`: the name, short name and aliases, segmented with rjieba `cut_for_search`, plus the
  full pinyin and the initials of each word and of each whole name (`dibao`, `db`, `jzz`);
* `body_tokens`: keywords, summary, conditions, material names and process step names.

Why pre-segmented tokens: neither database segments Chinese. FTS5's trigram tokenizer cannot
match two-character words (most Chinese words are two characters), and PostgreSQL has no Chinese
parser available here. Space-separated words are split identically by FTS5 `unicode61` and by
PostgreSQL's `simple` configuration, so both backends see the same terms.

A query is cut into its words (rjieba `cut`); each word may be matched by itself, by a shorter
word inside it (残疾证 → 残疾), or by an editor's synonym (`Synonym`: 低保 → 最低生活保障).
Results must match every word; only when no item does, items that match any word are returned,
because a resident's sentence may hold a word that no item has (丢了, a typo). Matching any
word from the start would also mean ranking thousands of rows for each common word. Ranking:
any name match before any body-only match, then relevance (bm25 on SQLite; on PostgreSQL a
weighted count of matched terms, see `_PostgresBackend` for why not ts_rank), then item code.

The only vendor-specific code is in `_SQLiteBackend` and `_PostgresBackend`, picked by
`_backend()`. The index structures themselves are created by migration 0002_search_indexes.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

import rjieba
from django.db import DatabaseError, NotSupportedError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from pypinyin import lazy_pinyin

from catalogue.models import SearchDocument, ServiceItem, ServiceItemVersion, Synonym
from core.models import City

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "SearchHit",
    "analyse",
    "body_tokens_for",
    "item_index",
    "items_reindex",
    "items_search",
    "items_suggest",
    "name_tokens_for",
]

# Bounds on the work one query can cause. A resident's query is a few words; anything longer is
# pasted text or an attack, and analysing only its start keeps the cost flat.
MAX_QUERY_CHARS = 200
MAX_TERMS = 32
# Longer "words" are hashes, URLs or base64, never something a resident searches for.
MAX_TOKEN_CHARS = 100
# Guide text is short in practice; the cap bounds indexing time and tsvector size if it is not.
MAX_BODY_CHARS = 20_000
# items_suggest compares characters, so it needs only the start of a query.
MAX_SUGGEST_CHARS = 40
SUGGEST_CANDIDATES = 50
MIN_SUGGEST_SIMILARITY = 0.2
REINDEX_CHUNK = 500
SYNONYM_TERM_CHARS: int = Synonym._meta.get_field("term").max_length or 40

# A name hit weighs this many times a body hit inside the backend's relevance (the name-first
# rule itself is enforced separately, see `_Backend.match`).
NAME_WEIGHT = 5.0

# Words that say how a resident asks, not what he asks about. They are dropped from a query
# unless nothing else is left, because on their own they would rank every item that happens to
# contain them (`申请`, `办理`) above the item the resident means.
QUERY_NOISE = frozenset(
    {
        "怎么", "怎么办", "怎样", "如何", "哪里", "在哪", "在哪里", "哪儿", "什么", "哪些", "多少", "多久",
        "需要", "要", "想", "我", "我要", "我想", "请问", "的", "了", "吗", "呢", "啊", "吧", "去", "可以",
        "能", "能否", "办", "办理", "申请", "申办", "咨询", "手续", "流程", "在", "和", "与", "及", "或", "是",
        "有", "呀", "嘛", "带", "拿", "到", "给",
    }
)  # fmt: skip

# CJK Unified Ideographs, extension A, compatibility ideographs, extensions B and later.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>[0-9a-z]+)")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result: the item (with `current_version` loaded) and its score, higher is better.

    The score is in [0, 2): 1 + r for an item matched by name, r for a body-only match, where
    r in [0, 1) grows with the backend's relevance. Scores are comparable within one result list,
    not across queries or backends.
    """

    item: ServiceItem
    score: float


@dataclass(frozen=True, slots=True)
class _Term:
    """A query term; `prefix` terms also match longer tokens (`zuidi` → `zuidishenghuo…`)."""

    text: str
    prefix: bool = False


# What the backends match: every group (AND), each by any of its alternatives (OR), each
# alternative by all of its terms (AND): 低保 → (低保) OR (最低 AND 生活 AND 保障).
type _Alternative = tuple[_Term, ...]
type _Group = tuple[_Alternative, ...]


# A match: (item id, some term is in the name, relevance ≥ 0).
type _Row = tuple[int, bool, float]


def _distinct_terms(groups: Sequence[_Group]) -> list[_Term]:
    return list(dict.fromkeys(term for group in groups for alternative in group for term in alternative))


# --- analysis -----------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    # NFKC folds full-width letters and digits (ｄｉｂａｏ, １２３) that Chinese input methods produce.
    return unicodedata.normalize("NFKC", text).lower()


def analyse(text: str) -> list[str]:
    """Split text into lowercased search tokens, the same way for documents and queries.

    Runs of Chinese characters are segmented with rjieba `cut_for_search`, which also emits the
    shorter words inside long ones (城乡居民 → 城乡, 居民, 城乡居民), so a resident's shorter word
    still matches. ASCII letters and digits are kept as words; everything else (punctuation,
    emoji, other scripts) separates tokens and is dropped.
    """
    tokens: list[str] = []
    for run in _RUN.finditer(_normalise(text)):
        if run.lastgroup == "han":
            tokens.extend(word for word in rjieba.cut_for_search(run.group()) if word)
        elif len(run.group()) <= MAX_TOKEN_CHARS:
            tokens.append(run.group())
    return tokens


def _pinyin_tokens(run: str) -> list[str]:
    """Full pinyin and initials of each word of a run of Chinese characters, and of the whole run.

    The run is converted once so polyphones get their reading in context (长安 → chang'an), and
    then cut at the word boundaries rjieba reports.
    """
    syllables = lazy_pinyin(run)
    if len(syllables) != len(run):  # characters without pinyin came back grouped: do not guess
        return []
    spans = {(start, end) for _, start, end in rjieba.tokenize(run, mode="search") if end - start >= 2}
    spans.add((0, len(run)))
    tokens: list[str] = []
    for start, end in sorted(spans):
        parts = [syllable for syllable in syllables[start:end] if syllable.isascii() and syllable.isalpha()]
        if len(parts) < 2:
            continue
        full = "".join(parts)
        if len(full) <= MAX_TOKEN_CHARS:
            tokens.append(full)
        tokens.append("".join(part[0] for part in parts))
    return tokens


def _strings(value: object) -> list[str]:
    """The strings of a JSON list field, tolerating a bare string or junk typed by an editor."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [entry for entry in value if isinstance(entry, str)]
    return []


def _unique[T](values: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(values))


def name_tokens_for(version: ServiceItemVersion) -> str:
    """The name column: name, short name and aliases, as words and as pinyin and initials."""
    labels = [version.name, version.short_name, *_strings(version.aliases)]
    words: list[str] = []
    pinyin: list[str] = []
    for label in labels:
        normalised = _normalise(label)
        words.extend(analyse(normalised))
        for run in _RUN.finditer(normalised):
            if run.lastgroup == "han":
                pinyin.extend(_pinyin_tokens(run.group()))
    return " ".join(_unique([*words, *pinyin]))


def body_tokens_for(version: ServiceItemVersion) -> str:
    """The body column: keywords, summary, conditions, material names and process step names.

    Uses `version.materials.all()`, so prefetch materials when indexing many versions.
    """
    steps = [step.get("name") for step in version.process_steps if isinstance(step, dict)]
    pieces = [
        *_strings(version.keywords),
        version.summary,
        version.conditions,
        *(material.name for material in version.materials.all()),
        *(name for name in steps if isinstance(name, str)),
    ]
    return " ".join(analyse("\n".join(pieces)[:MAX_BODY_CHARS]))


# --- backends -----------------------------------------------------------------------------------


class _Backend(Protocol):
    def write(self, documents: Sequence[SearchDocument]) -> None:
        """Bring the backend's index in step with these (already saved) documents."""

    def delete(self, document_ids: Sequence[int]) -> None:
        """Forget documents that were deleted."""

    def after_rebuild(self, *, everything: bool) -> None:
        """Tidy the index after a bulk rebuild (of every city when `everything`)."""

    def match(self, *, city_id: int, groups: Sequence[_Group], limit: int) -> list[_Row]:
        """Published items of the city that match every group, as (item id, a term is in the name,
        relevance ≥ 0), name matches first, then by relevance, then by item code."""


class _SQLiteBackend:
    """FTS5 table `catalogue_search_fts` whose rowid is the SearchDocument id.

    The table is not a Django model, so Django never deletes from it (and pytest-django does not
    flush it between transactional tests): rows are replaced by rowid before insert, and queries
    join back to the documents that exist, so a stale row is never returned.
    """

    table = "catalogue_search_fts"
    # bm25() with the body weighted 0 is non-zero exactly when a term hit the name column.
    match_sql: ClassVar[str] = f"""
        SELECT item.id, -bm25({table}, 1.0, 0.0) > 0 AS in_name, -bm25({table}, {NAME_WEIGHT}, 1.0) AS relevance
        FROM {table}
        JOIN catalogue_searchdocument document ON document.id = {table}.rowid
        JOIN catalogue_serviceitem item ON item.id = document.item_id
        WHERE {table} MATCH %s AND document.city_id = %s AND item.current_version_id IS NOT NULL
        ORDER BY in_name DESC, relevance DESC, item.code
        LIMIT %s
    """  # noqa: S608 - only constants are formatted in; the query and values are parameters

    @staticmethod
    def expression(groups: Sequence[_Group]) -> str:
        # Every term is a quoted string, so FTS5 syntax in a query (", *, NEAR, AND, parentheses)
        # is only ever text. Analysed terms cannot contain quotes; doubling them is the FTS5 escape
        # and costs nothing.
        def string(term: _Term) -> str:
            return '"{}"{}'.format(term.text.replace('"', '""'), "*" if term.prefix else "")

        def alternative(terms: _Alternative) -> str:
            return "({})".format(" AND ".join(string(term) for term in terms))

        return " AND ".join("({})".format(" OR ".join(alternative(alt) for alt in group)) for group in groups)

    def write(self, documents: Sequence[SearchDocument]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {self.table} WHERE rowid = %s", [(doc.pk,) for doc in documents])  # noqa: S608
            cursor.executemany(
                f"INSERT INTO {self.table} (rowid, name_tokens, body_tokens) VALUES (%s, %s, %s)",  # noqa: S608
                [(doc.pk, doc.name_tokens, doc.body_tokens) for doc in documents],
            )

    def delete(self, document_ids: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {self.table} WHERE rowid = %s", [(pk,) for pk in document_ids])  # noqa: S608

    def after_rebuild(self, *, everything: bool) -> None:
        with connection.cursor() as cursor:
            if everything:  # rows of documents deleted without item_index (an item deleted, a flush)
                cursor.execute(
                    f"DELETE FROM {self.table} WHERE rowid NOT IN (SELECT id FROM catalogue_searchdocument)"  # noqa: S608
                )
            cursor.execute(f"INSERT INTO {self.table} ({self.table}) VALUES ('optimize')")  # noqa: S608 - merge b-trees

    def match(self, *, city_id: int, groups: Sequence[_Group], limit: int) -> list[_Row]:
        with connection.cursor() as cursor:
            cursor.execute(self.match_sql, [self.expression(groups), city_id, limit])
            return [(item_id, bool(in_name), float(relevance)) for item_id, in_name, relevance in cursor.fetchall()]


class _PostgresBackend:
    """GIN expression indexes find the rows; the token strings themselves rank them.

    Two indexes (migration 0002_search_indexes): the weighted tsvector of name ('A') and body
    ('B'), and the tsvector of the name alone. They maintain themselves, so writing is a no-op.
    A WHERE clause repeats an indexed expression verbatim, or the planner will not use the index.

    Why not ts_rank over every match: an expression index does not store the tsvector, so ranking
    rebuilt it for each matching row: about 45 µs a row, 280 ms for a word in 6 000 of 10 000.
    The tokens are already space-separated, so whether a term is in the name or the body is a
    substring test on the padded string (about 1 µs), and the relevance is a weighted count of
    matched terms: NAME_WEIGHT a term in the name, 1 a term in the body, plus a fraction
    favouring shorter names. Even so, scoring is linear in the rows matched, and a word that is in
    most guides (身份证, a material of most items) matches thousands. So the tiers are asked
    separately: the name tier through the name index, exact and usually enough to fill the page;
    only when it is not, the body-only tier, of which at most BODY_CANDIDATES rows are ranked.
    """

    # The indexed expressions of migration 0002_search_indexes: the weighted tsvector
    # setweight(to_tsvector('simple', name_tokens), 'A') || setweight(to_tsvector('simple',
    # body_tokens), 'B'), and to_tsvector('simple', name_tokens), each wrapped in a function that
    # tells the planner its true cost (see the migration).
    vector = "catalogue_search_vector(document.name_tokens, document.body_tokens)"
    name_vector = "catalogue_search_name_vector(document.name_tokens)"
    # Beyond this many body-only matches, which are ranked is decided by table order.
    BODY_CANDIDATES = 1000

    # {candidates} selects the documents; {name_hits} and {body_hits} add up one substring test
    # per term; {tier} keeps the tier's rows. Each OFFSET 0 is a fence: the candidates are found
    # before any row is padded (the planner once padded all 10 000 documents, then joined), and
    # the lateral subqueries are not inlined into each use of their columns.
    match_sql: ClassVar[str] = f"""
        SELECT item.id, scored.name_hits > 0 AS in_name,
               scored.name_hits * {NAME_WEIGHT} + scored.body_hits
                 + scored.name_hits::float8 / length(padded.name) AS relevance
        FROM ({{candidates}} OFFSET 0) document
        JOIN catalogue_serviceitem item ON item.id = document.item_id
        CROSS JOIN LATERAL (
            SELECT ' ' || document.name_tokens || ' ' AS name, ' ' || document.body_tokens || ' ' AS body OFFSET 0
        ) padded
        CROSS JOIN LATERAL (SELECT {{name_hits}} AS name_hits, {{body_hits}} AS body_hits OFFSET 0) scored
        WHERE item.current_version_id IS NOT NULL AND {{tier}}
        ORDER BY relevance DESC, item.code
        LIMIT %s
    """  # noqa: S608 - only constants and placeholders go in; the values are parameters
    # Both indexes: the planner intersects them (BitmapAnd), or tests the other condition on the
    # few rows one of them finds.
    name_candidates: ClassVar[str] = f"""
        SELECT id, item_id, name_tokens, body_tokens FROM catalogue_searchdocument document
        WHERE {name_vector} @@ to_tsquery('simple', %s) AND city_id = %s AND {vector} @@ to_tsquery('simple', %s)
    """  # noqa: S608
    # When the query is a single group of single terms, a name match is a match.
    name_only_candidates: ClassVar[str] = f"""
        SELECT id, item_id, name_tokens, body_tokens FROM catalogue_searchdocument document
        WHERE {name_vector} @@ to_tsquery('simple', %s) AND city_id = %s
    """  # noqa: S608
    body_candidates: ClassVar[str] = f"""
        SELECT id, item_id, name_tokens, body_tokens FROM catalogue_searchdocument document
        WHERE {vector} @@ to_tsquery('simple', %s) AND city_id = %s
        LIMIT {BODY_CANDIDATES}
    """  # noqa: S608

    @staticmethod
    def expression(groups: Sequence[_Group]) -> str:
        # Each term is a quoted lexeme ('' and \\ are the tsquery escapes), so &, |, !, <->, :*
        # and parentheses in a resident's query are only ever text.
        def lexeme(term: _Term) -> str:
            quoted = "'{}'".format(term.text.replace("\\", "\\\\").replace("'", "''"))
            return f"{quoted}:*" if term.prefix else quoted

        def alternative(terms: _Alternative) -> str:
            return "({})".format(" & ".join(lexeme(term) for term in terms))

        return " & ".join("({})".format(" | ".join(alternative(alt) for alt in group)) for group in groups)

    def write(self, documents: Sequence[SearchDocument]) -> None:
        return None

    def delete(self, document_ids: Sequence[int]) -> None:
        return None

    def after_rebuild(self, *, everything: bool) -> None:
        # A bulk write leaves the new entries in the GIN indexes' pending lists, which every
        # search then reads in full, and which make index scans look dear to the planner, until
        # autovacuum merges them. Merge them now; only the table's owner may, so a lesser role
        # leaves it to autovacuum.
        for index in ("catalogue_searchdocument_tokens_gin", "catalogue_searchdocument_name_gin"):
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            except DatabaseError:
                logger.warning("could not merge the pending list of %s; autovacuum will", index)

    def match(self, *, city_id: int, groups: Sequence[_Group], limit: int) -> list[_Row]:
        terms = _distinct_terms(groups)
        # A token is found with its spaces (" 低保 "), a prefix term with the leading one only.
        needles = [f" {term.text}" if term.prefix else f" {term.text} " for term in terms]
        name_hits = " + ".join(["(strpos(padded.name, %s) > 0)::int"] * len(needles))
        body_hits = " + ".join(["(strpos(padded.body, %s) > 0)::int"] * len(needles))
        any_term = self.expression([tuple((term,) for term in terms)])

        def tier(candidates: str, candidate_params: list[str | int], condition: str, size: int) -> list[_Row]:
            sql = self.match_sql.format(candidates=candidates, name_hits=name_hits, body_hits=body_hits, tier=condition)
            with connection.cursor() as cursor:
                cursor.execute(sql, [*candidate_params, *needles, *needles, size])
                return [(item_id, bool(in_name), float(relevance)) for item_id, in_name, relevance in cursor.fetchall()]

        # The name tier: every group matches, and some term is in the name; a word common in
        # guide text costs little when the name index narrows it down.
        query = self.expression(groups)
        if len(groups) == 1 and all(len(alternative) == 1 for alternative in groups[0]):
            rows = tier(self.name_only_candidates, [any_term, city_id], "TRUE", limit)
        else:
            rows = tier(self.name_candidates, [any_term, city_id, query], "TRUE", limit)
        if len(rows) < limit:
            rows += tier(self.body_candidates, [query, city_id], "scored.name_hits = 0", limit - len(rows))
        return rows


_BACKENDS: dict[str, _Backend] = {"sqlite": _SQLiteBackend(), "postgresql": _PostgresBackend()}


def _backend() -> _Backend:
    """The one place that looks at the database vendor."""
    try:
        return _BACKENDS[connection.vendor]
    except KeyError:
        raise NotSupportedError(f"catalogue search supports SQLite and PostgreSQL, not {connection.vendor}")


# --- indexing -----------------------------------------------------------------------------------


def _index_chunk(items: Sequence[ServiceItem]) -> int:
    """Write the documents of items whose `current_version` (materials prefetched) is loaded.

    Works on a chunk so a full rebuild costs a handful of queries per chunk, not per item.
    Returns the number of documents written.
    """
    existing = {doc.item_id: doc for doc in SearchDocument.objects.filter(item__in=items).only("id", "item_id")}
    now = timezone.now()
    created: list[SearchDocument] = []
    updated: list[SearchDocument] = []
    withdrawn: list[int] = []
    for item in items:
        version = item.current_version
        document = existing.get(item.pk)
        if version is None:
            if document is not None:
                withdrawn.append(document.pk)
            continue
        if document is None:
            document = SearchDocument(item=item)
            created.append(document)
        else:
            updated.append(document)
        document.city_id = item.city_id
        document.name_tokens = name_tokens_for(version)
        document.body_tokens = body_tokens_for(version)
        document.updated_at = now  # bulk_update does not apply auto_now
    backend = _backend()
    if withdrawn:
        SearchDocument.objects.filter(pk__in=withdrawn).delete()
        backend.delete(withdrawn)
    if created:
        SearchDocument.objects.bulk_create(created)
    if updated:
        SearchDocument.objects.bulk_update(updated, ["city", "name_tokens", "body_tokens", "updated_at"])
    backend.write([*created, *updated])
    return len(created) + len(updated)


@transaction.atomic
def item_index(*, item: ServiceItem) -> None:
    """(Re)write the item's search document from its current published version.

    Call it after publishing or withdrawing a version. An item without a published version has no
    document, so drafts are never found. The version is reloaded so its materials are current.
    """
    if item.current_version_id is not None:
        version = ServiceItemVersion.objects.prefetch_related("materials").get(pk=item.current_version_id)
        item.current_version = version
    _index_chunk([item])


def items_reindex(*, city: City | None = None, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the documents of every item (of one city, or all), for after an analyser change.

    Each chunk is its own transaction: a rebuild of a large catalogue neither holds one long write
    lock nor loses all its work on an error. `progress(done, total)` is called after each chunk.
    Returns the number of documents written (published items).
    """
    items = ServiceItem.objects.all() if city is None else ServiceItem.objects.filter(city=city)
    items = items.select_related("current_version").prefetch_related("current_version__materials").order_by("pk")
    total = items.count()
    done = written = 0
    chunk: list[ServiceItem] = []

    def flush() -> None:
        nonlocal done, written
        with transaction.atomic():
            written += _index_chunk(chunk)
        done += len(chunk)
        chunk.clear()
        if progress is not None:
            progress(done, total)

    for item in items.iterator(chunk_size=REINDEX_CHUNK):
        chunk.append(item)
        if len(chunk) == REINDEX_CHUNK:
            flush()
    if chunk:
        flush()
    with transaction.atomic():
        _backend().after_rebuild(everything=city is None)
    return written


# --- searching ----------------------------------------------------------------------------------


def _synonym_expansions(*, city: City, candidates: Iterable[str]) -> dict[str, list[str]]:
    """The words of each candidate's expansion, for candidates that are synonym terms; the city's
    own entry for a term replaces the one for all cities."""
    expansions: dict[str, list[str]] = {}
    rows = Synonym.objects.filter(Q(city=city) | Q(city__isnull=True), term__in=list(candidates))
    # Cities' own entries sort after the entries for all cities, so they win.
    for term, expansion in rows.order_by(F("city_id").asc(nulls_first=True)).values_list("term", "expansion"):
        expansions[term] = _query_words(_normalise(expansion))
    return {term: words for term, words in expansions.items() if words}


@dataclass(frozen=True, slots=True)
class _Plan:
    """What to ask the backend: first items matching every group, then items matching any.

    Matching every word first keeps results precise and, on a large catalogue, cheap: the generic
    words of a sentence (居民, 补贴, 登记) each match thousands of items, and intersecting them
    keeps the number of rows to rank small. Any single word is the fallback, for when the resident
    used a word no item has (丢了, a typo).
    """

    required: tuple[_Group, ...]
    fallback: _Group | None


def _term(token: str) -> _Term:
    # A long ASCII word is probably pinyin: let it match a longer stored pinyin token too.
    return _Term(token, prefix=token.isascii() and token.isalpha() and len(token) >= 4)


def _query_words(text: str) -> list[str]:
    """Words without overlaps (rjieba `cut`, not `cut_for_search`): each becomes a group."""
    words: list[str] = []
    for run in _RUN.finditer(text):
        if run.lastgroup == "han":
            words.extend(word for word in rjieba.cut(run.group()) if word)
        elif len(run.group()) <= MAX_TOKEN_CHARS:
            words.append(run.group())
    return words[:MAX_TERMS]


def _plan(*, city: City, query: str) -> _Plan | None:
    """Analyse a query into groups of alternatives, with synonyms; None when nothing is left.

    A group is one word of the query, matched by itself, by a shorter word inside it (养老金 →
    养老) or by all the words of a synonym expansion of either (低保 → 最低 + 生活 + 保障: the
    expansion names one thing, so its words must all be there, or 生活 alone would match). Up
    to three consecutive words, or the whole query, that an editor entered as a synonym term
    (老年证 is cut into 老年 + 证) make one group with that expansion as one more alternative.
    """
    text = _normalise(query[:MAX_QUERY_CHARS])
    words = _query_words(text)
    if not words:
        return None
    inner = {word: _unique([word, *analyse(word)]) for word in words}
    phrases = {"".join(words[i : i + n]) for n in (2, 3) for i in range(len(words) - n + 1)}
    whole = text.strip()
    candidates = {token for tokens in inner.values() for token in tokens} | phrases
    if whole.isprintable():
        candidates.add(whole)
    expansions = _synonym_expansions(
        city=city, candidates=[candidate for candidate in candidates if len(candidate) <= SYNONYM_TERM_CHARS]
    )

    spans: list[tuple[list[str], list[str]]] = []  # (words, expansion of the whole span)
    if len(words) > 1 and whole in expansions:
        spans.append((words, expansions[whole]))
    else:
        i = 0
        while i < len(words):
            n = next((n for n in (3, 2) if i + n <= len(words) and "".join(words[i : i + n]) in expansions), 1)
            spans.append((words[i : i + n], expansions["".join(words[i : i + n])] if n > 1 else []))
            i += n
    strong: list[list[tuple[str, ...]]] = []  # must match
    weak: list[list[tuple[str, ...]]] = []  # single characters: too vague to require when words exist
    noise: list[list[tuple[str, ...]]] = []  # how residents ask (怎么办): only when nothing else is left
    for members, span_expansion in spans:
        tokens = [token for word in members for token in inner[word]]
        alternatives = _unique(
            [
                *((token,) for token in tokens),
                *(tuple(expansions[token]) for token in tokens if token in expansions),
                *([tuple(span_expansion)] if span_expansion else []),
            ]
        )
        if len(members) == 1 and members[0] in QUERY_NOISE:
            noise.append(alternatives)
        elif len(alternatives) == 1 and len(alternatives[0]) == 1 and len(alternatives[0][0]) == 1:
            weak.append(alternatives)
        else:
            strong.append(alternatives)
    pinyin = [word for word in words if word.isascii() and word.isalpha()]
    if len(pinyin) > 1:  # pinyin typed with spaces: `di bao` → `dibao`
        joined = ("".join(pinyin)[:MAX_TOKEN_CHARS],)
        for group in strong:
            if group[0][0] in pinyin:
                group.append(joined)

    required = _within_budget(_unique(tuple(group) for group in strong or weak or noise))
    if not required:
        return None
    optional = weak if strong else []
    plan_required = tuple(_as_terms(group) for group in required)
    if len(required) == 1 and not optional:
        return _Plan(required=plan_required, fallback=None)
    everything = _unique(alternative for group in [*required, *optional] for alternative in group)
    return _Plan(required=plan_required, fallback=_as_terms(_within_budget([tuple(everything)])[0]))


type _Words = tuple[tuple[str, ...], ...]


def _within_budget(groups: Iterable[_Words]) -> list[_Words]:
    """The first groups, holding at most MAX_TERMS terms between them (never no group)."""
    kept: list[_Words] = []
    budget = MAX_TERMS
    for group in groups:
        alternatives: list[tuple[str, ...]] = []
        for alternative in group:
            if len(alternative) > budget:
                break
            alternatives.append(alternative)
            budget -= len(alternative)
        if len(alternatives) < len(group) and kept:
            break  # a group cut short would require more than the resident asked for
        if alternatives:
            kept.append(tuple(alternatives))
        if budget <= 0 or len(alternatives) < len(group):
            break
    return kept


def _as_terms(group: _Words) -> _Group:
    return tuple(tuple(_term(token) for token in alternative) for alternative in group)


def items_search(*, city: City, query: str, limit: int = 20) -> list[SearchHit]:
    """The city's published items that match what a resident typed, best first.

    The items that match every word; only if there are none, those that match any word (see
    `_Plan`). Never raises on the query's content: it is cut to MAX_QUERY_CHARS, analysed into at
    most MAX_TERMS terms, and every term is quoted for the backend. The number of queries does not
    depend on the hits: synonyms, every word, any word (one query each on SQLite, one per tier on
    PostgreSQL), then the items, with `hit.item.current_version` loaded: six at most.
    """
    plan = _plan(city=city, query=query)
    if plan is None or limit <= 0:
        return []
    backend = _backend()
    rows = backend.match(city_id=city.pk, groups=plan.required, limit=limit)
    if not rows and plan.fallback:
        rows = backend.match(city_id=city.pk, groups=[plan.fallback], limit=limit)
    items = ServiceItem.objects.select_related("current_version").in_bulk([item_id for item_id, _, _ in rows])
    return [
        SearchHit(item=items[item_id], score=(1.0 if in_name else 0.0) + relevance / (1.0 + relevance))
        for item_id, in_name, relevance in rows
        if item_id in items
    ]


def _features(text: str) -> set[str]:
    """Characters and character bigrams of each run: what a typo (申清 for 申请) leaves intact."""
    features: set[str] = set()
    for run in _RUN.finditer(_normalise(text)):
        word = run.group()
        features.update(word)
        features.update(word[i : i + 2] for i in range(len(word) - 1))
    return features


def _similarity(left: set[str], right: set[str]) -> float:
    """Dice coefficient."""
    if not left or not right:
        return 0.0
    return 2 * len(left & right) / (len(left) + len(right))


def items_suggest(*, city: City, query: str, limit: int = 3) -> list[ServiceItem]:
    """Published items whose name or alias looks most like the query, for when search found none.

    Candidates come from the index, at most SUGGEST_CANDIDATES of them: items with a word that
    is a bigram of the query (低保 in 低保申清), or, only when there are none because every
    bigram has a typo (残急证), items with a word starting with one of its characters, which
    costs more. They are ranked by shared characters and bigrams with the name, short name,
    aliases and their pinyin. Bounded work: no scan of the catalogue in Python.
    """
    text = _normalise(query[:MAX_SUGGEST_CHARS])
    wanted = _features(text)
    if not wanted or limit <= 0:
        return []
    bigrams: list[_Term] = []
    starts: list[_Term] = []
    for run in _RUN.finditer(text):
        word = run.group()
        if run.lastgroup == "han":
            bigrams.extend(_Term(word[i : i + 2]) for i in range(len(word) - 1))
            starts.extend(_Term(char, prefix=True) for char in word)
        elif len(word) >= 2:
            bigrams.append(_Term(word[:2], prefix=True))
    rows: list[_Row] = []
    for found_by in (bigrams, starts):
        terms = _unique(found_by)[:MAX_TERMS]
        if terms and not rows:
            rows = _backend().match(city_id=city.pk, groups=[tuple((t,) for t in terms)], limit=SUGGEST_CANDIDATES)
    candidates = ServiceItem.objects.select_related("current_version", "search_document").in_bulk(
        [item_id for item_id, _, _ in rows]
    )
    scored: list[tuple[float, str, ServiceItem]] = []
    for item in candidates.values():
        version = item.current_version
        if version is None:
            continue
        labels: list[str] = [version.name, version.short_name, *_strings(version.aliases)]
        document = getattr(item, "search_document", None)  # None if withdrawn since the match
        labels += [token for token in document.name_tokens.split() if token.isascii()] if document else []
        similarity = max(_similarity(wanted, _features(label)) for label in labels)
        if similarity >= MIN_SUGGEST_SIMILARITY:
            scored.append((similarity, item.code, item))
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    return [item for _, _, item in scored[:limit]]
