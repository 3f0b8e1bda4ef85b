"""Extract the few data elements the rest of Kataloh needs from a MARC 21 or UNIMARC record.

`extract(record, fmt) -> Summary` is the single entry point (see docs/CONTRACTS.md). Values are
cleaned of ISBD punctuation so that the same book gives the same Summary in both formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pymarc import Field, Record

from marc.fields import (
    check_format,
    clean,
    control,
    dedupe,
    embedded,
    fields,
    first,
    index,
    join_parts,
    parse_year,
    split_isbn,
    split_personal_name,
    values,
)

MATERIAL_TYPES = ("book", "serial", "article", "e-resource", "music", "map", "video", "other")


@dataclass
class Summary:
    """The extracted, format-neutral view of one bibliographic record."""

    title: str = ""
    subtitle: str = ""
    responsibility: str = ""
    authors: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    udc: list[str] = field(default_factory=list)
    bbk: list[str] = field(default_factory=list)
    isbn: list[str] = field(default_factory=list)
    issn: list[str] = field(default_factory=list)
    publisher: str = ""
    place: str = ""
    year: int | None = None
    languages: list[str] = field(default_factory=list)
    translation: bool = False  # UNIMARC 101 ind1 1 / $c, MARC 21 041 ind1 1 / $h
    series: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    edition: str = ""
    extent: str = ""
    material_type: str = "other"
    links: list[tuple[str, str]] = field(default_factory=list)
    control_number: str = ""
    control_source: str = ""
    host_control_number: str = ""
    host_title: str = ""


def extract(record: Record, fmt: str | None = None) -> Summary:
    """Return the Summary of `record`; `fmt` is "marc21" or "unimarc" (None guesses from the record)."""
    fmt = check_format(record, fmt)
    return _extract_unimarc(record) if fmt == "unimarc" else _extract_marc21(record)


# --- shared pieces -------------------------------------------------------------------------


def _join(parts, sep: str) -> str:
    return sep.join(p for p in (clean(x) for x in parts) if p)


def _isbn(value: str) -> str:
    """Keep the ISBN itself, dropping qualifiers: "0585377618 (electronic bk.) :" -> "0585377618"."""
    return split_isbn(value)[0]


def _language_codes(text: str) -> list[str]:
    """Split a language subfield into ISO 639-2 codes; old records pack several ("engfre")."""
    text = text.strip().lower()
    if len(text) > 3 and len(text) % 3 == 0 and text.isalpha():
        return [text[i : i + 3] for i in range(0, len(text), 3)]
    return [text] if len(text) == 3 and text.isalpha() else []


def _series_entry(title: str, volume: str) -> str:
    title, volume = clean(title), clean(volume)
    return f"{title} ; {volume}" if title and volume else title


def _dedupe_folded(items: list[str]) -> list[str]:
    seen, out = set(), []
    for item in items:
        key = item.casefold().strip()
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return out


# --- UNIMARC ---------------------------------------------------------------------------------

# Subject subdivisions in UNIMARC 60X: $x topical, $y geographical, $z chronological, $j form.
_UNI_SUBDIVISIONS = ("x", "y", "z", "j")


def _uni_person(f_or_subs) -> tuple[str, str]:
    """Return (heading "Surname, Initials", fuller "Surname, Forenames") for UNIMARC 700/701/702/600."""
    subs = f_or_subs if isinstance(f_or_subs, list) else [(s.code, s.value) for s in f_or_subs.subfields]
    get = {}
    for code, value in subs:
        get.setdefault(code, value.strip())
    surname = clean(get.get("a", ""))
    # $b holds the rest of the name (often initials); some exports put the initials in $g instead.
    rest = clean(get.get("b", "")).lstrip(", ").strip() or clean(get.get("g", ""))
    heading = f"{surname}, {rest}" if rest else surname
    fuller = clean(get.get("g", ""))
    return heading, (f"{surname}, {fuller}" if fuller and fuller != rest else "")


def _corporate(f: Field) -> str:
    """A corporate name: $a and its subdivisions $b (the same codes in UNIMARC 71X and MARC21 110/710)."""
    return _join(values(f, "a", "b"), ". ")


def _extract_unimarc(record: Record) -> Summary:
    s = Summary()
    by = index(record)

    def fields(_record, *tags):  # noqa: F811 - tag lookups through the per-record index
        return [f for t in tags for f in by.get(t, ())]

    s.control_number = control(record, "001")
    s.control_source = control(record, "003")

    f200 = record.get_fields("200")
    if f200:
        t = f200[0]
        title = _join(values(t, "a"), " ; ")
        parts = [clean(v) for v in values(t, "h", "i")]
        s.title = join_parts([title, *parts])
        s.subtitle = _join(values(t, "e"), " : ")
        s.responsibility = _join(values(t, "f", "g"), " ; ")

    for f in fields(record, "700", "701", "702", "710", "711", "712"):
        if f.tag.startswith("70"):
            heading, fuller = _uni_person(f)
            s.authors.append(heading)
            s.names.extend([heading, fuller])
        else:
            name = _corporate(f)
            s.authors.append(name)
            s.names.append(name)

    for f in fields(record, "600", "601", "602", "604", "605", "606", "607", "608", "610"):
        if f.tag == "610":
            s.subjects.extend(clean(v) for v in values(f, "a"))
            continue
        if f.tag == "604":
            # Name/title subject with embedded 7XX and 5XX fields.
            pieces = []
            for tag, _ind, subs in embedded(f):
                if tag.startswith("70"):
                    heading, _ = _uni_person(subs)
                    pieces.append(heading)
                    s.names.append(heading)
                else:
                    pieces.extend(clean(v) for c, v in subs if c in ("a", *_UNI_SUBDIVISIONS) and v.strip())
            s.subjects.append(" -- ".join(p for p in pieces if p))
            continue
        if f.tag == "600":
            main, fuller = _uni_person(f)
            s.names.extend([main, fuller])
        elif f.tag == "601":
            main = _corporate(f)
            s.names.append(main)
        else:
            main = clean(first(f, "a"))
        subdivisions = [clean(v) for v in values(f, *_UNI_SUBDIVISIONS)]
        s.subjects.append(" -- ".join(p for p in [main, *subdivisions] if p))

    s.udc = [clean(v) for f in fields(record, "675") for v in values(f, "a")]
    for f in fields(record, "686", "621"):
        system = first(f, "2").lower()
        if f.tag == "621" or system.startswith("rubbk"):
            s.bbk.extend(clean(v) for v in values(f, "a"))
    s.isbn = [_isbn(v) for f in fields(record, "010") for v in values(f, "a")]
    s.issn = [clean(v) for f in fields(record, "011") for v in values(f, "a")]

    pub = _uni_publication_field(record)
    if pub is not None:
        s.place = clean(first(pub, "a"))
        s.publisher = clean(first(pub, "c"))
        s.year = next((y for y in map(parse_year, values(pub, "d")) if y), None)
    if s.year is None:
        s.year = parse_year(_uni_fixed(record)[9:13])

    for f in fields(record, "101"):
        for v in values(f, "a"):
            s.languages.extend(_language_codes(v))
        s.translation = s.translation or f.indicators[0] == "1" or bool(values(f, "c"))

    for f in fields(record, "225"):
        title = join_parts(clean(v) for v in [first(f, "a"), *values(f, "h", "i")])
        s.series.append(_series_entry(title, first(f, "v")))
    for f in fields(record, "410"):
        title, volume = _uni_link_title(f)
        s.series.append(_series_entry(title, volume))

    s.notes = [clean(v) for f in record.fields if "300" <= f.tag <= "399" for v in values(f, "a")]
    f205 = fields(record, "205")
    if f205:
        s.edition = _join(values(f205[0], "a", "b"), ", ")
    f215 = fields(record, "215")
    if f215:
        s.extent = clean(first(f215[0], "a"))
    for f in fields(record, "856"):
        text = first(f, "2") or first(f, "y") or first(f, "z") or first(f, "3")
        s.links.extend((url, text) for url in values(f, "u"))

    for f in fields(record, "461", "463"):
        number, title = _uni_host(f)
        if number or title:
            s.host_control_number, s.host_title = number, title
            break

    s.material_type = _uni_material_type(record, s)
    _finish(s)
    return s


def publication_field(record: Record, fmt: str) -> Field | None:
    """The field holding place, publisher and date: UNIMARC 210/214, MARC 21 264/260."""
    return (
        _uni_publication_field(record)
        if check_format(record, fmt) == "unimarc"
        else _marc_publication_field(record)
    )


def _uni_fixed(record: Record) -> str:
    f100 = fields(record, "100")
    return first(f100[0], "a").ljust(36) if f100 else " " * 36


def _uni_publication_field(record: Record) -> Field | None:
    """Prefer 210; else the 214 for publication (ind2 1), else the first 214 (UNIMARC 2012 update)."""
    f210 = fields(record, "210")
    if f210:
        return f210[0]
    f214 = fields(record, "214")
    for f in f214:
        if f.indicator2 == "1":
            return f
    return f214[0] if f214 else None


def _uni_link_title(f: Field) -> tuple[str, str]:
    """Title and volume of a UNIMARC 4XX linking field, embedded ($1 200) or standard ($t, $v)."""
    title, volume = clean(first(f, "t")), clean(first(f, "v"))
    for tag, _ind, subs in embedded(f):
        if tag == "200":
            title = title or clean(next((v for c, v in subs if c == "a"), ""))
            volume = volume or clean(next((v for c, v in subs if c == "v"), ""))
        elif tag == "" and not volume:
            volume = clean(next((v for c, v in subs if c == "v"), ""))
    return title, volume


def _uni_host(f: Field) -> tuple[str, str]:
    """(control number, title) of the host in 461/463: embedded 001 and 200$a, or $0 and $t."""
    number = first(f, "0")
    for tag, head, _subs in embedded(f):
        if tag == "001":
            number = number or head.strip()
    title, _ = _uni_link_title(f)
    return number, title


# UNIMARC leader/06 (type of record), UNIMARC manual "Record Label".
_UNI_TYPE = {
    "a": "text",
    "b": "text",
    "c": "music",
    "d": "music",
    "e": "map",
    "f": "map",
    "g": "video",
    "i": "other",
    "j": "music",
    "k": "other",
    "l": "e-resource",
    "m": "other",
    "r": "other",
}


def _uni_material_type(record: Record, s: Summary) -> str:
    leader = str(record.leader)
    # A blank leader/06 (leaderless UNIMARC XML, some exports) is read as printed text.
    kind, level = _UNI_TYPE.get(leader[6:7], "text" if leader[6:7] == " " else "other"), leader[7:8]
    if kind == "text":
        if level == "a":
            return "article"
        if level in ("s", "i"):
            return "serial"
        gmd = " ".join(values(fields(record, "200")[0], "b")).lower() if fields(record, "200") else ""
        if fields(record, "135") or "электрон" in gmd or "електрон" in gmd or "electron" in gmd:
            return "e-resource"
        return "book"
    return kind


# --- MARC 21 ---------------------------------------------------------------------------------

_MARC_SUBDIVISIONS = ("v", "x", "y", "z")


def _marc_person(f: Field) -> tuple[str, str]:
    heading = clean(first(f, "a"))
    surname, forenames = split_personal_name(heading)
    fuller = clean(first(f, "q")).strip("()")
    return heading, (f"{surname}, {fuller}" if fuller and surname else "")


def _extract_marc21(record: Record) -> Summary:
    s = Summary()
    by = index(record)

    def fields(_record, *tags):  # noqa: F811 - tag lookups through the per-record index
        return [f for t in tags for f in by.get(t, ())]

    s.control_number = control(record, "001")
    s.control_source = control(record, "003")

    f245 = fields(record, "245")
    if f245:
        t = f245[0]
        title = clean(first(t, "a"))
        parts = [clean(v) for v in values(t, "n", "p")]
        s.title = join_parts([title, *parts])
        s.subtitle = _join(values(t, "b"), " : ")
        s.responsibility = _join(values(t, "c"), " ; ")

    for f in fields(record, "100", "110", "111", "700", "710", "711"):
        if f.tag in ("100", "700"):
            heading, fuller = _marc_person(f)
            s.authors.append(heading)
            s.names.extend([heading, fuller])
        else:
            name = _corporate(f)
            s.authors.append(name)
            s.names.append(name)
    # 880: the same names in their original script (e.g. Cyrillic beside the romanised heading).
    for f in fields(record, "880"):
        linked = first(f, "6")[:3]
        if linked in ("100", "700"):
            s.names.extend(_marc_person(f))
        elif linked in ("110", "111", "710", "711"):
            s.names.append(_corporate(f))

    for f in fields(record, "600", "610", "611", "630", "648", "650", "651", "655", "653"):
        if f.tag == "653":
            s.subjects.extend(clean(v) for v in values(f, "a"))
            continue
        if f.tag == "600":
            main, fuller = _marc_person(f)
            s.names.extend([main, fuller])
        elif f.tag in ("610", "611"):
            main = _corporate(f)
            s.names.append(main)
        else:
            main = clean(first(f, "a"))
        subdivisions = [clean(v) for v in values(f, *_MARC_SUBDIVISIONS)]
        s.subjects.append(" -- ".join(p for p in [main, *subdivisions] if p))

    s.udc = [clean(v) for f in fields(record, "080") for v in values(f, "a")]
    s.bbk = [
        clean(v)
        for f in fields(record, "084")
        if first(f, "2").lower().startswith("rubbk")
        for v in values(f, "a")
    ]
    s.isbn = [_isbn(v) for f in fields(record, "020") for v in values(f, "a")]
    s.issn = [clean(v) for f in fields(record, "022") for v in values(f, "a")]

    pub = _marc_publication_field(record)
    if pub is not None:
        s.place = clean(first(pub, "a"))
        s.publisher = clean(first(pub, "b"))
        s.year = next((y for y in map(parse_year, values(pub, "c")) if y), None)
    fixed = control(record, "008")
    if s.year is None:
        s.year = parse_year(fixed[7:11])

    s.languages = _language_codes(fixed[35:38]) if len(fixed) >= 38 else []
    for f in fields(record, "041"):
        for v in values(f, "a"):
            s.languages.extend(_language_codes(v))
        s.translation = s.translation or f.indicators[0] == "1" or bool(values(f, "h"))

    for f in fields(record, "490", "440", "830"):
        title = join_parts(clean(v) for v in [first(f, "a"), *values(f, "n", "p")])
        s.series.append(_series_entry(title, first(f, "v")))
    s.series = _dedupe_folded(s.series)

    s.notes = [clean(v) for f in record.fields if "500" <= f.tag <= "599" for v in values(f, "a")]
    f250 = fields(record, "250")
    if f250:
        s.edition = _join(values(f250[0], "a", "b"), ", ")
    f300 = fields(record, "300")
    if f300:
        s.extent = clean(first(f300[0], "a"))
    for f in fields(record, "856"):
        text = first(f, "y") or first(f, "z") or first(f, "3")
        s.links.extend((url, text) for url in values(f, "u"))

    f773 = fields(record, "773")
    if f773:
        s.host_control_number = first(f773[0], "w")
        s.host_title = clean(first(f773[0], "t")) or clean(first(f773[0], "a"))

    s.material_type = _marc_material_type(record)
    _finish(s)
    return s


def _marc_publication_field(record: Record) -> Field | None:
    """Prefer 264 with ind2 1 (publication, RDA); else 260; else the first 264."""
    f264 = fields(record, "264")
    for f in f264:
        if f.indicator2 == "1":
            return f
    f260 = fields(record, "260")
    if f260:
        return f260[0]
    return f264[0] if f264 else None


# MARC 21 leader/06, https://www.loc.gov/marc/bibliographic/bdleader.html
_MARC_TYPE = {
    "a": "text",
    "t": "text",
    "c": "music",
    "d": "music",
    "j": "music",
    "e": "map",
    "f": "map",
    "g": "video",
    "m": "e-resource",
    "i": "other",
    "k": "other",
    "o": "other",
    "p": "other",
    "r": "other",
}


def _marc_material_type(record: Record) -> str:
    leader = str(record.leader)
    kind, level = _MARC_TYPE.get(leader[6:7], "other"), leader[7:8]
    if kind != "text":
        return kind
    if level in ("a", "b"):
        return "article"
    if level in ("s", "i"):
        return "serial"
    fixed = control(record, "008")
    gmd = " ".join(values(fields(record, "245")[0], "h")).lower() if fields(record, "245") else ""
    online_form = len(fixed) > 23 and fixed[23] in "oqs"
    carrier = any(f.data.startswith("c") for f in fields(record, "007") if f.is_control_field())
    if "electronic" in gmd or online_form or (carrier and fields(record, "856")):
        return "e-resource"
    return "book"


def _finish(s: Summary) -> None:
    s.authors = dedupe(s.authors)
    s.names = dedupe(s.names)
    s.subjects = dedupe(s.subjects)
    s.udc, s.bbk = dedupe(s.udc), dedupe(s.bbk)
    s.isbn, s.issn = dedupe(s.isbn), dedupe(s.issn)
    s.languages = dedupe(s.languages)
    s.series = dedupe(s.series)
    s.notes = dedupe(s.notes)
