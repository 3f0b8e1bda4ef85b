"""Guided forms: a record in the cataloguer's terms (title, responsibility, place, publisher,
year, pages, ISBN, language, UDC, subjects, names) turned into MARC in the record's format.

``GuidedData.from_form`` reads the posted form, ``from_record`` reads a record back, and
``build(data, fmt, base)`` writes the managed fields into ``base`` (the stored record when
editing), keeping every field the guided form does not manage.

Field choices follow the UNIMARC Manual (Bibliographic, 3rd ed.) and MARC 21 Bibliographic;
analytic links are UNIMARC 463 with an embedded 001 and 200 (as RUSMARC/UKRMARC practice) or
MARC 21 773 ``$w``; authority links are UNIMARC ``$3`` and MARC 21 ``$0``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date

import pymarc
from pymarc import Field, Indicators, Subfield

from marc.fields import clean, embedded, first, split_personal_name, values

MATERIALS = ("book", "serial", "e-resource", "article")
NAME_ROLES = {  # role: (UNIMARC relator code, MARC 21 relator code)
    "author": ("070", "aut"),
    "editor": ("340", "edt"),
    "compiler": ("220", "com"),
    "translator": ("730", "trl"),
    "illustrator": ("440", "ill"),
}
RELATOR_TERMS = {  # MARC 21 $e relator terms (and their usual abbreviations)
    "author": ("author", "aut", "автор"),
    "editor": ("ed", "ed.", "editor", "eds", "редактор", "ред"),
    "compiler": ("comp", "comp.", "compiler", "укладач", "уклад"),
    "translator": ("tr", "tr.", "trans", "translator", "перекладач", "пер"),
    "illustrator": ("ill", "ill.", "illustrator", "ілюстратор", "іл"),
}
SUBJECT_KINDS = ("topical", "personal", "corporate", "geographic", "keyword")
U_SUBJECT_TAGS = {"topical": "606", "personal": "600", "corporate": "601", "geographic": "607", "keyword": "610"}
M_SUBJECT_TAGS = {"topical": "650", "personal": "600", "corporate": "610", "geographic": "651", "keyword": "653"}

# Fields the guided form owns (replaced on save); every other field is kept as it was.
MANAGED = {
    "unimarc": {"010", "011", "101", "200", "205", "207", "210", "215", "225", "300", "330", "461", "463",
                "600", "601", "606", "607", "610", "675", "686", "700", "701", "702", "856"},
    "marc21": {"020", "022", "041", "080", "084", "100", "245", "250", "260", "264", "300", "362", "490", "500",
               "520", "600", "610", "650", "651", "653", "700", "773", "856"},
}
# Which form input shows a problem reported for a tag.
PROBLEM_FIELDS = {
    "unimarc": {"200": "title", "010": "isbn", "011": "issn", "210": "year", "214": "year", "215": "pages",
                "101": "language", "675": "udc", "686": "bbk", "700": "names", "701": "names", "702": "names",
                "600": "subjects", "601": "subjects", "606": "subjects", "607": "subjects", "610": "subjects",
                "461": "host", "463": "host", "225": "series", "205": "edition", "856": "url", "207": "numbering"},
    "marc21": {"245": "title", "020": "isbn", "022": "issn", "264": "year", "260": "year", "300": "pages",
               "041": "language", "080": "udc", "084": "bbk", "100": "names", "700": "names", "600": "subjects",
               "610": "subjects", "650": "subjects", "651": "subjects", "653": "subjects", "773": "host",
               "490": "series", "250": "edition", "856": "url", "362": "numbering"},
}


@dataclass
class Name:
    text: str = ""  # "Surname, Forenames"
    role: str = "author"
    auth: str = ""


@dataclass
class Subject:
    kind: str = "topical"
    heading: str = ""  # subdivisions separated by " -- "
    auth: str = ""  # authority record id


@dataclass
class GuidedData:
    """The guided form's content, format-neutral."""

    material: str = "book"
    title: str = ""
    subtitle: str = ""
    responsibility: str = ""
    edition: str = ""
    place: str = ""
    publisher: str = ""
    year: str = ""
    pages: str = ""
    illustrations: str = ""
    dimensions: str = ""
    isbn: list[str] = field(default_factory=list)
    issn: str = ""
    language: str = "ukr"
    series: str = ""
    series_number: str = ""
    numbering: str = ""
    url: str = ""
    note: str = ""
    summary: str = ""
    udc: list[str] = field(default_factory=list)
    bbk: str = ""
    names: list[Name] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    host_id: str = ""
    host_title: str = ""
    host_control: str = ""
    host_pages: str = ""

    SCALARS = ("material", "title", "subtitle", "responsibility", "edition", "place", "publisher", "year", "pages",
               "illustrations", "dimensions", "issn", "language", "series", "series_number", "numbering", "url",
               "note", "summary", "bbk", "host_id", "host_pages")

    @classmethod
    def from_form(cls, form) -> GuidedData:
        """Read the posted guided form (repeated rows: ``isbn-N``, ``udc-N``, ``name-N-*``, ``subject-N-*``)."""
        data = cls(**{k: form.get(k, "").strip() for k in cls.SCALARS if k in form})
        if data.material not in MATERIALS:
            data.material = "book"
        data.isbn = _rows(form, "isbn")
        data.udc = _rows(form, "udc")
        for n in _indexes(form, "name", "text"):
            data.names.append(Name(form.get(f"name-{n}-text", "").strip(), form.get(f"name-{n}-role", "author"),
                                   form.get(f"name-{n}-auth", "").strip()))
        for n in _indexes(form, "subject", "heading"):
            kind = form.get(f"subject-{n}-kind", "topical")
            data.subjects.append(Subject(kind if kind in SUBJECT_KINDS else "topical",
                                         form.get(f"subject-{n}-heading", "").strip(),
                                         form.get(f"subject-{n}-auth", "").strip()))
        return data

    def as_dict(self) -> dict:
        return asdict(self)

    def padded(self, extra: int = 2) -> GuidedData:
        """A copy with blank rows to type into (the form works without JavaScript)."""
        out = GuidedData(**{**asdict(self), "names": [Name(**n) for n in asdict(self)["names"]],
                            "subjects": [Subject(**s) for s in asdict(self)["subjects"]]})
        out.isbn = [*out.isbn, ""]
        out.udc = [*out.udc, ""]
        out.names = [*out.names, *[Name() for _ in range(extra)]]
        out.subjects = [*out.subjects, *[Subject() for _ in range(extra)]]
        return out


def _indexes(form, prefix: str, key: str) -> list[int]:
    pattern = re.compile(rf"^{prefix}-(\d+)-{key}$")
    return sorted(int(m.group(1)) for k in form for m in [pattern.match(k)] if m)


def _rows(form, prefix: str) -> list[str]:
    pattern = re.compile(rf"^{prefix}-(\d+)$")
    found = sorted((int(m.group(1)), form.get(k, "").strip()) for k in form for m in [pattern.match(k)] if m)
    return [v for _, v in found if v]


# --- building MARC -------------------------------------------------------------------------------


def _df(tag: str, ind1: str, ind2: str, subs: list[tuple[str, str]]) -> Field | None:
    subs = [(c, v.strip()) for c, v in subs if v and v.strip()]
    if not subs:
        return None
    return Field(tag=tag, indicators=Indicators(ind1, ind2), subfields=[Subfield(c, v) for c, v in subs])


def _initials(forenames: str) -> str:
    from marc.fields import initials

    return initials(forenames)


def unimarc_leader(material: str, old: str | None = None) -> str:
    """UNIMARC record label: status n, type a/l, level m/s/a, hierarchy 2 for analytics, ISBD form."""
    rtype = "l" if material == "e-resource" else "a"
    level = {"serial": "s", "article": "a"}.get(material, "m")
    hier = "2" if material == "article" else ("1" if material == "serial" else "0")
    leader = list(old if old and len(old) == 24 else "00000nam0 2200000   450 ")
    leader[6], leader[7], leader[8] = rtype, level, hier
    return "".join(leader)


def marc21_leader(material: str, old: str | None = None) -> str:
    """MARC 21 leader: type a/m, level m/s/a, UTF-8, ISBD punctuation included (i)."""
    rtype = "m" if material == "e-resource" else "a"
    level = {"serial": "s", "article": "a"}.get(material, "m")
    leader = list(old if old and len(old) == 24 else "00000nam a2200000 i 4500")
    leader[6], leader[7], leader[9] = rtype, level, "a"
    return "".join(leader)


def unimarc_100(year: str, language: str, old: str = "") -> str:
    """UNIMARC 100 $a general processing data (36 positions): entry date, date type, dates, cataloguing language."""
    base = list(old.ljust(36)[:36]) if len(old) >= 36 else list(date.today().strftime("%Y%m%d") + "d" + "    " * 2
                                                                     + "k  y0ukry50      ca")
    year4 = year[:4] if re.fullmatch(r"\d{4}", year[:4] or "") else "    "
    base[9:13] = list(year4)
    return "".join(base)[:36]


def marc21_008(year: str, language: str, material: str, old: str = "") -> str:
    """MARC 21 008 for books (40 positions): date entered, single date, country, language."""
    base = list(old) if len(old) == 40 else list(date.today().strftime("%y%m%d") + "s" + "    " + "    " + "un "
                                                + "    " + " " + ("o" if material == "e-resource" else " ")
                                                + "    " + " 000 0 " + "   " + " d")
    year4 = year[:4] if re.fullmatch(r"\d{4}", year[:4] or "") else "uuuu"
    base[7:11] = list(year4)
    lang = (language or "und")[:3].ljust(3)
    base[35:38] = list(lang)
    return "".join(base)[:40]


def build(data: GuidedData, fmt: str, base: pymarc.Record | None = None, *, library_code: str = "") -> pymarc.Record:
    """Write ``data`` into a copy of ``base`` (or a new record) in ``fmt``, keeping unmanaged fields."""
    record = pymarc.Record(force_utf8=True)
    old_leader = str(base.leader) if base is not None else None
    managed = set(MANAGED[fmt])
    if data.material != "article":
        managed -= {"461", "463", "773"}  # a host link the form does not show is kept as it is
    if fmt == "unimarc":
        managed.discard("461")  # set/series link (not written by the form)
    kept = [f for f in (base.fields if base is not None else []) if f.tag not in managed
            or (f.tag == "264" and f.indicator2 != "1")]
    reuse = _reusable(base, fmt) if base is not None else {}
    new = _unimarc_fields(data, reuse) if fmt == "unimarc" else _marc21_fields(data, library_code, reuse)
    if base is not None:
        new = _merge_unknown(new, base, fmt)
    fixed = {}
    for f in kept:
        if f.tag in ("100", "008"):
            fixed[f.tag] = f
    if fmt == "unimarc":
        record.leader = unimarc_leader(data.material, old_leader)
        old100 = first(fixed["100"], "a") if "100" in fixed else ""
        kept = [f for f in kept if f.tag != "100"]
        new.append(_df("100", " ", " ", [("a", unimarc_100(data.year, data.language, old100))]))
    else:
        record.leader = marc21_leader(data.material, old_leader)
        old008 = fixed["008"].data if "008" in fixed else ""
        kept = [f for f in kept if f.tag != "008"]
        new.append(Field(tag="008", data=marc21_008(data.year, data.language, data.material, old008)))
    if library_code and fmt == "unimarc" and not any(f.tag == "801" for f in kept):
        # 801 record source (mandatory in UNIMARC): country, agency, date of transaction
        new.append(_df("801", " ", "0", [("a", "UA"), ("b", library_code), ("c", date.today().strftime("%Y%m%d"))]))
    if library_code and fmt == "marc21" and not any(f.tag == "040" for f in kept):
        new.append(_df("040", " ", " ", [("a", library_code), ("b", "ukr"), ("c", library_code)]))
    for f in sorted([*kept, *[f for f in new if f is not None]], key=lambda f: f.tag):
        record.add_field(f)
    return record


# Single fields the form edits only in part: their other subfields (and indicators) are kept.
FORM_CODES = {
    "unimarc": {"011": "a", "101": "a", "200": "aef", "205": "a", "207": "a", "210": "acd", "215": "acd",
                "225": "av", "300": "a", "330": "a", "856": "u"},
    "marc21": {"022": "a", "041": "a", "245": "abc", "250": "a", "264": "abc", "260": "abc", "300": "abc",
               "362": "a", "490": "av", "500": "a", "520": "a", "856": "u"},
}


def _reusable(base: pymarc.Record, fmt: str) -> dict:
    """Original list fields by the form row they read as: an unchanged row keeps its field whole."""
    orig = from_record(base, fmt)
    if fmt == "unimarc":
        names, subjects, isbns, udcs = (base.get_fields("700", "701", "702"), base.get_fields(*U_SUBJECT_TAGS.values()),
                                        base.get_fields("010"), base.get_fields("675"))
    else:
        names, subjects, isbns, udcs = (base.get_fields("100", "700"), base.get_fields(*M_SUBJECT_TAGS.values()),
                                        base.get_fields("020"), base.get_fields("080"))
    reuse: dict = {"has_main": bool(base.get_fields("700" if fmt == "unimarc" else "100")),
                   "pub_tag": "260" if base.get_fields("260") and not any(
                       f.indicator2 == "1" for f in base.get_fields("264")) else "264"}
    for n, f in zip(orig.names, names, strict=False):
        reuse.setdefault(("name", n.text, n.role, n.auth), f)
    for s, f in zip(orig.subjects, subjects, strict=False):
        reuse.setdefault(("subject", s.kind, s.heading, s.auth), f)
    for f in isbns:
        for v in values(f, "a"):
            reuse.setdefault(("isbn", v), f)
    for f in udcs:
        for v in values(f, "a"):
            reuse.setdefault(("udc", v), f)
    return reuse


def _merge_unknown(new: list, base: pymarc.Record, fmt: str) -> list:
    """Keep the subfields the form does not edit (and later occurrences) of partly edited fields."""
    out = [f for f in new if f is not None]
    for tag, codes in FORM_CODES[fmt].items():
        olds = [f for f in base.get_fields(tag) if not (tag == "264" and f.indicator2 != "1")]
        if not olds:
            continue
        first_old = olds[0]
        extras = [s for s in first_old.subfields if s.code not in codes]
        current = next((f for f in out if f.tag == tag), None)
        if current is not None:
            current.subfields.extend(extras)
            if tag == "245":  # ind1 follows the main entry; ind2 (nonfiling characters) is the cataloguer's
                current.indicators = Indicators(current.indicator1, first_old.indicator2)
            else:
                current.indicators = Indicators(first_old.indicator1, first_old.indicator2)
        elif extras:
            out.append(Field(tag=tag, indicators=Indicators(first_old.indicator1, first_old.indicator2), subfields=extras))
        out.extend(olds[1:])
    return out


def _unimarc_fields(d: GuidedData, reuse: dict | None = None) -> list:
    reuse = reuse or {}
    out = [reuse.get(("isbn", i)) or _df("010", " ", " ", [("a", i)]) for i in d.isbn]
    out.append(_df("011", " ", " ", [("a", d.issn)]))
    out.append(_df("101", "0", " ", [("a", d.language)]))
    out.append(_df("200", "1", " ", [("a", d.title), ("e", d.subtitle), ("f", d.responsibility)]))
    out.append(_df("205", " ", " ", [("a", d.edition)]))
    if d.material == "serial":
        out.append(_df("207", " ", "0", [("a", d.numbering)]))
    out.append(_df("210", " ", " ", [("a", d.place), ("c", d.publisher), ("d", d.year)]))
    out.append(_df("215", " ", " ", [("a", d.pages), ("c", d.illustrations), ("d", d.dimensions)]))
    out.append(_df("225", "2", " ", [("a", d.series), ("v", d.series_number)]))
    out.append(_df("300", " ", " ", [("a", d.note)]))
    out.append(_df("330", " ", " ", [("a", d.summary)]))
    if d.material == "article" and (d.host_control or d.host_title):
        subs = [Subfield("1", f"001{d.host_control}")] if d.host_control else []
        subs += [Subfield("1", "2001 "), Subfield("a", d.host_title)] if d.host_title else []
        if d.host_pages:
            subs.append(Subfield("v", d.host_pages))
        out.append(Field(tag="463", indicators=Indicators(" ", "1"), subfields=subs))
    for s in d.subjects:
        if s.heading:
            out.append(reuse.get(("subject", s.kind, s.heading, s.auth)) or _unimarc_subject(s))
    out += [reuse.get(("udc", u)) or _df("675", " ", " ", [("a", u)]) for u in d.udc]
    out.append(_df("686", " ", " ", [("a", d.bbk), ("2", "rubbk")]) if d.bbk else None)
    main_done = not reuse.get("has_main", True)  # a record without a main entry does not get one silently
    for n in d.names:
        if not n.text:
            continue
        surname, forenames = split_personal_name(n.text)
        code = NAME_ROLES.get(n.role, NAME_ROLES["author"])[0]
        tag = "700" if n.role == "author" and not main_done else ("701" if n.role == "author" else "702")
        main_done = main_done or tag == "700"
        same = reuse.get(("name", n.text, n.role, n.auth))
        if same is not None and same.tag == tag:
            out.append(same)
            continue
        out.append(_df(tag, " ", "1", [("a", surname), ("b", _initials(forenames)), ("g", forenames),
                                       ("3", n.auth), ("4", code)]))
    out.append(_df("856", "4", " ", [("u", d.url)]))
    return out


def _split_heading(heading: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s+--\s+|\s*—\s*", heading) if p.strip()]


def _unimarc_subject(s: Subject) -> Field | None:
    parts = _split_heading(s.heading)
    tag = U_SUBJECT_TAGS[s.kind]
    if s.kind == "keyword":
        return _df("610", "0", " ", [("a", p) for p in parts])
    if s.kind == "personal":
        surname, forenames = split_personal_name(parts[0])
        subs = [("a", surname), ("b", _initials(forenames)), ("g", forenames)]
        return _df(tag, " ", "1", [*subs, *[("x", p) for p in parts[1:]], ("3", s.auth)])
    ind = ("0", "2") if s.kind == "corporate" else (" ", " ")
    return _df(tag, *ind, [("a", parts[0]), *[("x", p) for p in parts[1:]], ("3", s.auth)])


def _marc21_fields(d: GuidedData, library_code: str, reuse: dict | None = None) -> list:
    reuse = reuse or {}
    out = [reuse.get(("isbn", i)) or _df("020", " ", " ", [("a", i)]) for i in d.isbn]
    out.append(_df("022", " ", " ", [("a", d.issn)]))
    out.append(_df("041", "0", " ", [("a", d.language)]))
    out += [reuse.get(("udc", u)) or _df("080", " ", " ", [("a", u)]) for u in d.udc]
    out.append(_df("084", " ", " ", [("a", d.bbk), ("2", "rubbk")]) if d.bbk else None)
    authors = [n for n in d.names if n.text]
    main = next((n for n in authors if n.role == "author"), None) if reuse.get("has_main", True) else None
    if main is not None and reuse.get(("name", main.text, main.role, main.auth)) is not None \
            and reuse[("name", main.text, main.role, main.auth)].tag == "100":
        out.append(reuse[("name", main.text, main.role, main.auth)])
    elif main is not None:
        out.append(_df("100", "1", " ", [("a", main.text), ("4", "aut"), ("0", _marc_auth(main.auth, library_code))]))
    title_subs = [("a", d.title + (" :" if d.subtitle else (" /" if d.responsibility else "")))]
    if d.subtitle:
        title_subs.append(("b", d.subtitle + (" /" if d.responsibility else "")))
    if d.responsibility:
        title_subs.append(("c", d.responsibility))
    out.append(_df("245", "1" if main else "0", "0", title_subs if d.title else []))
    out.append(_df("250", " ", " ", [("a", d.edition)]))
    pub = [("a", d.place + (" :" if d.publisher else (", " if d.year else ""))),
           ("b", d.publisher + ("," if d.year else "")), ("c", d.year)]
    pub_tag = reuse.get("pub_tag", "264")
    out.append(_df(pub_tag, " ", "1" if pub_tag == "264" else " ", [(c, v) for c, v in pub if v.strip(" :,")]))
    out.append(_df("300", " ", " ", [("a", d.pages + (" :" if d.illustrations else (" ;" if d.dimensions else ""))),
                                      ("b", d.illustrations + (" ;" if d.dimensions else "")), ("c", d.dimensions)]
                   if d.pages else []))
    if d.material == "serial":
        out.append(_df("362", "0", " ", [("a", d.numbering)]))
    out.append(_df("490", "0", " ", [("a", d.series + (" ;" if d.series_number else "")), ("v", d.series_number)]
                   if d.series else []))
    out.append(_df("500", " ", " ", [("a", d.note)]))
    out.append(_df("520", " ", " ", [("a", d.summary)]))
    for s in d.subjects:
        if s.heading:
            out.append(reuse.get(("subject", s.kind, s.heading, s.auth)) or _marc21_subject(s, library_code))
    for n in authors:
        if n is main:
            continue
        same = reuse.get(("name", n.text, n.role, n.auth))
        if same is not None and same.tag == "700":
            out.append(same)
            continue
        out.append(_df("700", "1", " ", [("a", n.text), ("4", NAME_ROLES.get(n.role, NAME_ROLES["author"])[1]),
                                         ("0", _marc_auth(n.auth, library_code))]))
    if d.material == "article" and (d.host_control or d.host_title):
        out.append(_df("773", "0", " ", [("t", d.host_title), ("g", d.host_pages), ("w", d.host_control)]))
    out.append(_df("856", "4", "0", [("u", d.url)]))
    return out


def _marc_auth(auth: str, library_code: str) -> str:
    return f"({library_code}){auth}" if auth else ""


def _marc21_subject(s: Subject, library_code: str) -> Field | None:
    parts = _split_heading(s.heading)
    tag = M_SUBJECT_TAGS[s.kind]
    if s.kind == "keyword":
        return _df("653", " ", " ", [("a", p) for p in parts])
    ind1 = {"personal": "1", "corporate": "2"}.get(s.kind, " ")
    sub_code = "z" if s.kind == "geographic" else "x"
    return _df(tag, ind1, "4", [("a", parts[0]), *[(sub_code, p) for p in parts[1:]],
                                ("0", _marc_auth(s.auth, library_code))])


# --- reading a record back -----------------------------------------------------------------------


def auth_id_of(value: str) -> str:
    """The local authority id in $3 ("12") or $0 ("(UA-LuOUNB)12")."""
    value = (value or "").strip()
    if value.startswith("("):
        value = value.split(")", 1)[-1]
    return value if value.isdigit() else ""


def from_record(record: pymarc.Record, fmt: str) -> GuidedData:
    """Fill the guided form from a stored record (any record can be opened in the guided form)."""
    return _from_unimarc(record) if fmt == "unimarc" else _from_marc21(record)


def _material(record: pymarc.Record, fmt: str) -> str:
    leader = str(record.leader)
    if leader[7:8] == "a":
        return "article"
    if leader[7:8] == "s":
        return "serial"
    if leader[6:7] == ("l" if fmt == "unimarc" else "m"):
        return "e-resource"
    return "book"


def _one(record, tag):
    found = record.get_fields(tag)
    return found[0] if found else None


def _from_unimarc(r: pymarc.Record) -> GuidedData:
    d = GuidedData(material=_material(r, "unimarc"))
    t = _one(r, "200")
    d.title, d.subtitle, d.responsibility = first(t, "a"), first(t, "e"), first(t, "f")
    d.edition = first(_one(r, "205"), "a")
    d.numbering = first(_one(r, "207"), "a")
    pub = _one(r, "210")
    d.place, d.publisher, d.year = first(pub, "a"), first(pub, "c"), first(pub, "d")
    phys = _one(r, "215")
    d.pages, d.illustrations, d.dimensions = first(phys, "a"), first(phys, "c"), first(phys, "d")
    d.isbn = [v for f in r.get_fields("010") for v in values(f, "a")]
    d.issn = first(_one(r, "011"), "a")
    d.language = first(_one(r, "101"), "a") or "ukr"
    series = _one(r, "225")
    d.series, d.series_number = first(series, "a"), first(series, "v")
    d.url = first(_one(r, "856"), "u")
    d.note = first(_one(r, "300"), "a")
    d.summary = first(_one(r, "330"), "a")
    d.udc = [v for f in r.get_fields("675") for v in values(f, "a")]
    d.bbk = first(_one(r, "686"), "a")
    for f in r.get_fields("700", "701", "702"):
        code = first(f, "4")
        role = next((k for k, v in NAME_ROLES.items() if v[0] == code), "author" if f.tag != "702" else "editor")
        rest = first(f, "g") or first(f, "b")
        d.names.append(Name(f"{first(f, 'a')}, {rest}" if rest else first(f, "a"), role, auth_id_of(first(f, "3"))))
    kinds = {v: k for k, v in U_SUBJECT_TAGS.items()}
    for f in r.get_fields(*U_SUBJECT_TAGS.values()):
        kind = kinds[f.tag]
        if kind == "personal":
            rest = first(f, "g") or first(f, "b")
            main = f"{first(f, 'a')}, {rest}" if rest else first(f, "a")
            parts = [main, *values(f, "x", "y", "z")]
        else:
            parts = values(f, "a", "x", "y", "z", "j")
        d.subjects.append(Subject(kind, " -- ".join(parts), auth_id_of(first(f, "3"))))
    for f in r.get_fields("463", "461"):
        d.host_control = first(f, "0")
        for tag, head, subs in embedded(f):
            if tag == "001":
                d.host_control = d.host_control or head
            elif tag == "200":
                d.host_title = next((v for c, v in subs if c == "a"), "")
            elif tag == "" or True:
                d.host_pages = d.host_pages or next((v for c, v in subs if c == "v"), "")
        d.host_title = d.host_title or first(f, "t")
        break
    return d


def _from_marc21(r: pymarc.Record) -> GuidedData:
    d = GuidedData(material=_material(r, "marc21"))
    t = _one(r, "245")
    d.title, d.subtitle, d.responsibility = clean(first(t, "a")), clean(first(t, "b")), clean(first(t, "c"))
    d.edition = clean(first(_one(r, "250"), "a"))
    d.numbering = first(_one(r, "362"), "a")
    pub = next((f for f in r.get_fields("264") if f.indicator2 == "1"), None) or _one(r, "260")
    d.place, d.publisher, d.year = clean(first(pub, "a")), clean(first(pub, "b")), clean(first(pub, "c"))
    phys = _one(r, "300")
    d.pages, d.illustrations, d.dimensions = clean(first(phys, "a")), clean(first(phys, "b")), clean(first(phys, "c"))
    d.isbn = [v for f in r.get_fields("020") for v in values(f, "a")]
    d.issn = first(_one(r, "022"), "a")
    fixed = r.get_fields("008")
    d.language = first(_one(r, "041"), "a") or (fixed[0].data[35:38].strip() if fixed and len(fixed[0].data) >= 38
                                                else "") or "ukr"
    series = _one(r, "490")
    d.series, d.series_number = clean(first(series, "a")), first(series, "v")
    d.url = first(_one(r, "856"), "u")
    d.note = first(_one(r, "500"), "a")
    d.summary = first(_one(r, "520"), "a")
    d.udc = [v for f in r.get_fields("080") for v in values(f, "a")]
    d.bbk = next((first(f, "a") for f in r.get_fields("084") if first(f, "2").startswith("rubbk")), "")
    for f in r.get_fields("100", "700"):
        code, term = first(f, "4"), clean(first(f, "e")).lower()
        role = next((k for k, v in NAME_ROLES.items() if v[1] == code), None) or next(
            (k for k, words in RELATOR_TERMS.items() if term in words), "author")
        d.names.append(Name(clean(first(f, "a")), role, auth_id_of(first(f, "0"))))
    kinds = {v: k for k, v in M_SUBJECT_TAGS.items()}
    for f in r.get_fields(*M_SUBJECT_TAGS.values()):
        parts = [clean(v) for v in values(f, "a", "x", "y", "z", "v")]
        d.subjects.append(Subject(kinds[f.tag], " -- ".join(parts), auth_id_of(first(f, "0"))))
    host = _one(r, "773")
    if host is not None:
        d.host_control, d.host_title, d.host_pages = first(host, "w"), clean(first(host, "t")), first(host, "g")
    return d
