"""Turn a search document (search/document.py) into the rows the index stores.

This is the CPU-heavy, database-free half of indexing (analysis with pymorphy3,
Snowball and transliteration), so a rebuild runs it in worker processes and the
writer only inserts the rows.

Text goes into an SQLite FTS5 table whose tokens are already analysed here:
each text field has a *surface* column (the folded surface form of every word,
in order, so phrases work) and an *alternatives* column (lemmas, stems,
apostrophe-less variants); Cyrillic words also get Latin transliterations in
``*_lat`` columns. Whole values (facets, codes) go into the ``kw`` table, SRU scan
keys into ``scan``.
"""

from __future__ import annotations

from typing import NamedTuple

from search.analysis import (
    analyze_word,
    browse_key,
    choose_langs,
    collation_key,
    tokenize_cached,
    transliterate_word,
)
from search.document import EXTRA_PREFIX

# Text fields in FTS column order; each has a surface column and an alternatives column.
TEXT_FIELDS = ("title", "names", "subjects", "publisher", "series", "host_title", "notes", "other")
LAT_COLUMNS = ("title_lat", "names_lat", "other_lat")
FTS_COLUMNS = tuple(c for f in TEXT_FIELDS for c in (f, f + "_x")) + LAT_COLUMNS
# Relevance weights of the columns (bm25): title and names first, then subjects.
FIELD_WEIGHTS = {"title": 3.0, "names": 2.0, "subjects": 1.5}
COLUMN_WEIGHTS = tuple(
    FIELD_WEIGHTS.get(c.removesuffix("_x").removesuffix("_lat"), 1.0) for c in FTS_COLUMNS
)
# A token between the parts of a field (two names, two notes), so phrases never span them.
# A private-use character: a token to SQLite's unicode61 tokenizer, never typed by a reader.
PART_SEPARATOR = "\ue000"

FACET_KEYWORDS = ("material_type", "language", "subject", "udc_class", "availability")
SCAN_KEYS = ("title_key", "author_key", "subject_key", "udc_key")


class Prepared(NamedTuple):
    """The rows of one document: ``fts`` holds one string per FTS_COLUMNS entry,
    ``keywords`` (field, value) pairs, ``scan`` (field, collation key) pairs."""

    id: str
    status: str
    year: int | None
    title_sort: str
    translation: bool
    fts: tuple[str, ...]
    keywords: tuple[tuple[str, str], ...]
    scan: tuple[tuple[str, str], ...]


def _analyse(parts, langs):
    """(surface tokens, alternative tokens, transliteration tokens) of a field's texts."""
    surface, alternatives, latin = [], [], []
    for text in parts:
        words = tokenize_cached(text) if text else ()
        if not words:
            continue
        if surface:
            surface.append(PART_SEPARATOR)
            latin.append(PART_SEPARATOR)
        for word in words:
            terms = analyze_word(word, langs)
            if not terms:
                continue
            surface.append(terms[0])
            alternatives.extend(terms[1:])
            latin.extend(transliterate_word(word, langs))
    return surface, alternatives, latin


def prepare(doc: dict) -> Prepared:
    """The index rows of a search document."""
    langs = choose_langs(doc.get("language"))
    extras = {k: [str(x) for x in v] for k, v in doc.items() if k.startswith(EXTRA_PREFIX) and v}
    other = [doc.get(k) or "" for k in ("responsibility", "place", "edition")]
    for key in ("udc", "isbn", "issn"):
        other += doc.get(key) or []
    for values in extras.values():
        other += values
    texts = {
        "title": [doc.get("title") or ""],
        "names": doc.get("names") or [],
        "subjects": doc.get("subjects") or [],
        "publisher": [doc.get("publisher") or ""],
        "series": doc.get("series") or [],
        "host_title": [doc.get("host_title") or ""],
        "notes": doc.get("notes") or [],
        "other": other,
    }
    columns: list[str] = []
    latin = {"title": [], "names": [], "other": []}
    for field in TEXT_FIELDS:
        surface, alternatives, lat = _analyse(texts[field], langs)
        columns += [" ".join(surface), " ".join(dict.fromkeys(alternatives))]
        latin["title" if field == "title" else "names" if field == "names" else "other"].extend(lat)
    columns += [" ".join(latin[k]) for k in ("title", "names", "other")]

    status = doc.get("status") or "published"
    subjects = doc.get("subjects") or []
    names = doc.get("names") or []
    udc = [u.lower() for u in doc.get("udc") or []]
    keywords: dict[str, list] = {
        "udc": udc,
        "isbn": doc.get("isbn") or [],
        "issn": doc.get("issn") or [],
        "language": doc.get("language") or [],
        "material_type": [doc["material_type"]] if doc.get("material_type") else [],
        "subject": subjects,
        "udc_class": [doc["udc_class"]] if doc.get("udc_class") else [],
        "availability": doc.get("availability") or [],
        **extras,
    }
    scan: list[tuple[str, str]] = []
    if status == "published":
        title = doc.get("title") or ""
        keys = {
            "title_key": [doc.get("title_key") or browse_key(title)] if title else [],
            "author_key": [browse_key(n) for n in names],
            "subject_key": [browse_key(s) for s in subjects],
            "udc_key": udc,
        }
        for field, values in keys.items():
            for value in dict.fromkeys(v for v in values if v):
                scan.append((field, collation_key(value)))
    year = doc.get("year")
    return Prepared(
        id=str(doc["id"]),
        status=status,
        year=year if isinstance(year, int) else None,
        title_sort=doc.get("title_sort") or "",
        translation=bool(doc.get("translation")),
        fts=tuple(columns),
        keywords=tuple((f, str(v)) for f, values in keywords.items() for v in dict.fromkeys(values) if v),
        scan=tuple(scan),
    )


def with_availability(prepared: Prepared, extra: dict | None) -> Prepared | None:
    """``prepared`` with the ``availability`` of a document's ``extra`` added; None when the
    extra holds more (inventory numbers, barcodes), which need the document analysed again."""
    extra = extra or {}
    if set(extra) - {"availability"}:
        return None
    values = extra.get("availability") or []
    values = [values] if isinstance(values, str) else list(values)
    kept = tuple(kv for kv in prepared.keywords if kv[0] != "availability")
    return prepared._replace(keywords=kept + tuple(("availability", str(v)) for v in dict.fromkeys(values) if v))


def prepare_item(make_doc, item) -> Prepared:
    """``prepare(make_doc(item))`` (or ``prepare(item)``): the unit of work of a rebuild worker."""
    return prepare(make_doc(item) if make_doc is not None else item)
