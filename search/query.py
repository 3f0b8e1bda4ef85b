"""Search requests and results, independent of the search engine.

User query syntax (OPAC box, cataloguer search, and what SRU maps onto):

- ``word word``           all words must match (AND), in any field
- ``"exact phrase"``      words in this order
- ``біблі*``              prefix
- ``field:value``         ``title:``, ``author:``, ``subject:``, ``udc:``, ``isbn:``, ``issn:``,
                          ``year:`` (``year:2008`` or ``year:2000-2010``), ``publisher:``, ``series:``,
                          ``language:``, ``type:``, ``inv:``, ``barcode:``; the value may be a
                          ``"phrase"`` or a ``prefix*``.
- ``-word``               must not match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

# User-facing field names -> index field names.
FIELD_ALIASES = {
    "any": "all", "all": "all", "title": "title", "ti": "title", "author": "names", "au": "names",
    "name": "names", "names": "names", "creator": "names", "subject": "subjects", "su": "subjects",
    "subjects": "subjects", "udc": "udc", "isbn": "isbn", "issn": "issn", "year": "year",
    "date": "year", "publisher": "publisher", "series": "series", "notes": "notes", "note": "notes",
    "host": "host_title", "language": "language", "lang": "language", "type": "material_type",
    "material_type": "material_type", "id": "id", "inv": "x_inv", "barcode": "x_barcode",
    "title_key": "title_key", "author_key": "author_key", "subject_key": "subject_key",
}
FACETS = ("material_type", "language", "year", "subject", "udc_class", "availability")
SORTS = ("relevance", "year", "-year", "title", "-title")


class Clause(NamedTuple):
    """One parsed piece of a query: ``kind`` is ``word``, ``phrase``, ``prefix`` or ``range``."""

    field: str
    kind: str
    text: str
    negated: bool = False


_CLAUSE_RE = re.compile(
    r'(?P<neg>-)?(?:(?P<field>[A-Za-z_]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))'
)


def parse_user_query(text: str, default_field: str = "all") -> list[Clause]:
    """Parse the user query syntax above into clauses (unknown ``field:`` prefixes are words)."""
    clauses: list[Clause] = []
    for m in _CLAUSE_RE.finditer(text or ""):
        fname = default_field
        raw_field = m.group("field")
        negated = bool(m.group("neg"))
        if raw_field:
            alias = FIELD_ALIASES.get(raw_field.lower())
            if alias:
                fname = alias
            elif m.group("word") is not None:
                clauses.append(_word_clause(default_field, f"{raw_field}:{m.group('word')}", negated))
                continue
        if m.group("phrase") is not None:
            phrase = m.group("phrase").strip()
            if phrase:
                clauses.append(Clause(fname, "phrase", phrase, negated))
        else:
            clauses.append(_word_clause(fname, m.group("word"), negated))
    return [c for c in clauses if c.text]


def _word_clause(fname: str, word: str, negated: bool) -> Clause:
    if fname == "year" and re.fullmatch(r"\d{1,4}-\d{1,4}", word):
        return Clause(fname, "range", word, negated)
    if word.endswith("*") and len(word.rstrip("*")) >= 1:
        return Clause(fname, "prefix", word.rstrip("*"), negated)
    return Clause(fname, "word", word.strip("*"), negated)


class Node(NamedTuple):
    """A boolean combination for ``Query.tree`` (SRU/CQL): ``op`` is ``and``, ``or``, ``not``
    (the first child minus the others) or ``all`` (every record, no children); children are
    Nodes or Clauses (a Clause ``kind`` may also be ``wildcard``: ``*`` and ``?`` masks)."""

    op: str
    children: tuple = ()


@dataclass
class Query:
    """A search request.

    ``text`` uses the user syntax; ``fields`` maps a field (``title``, ``author``,
    ``subject``, ``udc``, ``isbn``, ``year``...) to text in the same syntax (advanced
    search); ``filters`` maps a facet (see FACETS) to a value or a list of values
    (values of one facet are ORed, facets are ANDed); ``facets`` lists the facets to
    count; ``status`` restricts record status (None = any).
    """

    text: str = ""
    fields: dict[str, str] | None = None
    filters: dict[str, object] | None = None
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    facets: list[str] = field(default_factory=list)
    facet_limit: int = 30
    status: tuple[str, ...] | None = ("published",)
    suggest: bool = True
    tree: object = None  # a Node/Clause tree ANDed with text and fields (SRU)

    def clauses(self) -> list[Clause]:
        """All clauses of ``text`` and ``fields`` (AND)."""
        out = parse_user_query(self.text)
        for name, value in (self.fields or {}).items():
            fname = FIELD_ALIASES.get(name, name)
            if value is None or str(value).strip() == "":
                continue
            out.extend(parse_user_query(str(value), default_field=fname))
        return out


@dataclass
class Hits:
    """Search results: ``total`` matches, the record ids of the requested page, facet
    counts ``{facet: [(value, count), ...]}`` (most frequent first), and a corrected
    query string to offer as "did you mean" when there were few hits."""

    total: int = 0
    ids: list[str] = field(default_factory=list)
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None
