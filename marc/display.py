"""Display forms of a record: ISBD (ДСТУ ГОСТ 7.1:2006), ДСТУ 8302:2015 reference, Dublin Core.

All three are built from the same format-neutral `Description` so MARC 21 and UNIMARC records of
the same book display identically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pymarc import Record

from marc.extract import extract, publication_field
from marc.fields import (
    check_format,
    clean,
    embedded,
    fields,
    first,
    initials,
    join_parts,
    split_personal_name,
    values,
)

DASH = "\u2013"  # EN DASH, the area separator ". – " of ДСТУ ГОСТ 7.1:2006
AREA = f". {DASH} "

# Standard abbreviations of words in bibliographic description (ДСТУ 3582:2013 for Ukrainian,
# ГОСТ 7.12-93 for Russian), applied to "other title information" that names the kind of document.
ABBREVIATIONS = {
    "навчально-методичний посібник": "навч.-метод. посіб.",
    "навчальний посібник": "навч. посіб.",
    "методичні рекомендації": "метод. рек.",
    "методичні вказівки": "метод. вказ.",
    "автореферат дисертації": "автореф. дис.",
    "збірник наукових праць": "зб. наук. пр.",
    "збірник статей": "зб. ст.",
    "матеріали конференції": "матеріали конф.",
    "тези доповідей": "тези доп.",
    "підручник": "підр.",
    "посібник": "посіб.",
    "монографія": "моногр.",
    "довідник": "довід.",
    "словник": "слов.",
    "енциклопедія": "енцикл.",
    "збірник": "зб.",
    "хрестоматія": "хрестом.",
    "дисертація": "дис.",
    "учебное пособие": "учеб. пособие",
    "сборник статей": "сб. ст.",
    "учебник": "учеб.",
    "монография": "моногр.",
    "справочник": "справ.",
    "словарь": "слов.",
    "сторінка": "с.",
    "страница": "с.",
}
_ABBREVIATED = sorted(set(ABBREVIATIONS.values()) | {"автореф. дис.", "практикум"}, key=len, reverse=True)


@dataclass
class Description:
    """The elements of a bibliographic description, in ISBD order, without punctuation."""

    heading: str = ""
    title: str = ""
    medium: str = ""  # general material designation, "[Електронний ресурс]"
    parallel: list[str] = field(default_factory=list)
    other_title: list[str] = field(default_factory=list)
    responsibility: list[str] = field(default_factory=list)
    single_author: bool = False
    edition: str = ""
    places: list[str] = field(default_factory=list)
    publishers: list[str] = field(default_factory=list)
    date: str = ""
    extent: str = ""
    details: str = ""
    dimensions: str = ""
    accompanying: str = ""
    series: list[str] = field(default_factory=list)
    isbn: list[str] = field(default_factory=list)
    issn: list[str] = field(default_factory=list)
    host_title: str = ""
    analytic: bool = False  # a component part (article, chapter): host follows "//"
    host_part: str = ""  # where in the host: "2023, № 2. С. 10-15" (463$v, 773$g)
    part_of_set: bool = False  # a volume described under the title of its multipart set


def describe(record: Record, fmt: str | None = None) -> Description:
    """Collect the description elements of a record in either format."""
    fmt = check_format(record, fmt)
    return _describe_unimarc(record) if fmt == "unimarc" else _describe_marc21(record)


def heading_name(surname: str, forenames: str) -> str:
    """Heading form of a personal name: surname followed by initials ("Свердан П. Л.")."""
    surname = clean(surname)
    short = initials(forenames) if forenames else ""
    return f"{surname} {short}".strip()


def _describe_unimarc(record: Record) -> Description:
    d = Description()
    main = fields(record, "700")
    if main:
        d.heading = heading_name(first(main[0], "a"), first(main[0], "b") or first(main[0], "g"))
    persons = fields(record, "700", "701")
    f200 = fields(record, "200")
    if f200:
        t = f200[0]
        title = " ; ".join(clean(v) for v in values(t, "a"))
        parts = [clean(v) for v in values(t, "h", "i")]
        d.title = join_parts([title, *parts])
        d.parallel = [clean(v) for v in values(t, "d")]
        d.other_title = [clean(v) for v in values(t, "e")]
        d.responsibility = [clean(v) for v in values(t, "f", "g")]
    d.single_author = len(persons) == 1 and len(d.responsibility) <= 1
    f205 = fields(record, "205")
    if f205:
        d.edition = ", ".join(clean(v) for v in values(f205[0], "a", "b"))
    pub = publication_field(record, "unimarc")
    if pub is not None:
        d.places = [clean(v) for v in values(pub, "a")]
        d.publishers = [clean(v) for v in values(pub, "c")]
        d.date = clean(first(pub, "d"))
    f215 = fields(record, "215")
    if f215:
        d.extent, d.details = clean(first(f215[0], "a")), clean(first(f215[0], "c"))
        d.dimensions, d.accompanying = clean(first(f215[0], "d")), clean(first(f215[0], "e"))
    for f in fields(record, "225"):
        title = join_parts(clean(v) for v in [first(f, "a"), *values(f, "h", "i")])
        d.series.append(_series(title, first(f, "v")))
    s = extract(record, "unimarc")
    d.isbn, d.issn, d.host_title = s.isbn, s.issn, s.host_title
    d.analytic = bool(fields(record, "463")) and not fields(record, "461")
    if d.analytic:
        link = fields(record, "463")[0]
        d.host_part = clean(first(link, "v")) or next(
            (clean(v) for tag, _i, subs in embedded(link) if tag == "200" for c, v in subs if c == "v"), ""
        )
    d.part_of_set = bool(fields(record, "461"))
    d.medium = clean(first(f200[0], "b")).strip("[]") if f200 else ""
    return d


def _describe_marc21(record: Record) -> Description:
    d = Description()
    main = fields(record, "100")
    if main:
        surname, forenames = split_personal_name(first(main[0], "a"))
        d.heading = heading_name(surname, forenames)
    persons = fields(record, "100") + [f for f in fields(record, "700") if not values(f, "t")]
    f245 = fields(record, "245")
    if f245:
        t = f245[0]
        title = clean(first(t, "a"))
        parts = [clean(v) for v in values(t, "n", "p")]
        d.title = join_parts([title, *parts])
        for value in values(t, "b"):
            # 245$b holds parallel titles (" = ") and other title information (" : ") together.
            for i, piece in enumerate(re.split(r"\s+=\s+", clean(value))):
                chunks = [clean(c) for c in re.split(r"\s+:\s+", piece) if clean(c)]
                if i == 0:
                    d.other_title.extend(chunks)
                elif chunks:
                    d.parallel.append(chunks[0])
                    d.other_title.extend(chunks[1:])
        for value in values(t, "c"):
            d.responsibility.extend(clean(p) for p in re.split(r"\s+;\s+", value) if clean(p))
    d.parallel += [clean(v) for f in fields(record, "246") if f.indicator2 == "1" for v in values(f, "a")]
    d.single_author = len(persons) == 1 and len(d.responsibility) <= 1
    f250 = fields(record, "250")
    if f250:
        d.edition = clean(" ".join(values(f250[0], "a", "b")))
    pub = publication_field(record, "marc21")
    if pub is not None:
        d.places = [clean(v) for v in values(pub, "a")]
        d.publishers = [clean(v) for v in values(pub, "b")]
        d.date = clean(first(pub, "c"))
    f300 = fields(record, "300")
    if f300:
        d.extent, d.details = clean(first(f300[0], "a")), clean(first(f300[0], "b"))
        d.dimensions, d.accompanying = clean(first(f300[0], "c")), clean(first(f300[0], "e"))
    series = [_series(clean(first(f, "a")), first(f, "v")) for f in fields(record, "490", "440")]
    d.series = series or [_series(clean(first(f, "a")), first(f, "v")) for f in fields(record, "830")]
    s = extract(record, "marc21")
    d.isbn, d.issn, d.host_title = s.isbn, s.issn, s.host_title
    d.analytic = str(record.leader)[7:8] in ("a", "b")
    if d.analytic and fields(record, "773"):
        d.host_part = clean(first(fields(record, "773")[0], "g"))
    d.part_of_set = str(record.leader)[19:20] in ("b", "c")
    d.medium = clean(first(f245[0], "h")).strip("[]") if f245 else ""
    return d


def _series(title: str, volume: str) -> str:
    volume = clean(volume)
    return f"{title} ; {volume}" if title and volume else title


def _title_proper(d: Description) -> str:
    """Title proper; a volume of a multipart set is described under the set: "Set. Volume"."""
    title = d.title
    if d.host_title and d.part_of_set and title:
        title = _append(d.host_title, ". ", title)
    title = title or d.host_title
    return f"{title} [{d.medium}]" if d.medium else title


def _host(d: Description, separator: str) -> str:
    """ " // Host. – part" for a component part (ДСТУ ГОСТ 7.1:2006, analytic description)."""
    if not (d.analytic and d.host_title):
        return ""
    return f" // {_append(d.host_title, separator, d.host_part)}"


def _append(text: str, separator: str, element: str) -> str:
    """Join with a separator, dropping its full stop when the text already ends with one."""
    if not element:
        return text
    if not text:
        return element
    if separator.startswith(".") and text.endswith((".", "?", "!")):
        separator = separator[1:]
    return text + separator + element


def _publication(d: Description) -> str:
    """Place(s) " ; ", publisher(s) " : ", date ", " (ISBD area 4)."""
    text = " ; ".join(d.places)
    for publisher in d.publishers:
        text = f"{text} : {publisher}" if text else publisher
    if d.date:
        text = f"{text}, {d.date}" if text else d.date
    return text


def _physical(d: Description) -> str:
    text = d.extent
    if d.details:
        text = f"{text} : {d.details}" if text else d.details
    if d.dimensions:
        text = f"{text} ; {d.dimensions}" if text else d.dimensions
    if d.accompanying:
        text = f"{text} + {d.accompanying}" if text else d.accompanying
    return text


def isbd(record: Record, fmt: str | None = None) -> str:
    """ISBD description per ДСТУ ГОСТ 7.1:2006: areas joined by ". – ", ISBD marks inside areas.

    The notes area is left out (the record page shows notes separately).
    """
    d = describe(record, fmt)
    title = _title_proper(d)
    for parallel in d.parallel:
        title += f" = {parallel}"
    for other in d.other_title:
        title += f" : {other}"
    if d.responsibility:
        title += " / " + " ; ".join(d.responsibility)
    text = _append(d.heading, " ", title) + _host(d, AREA)
    for area in (d.edition, _publication(d), _physical(d)):
        text = _append(text, AREA, area)
    if d.series:
        text = _append(text, AREA, " ".join(f"({s})" for s in d.series))
    numbers = [f"ISBN {n}" for n in d.isbn] + [f"ISSN {n}" for n in d.issn]
    if numbers:
        text = _append(text, AREA, AREA.join(numbers))
    return text


def abbreviate(text: str) -> str:
    """Abbreviate a leading document-type phrase: "підручник" -> "підр." (ДСТУ 3582:2013)."""
    lowered = text.lower()
    for phrase in sorted(ABBREVIATIONS, key=len, reverse=True):
        if lowered == phrase or lowered.startswith(phrase + " "):
            return ABBREVIATIONS[phrase] + text[len(phrase) :]
    return text


def _is_document_type(text: str) -> bool:
    lowered = text.lower()
    keys = list(ABBREVIATIONS) + _ABBREVIATED
    return any(lowered == k or lowered.startswith(k + " ") for k in keys)


def dstu8302(record: Record, fmt: str | None = None) -> str:
    """Reference per ДСТУ 8302:2015: areas joined by ". ", the kind of document abbreviated.

    A subtitle that continues the title follows it with ": " as printed; one naming the kind of
    document ("підручник") is other title information, " : " and abbreviated. The statement of
    responsibility is left out when it only repeats the single author of the heading.
    """
    d = describe(record, fmt)
    title = _title_proper(d)
    for other in d.other_title:
        if _is_document_type(other):
            title += " : " + abbreviate(other)
        else:
            title += ": " + other
    if d.responsibility and not (d.heading and d.single_author):
        title += " / " + " ; ".join(d.responsibility)
    text = _append(d.heading, " ", title) + _host(d, ". ")
    for area in (d.edition, _publication(d), _physical(d)):
        text = _append(text, ". ", area)
    if d.series:
        text = _append(text, ". ", " ".join(f"({s})" for s in d.series))
    if text and not text.endswith((".", "?", "!")):
        text += "."
    return text


# DCMI Type Vocabulary for our material types.
_DC_TYPES = {
    "book": "Text",
    "serial": "Text",
    "article": "Text",
    "e-resource": "Text",
    "music": "Sound",
    "map": "Image",
    "video": "MovingImage",
    "other": "PhysicalObject",
}


def dublin_core(record: Record, fmt: str | None = None) -> dict[str, list[str]]:
    """Simple Dublin Core (dc-v1.1, as SRU and OAI-PMH serve it): element -> list of values."""
    fmt = check_format(record, fmt)
    s = extract(record, fmt)
    title = s.title + (f" : {s.subtitle}" if s.subtitle else "")
    dc: dict[str, list[str]] = {
        "title": [title] if title else [],
        "creator": list(s.authors),
        "subject": list(s.subjects) + [f"УДК {u}" for u in s.udc] + [f"ББК {b}" for b in s.bbk],
        "description": list(s.notes) + _abstracts(record, fmt),
        "publisher": [s.publisher] if s.publisher else [],
        "date": [str(s.year)] if s.year else [],
        "type": [_DC_TYPES.get(s.material_type, "Text"), s.material_type],
        "format": [s.extent] if s.extent else [],
        "identifier": [f"URN:ISBN:{n}" for n in s.isbn]
        + [f"URN:ISSN:{n}" for n in s.issn]
        + [url for url, _ in s.links],
        "language": list(s.languages),
        "relation": ([s.host_title] if s.host_title else []) + list(s.series),
    }
    dc["description"] = list(dict.fromkeys(dc["description"]))
    return {k: v for k, v in dc.items() if v}


def _abstracts(record: Record, fmt: str) -> list[str]:
    tag = "330" if fmt == "unimarc" else "520"
    return [clean(v) for f in fields(record, tag) for v in values(f, "a")]
