"""Small shared helpers for reading MARC fields: subfield access, ISBD punctuation, years, names.

Pure functions over pymarc objects; used by extract, display and convert.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from pymarc import Field, Record

# ISBD prescribed punctuation that MARC 21 keeps at the end of subfields ("Title :", "Place ;").
# Words that keep their final full stop: initials ("W."), "etc.", "Inc.", Cyrillic abbreviations.
_KEEP_DOT = re.compile(
    r"(?:^|[\s.(\[\-])(?:etc|al|Inc|Ltd|Corp|Bros|eds|comp|ill|col|vol|rev|pub|[A-Za-z]{1,2}|"
    r"[А-ЯҐЄІЇа-яґєії]{1,3}|перераб|испр|навч|посіб|Вып|вып|изд|ред|доп)\.$"
)
_MARK_CHARS = frozenset("/:;=,+.")
# Non-sorting characters (ISO 6630 NSB/NSE) as UNIMARC records carry them in Unicode; some exports
# write "<<The >>title" instead.
NSB, NSE = "\u0098", "\u009c"
_NONSORT = re.compile("^(?:\u0098([^\u009c]*)\u009c|<<([^>]*)>>)")
_SPACES = re.compile(r"\s+")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def values(field: Field | None, *codes: str) -> list[str]:
    """Return the stripped values of the given subfield codes (all codes when none given), in order."""
    if field is None or field.is_control_field():
        return []
    return [
        sf.value.strip() for sf in field.subfields if (not codes or sf.code in codes) and sf.value.strip()
    ]


def first(field: Field | None, code: str) -> str:
    """Return the first non-empty value of subfield `code`, or ''."""
    found = values(field, code)
    return found[0] if found else ""


def fields(record: Record, *tags: str) -> list[Field]:
    """Return the record's fields with the given tags, in record order."""
    wanted = set(tags)
    return [f for f in record.fields if f.tag in wanted]


def index(record: Record) -> dict[str, list[Field]]:
    """Group the record's fields by tag once, for code that looks up many tags."""
    by_tag: dict[str, list[Field]] = {}
    for f in record.fields:
        by_tag.setdefault(f.tag, []).append(f)
    return by_tag


def field(record: Record, tag: str) -> Field | None:
    """Return the first field with this tag or None."""
    found = record.get_fields(tag)
    return found[0] if found else None


def control(record: Record, tag: str) -> str:
    """Return the data of a control field (001-009) or ''."""
    f = field(record, tag)
    return f.data if f is not None and f.is_control_field() else ""


def clean(text: str) -> str:
    """Strip trailing ISBD punctuation (" /", " :", " ;", " =", ",", final ".") keeping abbreviations.

    MARC 21 records carry ISBD punctuation inside subfields (AACR2/RDA practice); UNIMARC generates it
    at display time. A final full stop is kept after an initial or a short abbreviation ("C. W.",
    "etc.", "Вып.") because there it belongs to the data, and after "..." (ellipsis).
    """
    text = (text or "").strip()
    if NSB in text or text.startswith("<<"):
        text = drop_nonsort(text)
    if "  " in text or "\n" in text or "\t" in text or "\xa0" in text:
        text = _SPACES.sub(" ", text)
    while text and text[-1] in _MARK_CHARS:
        if text[-1] == "." and (text.endswith("...") or _keeps_dot(text)):
            break
        if text[-1] == "+" and not text[:-1].endswith(" "):  # "C++" is data; " +" is ISBD
            break
        text = text[:-1].rstrip()
    return text


def split_nonsort(text: str) -> tuple[str, str]:
    """Split a leading non-sorting part: "\u0098The \u009cTitle" or "<<The >>Title" -> ("The ", "Title")."""
    match = _NONSORT.match(text or "")
    if not match:
        return "", text or ""
    return match.group(1) if match.group(1) is not None else match.group(2), text[match.end() :]


def drop_nonsort(text: str) -> str:
    """Remove non-sorting markers, keeping the text they enclose."""
    prefix, rest = split_nonsort(text)
    return (prefix + rest).replace(NSB, "").replace(NSE, "")


def _keeps_dot(text: str) -> bool:
    match = _KEEP_DOT.search(text)
    if not match:
        return False
    word = re.split(r"[\s.(\[\-]", text[:-1])[-1]
    # Acronyms ("НИИ.", "USA.") end a sentence; abbreviations ("СПб.", "Вып.") and initials keep it.
    return not (len(word) >= 2 and word.isupper())


def strip_brackets(text: str) -> str:
    """Remove square brackets around a supplied element: "[2008]" -> "2008"."""
    return text.replace("[", "").replace("]", "").strip()


_ISBN = re.compile(r"^\s*([0-9][0-9Xx\- ]*[0-9Xx])\s*(?:\((.*?)\))?")


def split_isbn(value: str) -> tuple[str, str]:
    """Split an ISBN subfield into (number, qualifier): "0585377618 (electronic bk.) :" ->
    ("0585377618", "electronic bk."); "978 3 12045300 0" stays whole. Unparseable text is returned cleaned."""
    match = _ISBN.match(value or "")
    if not match or sum(ch.isdigit() for ch in match.group(1)) < 9:
        return clean(value), ""
    return match.group(1), (match.group(2) or "").strip()


def parse_year(text: str | None) -> int | None:
    """Return the first four-digit run as a year: "c1998." -> 1998, "[2008]" -> 2008, "2008-2010" -> 2008."""
    if not text:
        return None
    match = _YEAR.search(text)
    if not match:
        return None
    year = int(match.group(1))
    return year if 1000 <= year <= 2999 else None


def join_parts(parts) -> str:
    """Join title parts with ". " ("Set. Volume"), without doubling a full stop already there."""
    out = ""
    for part in parts:
        part = (part or "").strip()
        if not part:
            continue
        out = part if not out else out + (" " if out.endswith(".") else ". ") + part
    return out


def dedupe(items: Iterable[str]) -> list[str]:
    """Keep the first occurrence of each non-empty string, preserving order."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out


def embedded(field: Field) -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    """Yield (tag, indicators_or_data, [(code, value)]) for UNIMARC 4XX/604 embedded fields.

    UNIMARC embeds whole fields in subfield $1: the first three characters are the tag; a control
    field (tag < 010) carries its data after the tag, a data field its two indicators, and the
    subfields that follow (up to the next $1) belong to it. Subfields before the first $1 are
    yielded with tag "".
    """
    tag, head, subs = "", "", []
    for sf in field.subfields:
        if sf.code == "1" and len(sf.value) >= 3 and sf.value[:3].isdigit():
            if tag or subs:
                yield tag, head, subs
            tag, subs = sf.value[:3], []
            head = sf.value[3:] if tag < "010" else sf.value[3:5].ljust(2)
        else:
            subs.append((sf.code, sf.value))
    if tag or subs:
        yield tag, head, subs


def initials(forenames: str) -> str:
    """Turn forenames into initials: "Павло Левкович" -> "П. Л.", "П.Л." -> "П. Л.", "Jean-Paul" -> "J.-P."."""
    forenames = forenames.replace(",", " ").strip()
    if not forenames:
        return ""
    parts = []
    for word in re.split(r"\s+|(?<=\.)(?=\w)", forenames):
        word = word.strip()
        if not word:
            continue
        pieces = [p for p in word.split("-") if p]
        parts.append("-".join(p[0] + "." for p in pieces))
    return " ".join(parts)


def split_personal_name(name: str) -> tuple[str, str]:
    """Split an inverted MARC 21 name "Surname, Forenames" into (surname, forenames)."""
    name = clean(name)
    if "," in name:
        surname, rest = name.split(",", 1)
        return surname.strip(), rest.strip()
    return name, ""


def guess_format(record: Record) -> str:
    """Tell MARC 21 from UNIMARC by content when the caller does not know: 245 vs 200, then the leader."""
    if record.get_fields("245"):
        return "marc21"
    if record.get_fields("200"):
        return "unimarc"
    return "unimarc" if str(record.leader)[20:23] == "450" else "marc21"


def check_format(record: Record, fmt: str | None) -> str:
    """Normalise a format argument: "marc21" or "unimarc"; None/"auto" guesses from the record."""
    if fmt in (None, "", "auto"):
        return guess_format(record)
    fmt = fmt.lower()
    if fmt not in ("marc21", "unimarc"):
        raise ValueError(f"unknown MARC format {fmt!r}: expected 'marc21' or 'unimarc'")
    return fmt
