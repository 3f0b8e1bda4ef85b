"""Translate search requests (search/query.py) into what the index evaluates.

A request becomes a small boolean tree whose leaves are
- ``Fts``: an SQLite FTS5 match expression over the analysed text columns,
- ``Sql``: a query returning document numbers (keyword values, scan keys, record ids),
- ``Mask``: a function of the in-memory arrays (year ranges).
Text clauses are analysed with the same functions as documents (search/analysis.py),
so a query word matches when one of its alternatives was indexed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from search.analysis import (
    CYR_FOLD,
    UNKNOWN,
    _fix_homoglyphs,
    analyze_word,
    browse_key,
    collation_key,
    fold_latin,
    fold_translit,
    normalize_text,
    script,
    tokenize,
)
from search.document import normalize_isbn, normalize_issn
from search.prepare import LAT_COLUMNS, TEXT_FIELDS
from search.query import Clause, Query

# Query field -> (alternatives-and-surface columns, transliteration columns); None = every column.
TEXT_QUERY_FIELDS = {
    "all": (None, LAT_COLUMNS),
    "title": (("title", "title_x"), ("title_lat",)),
    "names": (("names", "names_x"), ("names_lat",)),
    **{f: ((f, f + "_x"), ()) for f in ("subjects", "publisher", "series", "host_title", "notes")},
}
NEAR_DISTANCE = 10  # transliterated phrases: words within this many tokens (several systems per word)
MAX_EXPANSIONS = 1000  # wildcard terms taken from the vocabulary
_TOP = "\U0010ffff"


class Fts(NamedTuple):
    expr: str


class Sql(NamedTuple):
    sql: str
    params: tuple = ()


class Mask(NamedTuple):
    make: Callable  # DocState -> numpy bool array


class Bool(NamedTuple):
    op: str  # and | or | not (first child minus the others)
    children: tuple


class _Const(NamedTuple):
    every: bool


ALL, NONE = _Const(True), _Const(False)


def quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _columns(cols) -> str:
    return "{" + " ".join(cols) + "} : " if cols else ""


def _either(nodes, op="or"):
    nodes = [n for n in nodes if n is not NONE] if op == "or" else list(nodes)
    if not nodes:
        return NONE
    return nodes[0] if len(nodes) == 1 else Bool(op, tuple(nodes))


def keyword_node(field: str, value: str, prefix: bool = False):
    """Documents with ``value`` (or a value starting with it) in a keyword field."""
    if prefix:
        return Sql("SELECT docid FROM kw WHERE field = ? AND value >= ? AND value < ?",
                   (field, value, value + _TOP))
    return Sql("SELECT docid FROM kw WHERE field = ? AND value = ?", (field, value))


def _scan_key(field: str, key: str, prefix: bool):
    ckey = collation_key(key)
    if prefix:
        return Sql("SELECT docid FROM scan WHERE field = ? AND ckey >= ? AND ckey < ?", (field, ckey, ckey + _TOP))
    return Sql("SELECT docid FROM scan WHERE field = ? AND ckey = ?", (field, ckey))


# --- text clauses ----------------------------------------------------------------


def surface(word: str) -> str:
    """The folded surface form of a query word, as indexed in the surface columns."""
    return analyze_word(word, UNKNOWN)[0]


def prefix_text(word: str) -> str:
    w = word.lower()
    if script(w) == "cyr":
        return _fix_homoglyphs(w).translate(CYR_FOLD)
    return fold_latin(w).replace("'", "")


def word_node(field: str, word: str):
    cols, lat = TEXT_QUERY_FIELDS[field]
    alts = analyze_word(word, UNKNOWN)
    if not alts:
        return NONE
    parts = [_columns(cols) + "(" + " OR ".join(quote(a) for a in alts) + ")"]
    if lat and script(word) == "lat" and fold_translit(word):
        parts.append(_columns(lat) + quote(fold_translit(word)))
    node = Fts(" OR ".join(f"({p})" for p in parts))
    if field == "all" and normalize_isbn(word):
        node = _either([node, *(keyword_node("isbn", v) for v in normalize_isbn(word))])
    return node


def phrase_node(field: str, words: list[str]):
    if len(words) == 1:
        return word_node(field, words[0])
    cols, lat = TEXT_QUERY_FIELDS[field]
    surface_cols = TEXT_FIELDS if cols is None else cols[:1]
    parts = [_columns(surface_cols) + quote(" ".join(surface(w) for w in words))]
    if lat and all(script(w) == "lat" for w in words):
        near = " ".join(quote(fold_translit(w)) for w in words if fold_translit(w))
        parts.append(_columns(lat) + f"NEAR({near}, {NEAR_DISTANCE})")
    return Fts(" OR ".join(f"({p})" for p in parts))


def prefix_node(field: str, text: str):
    p = prefix_text(text)
    if not p or not tokenize(p):
        return NONE
    cols, lat = TEXT_QUERY_FIELDS[field]
    parts = [_columns(cols) + quote(p) + " *"]
    if lat and script(text) == "lat" and fold_translit(text):
        parts.append(_columns(lat) + quote(fold_translit(text)) + " *")
    return Fts(" OR ".join(f"({p})" for p in parts))


def _year_node(clause: Clause):
    text = clause.text
    if clause.kind == "range":
        lo, hi = (int(x) for x in text.split("-"))
    else:
        digits = "".join(ch for ch in text if ch.isdigit())
        if not digits:
            return NONE
        if clause.kind == "prefix" and len(digits) < 4:
            lo, hi = int(digits.ljust(4, "0")), int(digits.ljust(4, "9"))
        else:
            lo = hi = int(digits)
    return Mask(lambda state: state.alive & state.year_mask(lo, hi))


def clause_node(clause: Clause):
    """The tree for one parsed clause (NONE when nothing can match)."""
    fname, kind, text = clause.field, clause.kind, normalize_text(clause.text)
    if kind == "wildcard":
        return wildcard_node(clause)
    if fname in TEXT_QUERY_FIELDS:
        if kind == "prefix":
            return prefix_node(fname, text)
        words = tokenize(text)
        if not words:
            return NONE
        if kind == "phrase" or len(words) > 1:
            if fname == "all" and kind == "word" and normalize_isbn(text):
                return _either([keyword_node("isbn", v) for v in normalize_isbn(text)])
            return phrase_node(fname, words)
        return word_node(fname, words[0])
    if fname == "year":
        return _year_node(clause)
    if fname == "isbn":
        values = normalize_isbn(text) or ["".join(ch for ch in text if ch.isalnum()).upper()]
        return _either([keyword_node("isbn", v) for v in values])
    if fname == "issn":
        values = normalize_issn(text) or [text.replace("-", "").upper()]
        return _either([keyword_node("issn", v) for v in values])
    if fname == "udc":
        code = "".join(text.split()).lower()
        return keyword_node("udc", code, prefix=True) if code else NONE
    if fname in ("title_key", "author_key", "subject_key"):
        return _scan_key(fname, browse_key(text), kind == "prefix")
    if fname == "id":
        return Sql("SELECT docid FROM docs WHERE id = ?", (text.strip(),))
    if fname == "language":
        text = text.lower()
    return keyword_node(fname, text, prefix=kind == "prefix")


def _glob(pattern: str) -> str:
    return pattern.replace("[", "[[]")


def wildcard_node(clause: Clause):
    """A ``*``/``?`` masked word: text fields expand it over the indexed terms."""
    text_field = clause.field in TEXT_QUERY_FIELDS
    pieces = [p if p in "*?" else (prefix_text(p) if text_field else p.lower())
              for p in re.split(r"([*?])", normalize_text(clause.text)) if p]
    pattern = "".join(pieces)
    literal = re.split(r"[*?]", pattern)[0]
    if not pattern.strip("*?"):
        return NONE
    if not text_field:
        return Sql("SELECT docid FROM kw WHERE field = ? AND value GLOB ?", (clause.field, _glob(pattern)))
    return Expansion(clause.field, _glob(pattern), literal)


class Expansion(NamedTuple):
    """A wildcard over a text field, expanded against the index vocabulary when evaluated."""

    field: str
    glob: str
    literal: str

    def to_fts(self, terms: list[str]):
        if not terms:
            return NONE
        cols, _ = TEXT_QUERY_FIELDS[self.field]
        return Fts(_columns(cols) + "(" + " OR ".join(quote(t) for t in terms) + ")")


# --- whole requests --------------------------------------------------------------


def tree_node(node):
    """The tree for a ``search.query.Node``/``Clause`` tree (SRU/CQL)."""
    if isinstance(node, Clause):
        return clause_node(node)
    if node.op == "all":
        return ALL
    parts = [tree_node(child) for child in node.children]
    if node.op in ("and", "or"):
        return parts[0] if len(parts) == 1 else Bool(node.op, tuple(parts))
    if node.op == "not":
        return Bool("not", tuple(parts)) if len(parts) > 1 else parts[0]
    raise ValueError(f"unknown boolean operator {node.op!r}")


def request_node(query: Query):
    """The text part of a request (clauses, fields and the SRU tree); None when there is none."""
    positives, negatives = [], []
    for clause in query.clauses():
        (negatives if clause.negated else positives).append(clause_node(clause))
    if query.tree is not None:
        positives.append(tree_node(query.tree))
    if not positives and not negatives:
        return None
    node = _either(positives, "and") if positives else ALL
    if negatives:
        node = Bool("not", (node, *negatives))
    return node


def simplify(node):
    """Fold the FTS children of each boolean node into one FTS5 expression."""
    if not isinstance(node, Bool):
        return node
    children = [simplify(c) for c in node.children]
    if node.op == "not":
        head, rest = children[0], children[1:]
        if isinstance(head, Fts) and rest and all(isinstance(c, Fts) for c in rest):
            return Fts(f"({head.expr}) NOT (" + " OR ".join(f"({c.expr})" for c in rest) + ")")
        return Bool("not", (head, *rest))
    fts = [c for c in children if isinstance(c, Fts)]
    others = [c for c in children if not isinstance(c, Fts)]
    if len(fts) > 1:
        joiner = " AND " if node.op == "and" else " OR "
        fts = [Fts(joiner.join(f"({c.expr})" for c in fts))]
    merged = fts + others
    return merged[0] if len(merged) == 1 else Bool(node.op, tuple(merged))


def ranking_expr(node) -> str | None:
    """An FTS5 expression of the positive text leaves, for relevance ranking."""
    leaves: list[str] = []

    def walk(n):
        if isinstance(n, Fts):
            leaves.append(n.expr)
        elif isinstance(n, Bool):
            for child in (n.children[:1] if n.op == "not" else n.children):
                walk(child)

    walk(node)
    if not leaves:
        return None
    return leaves[0] if len(leaves) == 1 else " OR ".join(f"({e})" for e in leaves)
