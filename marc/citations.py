"""RIS and BibTeX renderings of a record, for reference managers (Zotero, Mendeley, EndNote).

RIS tags follow the RIS format specification (Research Information Systems); BibTeX entry
types and fields follow the BibTeX documentation (btxdoc).
"""

import re

from pymarc import Record

from marc.extract import Summary, extract

RIS_TYPES = {"book": "BOOK", "serial": "JFULL", "article": "JOUR", "e-resource": "ELEC", "music": "MUSIC",
             "map": "MAP", "video": "VIDEO"}
BIBTEX_TYPES = {"book": "book", "article": "article", "serial": "misc", "e-resource": "misc"}


def ris(record: Record, fmt: str, record_id: int | str = "") -> str:
    """One RIS reference, ending with ``ER  -``."""
    s = extract(record, fmt)
    lines = [("TY", RIS_TYPES.get(s.material_type, "GEN"))]
    lines.append(("TI", _title(s)))
    lines += [("AU", name) for name in s.authors or s.names]
    if s.year:
        lines.append(("PY", str(s.year)))
    lines += [("PB", s.publisher), ("CY", s.place), ("ET", s.edition)]
    lines += [("SN", v) for v in s.isbn + s.issn]
    lines += [("KW", v) for v in s.subjects]
    lines += [("LA", v) for v in s.languages]
    lines += [("T3", v) for v in s.series]
    lines += [("N1", v) for v in s.notes]
    if s.host_title:
        lines.append(("T2", s.host_title))
    lines += [("UR", url) for url, _ in s.links]
    if record_id != "":
        lines.append(("ID", str(record_id)))
    body = "\n".join(f"{tag}  - {value}" for tag, value in lines if value)
    return body + "\nER  - \n"


def _title(s: Summary) -> str:
    return " : ".join(p for p in (s.title, s.subtitle) if p)


def _bibtex_escape(value: str) -> str:
    return re.sub(r"([{}%&$#_])", r"\\\1", value)


def bibtex_key(s: Summary, record_id) -> str:
    """A citation key: first author's surname (letters of any script) + year + id."""
    surname = (s.authors or s.names or ["anon"])[0].split(",")[0].split()[0]
    letters = re.sub(r"\W", "", surname) or "anon"
    return f"{letters}{s.year or ''}_{record_id}"


def bibtex(record: Record, fmt: str, record_id: int | str = "") -> str:
    """One BibTeX entry (UTF-8; biber and modern BibTeX read Cyrillic as it is)."""
    s = extract(record, fmt)
    kind = BIBTEX_TYPES.get(s.material_type, "misc")
    fields = [("title", _title(s)), ("author", " and ".join(s.authors or s.names)),
              ("year", str(s.year) if s.year else ""), ("publisher", s.publisher), ("address", s.place),
              ("edition", s.edition), ("isbn", ", ".join(s.isbn)), ("issn", ", ".join(s.issn)),
              ("series", "; ".join(s.series)), ("journal", s.host_title if kind == "article" else ""),
              ("keywords", ", ".join(s.subjects)), ("language", ", ".join(s.languages)),
              ("url", s.links[0][0] if s.links else ""), ("note", "; ".join(s.notes))]
    body = ",\n".join(f"  {name} = {{{_bibtex_escape(value)}}}" for name, value in fields if value)
    return f"@{kind}{{{bibtex_key(s, record_id)},\n{body}\n}}\n"
