"""The Whoosh index behind the catalogue search (the only module that talks to Whoosh
besides the analyzers in search/analysis.py).

Design (see ../shared/docs/ARCHITECTURE.md, "What the engines allow"):
- one combined field ``all`` is queried by default, words ANDed; title and name
  tokens carry a higher weight in it, so they rank first;
- Latin queries also look in ``all_lat`` (transliterations of Cyrillic words);
- facets are counted from per-segment columns cached in memory, not by Whoosh's
  grouping code; segments are merged after a bulk rebuild;
- several processes may write at once: a writer waits for the lock with backoff;
- a missing, corrupt or outdated index is recreated empty and flagged for rebuild.
"""

from __future__ import annotations

import logging
import os
import random
import re
import shutil
import time
from bisect import bisect_left
from collections import Counter
from itertools import chain
from pathlib import Path

from whoosh import columns, fields, index, scoring
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3Codec
from whoosh.index import LockError
from whoosh.writing import CLEAR

from search.analysis import (
    CYR_FOLD,
    UNKNOWN,
    AnalysisInput,
    KeywordAnalyzer,
    TextAnalyzer,
    TranslitAnalyzer,
    _fix_homoglyphs,
    analyze_word,
    browse_key,
    choose_langs,
    collation_key,
    fold_latin,
    fold_translit,
    normalize_text,
    script,
    tokenize,
)
from search.document import EXTRA_PREFIX, normalize_isbn, normalize_issn
from search.query import Clause, Hits, Query

log = logging.getLogger(__name__)

SCHEMA_VERSION = "3"
REBUILD_FLAG = "NEEDS_REBUILD"
VERSION_FILE = "KATALOH_SCHEMA"

# Facet name -> index field.
FACET_FIELDS = {
    "material_type": "material_type", "language": "language", "year": "year_facet",
    "subject": "subject", "udc_class": "udc_class", "availability": "availability",
}
# SRU scan index -> untokenized key field (published records only).
SCAN_FIELDS = {"title": "title_key", "author": "author_key", "subject": "subject_key", "udc": "udc_key"}
# Text fields and their transliteration companions.
TEXT_FIELDS = {"all": "all_lat", "title": "title_lat", "names": "names_lat", "subjects": None,
               "publisher": None, "series": None, "host_title": None}
KEYWORD_FIELDS = ("status", "udc", "isbn", "issn", "language", "material_type", "subject", "udc_class",
                  "availability", "year_facet", "title_key", "author_key", "subject_key", "udc_key")
BOOSTS = {"title": 3.0, "names": 2.0, "subjects": 1.5}


def _weighting():
    """TF-IDF over token weights (title x3, names x2, subjects x1.5 in ``all``).

    Catalogue records are short, so BM25's length normalisation adds little, and it
    costs a field-length lookup for every scored document."""
    return scoring.TF_IDF()


def _codec():
    """Whoosh's default codec without zlib on posting blocks: indexing and reading are faster
    (compression=3 costs about a third of a rebuild here) for a somewhat larger index."""
    return W3Codec(compression=0)


class IndexBusyError(RuntimeError):
    """The index stayed locked by other writers longer than the configured timeout."""


def _keyword(lowercase=False):
    # scorable=True only so the segment has a length column: Whoosh's merge code asks for
    # every posting's field length and probes the disk for a missing column each time.
    f = fields.KEYWORD(lowercase=False, scorable=True)
    f.analyzer = KeywordAnalyzer(lowercase=lowercase)
    return f


def make_schema() -> fields.Schema:
    """The index schema (bump SCHEMA_VERSION when it changes: old indexes get rebuilt)."""
    text = TextAnalyzer()
    lat = TranslitAnalyzer()
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        all=fields.TEXT(analyzer=text, phrase=True),
        all_lat=fields.TEXT(analyzer=lat, phrase=True),
        title=fields.TEXT(analyzer=text, phrase=True),
        title_lat=fields.TEXT(analyzer=lat, phrase=False),
        names=fields.TEXT(analyzer=text, phrase=True),
        names_lat=fields.TEXT(analyzer=lat, phrase=False),
        subjects=fields.TEXT(analyzer=text, phrase=True),
        publisher=fields.TEXT(analyzer=text, phrase=False),
        series=fields.TEXT(analyzer=text, phrase=False),
        host_title=fields.TEXT(analyzer=text, phrase=False),
        spell=_keyword(),
        year=fields.NUMERIC(int, bits=32, signed=True, sortable=True),
        title_sort=fields.COLUMN(columns.VarBytesColumn()),
    )
    for name in KEYWORD_FIELDS:
        schema.add(name, _keyword())
    schema.add(EXTRA_PREFIX + "*", _keyword(), glob=True)
    for name in ("id", "year"):
        schema[name].scorable = True  # see _keyword()
    return schema


def _spell_words(texts) -> list[str]:
    """Surface words offered as "did you mean" candidates (letters only, 3+ chars)."""
    out = []
    for text in texts:
        for w in tokenize(text or ""):
            w = w.lower()
            if len(w) > 2 and not any(ch.isdigit() for ch in w):
                out.append(w)
    return out


def index_fields(doc: dict) -> dict:
    """Whoosh field values for a search document (see search/document.py)."""
    langs = choose_langs(doc.get("language"))
    title = doc.get("title") or ""
    names = doc.get("names") or []
    subjects = doc.get("subjects") or []
    others = [doc.get(k) or "" for k in ("responsibility", "publisher", "place", "host_title", "edition")]
    others += doc.get("series") or []
    others += doc.get("notes") or []
    others += doc.get("udc") or []
    others += doc.get("isbn") or []
    others += doc.get("issn") or []
    extras = {k: v for k, v in doc.items() if k.startswith(EXTRA_PREFIX)}
    for values in extras.values():
        others += values
    parts = [(title, BOOSTS["title"])]
    parts += [(n, BOOSTS["names"]) for n in names]
    parts += [(s, BOOSTS["subjects"]) for s in subjects]
    parts += [(o, 1.0) for o in others if o]
    all_value = AnalysisInput(langs, tuple(parts))
    published = doc.get("status", "published") == "published"
    out = {
        "id": str(doc["id"]),
        "status": doc.get("status") or "published",
        "all": all_value,
        "all_lat": all_value,
        "title": AnalysisInput(langs, ((title, 1.0),)),
        "title_lat": AnalysisInput(langs, ((title, 1.0),)),
        "names": AnalysisInput(langs, tuple((n, 1.0) for n in names)),
        "names_lat": AnalysisInput(langs, tuple((n, 1.0) for n in names)),
        "subjects": AnalysisInput(langs, tuple((s, 1.0) for s in subjects)),
        "publisher": AnalysisInput(langs, ((doc.get("publisher") or "", 1.0),)),
        "series": AnalysisInput(langs, tuple((s, 1.0) for s in doc.get("series") or [])),
        "host_title": AnalysisInput(langs, ((doc.get("host_title") or "", 1.0),)),
        "spell": _spell_words([title, *names]),
        "udc": [u.lower() for u in doc.get("udc") or []],
        "isbn": doc.get("isbn") or [],
        "issn": doc.get("issn") or [],
        "language": doc.get("language") or [],
        "material_type": [doc["material_type"]] if doc.get("material_type") else [],
        "subject": subjects,
        "udc_class": [doc["udc_class"]] if doc.get("udc_class") else [],
        "availability": doc.get("availability") or [],
        "title_sort": (doc.get("title_sort") or "").encode("utf-8"),
    }
    if isinstance(doc.get("year"), int):
        out["year"] = doc["year"]
        out["year_facet"] = [str(doc["year"])]
    if published:
        out["title_key"] = [doc.get("title_key") or browse_key(title)] if title else []
        out["author_key"] = [browse_key(n) for n in names]
        out["subject_key"] = [browse_key(s) for s in subjects]
        out["udc_key"] = out["udc"]
    out.update({k: [str(x) for x in v] for k, v in extras.items()})
    return {k: v for k, v in out.items() if v not in ([], "", None)}


# --- query translation -------------------------------------------------------


def _or(queries):
    queries = [q for q in queries if q is not None]
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def _surface(word: str) -> str:
    """The folded surface form of a query word, as indexed (first analysis term)."""
    return analyze_word(word, UNKNOWN)[0]


def _prefix_text(word: str) -> str:
    w = word.lower()
    if script(w) == "cyr":
        return _fix_homoglyphs(w).translate(CYR_FOLD)
    return fold_latin(w).replace("'", "")


def _word_query(fname: str, word: str):
    lat = TEXT_FIELDS.get(fname)
    alts = analyze_word(word, UNKNOWN)
    q = [wq.Term(fname, a) for a in alts]
    if lat and script(word) == "lat":
        q.append(wq.Term(lat, fold_translit(word)))
    if fname == "all" and normalize_isbn(word):
        q.extend(wq.Term("isbn", v) for v in normalize_isbn(word))
    return _or(q)


def _phrase_query(fname: str, words: list[str]):
    if len(words) == 1:
        return _word_query(fname, words[0])
    q = [wq.Phrase(fname, [_surface(w) for w in words])]
    lat = TEXT_FIELDS.get(fname)
    if lat and all(script(w) == "lat" for w in words):
        q.append(wq.Phrase(lat, [fold_translit(w) for w in words]))
    return _or(q)


def _year_query(clause: Clause):
    text = clause.text
    if clause.kind == "range":
        lo, hi = (int(x) for x in text.split("-"))
        return wq.NumericRange("year", lo, hi)
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        return wq.NullQuery
    if clause.kind == "prefix" and len(digits) < 4:
        lo = int(digits.ljust(4, "0"))
        return wq.NumericRange("year", lo, int(digits.ljust(4, "9")))
    return wq.NumericRange("year", int(digits), int(digits))


def clause_query(clause: Clause):
    """Whoosh query for one parsed clause (never None: unmatched pieces become NullQuery)."""
    fname, kind, text = clause.field, clause.kind, normalize_text(clause.text)
    if fname in TEXT_FIELDS:
        if kind == "prefix":
            p = _prefix_text(text)
            if not p:
                return wq.NullQuery
            lat = TEXT_FIELDS.get(fname)
            q = [wq.Prefix(fname, p)]
            if lat and script(text) == "lat":
                q.append(wq.Prefix(lat, fold_translit(text)))
            return _or(q)
        words = tokenize(text)
        if not words:
            return wq.NullQuery
        if kind == "phrase" or len(words) > 1:
            if fname == "all" and kind == "word" and normalize_isbn(text):
                return _or([wq.Term("isbn", v) for v in normalize_isbn(text)]) or wq.NullQuery
            return _phrase_query(fname, words)
        return _word_query(fname, words[0])
    if fname == "year":
        return _year_query(clause)
    if fname == "isbn":
        values = normalize_isbn(text) or ["".join(ch for ch in text if ch.isalnum()).upper()]
        return _or([wq.Term("isbn", v) for v in values])
    if fname == "issn":
        values = normalize_issn(text) or [text.replace("-", "").upper()]
        return _or([wq.Term("issn", v) for v in values])
    if fname == "udc":
        code = "".join(text.split()).lower()
        return wq.Prefix("udc", code) if code else wq.NullQuery
    if fname in ("title_key", "author_key", "subject_key"):
        key = browse_key(text)
        return wq.Prefix(fname, key) if kind == "prefix" else wq.Term(fname, key)
    if fname == "language":
        text = text.lower()
    if kind == "prefix":
        return wq.Prefix(fname, text)
    return wq.Term(fname, text)


def tree_query(node):
    """Whoosh query for a ``search.query.Node`` tree of clauses (used by SRU/CQL)."""
    if isinstance(node, Clause):
        if node.kind == "wildcard":
            return _wildcard_query(node)
        return clause_query(node)
    if node.op == "all":
        return wq.Every()
    parts = [tree_query(child) for child in node.children]
    if node.op == "and":
        return wq.And(parts) if len(parts) > 1 else parts[0]
    if node.op == "or":
        return wq.Or(parts) if len(parts) > 1 else parts[0]
    if node.op == "not":
        return wq.AndNot(parts[0], _or(parts[1:])) if len(parts) > 1 else parts[0]
    raise ValueError(f"unknown boolean operator {node.op!r}")


def _wildcard_query(clause: Clause):
    """A ``*``/``?`` masked word, folded like indexed terms (keyword fields: lower case)."""
    pieces = [p if p in "*?" else (_prefix_text(p) if clause.field in TEXT_FIELDS else p.lower())
              for p in re.split(r"([*?])", normalize_text(clause.text)) if p]
    pattern = "".join(pieces)
    if not pattern.strip("*?"):
        return wq.NullQuery
    return wq.Wildcard(clause.field, pattern)


def _filter_query(facet: str, values):
    fname = FACET_FIELDS.get(facet, facet)
    if isinstance(values, (str, int)):
        values = [values]
    return _or([wq.Term(fname, str(v)) for v in values])


# --- the index -----------------------------------------------------------------


class SearchIndex:
    """A Whoosh index in a directory; safe to use from several processes at once."""

    def __init__(self, path, lock_timeout: float = 300.0):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._ix = None
        self._searcher = None
        self._columns: dict[tuple[str, str], list] = {}
        self._cache_gen: dict[tuple, object] = {}
        self._open()

    # opening, health

    def _open(self):
        """Open the index; recreate it empty (flagged for rebuild) when missing, corrupt or outdated."""
        self._close_searcher()
        try:
            if not index.exists_in(str(self.path)):
                self._recreate()
                return
            version_file = self.path / VERSION_FILE
            version = version_file.read_text().strip() if version_file.exists() else None
            if version == SCHEMA_VERSION:
                ix = index.open_dir(str(self.path))
                with ix.reader() as r:
                    r.doc_count()
                self._ix = ix
                return
        except Exception as exc:  # corrupt TOC, missing segment files, unpickling errors...
            log.warning("search index at %s is unusable (%s); recreating it", self.path, exc)
        else:
            log.warning("search index at %s has an old schema; recreating it", self.path)
        self._recreate()

    def _recreate(self):
        if self.path.exists() and any(self.path.iterdir()):
            for child in self.path.iterdir():
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        self.path.mkdir(parents=True, exist_ok=True)
        self._ix = index.create_in(str(self.path), make_schema())
        (self.path / VERSION_FILE).write_text(SCHEMA_VERSION)
        (self.path / REBUILD_FLAG).write_text("index was missing, corrupt or outdated\n")

    @property
    def needs_rebuild(self) -> bool:
        """True when the index was (re)created empty and should be rebuilt from the database."""
        return (self.path / REBUILD_FLAG).exists()

    def is_healthy(self) -> bool:
        """True when the index opens and reads, and no rebuild is pending."""
        try:
            self._get_searcher().doc_count()
        except Exception:
            return False
        return not self.needs_rebuild

    def doc_count(self) -> int:
        """Number of (not deleted) documents in the index."""
        return self._get_searcher().doc_count()

    def close(self):
        """Release the cached searcher (files stay on disk)."""
        self._close_searcher()

    def _close_searcher(self):
        if self._searcher is not None:
            try:
                self._searcher.close()
            except Exception:
                pass
        self._searcher = None

    def _generation(self) -> int:
        """Latest index generation on disk (-1 when the index is missing): one directory listing."""
        if self._ix is None:
            return -1
        try:
            return self._ix.latest_generation()
        except OSError:
            return -1

    def _get_searcher(self):
        generation = self._generation()
        if generation < 0:
            self._open()
            generation = self._generation()
        try:
            if self._searcher is None or self._searcher.reader().generation() != generation:
                # A new searcher, not Searcher.refresh(): that reuses segment readers and so
                # misses deletions made by other writers. The old one is not closed here: another
                # thread may still be reading it; its files close when it is garbage collected.
                self._searcher = self._ix.searcher(weighting=_weighting())
        except Exception as exc:
            log.warning("search index at %s failed to open a searcher (%s)", self.path, exc)
            self._open()
            self._searcher = self._ix.searcher(weighting=_weighting())
        return self._searcher

    # writing

    def _writer(self, **kwargs):
        """A writer, waiting for other processes' writers with exponential backoff."""
        if self._generation() < 0:
            self._open()
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.005
        while True:
            try:
                return self._ix.writer(timeout=0.0, codec=_codec(), **kwargs)
            except LockError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(f"search index {self.path} stayed locked for {self.lock_timeout} s") from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.25)

    def update(self, docs) -> int:
        """Add documents, replacing any with the same ``id``; returns how many were written."""
        docs = list(docs)
        if not docs:
            return 0
        w = self._writer()
        try:
            for doc in docs:
                w.update_document(**index_fields(doc))
        except BaseException:
            w.cancel()
            raise
        w.commit()
        return len(docs)

    def delete(self, ids) -> None:
        """Remove documents by record id (unknown ids are ignored)."""
        ids = [str(i) for i in ids]
        if not ids:
            return
        w = self._writer()
        try:
            for record_id in ids:
                w.delete_by_term("id", record_id)
        except BaseException:
            w.cancel()
            raise
        w.commit()

    def rebuild(self, docs_iter, progress=None, procs: int | None = None, batch: int = 1000,
                optimize: bool = True) -> int:
        """Replace the whole index with ``docs_iter``; ``progress(n)`` is called every ``batch`` docs.

        Searches keep seeing the old index until the new one is committed; writers from
        other processes wait for the lock and apply their updates afterwards. With
        ``procs`` > 1 each process writes its own segment; ``optimize`` then merges them.
        """
        if self._generation() < 0:
            self._open()
        procs = procs or min(2, os.cpu_count() or 1)
        kwargs = {"procs": procs, "multisegment": True, "limitmb": 128} if procs > 1 else {"limitmb": 128}
        w = self._writer(**kwargs)
        n = 0
        try:
            for doc in docs_iter:
                w.add_document(**index_fields(doc))
                n += 1
                if progress and n % batch == 0:
                    progress(n)
        except BaseException:
            w.cancel()
            raise
        w.commit(mergetype=CLEAR)
        with self._ix.reader() as reader:
            segments = len(reader.leaf_readers())
        if segments > 1 and optimize:
            self.optimize()
        indexed = self.doc_count()
        if indexed != n:  # e.g. an indexing subprocess died: keep asking for a rebuild
            log.error("search index rebuild wrote %d of %d documents", indexed, n)
            (self.path / REBUILD_FLAG).write_text(f"last rebuild wrote {indexed} of {n} documents\n")
        else:
            (self.path / REBUILD_FLAG).unlink(missing_ok=True)
        if progress:
            progress(n)
        return n

    def optimize(self) -> None:
        """Merge all segments into one (faster searching)."""
        w = self._writer()
        w.commit(optimize=True)

    # searching

    def _build_query(self, query: Query):
        """(ranked text query or None, list of filter queries) for a Query."""
        positives, negatives = [], []
        for clause in query.clauses():
            (negatives if clause.negated else positives).append(clause_query(clause))
        text_q = None
        if positives:
            text_q = wq.And(positives) if len(positives) > 1 else positives[0]
        if negatives:
            text_q = wq.AndNot(text_q or wq.Every(), _or(negatives))
        if query.tree is not None:  # SRU/CQL boolean tree (search.query.Node)
            tree_q = tree_query(query.tree)
            text_q = tree_q if text_q is None else wq.And([text_q, tree_q])
        filters = []
        for facet, values in (query.filters or {}).items():
            if values not in (None, "", [], ()):
                filters.append(_filter_query(facet, values) or wq.NullQuery)
        if query.year_from is not None or query.year_to is not None:
            filters.append(wq.NumericRange("year", query.year_from, query.year_to))
        if query.status:
            status_q = self._status_query(query.status)
            if status_q is not None:
                filters.append(status_q)
        return text_q, filters

    def _status_query(self, statuses):
        reader = self._get_searcher().reader()
        if tuple(statuses) == ("published",):
            # Skip the filter when every stored document is published (the usual case).
            if reader.doc_frequency("status", "published") == reader.doc_count_all():
                return None
        return _or([wq.Term("status", s) for s in statuses])

    def _matching(self, query: Query):
        """(searcher, ranked text query or None, set of matching docnums)."""
        searcher = self._get_searcher()
        text_q, filters = self._build_query(query)
        sets = [self._docset(searcher, f, cache=True) for f in filters]
        if text_q is not None:
            sets.append(self._docset(searcher, text_q))
        if not sets:
            sets.append(self._docset(searcher, wq.Every(), cache=True))
        sets.sort(key=len)
        docs = set(sets[0])
        for other in sets[1:]:
            if not docs:
                break
            docs &= other
        deleted = self._deleted(searcher)
        if deleted:
            docs -= deleted
        return searcher, text_q, docs

    def search(self, query: Query) -> Hits:
        """Run a query: one page of record ids, the total, facet counts and a suggestion."""
        searcher, text_q, docs = self._matching(query)
        page = max(1, query.page)
        per_page = max(1, min(query.per_page, 1000))
        start, end = (page - 1) * per_page, page * per_page
        total = len(docs)
        if start >= total:
            page_docs = []
        elif query.sort in ("year", "-year", "title", "-title"):
            page_docs = self._sorted(searcher, docs, query.sort)[start:end]
        elif text_q is None:
            page_docs = sorted(docs, reverse=True)[start:end]  # browsing: latest indexed first
        else:
            results = searcher.search(text_q, limit=end, filter=docs)
            page_docs = [docnum for _, docnum in results.top_n[start:end]]
        id_column = self._column(searcher, "id")
        ids = [id_column[d][0] for d in page_docs]
        facets = self._count_facets(searcher, docs, query.facets, query.facet_limit) if query.facets else {}
        suggestion = None
        if query.suggest and total < 3 and query.text:
            suggestion = self._suggest(searcher, query, total)
        return Hits(total=total, ids=ids, facets=facets, suggestion=suggestion)

    def count(self, query: Query) -> int:
        """Number of matching documents (no ranking, no facets)."""
        return len(self._matching(query)[2])

    # document sets

    def _generation_cache(self, searcher) -> dict:
        reader = searcher.reader()
        cached = self._cache_gen.get("sets")
        if cached is None or cached[0] is not reader:
            cached = (reader, {})
            self._cache_gen["sets"] = cached
        return cached[1]

    def _deleted(self, searcher) -> set:
        cache = self._generation_cache(searcher)
        if "deleted" not in cache:
            deleted = set()
            for leaf, offset in searcher.reader().leaf_readers():
                if leaf.has_deletions():
                    deleted.update(d + offset for d in leaf.deleted_docs_set)
            cache["deleted"] = deleted
        return cache["deleted"]

    def _term_docs(self, searcher, fieldname: str, text) -> set:
        out: set = set()
        for leaf, offset in searcher.reader().leaf_readers():
            if (fieldname, text) in leaf:
                ids = leaf.postings(fieldname, text).all_ids()
                out.update(ids if not offset else (d + offset for d in ids))
        return out

    def _docset(self, searcher, q, cache: bool = False) -> set:
        """Matching docnums of a query by set algebra over posting lists (deleted docs included).

        Much faster than Whoosh's matcher trees for counting and faceting; filters are
        cached per index generation.
        """
        if cache:
            store = self._generation_cache(searcher)
            key = repr(q)
            if key in store:
                return store[key]
            if len(store) > 256:
                store.clear()
            result = store[key] = self._docset(searcher, q)
            return result
        if isinstance(q, wq.Term):
            return self._term_docs(searcher, q.fieldname, q.text)
        if isinstance(q, wq.Or):
            out: set = set()
            for sub in q.subqueries:
                out |= self._docset(searcher, sub)
            return out
        if isinstance(q, wq.And):
            parts = sorted((self._docset(searcher, sub) for sub in q.subqueries), key=len)
            out = set(parts[0]) if parts else set()
            for p in parts[1:]:
                out &= p
            return out
        if isinstance(q, wq.AndNot):
            return self._docset(searcher, q.a) - self._docset(searcher, q.b)
        if isinstance(q, wq.Every):
            return set(range(searcher.reader().doc_count_all()))
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return set()
        try:
            return set(searcher.docs_for_query(q))
        except wq.QueryError:  # a phrase on a field without positions in this index (e.g. no Cyrillic yet)
            return set()

    def _sort_column(self, searcher, name: str) -> list:
        reader = searcher.reader()
        key = ("sort", name)
        cached = self._cache_gen.get(key)
        if cached is not None and cached[0] is reader:
            return cached[1]
        col: list = []
        for leaf, _ in reader.leaf_readers():
            n = leaf.doc_count_all()
            if name == "year":
                facet = self._leaf_column(leaf, "year_facet")
                col.extend(int(v[0]) if v else None for v in facet)
            elif leaf.has_column(name):
                col.extend(leaf.column_reader(name))
            else:
                col.extend([b""] * n)
        self._cache_gen[key] = (reader, col)
        return col

    def _sorted(self, searcher, docs, sort: str) -> list:
        name = sort.lstrip("-")
        col = self._sort_column(searcher, "year" if name == "year" else "title_sort")
        if name == "year":
            # Records without a year go last in both directions.
            if sort == "year":
                return sorted(docs, key=lambda d: (col[d] is None, col[d] or 0, d))
            return sorted(docs, key=lambda d: (col[d] is None, -(col[d] or 0), d))
        return sorted(docs, key=lambda d: (col[d], d), reverse=sort.startswith("-"))

    # facets

    def _leaf_column(self, reader, fname: str) -> list:
        segment = reader.segment()
        if segment is None:  # empty index
            return [()] * reader.doc_count_all()
        key = (segment.segment_id(), fname)
        col = self._columns.get(key)
        if col is None:
            col = [()] * reader.doc_count_all()
            if fname in reader.schema:
                for text in reader.field_terms(fname):
                    for docnum in reader.postings(fname, text).all_ids():
                        col[docnum] = col[docnum] + (text,)
            self._columns[key] = col
        return col

    def _column(self, searcher, fname: str) -> list:
        reader = searcher.reader()
        key = ("col", fname)
        cached = self._cache_gen.get(key)
        if cached is not None and cached[0] is reader:
            return cached[1]
        leaves = reader.leaf_readers()
        if len(leaves) == 1:
            col = self._leaf_column(leaves[0][0], fname)
        else:
            col = []
            for leaf, offset in leaves:
                assert len(col) == offset
                col.extend(self._leaf_column(leaf, fname))
        live = {leaf.segment().segment_id() for leaf, _ in leaves if leaf.segment() is not None}
        for k in [k for k in list(self._columns) if k[0] not in live]:
            self._columns.pop(k, None)
        self._cache_gen[key] = (reader, col)
        return col

    def _count_facets(self, searcher, docs, facets, limit):
        out = {}
        for facet in facets:
            fname = FACET_FIELDS.get(facet)
            if fname is None:
                continue
            col = self._column(searcher, fname)
            counts = Counter(chain.from_iterable(map(col.__getitem__, docs)))
            out[facet] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return out

    # suggestions

    def _suggest(self, searcher, query: Query, total: int) -> str | None:
        reader = searcher.reader()
        changed = False
        pieces = []
        for piece in (query.text or "").split():
            bare = piece.strip("\"*-,.;:!?()")
            if (":" in piece or not bare or any(ch.isdigit() for ch in bare)
                    or len(bare) < 3 or self._known(reader, bare)):
                pieces.append(piece)
                continue
            word = normalize_text(bare).lower()
            best = None
            for maxdist in (1, 2):
                candidates = [c for c in reader.terms_within("spell", word, maxdist, prefix=1) if c != word]
                if candidates:
                    best = max(candidates, key=lambda c: (reader.doc_frequency("spell", c), c))
                    break
            if best is None:
                pieces.append(piece)
            else:
                pieces.append(piece.replace(bare, best))
                changed = True
        if not changed:
            return None
        suggestion = " ".join(pieces)
        alt = Query(text=suggestion, fields=query.fields, filters=query.filters, year_from=query.year_from,
                    year_to=query.year_to, status=query.status)
        return suggestion if self.count(alt) > total else None

    @staticmethod
    def _known(reader, word: str) -> bool:
        words = tokenize(word)
        if not words:
            return True
        for w in words:
            terms = analyze_word(w, UNKNOWN)
            if any(reader.doc_frequency("all", t) for t in terms):
                continue
            if script(w) == "lat" and reader.doc_frequency("all_lat", fold_translit(w)):
                continue
            return False
        return True

    # browsing

    def scan(self, index_name: str, term: str, position: int = 1, count: int = 20) -> list[tuple[str, int]]:
        """Browse the terms of a scan index (``title``, ``author``, ``subject``, ``udc``) with counts.

        SRU responsePosition semantics: the first term at or after ``term`` is placed at
        ``position`` (1-based) of the returned list, so ``position - 1`` terms precede it;
        ``position`` 0 starts right after it, and ``position > count`` returns only earlier terms.
        """
        fname = SCAN_FIELDS.get(index_name, index_name)
        terms = self._scan_list(fname)
        key = "".join(term.split()).lower() if fname == "udc_key" else browse_key(term)
        keys = terms[0]
        i = bisect_left(terms[2], collation_key(key))
        start = i - (position - 1)
        end = start + max(0, count)
        start = max(0, start)
        if end <= start:
            return []
        return list(zip(keys[start:end], terms[1][start:end], strict=True))

    def _scan_list(self, fname: str):
        searcher = self._get_searcher()
        reader = searcher.reader()
        key = ("scan", fname)
        cached = self._cache_gen.get(key)
        if cached is not None and cached[0] is reader:
            return cached[1]
        counts: Counter = Counter()
        for leaf, _ in reader.leaf_readers():
            col = self._leaf_column(leaf, fname)
            if leaf.has_deletions():
                col = [v for d, v in enumerate(col) if not leaf.is_deleted(d)]
            counts.update(chain.from_iterable(col))
        items = sorted(counts.items(), key=lambda kv: collation_key(kv[0]))
        result = ([k for k, _ in items], [c for _, c in items], [collation_key(k) for k, _ in items])
        self._cache_gen[key] = (reader, result)
        return result

    def terms(self, field: str, prefix: str = "", limit: int = 100) -> list[tuple[str, int]]:
        """Indexed terms of a field starting with ``prefix``, with document frequencies."""
        reader = self._get_searcher().reader()
        out = []
        for text in reader.expand_prefix(field, prefix):
            text = text.decode("utf-8") if isinstance(text, bytes) else text
            out.append((text, reader.doc_frequency(field, text)))
            if len(out) >= limit:
                break
        return out


def _page_docs(results, start: int, end: int):
    """(docnum, score) pairs of results[start:end]."""
    top = results.top_n
    return [(docnum, score) for score, docnum in top[start:end]]
