"""Turn a MARC record into a search document (a plain, JSON-friendly dict).

The document holds display-independent values only; ``search/index.py`` turns it
into index fields (the combined ``all`` field with title and names boosted, the
transliteration fields, facets, sort keys and SRU scan keys).
"""

from __future__ import annotations

import re

from search.analysis import browse_key, sort_key

# Fields of a document, and their types (``list`` = list of strings).
TEXT_FIELDS = ("title", "responsibility", "publisher", "place", "host_title", "edition")
LIST_FIELDS = (
    "names",
    "subjects",
    "udc",
    "bbk",
    "isbn",
    "issn",
    "language",
    "series",
    "notes",
    "availability",
)
EXTRA_PREFIX = "x_"

_ISBN_CANDIDATE = re.compile(r"(?:97[89][\s-]?)?(?:\d[\s-]?){9}[\dXx]")


def _isbn10_check(digits9: str) -> str:
    total = sum((10 - i) * int(d) for i, d in enumerate(digits9))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def _isbn13_check(digits12: str) -> str:
    total = sum((1 if i % 2 == 0 else 3) * int(d) for i, d in enumerate(digits12))
    return str((10 - total % 10) % 10)


def normalize_isbn(raw: str) -> list[str]:
    """ISBN forms to index or query: digits (and a final X), both ISBN-10 and ISBN-13.

    ``966-504-122-9 (опр.)`` -> ``["9665041229", "9789665041227"]``. Invalid check
    digits are kept as typed (old records carry them) without a converted form.
    """
    out: list[str] = []
    for match in _ISBN_CANDIDATE.finditer(raw or ""):
        code = re.sub(r"[\s-]", "", match.group()).upper()
        out.append(code)
        if len(code) == 10 and code[:9].isdigit() and _isbn10_check(code[:9]) == code[9]:
            body = "978" + code[:9]
            out.append(body + _isbn13_check(body))
        elif (
            len(code) == 13
            and code.isdigit()
            and code.startswith("978")
            and _isbn13_check(code[:12]) == code[12]
        ):
            out.append(code[3:12] + _isbn10_check(code[3:12]))
    return list(dict.fromkeys(out))


def normalize_issn(raw: str) -> list[str]:
    """ISSN as 8 characters without the hyphen (``0028-0836`` -> ``00280836``)."""
    return [m.replace("-", "").upper() for m in re.findall(r"\d{4}-?\d{3}[\dXx]", raw or "")]


def udc_main_class(codes) -> str | None:
    """Main class (0-9) of the first UDC number (``94(477)`` -> ``9``)."""
    for code in codes or ():
        m = re.search(r"\d", code or "")
        if m:
            return m.group()
    return None


def _clean_list(values) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in (values or ()) if v and v.strip()))


def document_from_summary(record_id, summary, status: str = "published", extra: dict | None = None) -> dict:
    """Build the search document from a ``marc.extract.Summary`` (see docs/CONTRACTS.md)."""
    get = lambda name, default=None: getattr(summary, name, default)  # noqa: E731
    title = " : ".join(p for p in (get("title"), get("subtitle")) if p)
    isbn: list[str] = []
    for raw in get("isbn") or ():
        isbn.extend(normalize_isbn(raw))
    issn: list[str] = []
    for raw in get("issn") or ():
        issn.extend(normalize_issn(raw))
    names = _clean_list(list(get("authors") or ()) + list(get("names") or ()))
    udc = [re.sub(r"\s+", "", u) for u in _clean_list(get("udc"))]
    year = get("year")
    doc = {
        "id": str(record_id),
        "status": status,
        "title": title,
        "responsibility": get("responsibility") or "",
        "names": names,
        "subjects": _clean_list(get("subjects")),
        "udc": udc,
        "bbk": _clean_list(get("bbk")),
        "isbn": list(dict.fromkeys(isbn)),
        "issn": list(dict.fromkeys(issn)),
        "publisher": get("publisher") or "",
        "place": get("place") or "",
        "year": year if isinstance(year, int) else None,
        "language": [c.strip().lower() for c in _clean_list(get("languages"))],
        "series": _clean_list(get("series")),
        "notes": _clean_list(get("notes")),
        "edition": get("edition") or "",
        "host_title": get("host_title") or "",
        "material_type": get("material_type") or "",
        "translation": bool(get("translation")),
        "udc_class": udc_main_class(udc),
        "availability": [],
        "title_sort": sort_key(title),
        "title_key": browse_key(get("title") or title),
    }
    for key, value in (extra or {}).items():
        values = [value] if isinstance(value, (str, int)) else list(value or ())
        values = [str(v) for v in values if v is not None and str(v) != ""]
        if key == "availability":
            doc["availability"] = values
        else:
            doc[EXTRA_PREFIX + key] = values
    return doc


def build_document(record_id, record, fmt: str, status: str = "published", extra: dict | None = None) -> dict:
    """Search document of a pymarc record in ``fmt`` (``marc21`` or ``unimarc``).

    ``extra`` adds copy data: ``availability`` (facet values such as ``available``)
    and any other key (``inv``, ``barcode``...) as exact-match keywords ``x_<key>``.
    """
    from marc.extract import extract

    return document_from_summary(record_id, extract(record, fmt), status=status, extra=extra)
