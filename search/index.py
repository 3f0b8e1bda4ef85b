"""The catalogue search index: SQLite FTS5 over pre-analysed text, plus in-memory arrays.

Design (see docs/search.md):
- ``search/prepare.py`` analyses a document in Python (lemmas, stems, transliterations)
  and the index stores the resulting tokens in one FTS5 table (surface and alternative
  columns per field), keyword values in ``kw`` and SRU scan keys in ``scan``, all in
  ``search.sqlite`` in the index directory;
- a query is matched by FTS5 (C code), filtered and faceted with numpy arrays
  (search/docstate.py), and ranked by bm25 with title and names weighted first;
- several processes may write at once: SQLite's write lock is waited for with a
  timeout, and readers see a consistent snapshot (WAL mode);
- a missing, corrupt or outdated index is recreated empty and flagged for rebuild.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import sqlite3
import threading
import time
from collections import deque
from contextlib import contextmanager
from functools import partial
from itertools import islice
from pathlib import Path

import numpy as np

from search.analysis import browse_key, collation_key, collation_text, normalize_text, tokenize
from search.docstate import DocState
from search.matching import (
    ALL,
    MAX_EXPANSIONS,
    NONE,
    TEXT_QUERY_FIELDS,
    Bool,
    Expansion,
    Fts,
    Mask,
    Sql,
    keyword_node,
    ranking_expr,
    request_node,
    simplify,
    word_node,
)
from search.prepare import COLUMN_WEIGHTS, FTS_COLUMNS, Prepared, prepare, prepare_item
from search.query import FACETS, Hits, Query

log = logging.getLogger(__name__)

SCHEMA_VERSION = "6-fts5"
DB_NAME = "search.sqlite"
SCAN_FIELDS = {"title": "title_key", "author": "author_key", "subject": "subject_key", "udc": "udc_key"}
# Results up to this size are all ranked by bm25; larger ones rank the part that matches in
# titles and names first (bm25 costs a few microseconds a row).
RANK_LIMIT = 2000
# A translation's relevance is multiplied by this, so the original-language record comes first.
TRANSLATION_WEIGHT = 0.6
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS docs (docid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, status TEXT NOT NULL,
    year INTEGER, title_sort TEXT NOT NULL DEFAULT '', translation INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS kw (field TEXT NOT NULL, value TEXT NOT NULL, docid INTEGER NOT NULL,
    PRIMARY KEY (field, value, docid)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kw_doc ON kw (docid);
CREATE TABLE IF NOT EXISTS scan (field TEXT NOT NULL, ckey TEXT NOT NULL, docid INTEGER NOT NULL,
    PRIMARY KEY (field, ckey, docid)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS scan_doc ON scan (docid);
CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY, docid INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5({", ".join(FTS_COLUMNS)},
    tokenize = "unicode61 remove_diacritics 0 tokenchars ''''", prefix = '2 3 4');
CREATE VIRTUAL TABLE IF NOT EXISTS fts_terms USING fts5vocab(fts, 'row');
CREATE VIRTUAL TABLE IF NOT EXISTS fts_col_terms USING fts5vocab(fts, 'col');
"""
_BM25 = "bm25(fts, " + ", ".join(str(w) for w in COLUMN_WEIGHTS) + ")"
_INSERT_FTS = f"INSERT INTO fts (rowid, {', '.join(FTS_COLUMNS)}) VALUES ({', '.join('?' * (len(FTS_COLUMNS) + 1))})"


class IndexBusyError(RuntimeError):
    """The index stayed locked by other writers longer than the configured timeout."""


class SearchIndex:
    """The index in a directory; safe to use from several threads and processes at once."""

    def __init__(self, path, lock_timeout: float = 300.0):
        self.path = Path(path)
        self.db_path = self.path / DB_NAME
        self.lock_timeout = lock_timeout
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._identity = None
        self._pid = None
        self._state = DocState()
        self._wait = threading.local()  # per-thread override of lock_timeout (see waiting_at_most)
        with self._lock:
            self._open()

    # opening, health

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=self.lock_timeout, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -65536")
        return conn

    def _open(self) -> None:
        """Open the index; recreate it empty (flagged for rebuild) when missing, corrupt or outdated."""
        self._close()
        self.path.mkdir(parents=True, exist_ok=True)
        existed = self.db_path.exists()
        try:
            conn = self._connect()
            if existed:
                row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                if row and row[0] == SCHEMA_VERSION:
                    conn.execute("SELECT count(*) FROM docs").fetchone()
                    self._use(conn)
                    return
                log.warning("search index at %s has another schema; recreating it", self.path)
            conn.close()
        except sqlite3.DatabaseError as exc:
            log.warning("search index at %s is unusable (%s); recreating it", self.path, exc)
        self._recreate(reason="index was missing, corrupt or outdated" if existed else "new index")

    def _use(self, conn) -> None:
        self._conn = conn
        st = os.stat(self.db_path)
        self._identity = (st.st_dev, st.st_ino)
        self._pid = os.getpid()
        self._state = DocState()

    def _recreate(self, reason: str) -> None:
        for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
            (self.path / name).unlink(missing_ok=True)
        for child in self.path.iterdir():  # an older engine's files
            if child.is_file() and not child.name.startswith(DB_NAME):
                child.unlink(missing_ok=True)
        conn = self._connect()
        _create_tables(conn)
        conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [
            ("schema_version", SCHEMA_VERSION), ("epoch", str(time.time_ns())), ("needs_rebuild", reason)])
        self._use(conn)

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
        self._conn = None

    def _ensure(self) -> sqlite3.Connection:
        """The connection, reopened when the file was removed or replaced or the process forked."""
        try:
            st = os.stat(self.db_path)
            same = (st.st_dev, st.st_ino) == self._identity
        except OSError:
            same = False
        if not same or self._conn is None or self._pid != os.getpid():
            if self._pid != os.getpid():
                self._conn = None  # the parent's connection: never touch it in a child
            self._open()
        return self._conn

    @property
    def needs_rebuild(self) -> bool:
        """True when the index was (re)created empty or a rebuild did not finish."""
        with self._lock:
            row = self._ensure().execute("SELECT value FROM meta WHERE key = 'needs_rebuild'").fetchone()
        return row is not None

    def mark_current(self) -> None:
        """Clear the rebuild flag (e.g. a new index for an empty catalogue has nothing to rebuild)."""
        self._write(lambda conn: conn.execute("DELETE FROM meta WHERE key = 'needs_rebuild'"))

    def is_healthy(self) -> bool:
        """True when the index opens and reads, and no rebuild is pending."""
        try:
            return not self.needs_rebuild
        except sqlite3.Error:
            return False

    def doc_count(self) -> int:
        """Number of documents in the index."""
        with self._lock:
            return self._ensure().execute("SELECT count(*) FROM docs").fetchone()[0]

    def close(self) -> None:
        """Close the database connection (files stay on disk)."""
        with self._lock:
            self._close()

    # writing

    @contextmanager
    def waiting_at_most(self, seconds: float):
        """Writes in this block give up with IndexBusyError after ``seconds`` instead of
        ``lock_timeout`` (a web request should not wait for a running rebuild)."""
        previous = getattr(self._wait, "seconds", None)
        self._wait.seconds = seconds
        try:
            yield self
        finally:
            self._wait.seconds = previous

    def _write(self, work) -> None:
        """Run ``work(conn)`` in one write transaction, waiting for other writers."""
        with self._lock:
            self._transaction(self._ensure(), work)

    def _transaction(self, conn, work) -> None:
        timeout = getattr(self._wait, "seconds", None)
        timeout = self.lock_timeout if timeout is None else timeout
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        deadline = time.monotonic() + timeout
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexBusyError(f"search index {self.path} stayed locked for {timeout} s") from None
                time.sleep(0.05)
        try:
            work(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _remove(conn, ids) -> list[int]:
        docids = []
        for record_id in ids:
            row = conn.execute("SELECT docid FROM docs WHERE id = ?", (record_id,)).fetchone()
            if row:
                docids.append(row[0])
        for docid in docids:
            conn.execute("DELETE FROM fts WHERE rowid = ?", (docid,))
            conn.execute("DELETE FROM kw WHERE docid = ?", (docid,))
            conn.execute("DELETE FROM scan WHERE docid = ?", (docid,))
            conn.execute("DELETE FROM docs WHERE docid = ?", (docid,))
        conn.executemany("INSERT INTO changes (docid) VALUES (?)", [(d,) for d in docids])
        return docids

    @staticmethod
    def _insert(conn, rows: list[Prepared], first_docid: int, log_changes: bool = True) -> None:
        docids = range(first_docid, first_docid + len(rows))
        conn.executemany("INSERT INTO docs (docid, id, status, year, title_sort, translation) VALUES (?, ?, ?, ?, ?, ?)",
                         [(d, r.id, r.status, r.year, r.title_sort, r.translation)
                          for d, r in zip(docids, rows, strict=True)])
        conn.executemany(_INSERT_FTS, [(d, *r.fts) for d, r in zip(docids, rows, strict=True)])
        conn.executemany("INSERT OR IGNORE INTO kw (docid, field, value) VALUES (?, ?, ?)",
                         [(d, f, v) for d, r in zip(docids, rows, strict=True) for f, v in r.keywords])
        conn.executemany("INSERT OR IGNORE INTO scan (docid, field, ckey) VALUES (?, ?, ?)",
                         [(d, f, k) for d, r in zip(docids, rows, strict=True) for f, k in r.scan])
        if log_changes:
            conn.executemany("INSERT INTO changes (docid) VALUES (?)", [(d,) for d in docids])

    @staticmethod
    def _next_docid(conn) -> int:
        return conn.execute("SELECT coalesce(max(docid), 0) + 1 FROM docs").fetchone()[0]

    def update(self, docs) -> int:
        """Add documents, replacing any with the same ``id``; returns how many were written."""
        return self.write_prepared(map(prepare, docs))

    def write_prepared(self, prepared) -> int:
        """``update`` for documents already analysed by ``search.prepare.prepare`` (e.g. by import workers)."""
        rows = list({r.id: r for r in prepared}.values())
        if not rows:
            return 0

        def work(conn):
            self._remove(conn, [r.id for r in rows])
            self._insert(conn, rows, self._next_docid(conn))

        self._write(work)
        return len(rows)

    def delete(self, ids) -> None:
        """Remove documents by record id (unknown ids are ignored)."""
        ids = [str(i) for i in ids]
        if ids:
            self._write(lambda conn: self._remove(conn, ids))

    def rebuild(self, docs_iter, progress=None, procs: int | None = None, batch: int = 1000,
                optimize: bool = True, make_doc=None, if_needed: bool = False) -> int | None:
        """Replace the whole index with the documents of ``docs_iter``; returns their number.

        ``make_doc(item)`` turns each item into a document first (so that worker processes
        can do that work too); ``progress(n)`` is called every ``batch`` documents. With
        ``procs`` > 1 worker processes analyse the documents while this one writes. The new
        index replaces the old one in one transaction on a connection of its own: searches
        (in this process too) see the old one until then, and other writers wait for it and
        apply their updates afterwards. With ``if_needed`` nothing is done (None is returned)
        unless the index is flagged for a rebuild once the write lock is held (another process
        may have rebuilt it meanwhile).
        """
        procs = procs or min(2, os.cpu_count() or 1)
        n = 0
        skipped = False

        def work(conn):
            nonlocal n, skipped
            if if_needed and conn.execute("SELECT 1 FROM meta WHERE key = 'needs_rebuild'").fetchone() is None:
                skipped = True
                return
            for table in ("kw", "scan", "docs", "changes"):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DROP TABLE fts")  # faster than deleting every row; recreated empty below
            _create_tables(conn)
            reported = 0
            for rows in _prepared_batches(docs_iter, make_doc, procs, batch):
                self._insert(conn, rows, n + 1, log_changes=False)
                n += len(rows)
                if progress and n - reported >= batch:
                    progress(n)
                    reported = n
            if optimize:
                conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
            conn.execute("UPDATE meta SET value = ? WHERE key = 'epoch'", (str(time.time_ns()),))
            conn.execute("DELETE FROM meta WHERE key = 'needs_rebuild'")

        with self._lock:
            self._ensure()  # recreate a missing or corrupt file first
        conn = self._connect()
        try:
            self._transaction(conn, work)
        finally:
            conn.close()
        if skipped:
            return None
        if progress:
            progress(n)
        return n

    # searching

    def _read(self, work):
        """Run ``work(conn, state)`` on one consistent snapshot, with the arrays up to date."""
        with self._lock:
            conn = self._ensure()
            conn.execute("BEGIN")
            try:
                try:
                    self._state.refresh(conn)
                except sqlite3.DatabaseError as exc:
                    if isinstance(exc, sqlite3.OperationalError):
                        raise
                    log.warning("search index at %s is unreadable (%s); recreating it", self.path, exc)
                    conn.execute("ROLLBACK")
                    self._recreate(reason=f"index was unreadable: {exc}")
                    conn = self._conn
                    conn.execute("BEGIN")
                    self._state.refresh(conn)
                return work(conn, self._state)
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")

    def search(self, query: Query) -> Hits:
        """Run a query: one page of record ids, the total, facet counts and a suggestion."""
        return self._read(lambda conn, state: self._search(conn, state, query))

    def count(self, query: Query) -> int:
        """Number of matching documents (no ranking, no facets)."""
        return self._read(lambda conn, state: int(self._matching(conn, state, query)[1].sum()))

    def _matching(self, conn, state, query: Query):
        """(text tree or None, boolean mask of the matching documents)."""
        node = request_node(query)
        mask = state.status_mask(query.status).copy()
        if node is not None:
            node = simplify(node)
            mask &= self._mask(conn, state, node)
        for facet, values in (query.filters or {}).items():
            if values in (None, "", [], ()):
                continue
            values = [str(v) for v in ([values] if isinstance(values, (str, int)) else values)]
            if facet == "year":
                mask &= np.isin(state.year, [int(v) for v in values if v.isdigit()])
            elif facet in FACETS:  # the other facets are keyword fields held in memory
                mask &= state.facet_mask(facet, values)
            else:
                mask &= self._mask(conn, state, Bool("or", tuple(keyword_node(facet, v) for v in values)))
        if query.year_from is not None or query.year_to is not None:
            mask &= state.year_mask(query.year_from, query.year_to)
        return node, mask

    def _search(self, conn, state, query: Query) -> Hits:
        node, mask = self._matching(conn, state, query)
        docs = np.flatnonzero(mask)
        total = len(docs)
        page = max(1, query.page)
        per_page = max(1, min(query.per_page, 1000))
        start, end = (page - 1) * per_page, page * per_page
        if start >= total:
            page_docs = []
        elif query.sort in ("year", "-year"):
            page_docs = state.sort_by_year(docs, query.sort == "-year")[start:end]
        elif query.sort in ("title", "-title"):
            page_docs = state.sort_by_title(conn, docs, query.sort == "-title")[start:end]
        else:
            expr = ranking_expr(node) if node is not None else None
            page_docs = self._ranked(conn, state, expr, mask, docs, end)[start:end]
        ids = [state.ids[int(d)] for d in page_docs]
        facets = {}
        for facet in query.facets or ():
            if facet in FACETS:
                facets[facet] = state.count(facet, docs, query.facet_limit)
        suggestion = None
        if query.suggest and total < 3 and query.text:
            suggestion = self._suggest(conn, state, query, total)
        return Hits(total=total, ids=ids, facets=facets, suggestion=suggestion)

    def _ranked(self, conn, state, expr, mask, docs, end) -> list[int]:
        """The first ``end`` documents of ``docs`` by relevance (newest first when no text)."""
        if expr is None:
            return [int(d) for d in docs[::-1][:end]]
        if len(docs) > RANK_LIMIT:
            # Rank the matches in titles and names; the rest follow, newest first.
            cols = TEXT_QUERY_FIELDS["title"][0] + TEXT_QUERY_FIELDS["names"][0] + ("title_lat", "names_lat")
            head_expr = "{" + " ".join(cols) + "} : (" + expr + ")"
            head = mask & self._fts_mask(conn, state, head_expr)
            head_docs = np.flatnonzero(head)
            if len(head_docs) > RANK_LIMIT:
                newest = head_docs[::-1]
                first = [int(d) for d in newest[np.argsort(state.translation[newest], kind="stable")][:end]]
            else:
                first = self._bm25(conn, state, head_expr, head_docs)
            if len(first) >= end:
                return first[:end]
            rest = np.flatnonzero(mask & ~head)[::-1][:end - len(first)]
            return first + [int(d) for d in rest]
        ranked = self._bm25(conn, state, expr, docs)
        if len(ranked) < len(docs):  # documents matched by keyword clauses only
            seen = set(ranked)
            ranked += [int(d) for d in docs[::-1] if int(d) not in seen]
        return ranked[:end]

    @staticmethod
    def _bm25(conn, state, expr: str, docs) -> list[int]:
        """``docs`` that match ``expr`` by bm25 (title and names weighted), translations after originals."""
        if len(docs) == 0:
            return []
        try:
            # "+rowid": the IN list must filter the matches, not drive one FTS lookup per row.
            rows = conn.execute(
                f"SELECT rowid, {_BM25} FROM fts WHERE fts MATCH ? AND +rowid IN (SELECT value FROM json_each(?))",
                (expr, json.dumps([int(d) for d in docs]))).fetchall()
        except sqlite3.OperationalError as exc:
            log.warning("ranking query %r failed: %s", expr, exc)
            return []
        translation = state.translation
        # bm25 is negative, better matches more so: weighting a translation brings it closer to 0.
        rows.sort(key=lambda r: (r[1] * (TRANSLATION_WEIGHT if translation[r[0]] else 1.0), -r[0]))
        return [r[0] for r in rows]

    # evaluating a tree

    def _mask(self, conn, state, node) -> np.ndarray:
        if node is ALL:
            return state.alive.copy()
        if node is NONE:
            return state.empty()
        if isinstance(node, Fts):
            return self._fts_mask(conn, state, node.expr)
        if isinstance(node, Sql):
            row = conn.execute(f"SELECT group_concat(docid) FROM ({node.sql})", node.params).fetchone()
            return _mask_of(state, row[0])
        if isinstance(node, Mask):
            return node.make(state)
        if isinstance(node, Expansion):
            return self._mask(conn, state, node.to_fts(self._expand(conn, node)))
        masks = [self._mask(conn, state, child) for child in node.children]
        out = masks[0].copy()
        for m in masks[1:]:
            if node.op == "and":
                out &= m
            elif node.op == "or":
                out |= m
            else:
                out &= ~m
        return out

    @staticmethod
    def _fts_mask(conn, state, expr: str) -> np.ndarray:
        try:
            row = conn.execute("SELECT group_concat(rowid) FROM fts WHERE fts MATCH ?", (expr,)).fetchone()
        except sqlite3.OperationalError as exc:  # e.g. a term the tokenizer reduces to nothing
            log.warning("full-text query %r failed: %s", expr, exc)
            return state.empty()
        return _mask_of(state, row[0])

    @staticmethod
    def _expand(conn, node: Expansion) -> list[str]:
        sql = "SELECT term FROM fts_terms WHERE term GLOB ?"
        params: tuple = (node.glob,)
        if node.literal:
            sql += " AND term >= ? AND term < ?"
            params += (node.literal, node.literal + "\U0010ffff")
        return [r[0] for r in conn.execute(sql + f" LIMIT {MAX_EXPANSIONS}", params)]

    # suggestions

    def _suggest(self, conn, state, query: Query, total: int) -> str | None:
        changed = False
        pieces = []
        for piece in (query.text or "").split():
            bare = piece.strip("\"*-,.;:!?()")
            if (":" in piece or not bare or any(ch.isdigit() for ch in bare)
                    or len(bare) < 3 or self._known(conn, bare)):
                pieces.append(piece)
                continue
            best = _closest(conn, normalize_text(bare).lower())
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
        return suggestion if int(self._matching(conn, state, alt)[1].sum()) > total else None

    @staticmethod
    def _known(conn, word: str) -> bool:
        """True when every word of ``word`` matches some indexed term, as a search would."""
        for w in tokenize(word):
            node = word_node("all", w)
            if not isinstance(node, Fts):  # nothing to look up (or an ISBN, never corrected)
                continue
            try:
                hit = conn.execute("SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 1", (node.expr,)).fetchone()
            except sqlite3.OperationalError:
                hit = None
            if not hit:
                return False
        return True

    # browsing

    def scan(self, index_name: str, term: str, position: int = 1, count: int = 20) -> list[tuple[str, int]]:
        """Browse the terms of a scan index (``title``, ``author``, ``subject``, ``udc``) with counts.

        SRU responsePosition semantics: the first term at or after ``term`` is placed at
        ``position`` (1-based) of the returned list, so ``position - 1`` terms precede it;
        ``position`` 0 starts right after it, and ``position > count`` returns only earlier terms.
        """
        field = SCAN_FIELDS.get(index_name, index_name)
        key = collation_key("".join(term.split()).lower() if field == "udc_key" else browse_key(term))
        first, last = 1 - position, 1 - position + max(0, count)  # offsets from the term's place

        def work(conn, state):
            out = []
            if first < 0:
                before = conn.execute(
                    "SELECT ckey, count(*) FROM scan WHERE field = ? AND ckey < ? GROUP BY ckey "
                    "ORDER BY ckey DESC LIMIT ?", (field, key, -first)).fetchall()[::-1]
                offsets = range(-len(before), 0)
                out += [row for off, row in zip(offsets, before, strict=True) if off < last]
            if last > 0:
                skip = max(first, 0)
                out += conn.execute(
                    "SELECT ckey, count(*) FROM scan WHERE field = ? AND ckey >= ? GROUP BY ckey "
                    "ORDER BY ckey LIMIT ? OFFSET ?", (field, key, last - skip, skip)).fetchall()
            return [(collation_text(ckey), n) for ckey, n in out]

        return self._read(work)


def _create_tables(conn) -> None:
    """Create the schema with single statements (``executescript`` would commit a transaction)."""
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def _mask_of(state, concatenated: str | None) -> np.ndarray:
    """A boolean mask of the documents in a comma-separated list of document numbers."""
    mask = state.empty()
    if concatenated:
        docids = np.fromstring(concatenated, dtype=np.int64, sep=",")
        mask[docids[docids < state.size]] = True
    return mask


def _closest(conn, word: str) -> str | None:
    """The most frequent indexed title or name word within edit distance 1 (else 2) of ``word``."""
    if not word:
        return None
    rows = conn.execute(
        "SELECT term, sum(doc) FROM fts_col_terms WHERE col IN ('title', 'names') AND term >= ? AND term < ? "
        "GROUP BY term", (word[0], word[0] + "\U0010ffff")).fetchall()
    candidates = [(t, n) for t, n in rows if t != word and len(t) > 2 and abs(len(t) - len(word)) <= 2
                  and not any(ch.isdigit() for ch in t)]
    for maxdist in (1, 2):
        near = [(n, t) for t, n in candidates if _distance(word, t, maxdist) <= maxdist]
        if near:
            return max(near)[1]
    return None


def _distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent transpositions) distance, cut off above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _prepared_batches(items, make_doc, procs: int, batch: int):
    """Batches of Prepared rows for ``items``, analysed by ``procs`` worker processes."""
    work = partial(prepare_item, make_doc)
    iter_items = iter(items)
    chunks = iter(lambda: list(islice(iter_items, batch)), [])
    if procs <= 1:
        for chunk in chunks:
            yield [work(item) for item in chunk]
        return
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(procs) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append(pool.map_async(work, chunk, chunksize=max(1, len(chunk) // (2 * procs))))
            if len(pending) > procs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
