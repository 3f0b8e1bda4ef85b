"""MARC 21 <-> UNIMARC conversion for bibliographic records.

`unimarc_to_marc21(record)` and `marc21_to_unimarc(record)` map the fields of DOMAIN.md's field
map (and the fixed fields: leader, MARC 21 008 <-> UNIMARC 100). A field with no counterpart in the
other format is not dropped: it goes into field 886 ("Foreign MARC information field" in MARC 21,
"Data not converted from source format" in UNIMARC: $2 source format, $a tag, $b indicators or
control data, then the original subfields), and the reverse conversion restores it, so a round trip
keeps it. Koha items (UNIMARC 995 <-> MARC 21 952) keep subfields without a counterpart as
"[995$x] value" notes in the other format's non-public note, restored on the way back.

Known losses inside mapped fields (no counterpart, rarely filled): 200$z (language of parallel title),
210$b (publisher's address), 101$f/$g, 675$z and 686$v (edition/language of the classification),
225$z; UNIMARC 100/26-33 (character sets) become "50" (Unicode) because the converted record is
Unicode; 200 ind1 (title significance) is set to 1. MARC 21 names with a title ($t) go to 886 whole.

Fixed fields: 008 is built from 100 (and 100 from 008), and the source fixed field also travels in
886, so the positions the other format has no place for (UNIMARC cataloguing language and script,
MARC 21 008/18-34 material codes) come back on the return trip; values edited in between win.

ISBD punctuation: MARC 21 records carry it inside subfields (leader/18 "i"); UNIMARC generates it at
display time. MARC 21 output is punctuated, UNIMARC output is stripped of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from pymarc import Field, Indicators, Leader, Record, Subfield

from marc.fields import (
    NSB,
    NSE,
    clean,
    control,
    drop_nonsort,
    embedded,
    first,
    join_parts,
    parse_year,
    split_isbn,
    split_nonsort,
    split_personal_name,
    values,
)

UNIMARC_SOURCE = "unimarc"
MARC21_SOURCE = "marc21"

# --- code tables ---------------------------------------------------------------------------------

# Relator codes: UNIMARC Appendix C (numeric) <-> MARC Code List for Relators (alphabetic).
RELATORS = {
    "010": "adp",
    "020": "ann",
    "070": "aut",
    "072": "aqt",
    "075": "aft",
    "080": "aui",
    "100": "ant",
    "205": "ctb",
    "210": "cmm",
    "212": "cwt",
    "220": "com",
    "230": "cmp",
    "250": "cnd",
    "295": "dgg",
    "340": "edt",
    "440": "ill",
    "570": "oth",
    "600": "pht",
    "650": "pbl",
    "710": "red",
    "727": "ths",
    "730": "trl",
}
RELATORS_BACK = {v: k for k, v in RELATORS.items()}
# MARC 21 $e relator terms seen in real records -> UNIMARC codes (used when $4 is absent).
RELATOR_TERMS = {
    "author": "070",
    "editor": "340",
    "ed": "340",
    "compiler": "220",
    "comp": "220",
    "col": "220",
    "translator": "730",
    "tr": "730",
    "illustrator": "440",
    "ill": "440",
    "contributor": "205",
    "publisher": "650",
    "photographer": "600",
    "composer": "230",
    "conductor": "250",
    "thesis advisor": "727",
    "degree granting institution": "295",
    "commentator": "210",
}
AUTHOR_CODES = {"070", "aut"}

# UNIMARC leader/06 <-> MARC 21 leader/06 (type of record).
TYPE_U2M = {
    "a": "a",
    "b": "t",
    "c": "c",
    "d": "d",
    "e": "e",
    "f": "f",
    "g": "g",
    "i": "i",
    "j": "j",
    "k": "k",
    "l": "m",
    "m": "p",
    "r": "r",
}
TYPE_M2U = {
    "a": "a",
    "t": "b",
    "c": "c",
    "d": "d",
    "e": "e",
    "f": "f",
    "g": "g",
    "i": "i",
    "j": "j",
    "k": "k",
    "m": "l",
    "o": "m",
    "p": "m",
    "r": "r",
}
# Bibliographic level: UNIMARC has a, c, i, m, s; MARC 21 also b (serial part) and d (subunit).
LEVEL_M2U = {"a": "a", "b": "a", "c": "c", "d": "m", "i": "i", "m": "m", "s": "s"}
# UNIMARC leader/08 hierarchical level <-> MARC 21 leader/19 multipart resource record level.
HIER_U2M = {"0": " ", "1": "a", "2": "c", " ": " "}
HIER_M2U = {" ": "0", "a": "1", "b": "2", "c": "2"}
# Encoding level: UNIMARC blank/1/2/3; MARC 21 blank/1-8/u/z and OCLC letters.
ENC_M2U = {
    " ": " ",
    "1": "1",
    "2": "2",
    "3": "3",
    "4": "1",
    "5": "2",
    "7": "3",
    "8": "3",
    "u": "3",
    "z": "3",
    "I": " ",
    "K": "3",
    "L": " ",
    "M": "3",
    "J": "3",
}
STATUS_U2M = {"c": "c", "d": "d", "n": "n", "o": "c", "p": "p"}
STATUS_M2U = {"a": "c", "c": "c", "d": "d", "n": "n", "p": "p"}
# Type of publication date: UNIMARC 100/8 <-> MARC 21 008/06.
DATE_U2M = {
    "a": "c",
    "b": "d",
    "c": "u",
    "d": "s",
    "e": "r",
    "f": "q",
    "g": "m",
    "h": "t",
    "i": "p",
    "j": "e",
    "k": "s",
    "u": "n",
}
DATE_M2U = {
    "s": "d",
    "m": "g",
    "r": "e",
    "q": "f",
    "t": "h",
    "p": "i",
    "e": "j",
    "c": "a",
    "d": "b",
    "u": "c",
    "n": "u",
    "i": "g",
    "k": "g",
    "b": "u",
    "|": "u",
}
# Target audience: UNIMARC 100/17 <-> MARC 21 008/22 (books).
AUDIENCE_U2M = {"a": "j", "b": "a", "c": "b", "d": "c", "e": "d", "k": "f", "m": "e", "u": " ", "|": "|"}
AUDIENCE_M2U = {
    "j": "a",
    "a": "b",
    "b": "c",
    "c": "d",
    "d": "e",
    "e": "m",
    "f": "k",
    "g": "m",
    " ": "u",
    "|": "u",
}
# Government publication: UNIMARC 100/20 <-> MARC 21 008/28.
GOV_U2M = {
    "a": "f",
    "b": "s",
    "c": "l",
    "d": "l",
    "e": "c",
    "f": "m",
    "g": "o",
    "h": "o",
    "u": "u",
    "y": " ",
    "z": "z",
}
GOV_M2U = {
    "f": "a",
    "s": "b",
    "l": "d",
    "c": "e",
    "m": "f",
    "o": "h",
    "u": "u",
    " ": "y",
    "z": "z",
    "i": "z",
    "a": "z",
    "|": "u",
}
# ISO 3166 (UNIMARC 102) <-> MARC Code List for Countries (008/15-17), the countries we meet most.
COUNTRIES = {
    "UA": "un",
    "RU": "ru",
    "BY": "bw",
    "PL": "pl",
    "US": "xxu",
    "GB": "xxk",
    "DE": "gw",
    "FR": "fr",
    "IT": "it",
    "KZ": "kz",
    "MD": "mv",
    "LT": "li",
    "LV": "lv",
    "EE": "er",
    "CZ": "xr",
    "SK": "xo",
    "RO": "rm",
    "HU": "hu",
    "CA": "xxc",
    "IL": "is",
    "ES": "sp",
    "TR": "tu",
    "CN": "cc",
    "JP": "ja",
    "AT": "au",
    "CH": "sz",
    "NL": "ne",
    "BE": "be",
}
COUNTRIES_BACK = {v: k for k, v in COUNTRIES.items()}
# Subject thesaurus: MARC 21 6XX ind2 <-> UNIMARC $2 system code.
THESAURI = {"0": "lcsh", "1": "lcac", "2": "mesh", "3": "nal", "5": "cash", "6": "rvm"}
THESAURI_BACK = {v: k for k, v in THESAURI.items()}

# Koha items: UNIMARC 995 <-> MARC 21 952, by the Koha column both are mapped to (Koha frameworks).
ITEMS_U2M = {
    "b": "a",  # items.homebranch
    "c": "b",  # items.holdingbranch
    "e": "c",  # items.location
    "f": "p",  # items.barcode
    "h": "8",  # items.ccode
    "i": "r",  # items.datelastseen
    "j": "i",  # items.stocknumber (inventory number)
    "k": "o",  # items.itemcallnumber
    "l": "3",  # items.materials
    "m": "s",  # items.datelastborrowed
    "n": "q",  # items.onloan
    "o": "7",  # items.notforloan
    "p": "g",  # items.price
    "r": "y",  # items.itype
    "s": "e",  # items.booksellerid
    "u": "z",  # items.itemnotes
    "v": "h",  # items.enumchron
    "x": "x",  # non-public note
    "5": "d",  # items.dateaccessioned
    "6": "t",  # items.copynumber
    "7": "u",  # items.uri
    "9": "9",  # items.itemnumber
}
ITEMS_M2U = {v: k for k, v in ITEMS_U2M.items()}
_KEPT_NOTE = re.compile(r"^\[(\d{3})\$(.)\] (.*)$", re.S)


# --- small builders ------------------------------------------------------------------------------


def _data_field(tag: str, ind1: str, ind2: str, subs: list[tuple[str, str]]) -> Field | None:
    subs = [(c, v) for c, v in subs if v is not None and str(v).strip() != ""]
    if not subs:
        return None
    return Field(
        tag=tag, indicators=Indicators(ind1 or " ", ind2 or " "), subfields=[Subfield(c, v) for c, v in subs]
    )


def _pairs(field: Field) -> list[tuple[str, str]]:
    return [(sf.code, sf.value) for sf in field.subfields]


def _mapped(field: Field, mapping: dict[str, str], fix: Callable[[str], str] = lambda v: v):
    """Subfields of `field` whose codes are in `mapping`, renamed, values passed through `fix`."""
    return [(mapping[c], fix(v)) for c, v in _pairs(field) if c in mapping]


def _kept(field: Field, source: str) -> Field:
    """Wrap a field with no counterpart into 886 ($2 source format, $a tag, $b indicators/data)."""
    if field.is_control_field():
        head = [("2", source), ("a", field.tag), ("b", field.data)]
        return Field(tag="886", indicators=Indicators("1", " "), subfields=[Subfield(c, v) for c, v in head])
    head = [("2", source), ("a", field.tag), ("b", field.indicator1 + field.indicator2)]
    return Field(
        tag="886",
        indicators=Indicators("2", " "),
        subfields=[Subfield(c, v) for c, v in head + _pairs(field)],
    )


def _restore(field: Field) -> Field | None:
    """Rebuild the original field from an 886 written by `_kept` (None if it is not one of ours)."""
    subs = _pairs(field)
    if len(subs) < 3 or [c for c, _ in subs[:3]] != ["2", "a", "b"]:
        return None
    tag, head = subs[1][1], subs[2][1]
    if tag < "010" and tag.isdigit():
        return Field(tag=tag, data=head)
    head = head.ljust(2)
    return Field(
        tag=tag, indicators=Indicators(head[0], head[1]), subfields=[Subfield(c, v) for c, v in subs[3:]]
    )


def _punctuate(subs: list[tuple[str, str]], marks: dict[tuple[str, str], str], end: str = ".") -> list:
    """Add ISBD punctuation to MARC 21 subfields: marks[(code, next_code)] ends a subfield."""
    out = []
    for i, (code, value) in enumerate(subs):
        value = value.strip()
        nxt = subs[i + 1][0] if i + 1 < len(subs) else None
        mark = marks.get((code, nxt), marks.get((code, "*"), "")) if nxt else end
        if mark and not value.endswith(mark.strip()):
            if mark == "." and value.endswith(("?", "!", ".", "]" + ".")):
                mark = ""
            value = value + mark
        out.append((code, value))
    return out


_MARKS = re.compile(r"\s*[/:;=,+]+\s*$")


def _strip(subs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop ISBD punctuation and a final full stop (see fields.clean) from MARC 21 subfields."""
    return [(c, clean(v)) for c, v in subs]


def _unmark(subs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop trailing ISBD marks but keep full stops ("ill., ports.", "24 cm.")."""
    return [(c, _MARKS.sub("", v).strip()) for c, v in subs]


def _trim(value: str) -> str:
    return value.strip()


def _as_is(subs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(c, v.strip()) for c, v in subs]


def _three_first(subs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Put authority links ($3 in UNIMARC) first, as UNIMARC records have them."""
    return [p for p in subs if p[0] == "3"] + [p for p in subs if p[0] != "3"]


def _zero_last(subs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Put authority links ($0 in MARC 21) after the heading subfields, as MARC 21 records have them."""
    return [p for p in subs if p[0] != "0"] + [p for p in subs if p[0] == "0"]


def _sort(fields: list[Field]) -> list[Field]:
    return sorted(fields, key=lambda f: f.tag)


def _relator_to_marc(code: str) -> str:
    return RELATORS.get(code.strip(), code.strip())


def _relator_to_unimarc(field: Field) -> list[tuple[str, str]]:
    codes = [RELATORS_BACK.get(v.strip(), v.strip()) for v in values(field, "4")]
    if not codes:
        for term in values(field, "e"):
            code = RELATOR_TERMS.get(clean(term).rstrip(".").lower())
            if code:
                codes.append(code)
    return [("4", c) for c in codes]


# === UNIMARC -> MARC 21 ==========================================================================


def unimarc_to_marc21(record: Record) -> Record:
    """Convert a UNIMARC bibliographic record to MARC 21 (see the module docstring for the rules)."""
    out: list[Field] = []
    kept_008 = ""
    # UNIMARC 700 (or 710) is the primary responsibility: it becomes the MARC 21 main entry 1XX.
    main = next((f for f in record.fields if f.tag in ("700", "710")), None)
    for f in record.fields:
        if f is main:
            out.append(_u_name(f, record, main=True))
            continue
        if f.tag == "886" and first(f, "2") == MARC21_SOURCE:
            restored = _restore(f)
            if restored is not None and restored.tag == "008":
                kept_008 = restored.data  # merged with 100 below
                continue
            if restored is not None:
                out.append(restored)
                continue
        if f.tag == "100":
            # Becomes 008 (built below); the original is also kept in 886 for the positions 008 lacks.
            out.append(_kept(f, UNIMARC_SOURCE))
            continue
        handler = _U2M.get(f.tag)
        if handler is None:
            out.append(_kept(f, UNIMARC_SOURCE))
            continue
        out.extend(handler(f, record))
    out = [x for x in out if x is not None]

    result = Record()
    result.leader = Leader(_u_leader(record))  # Record(leader=...) would force positions 20-23
    out.append(Field(tag="008", data=_u_008(record, kept_008)))
    result.fields = _sort(out)
    return result


def _u_leader(record: Record) -> str:
    ld = str(record.leader).ljust(24)
    # 18: "i" = ISBD punctuation included (this converter adds it).
    return (
        "00000"
        + STATUS_U2M.get(ld[5], "n")
        + TYPE_U2M.get(ld[6], ld[6])  # unknown codes pass through unchanged
        + (ld[7] if ld[7] in "acims" else "m")
        + " a22"
        + "00000"
        + ({" ": " ", "1": "1", "2": "2", "3": "3"}.get(ld[17], "3"))
        + "i"
        + HIER_U2M.get(ld[8], " ")
        + "4500"
    )


def _u_fixed(record: Record) -> str:
    found = record.get_fields("100")
    return first(found[0], "a").ljust(36) if found else " " * 36


def _u_008(record: Record, kept: str = "") -> str:
    """Build MARC 21 008 from UNIMARC 100$a, 101 and 102 (book-type positions 18-34).

    `kept` is the original 008 when the record came from MARC 21 (kept in 886): its material-specific
    positions 18-34 and 38-39 are reused, and its date and country codes where 100/102 still agree.
    """
    u = _u_fixed(record)
    entered = u[2:8] if u[:8].strip().isdigit() else date.today().strftime("%y%m%d")
    date_type = DATE_U2M.get(u[8], "|")
    date1, date2 = u[9:13].replace(" ", "u") if u[9:13].strip() else "    ", u[13:17]
    if not u[9:13].strip():  # no 100: take the year of publication from 210/214$d
        year = next((parse_year(v) for f in record.get_fields("210", "214") for v in values(f, "d")), None)
        date_type, date1 = ("s", str(year)) if year else ("n", "uuuu")
    if date_type == "s" and date2 != "||||":
        date2 = "    "
    f102 = record.get_fields("102")
    country = COUNTRIES.get(first(f102[0], "a").upper(), "xx") if f102 else "xx"
    f101 = record.get_fields("101")
    lang = (first(f101[0], "a") or "   ")[:3] if f101 else "   "
    ld = str(record.leader)
    online = "o" if ld[6:7] == "l" else " "
    # 18-21 illustrations, 22 audience, 23 form of item, 24-27 contents, 28 government publication,
    # 29 conference, 30 festschrift, 31 index, 32 undefined, 33 literary form, 34 biography.
    books = "    " + AUDIENCE_U2M.get(u[17], " ") + online + "    " + GOV_U2M.get(u[20], "|") + "000 0 "
    text = (entered + date_type + date1 + date2 + country.ljust(3) + books[:17] + lang.ljust(3) + " d")[:40]
    if len(kept) >= 18:
        kept = kept.ljust(40)
        dates = kept[6:15]
        if DATE_M2U.get(kept[6]) == u[8] and kept[7:11].replace("u", " ") == u[9:13]:
            text = text[:6] + dates + text[15:]
        if not f102 or COUNTRIES_BACK.get(kept[15:18].strip()) == first(f102[0], "a").upper():
            text = text[:15] + kept[15:18] + text[18:]
        # Audience and government publication: the UNIMARC value wins only if it was edited, i.e.
        # differs from what marc21_to_unimarc derived from this 008 (see _m_100).
        fixed = list(kept[18:35])
        marc_type = TYPE_U2M.get(ld[6:7], ld[6:7])
        books, gov_types = marc_type in ("a", "t"), marc_type in ("a", "t", "e", "f", "m")
        if books and u[17] != (AUDIENCE_M2U.get(kept[22], "u") if books else "u"):
            fixed[22 - 18] = text[22]
        if gov_types and u[20] != GOV_M2U.get(kept[28], "u"):
            fixed[28 - 18] = text[28]
        text = text[:18] + "".join(fixed) + text[35:38] + kept[38:40]
    return text


def _u_101(f: Field, record: Record):
    mapping = {"a": "a", "b": "k", "c": "h", "d": "b", "e": "f", "h": "e", "i": "g", "j": "j"}
    yield _data_field("041", "1" if f.indicator1 in "12" else "0", " ", _mapped(f, mapping))


def _u_020(f: Field, record: Record):
    """UNIMARC 020 national bibliography number: the US one is the LCCN (MARC 21 010)."""
    if first(f, "a").upper() == "US" and first(f, "b"):
        yield _data_field("010", " ", " ", [("a", first(f, "b"))])
    else:
        yield _kept(f, UNIMARC_SOURCE)


def _u_102(f: Field, record: Record):
    yield _data_field("044", " ", " ", [("c", v) for v in values(f, "a")])


def _u_copy(tag: str, mapping: dict[str, str]):
    def handler(f: Field, record: Record):
        yield _data_field(tag, f.indicator1, f.indicator2, _mapped(f, mapping))

    return handler


def _u_control(f: Field, record: Record):
    yield Field(tag=f.tag, data=f.data) if f.is_control_field() else _kept(f, UNIMARC_SOURCE)


def _u_200(f: Field, record: Record):
    """200 -> 245 (+246 31 for $d parallel titles). $z (language of parallel title) has no place."""
    subs = []
    for code, value in _pairs(f):
        target = {"a": "a", "b": "h", "e": "b", "f": "c", "g": "c", "h": "n", "i": "p"}.get(code)
        if target == "h":
            value = f"[{value.strip().strip('[]')}]"
        if target and value.strip():
            subs.append((target, value.strip()))
    # MARC 21 has one $b and one $c: join repeats with ISBD marks.
    merged: list[tuple[str, str]] = []
    for code, value in subs:
        if merged and merged[-1][0] == code and code in "abc":
            sep = {"a": " ; ", "b": " : ", "c": " ; "}[code]
            merged[-1] = (code, merged[-1][1] + sep + value)
        else:
            merged.append((code, value))
    marks = {
        ("a", "b"): " :",
        ("a", "c"): " /",
        ("h", "b"): " :",
        ("h", "c"): " /",
        ("b", "c"): " /",
        ("n", "p"): ",",
        ("a", "n"): ".",
        ("h", "n"): ".",
        ("n", "c"): " /",
        ("p", "c"): " /",
        ("p", "b"): " :",
        ("n", "b"): " :",
        ("a", "p"): ".",
        ("a", "h"): "",
    }
    has_author = any(x.tag in ("700", "710", "711") for x in record.fields)
    ind1 = "1" if has_author else "0"
    # Leading non-sorting characters (NSB/NSE) become the 245 ind2 count.
    nonfiling = "0"
    if merged and merged[0][0] == "a":
        prefix, rest = split_nonsort(merged[0][1])
        if prefix and len(prefix) < 10:
            nonfiling = str(len(prefix))
        merged[0] = ("a", drop_nonsort(prefix + rest))
    # No terminal full stop is added: it could not be told from an abbreviation's on the way back.
    yield _data_field("245", ind1, nonfiling, _punctuate(merged, marks, end=""))
    for parallel in values(f, "d"):
        yield _data_field("246", "3", "1", [("a", clean(parallel))])


def _u_205(f: Field, record: Record):
    subs = _as_is(_mapped(f, {"a": "a", "b": "b"}))
    yield _data_field("250", " ", " ", _punctuate(subs, {("a", "b"): ","}, end=""))


_PUB_MARKS = {
    ("a", "a"): " ;",
    ("a", "b"): " :",
    ("b", "b"): " :",
    ("b", "c"): ",",
    ("a", "c"): ",",
    ("c", "e"): "",
    ("e", "f"): " :",
    ("f", "g"): ",",
}


def _u_210(f: Field, record: Record):
    """210 -> 260 ($a place, $c publisher, $d date, $e/$g/$h manufacture). $b address is dropped."""
    subs = _as_is(_mapped(f, {"a": "a", "c": "b", "d": "c", "e": "e", "g": "f", "h": "g"}))
    yield _data_field("260", " ", " ", _punctuate(subs, _PUB_MARKS, end=""))


def _u_214(f: Field, record: Record):
    subs = _as_is(_mapped(f, {"a": "a", "c": "b", "d": "c"}))
    yield _data_field(
        "264", " ", f.indicator2 if f.indicator2 in "01234" else "1", _punctuate(subs, _PUB_MARKS, end="")
    )


def _u_215(f: Field, record: Record):
    subs = _mapped(f, {"a": "a", "c": "b", "d": "c", "e": "e"})
    marks = {
        ("a", "b"): " :",
        ("a", "c"): " ;",
        ("b", "c"): " ;",
        ("a", "e"): " +",
        ("b", "e"): " +",
        ("c", "e"): " +",
    }
    yield _data_field("300", " ", " ", _punctuate(_as_is(subs), marks, end=""))


def _u_225(f: Field, record: Record):
    """225 -> 490: parallel title, other title and responsibility go into $a with ISBD marks."""
    title = _trim(first(f, "a"))
    parts = [_trim(v) for v in values(f, "h", "i")]
    if parts:
        title = join_parts([title, *parts])
    for code, mark in (("d", " = "), ("e", " : "), ("f", " / ")):
        for v in values(f, code):
            title += mark + _trim(v)
    subs = [("a", title)] + [("x", v) for v in values(f, "x")] + [("v", _trim(v)) for v in values(f, "v")]
    traced = "1" if record.get_fields("410") else "0"
    yield _data_field(
        "490", traced, " ", _punctuate(subs, {("a", "v"): " ;", ("a", "x"): ",", ("x", "v"): " ;"}, end="")
    )


def _u_note(tag: str):
    def handler(f: Field, record: Record):
        ind1 = " "
        if tag == "505":  # 327 ind1 0 incomplete / 1 complete; 505 ind1 0 complete / 1 incomplete
            ind1 = {"0": "1", "1": "0"}.get(f.indicator1, "8")
        yield _data_field(tag, ind1, " ", [("a", v) for v in values(f, "a")])

    return handler


def _u_link_parts(f: Field) -> dict[str, str]:
    """Title, volume, control number, ISSN, ISBN and author of a UNIMARC 4XX link."""
    parts = {
        "t": first(f, "t"),
        "g": first(f, "v"),
        "w": first(f, "0"),
        "x": first(f, "x"),
        "z": first(f, "y"),
        "a": first(f, "a"),
    }
    for tag, head, subs in embedded(f):
        get = dict(reversed(subs))
        if tag == "001":
            parts["w"] = parts["w"] or head.strip()
        elif tag == "200":
            parts["t"] = parts["t"] or get.get("a", "")
            parts["g"] = parts["g"] or get.get("v", "")
        elif tag == "011":
            parts["x"] = parts["x"] or get.get("a", "")
        elif tag == "010":
            parts["z"] = parts["z"] or get.get("a", "")
        elif tag in ("700", "701", "710"):
            name = get.get("a", "") + (", " + get["b"] if get.get("b") else "")
            parts["a"] = parts["a"] or name
    return {k: v.strip() for k, v in parts.items() if v}


def _u_host(f: Field, record: Record):
    p = _u_link_parts(f)
    yield _data_field("773", "0", " ", [(c, p.get(c, "")) for c in ("a", "t", "g", "x", "z", "w")])


def _u_410(f: Field, record: Record):
    p = _u_link_parts(f)
    yield _data_field(
        "830",
        " ",
        "0",
        [("a", p.get("t", "")), ("v", p.get("g", "")), ("x", p.get("x", "")), ("w", p.get("w", ""))],
    )


def _u_person_subs(f: Field) -> list[tuple[str, str]]:
    surname, rest = _trim(first(f, "a")).rstrip(", "), _trim(first(f, "b")).lstrip(", ")
    subs = [("a", f"{surname}, {rest}" if rest else surname)]
    subs += [("b", _trim(v)) for v in values(f, "d")] + [("c", _trim(v)) for v in values(f, "c")]
    subs += [("d", _trim(v)) for v in values(f, "f")] + [("q", f"({_trim(v)})") for v in values(f, "g")]
    subs += [("u", v) for v in values(f, "p")]
    return subs


def _u_corporate_subs(f: Field) -> tuple[str, list[tuple[str, str]]]:
    """Return (kind, subfields): kind "1" corporate body, "2" meeting (UNIMARC 71X ind1 1)."""
    if f.indicator1 == "1":
        mapping = {"a": "a", "b": "e", "d": "n", "e": "c", "f": "d"}
        return "2", _as_is(_mapped(f, mapping))
    return "1", _as_is(_mapped(f, {"a": "a", "b": "b", "c": "g", "g": "g", "h": "g"}))


def _u_name(f: Field, record: Record | None = None, main: bool = False) -> Field | None:
    """UNIMARC 700-702 / 710-712 -> MARC 21 100/110/111 (main) or 700/710/711 (added)."""
    tail = [("4", _relator_to_marc(v)) for v in values(f, "4")] + [("0", v) for v in values(f, "3")]
    if f.tag.startswith("70"):
        return _data_field(
            "100" if main else "700",
            f.indicator2 if f.indicator2 in "01" else "1",
            " ",
            _u_person_subs(f) + tail,
        )
    kind, subs = _u_corporate_subs(f)
    tag = ("1" if main else "7") + ("10" if kind == "1" else "11")
    ind1 = f.indicator2 if f.indicator2 in "012" else "2"
    return _data_field(tag, ind1, " ", subs + tail)


def _u_added_name(f: Field, record: Record):
    yield _u_name(f, record, main=False)


_U_SUBJECT = {"a": "a", "x": "x", "y": "z", "z": "y", "j": "v", "3": "0"}


def _u_subject(tag: str):
    def handler(f: Field, record: Record):
        system = first(f, "2")
        ind2 = THESAURI_BACK.get(system.lower(), "7" if system else "4")
        tail = [("2", system)] if ind2 == "7" else []
        if f.tag == "600":
            head = _u_person_subs(f)
            rest = _as_is(_mapped(f, {"x": "x", "y": "z", "z": "y", "j": "v", "3": "0"}))
            yield _data_field(
                "600", f.indicator2 if f.indicator2 in "01" else "1", ind2, _zero_last(head + rest) + tail
            )
        elif f.tag == "602":
            head = [("a", _trim(first(f, "a"))), ("d", _trim(first(f, "f")))]
            rest = _as_is(_mapped(f, {"x": "x", "y": "z", "z": "y", "j": "v", "3": "0"}))
            yield _data_field("600", "3", ind2, _zero_last(head + rest) + tail)
        elif f.tag == "601":
            kind, head = _u_corporate_subs(f)
            rest = _as_is(_mapped(f, {"x": "x", "y": "z", "z": "y", "j": "v", "3": "0"}))
            ind1 = f.indicator2 if f.indicator2 in "012" else "2"
            yield _data_field("610" if kind == "1" else "611", ind1, ind2, _zero_last(head + rest) + tail)
        else:
            yield _data_field(
                tag,
                f.indicator1 if f.indicator1 in "012" else " ",
                ind2,
                _zero_last(_as_is(_mapped(f, _U_SUBJECT))) + tail,
            )

    return handler


def _u_610(f: Field, record: Record):
    yield _data_field(
        "653", f.indicator1 if f.indicator1 in "012" else " ", " ", [("a", v.strip()) for v in values(f, "a")]
    )


def _u_856(f: Field, record: Record):
    # UNIMARC 856 $2 link text / $y access method = MARC 21 856 $y link text / $2 access method.
    swap = {"2": "y", "y": "2"}
    yield _data_field("856", f.indicator1, f.indicator2, [(swap.get(c, c), v) for c, v in _pairs(f)])


def _u_class(tag: str, mapping: dict[str, str]):
    def handler(f: Field, record: Record):
        yield _data_field(tag, " ", " ", _mapped(f, mapping))

    return handler


def _items(f: Field, source: str, target: str, mapping: dict) -> Field:
    """Koha items field ``source`` -> ``target`` (995 <-> 952): mapped subfields renamed, the
    others kept as "[tag$code] value" notes in $x, and notes the reverse conversion kept restored."""
    subs = []
    for code, value in _pairs(f):
        kept = _KEPT_NOTE.match(value) if code == "x" else None
        if kept and kept.group(1) == target:
            subs.append((kept.group(2), kept.group(3)))
        elif code in mapping:
            subs.append((mapping[code], value))
        else:
            subs.append(("x", f"[{source}${code}] {value}"))
    return _data_field(target, " ", " ", subs)


def _u_995(f: Field, record: Record):
    """995 -> 952, restoring 952 subfields kept in 995$x notes by the reverse conversion."""
    yield _items(f, "995", "952", ITEMS_U2M)


_U2M: dict[str, Callable] = {
    "001": _u_control,
    "003": _u_control,
    "005": _u_control,
    "010": _u_copy("020", {"a": "a", "b": "q", "d": "c", "z": "z"}),
    "011": _u_copy("022", {"a": "a", "y": "z", "z": "y", "f": "l"}),
    "035": _u_copy("035", {"a": "a", "z": "z"}),
    "020": _u_020,
    "101": _u_101,
    "102": _u_102,
    "200": _u_200,
    "205": _u_205,
    "210": _u_210,
    "214": _u_214,
    "215": _u_215,
    "225": _u_225,
    "300": _u_note("500"),
    "320": _u_note("504"),
    "327": _u_note("505"),
    "330": _u_note("520"),
    "337": _u_note("538"),
    "410": _u_410,
    "461": _u_host,
    "463": _u_host,
    "600": _u_subject("600"),
    "601": _u_subject("610"),
    "602": _u_subject("600"),
    "605": _u_subject("630"),
    "606": _u_subject("650"),
    "607": _u_subject("651"),
    "608": _u_subject("655"),
    "610": _u_610,
    "675": _u_class("080", {"a": "a", "v": "2"}),
    "676": _u_class("082", {"a": "a", "v": "2"}),
    "680": _u_class("050", {"a": "a", "b": "b"}),
    "686": _u_class("084", {"a": "a", "b": "b", "2": "2"}),
    "701": _u_added_name,
    "702": _u_added_name,
    "700": _u_added_name,
    "710": _u_added_name,
    "711": _u_added_name,
    "712": _u_added_name,
    "856": _u_856,
    "995": _u_995,
}


# === MARC 21 -> UNIMARC ==========================================================================


def marc21_to_unimarc(record: Record) -> Record:
    """Convert a MARC 21 bibliographic record to UNIMARC (see the module docstring for the rules)."""
    out: list[Field] = []
    kept_100 = ""
    for f in record.fields:
        if f.tag == "886" and first(f, "2") == UNIMARC_SOURCE:
            restored = _restore(f)
            if restored is not None and restored.tag == "100":
                kept_100 = first(restored, "a")  # merged with 008 below
                continue
            if restored is not None:
                out.append(restored)
                continue
        if f.tag == "008":
            out.append(_kept(f, MARC21_SOURCE))  # 100 is built from it below; kept for 18-34 and 38-39
            continue
        handler = _M2U.get(f.tag)
        if handler is None:
            out.append(_kept(f, MARC21_SOURCE))
            continue
        out.extend(x for x in handler(f, record) if x is not None)

    tags = {x.tag for x in out}
    out.append(
        Field(tag="100", indicators=Indicators(" ", " "), subfields=[Subfield("a", _m_100(record, kept_100))])
    )
    fixed = control(record, "008")
    if "101" not in tags and len(fixed) >= 38 and fixed[35:38].strip().isalpha():
        out.append(Field(tag="101", indicators=Indicators("0", " "), subfields=[Subfield("a", fixed[35:38])]))
    country = COUNTRIES_BACK.get(fixed[15:18].strip()) if len(fixed) >= 18 else None
    if "102" not in tags and country:
        out.append(Field(tag="102", indicators=Indicators(" ", " "), subfields=[Subfield("a", country)]))
    result = Record()
    result.leader = Leader(_m_leader(record))
    result.fields = _sort(out)
    return result


def _m_leader(record: Record) -> str:
    ld = str(record.leader).ljust(24)
    enc = ENC_M2U.get(ld[17], "3")
    # 18: MARC 21 a/i/c (ISBD-based, AACR2) -> UNIMARC blank (ISBD); otherwise n (non-ISBD).
    form = " " if ld[18] in "aic" else "n"
    return (
        "00000"
        + STATUS_M2U.get(ld[5], "n")
        + TYPE_M2U.get(ld[6], ld[6])
        + LEVEL_M2U.get(ld[7], ld[7])
        + HIER_M2U.get(ld[19], " ")
        + " 22"
        + "00000"
        + enc
        + form
        + " "
        + "450 "
    )


def _m_100(record: Record, kept: str = "") -> str:
    """Build UNIMARC 100$a (general processing data) from MARC 21 008 and the leader.

    `kept` is the original UNIMARC 100$a when the record came from UNIMARC (kept in 886): the
    positions MARC 21 has no place for (cataloguing language, transliteration, script) come from it;
    dates and codes come from 008, so edits made in MARC 21 win. Character set is always "50"
    (Unicode): the converted record is Unicode whatever the original code page was.
    """
    m = control(record, "008").ljust(40)
    yy = m[0:2]
    if yy.isdigit() and m[0:6].isdigit():
        century = "19" if int(yy) > date.today().year % 100 else "20"
        entered = century + m[0:6]
    else:
        entered = date.today().strftime("%Y%m%d")
    date_type = DATE_M2U.get(m[6], "u")
    date1, date2 = m[7:11], m[11:15]
    ld = str(record.leader)
    is_book = ld[6:7] in ("a", "t")
    audience = AUDIENCE_M2U.get(m[22], "u") if is_book else "u"
    gov = GOV_M2U.get(m[28], "u") if ld[6:7] in ("a", "t", "e", "f", "m") else "u"
    f040 = record.get_fields("040")
    cat_lang = (first(f040[0], "b") if f040 else "") or "eng"
    title = " ".join(values(record.get_fields("245")[0], "a")) if record.get_fields("245") else ""
    script = "ca" if re.search("[\u0400-\u04ff]", title) else "ba"
    text = (
        entered
        + date_type
        + date1.replace("u", " ")
        + date2
        + audience
        + "  "
        + gov
        + "0"
        + cat_lang[:3].ljust(3)
        + "y"
        + "50  "
        + "    "
        + script
    )
    text = text[:36].ljust(36)
    kept = kept.ljust(36) if kept else ""
    if kept:
        # Codes several UNIMARC values share in MARC 21: keep the original when 008 still agrees.
        for pos, table, marc_pos in ((8, DATE_U2M, 6), (17, AUDIENCE_U2M, 22), (20, GOV_U2M, 28)):
            if table.get(kept[pos]) == m[marc_pos] and (pos != 17 or is_book):
                end = pos + (3 if pos == 17 else 1)  # 100/17-19 holds up to three audience codes
                text = text[:pos] + kept[pos:end] + text[end:]
        if kept[2:8] == text[2:8]:
            text = kept[0:8] + text[8:]  # keep the century of the date entered
        text = text[:21] + kept[21:26] + "50  " + "    " + kept[34:36]
    return text


def _m_control(f: Field, record: Record):
    yield Field(tag=f.tag, data=f.data) if f.is_control_field() else _kept(f, MARC21_SOURCE)


def _m_copy(tag: str, mapping: dict[str, str], ind: str | None = None):
    def handler(f: Field, record: Record):
        ind1, ind2 = (ind or "  ")[0], (ind or "  ")[1]
        yield _data_field(tag, ind1, ind2, _strip(_mapped(f, mapping)))

    return handler


def _m_010(f: Field, record: Record):
    yield _data_field("020", " ", " ", [("a", "US")] + [("b", v) for v in values(f, "a")])


def _m_020(f: Field, record: Record):
    subs = []
    for code, value in _pairs(f):
        if code in ("a", "z"):
            number, qualifier = split_isbn(value)
            subs.append((code, number))
            if qualifier:
                subs.append(("b", qualifier))
        elif code == "q":
            subs.append(("b", clean(value).strip("()")))
        elif code == "c":
            subs.append(("d", clean(value)))
    yield _data_field("010", " ", " ", subs)


def _m_041(f: Field, record: Record):
    mapping = {"a": "a", "k": "b", "h": "c", "b": "d", "f": "e", "e": "h", "g": "i", "j": "j"}
    subs = []
    for code, value in _mapped(f, mapping):
        value = value.strip()
        chunks = [value[i : i + 3] for i in range(0, len(value), 3)] if len(value) % 3 == 0 else [value]
        subs.extend((code, c) for c in chunks)
    # 008/35-37 is the main language; 041$a may omit it (it then lists only further languages).
    fixed = control(record, "008")
    main = fixed[35:38] if len(fixed) >= 38 and fixed[35:38].isalpha() else ""
    if main:
        subs = [("a", main)] + [p for p in subs if p != ("a", main)]
    yield _data_field("101", "1" if f.indicator1 == "1" else "0", " ", subs)


def _m_044(f: Field, record: Record):
    countries = values(f, "c")
    if not countries:
        yield _kept(f, MARC21_SOURCE)
        return
    yield _data_field("102", " ", " ", [("a", v) for v in countries])


def _m_245(f: Field, record: Record):
    """245 -> 200 ($a $b $c $n $p $h); 200 ind1 1 = title is an access point."""
    subs = []
    skip = int(f.indicator2) if f.indicator2.isdigit() else 0
    for code, value in _pairs(f):
        value = clean(value)
        if code == "a":
            if 0 < skip < len(value) and not any(c == "a" for c, _ in subs):
                value = NSB + value[:skip] + NSE + value[skip:]  # MARC 21 nonfiling count -> NSB/NSE
            subs.append(("a", value))
        elif code == "b":
            parts = [p for p in re.split(r"\s+:\s+", value) if p]
            subs.extend(("e", p) for p in parts)
        elif code == "c":
            parts = [p for p in re.split(r"\s+;\s+", value) if p]
            subs.extend([("f", parts[0])] + [("g", p) for p in parts[1:]] if parts else [])
        elif code == "h":
            subs.append(("b", value.strip("[]")))
        elif code == "n":
            subs.append(("h", value))
        elif code == "p":
            subs.append(("i", value))
    # 200$d parallel titles come from 246 ind2 1.
    for g in record.get_fields("246"):
        if g.indicator2 == "1":
            subs.extend(("d", clean(v)) for v in values(g, "a"))
    yield _data_field("200", "1", " ", subs)


def _m_246(f: Field, record: Record):
    if f.indicator2 == "1":
        return  # parallel title: part of 200$d
    yield _kept(f, MARC21_SOURCE)


def _m_260(tag: str):
    def handler(f: Field, record: Record):
        subs = _strip(_mapped(f, {"a": "a", "b": "c", "c": "d", "e": "e", "f": "g", "g": "h"}))
        ind2 = f.indicator2 if tag == "214" and f.indicator2 in "01234" else " "
        yield _data_field(tag, " ", ind2, subs)

    return handler


def _m_300(f: Field, record: Record):
    yield _data_field("215", " ", " ", _unmark(_mapped(f, {"a": "a", "b": "c", "c": "d", "e": "e"})))


def _m_490(f: Field, record: Record):
    """490/440 -> 225: "Title = Parallel : other / responsibility" in $a is split into $a $d $e $f."""
    text = clean(first(f, "a"))
    subs: list[tuple[str, str]] = []
    responsibility = ""
    if " / " in text:
        text, responsibility = text.split(" / ", 1)
    others = text.split(" : ")
    main_parallel = others[0].split(" = ")
    subs.append(("a", main_parallel[0]))
    subs.extend(("d", p) for p in main_parallel[1:])
    subs.extend(("e", p) for p in others[1:])
    if responsibility:
        subs.append(("f", responsibility))
    subs += [("h", clean(v)) for v in values(f, "n")] + [("i", clean(v)) for v in values(f, "p")]
    subs += [("x", clean(v)) for v in values(f, "x")] + [("v", clean(v)) for v in values(f, "v")]
    yield _data_field("225", "2" if f.tag == "440" else ("1" if f.indicator1 == "1" else "0"), " ", subs)


def _m_note(tag: str):
    def handler(f: Field, record: Record):
        ind1 = " "
        if tag == "327":
            ind1 = {"0": "1", "1": "0"}.get(f.indicator1, " ")
        yield _data_field(tag, ind1, " ", [("a", v) for v in values(f, "a")])

    return handler


def _m_773(f: Field, record: Record):
    """773 -> 463 (component part: leader/07 a or b) or 461 (part of a set), standard subfields."""
    level = str(record.leader)[7:8]
    tag = "463" if level in ("a", "b") else "461"
    subs = [
        ("0", first(f, "w")),
        ("t", clean(first(f, "t"))),
        ("v", clean(first(f, "g"))),
        ("x", clean(first(f, "x"))),
        ("y", clean(first(f, "z"))),
        ("a", clean(first(f, "a"))),
    ]
    yield _data_field(tag, " ", "0", subs)


def _m_830(f: Field, record: Record):
    title = join_parts(clean(v) for v in [first(f, "a"), *values(f, "n", "p")])
    subs = [("t", title), ("v", clean(first(f, "v"))), ("x", clean(first(f, "x"))), ("0", first(f, "w"))]
    yield _data_field("410", " ", "0", subs)


def _m_person_subs(f: Field) -> list[tuple[str, str]]:
    surname, forenames = split_personal_name(first(f, "a"))
    subs = [("a", surname), ("b", forenames)]
    subs += [("d", clean(v)) for v in values(f, "b")] + [("c", clean(v)) for v in values(f, "c")]
    subs += [("f", clean(v)) for v in values(f, "d")] + [("g", clean(v).strip("()")) for v in values(f, "q")]
    subs += [("p", v) for v in values(f, "u")]
    return subs


def _m_corporate_subs(f: Field) -> tuple[str, list[tuple[str, str]]]:
    if f.tag.endswith("11"):
        return "1", _strip(_mapped(f, {"a": "a", "e": "b", "n": "d", "c": "e", "d": "f"}))
    return "0", _strip(_mapped(f, {"a": "a", "b": "b", "g": "c"}))


def _unimarc_field(tag: str, ind1: str, ind2: str, subs: list[tuple[str, str]]) -> Field | None:
    return _data_field(tag, ind1, ind2, _three_first(subs))


def _m_name(f: Field, record: Record):
    """100/700 -> 700/701/702; 110/111/710/711 -> 710/711/712 (author relator: 701/711, else 702/712)."""
    relators = _relator_to_unimarc(f)
    tail = relators + [("3", v) for v in values(f, "0")]
    if values(f, "t"):  # name/title added entry: no UNIMARC 7XX counterpart
        yield _kept(f, MARC21_SOURCE)
        return
    codes = {c for _, c in relators}
    author = not codes or bool(codes & AUTHOR_CODES)
    if f.tag in ("100", "700"):
        tag = "700" if f.tag == "100" else ("701" if author else "702")
        ind2 = f.indicator1 if f.indicator1 in "01" else "1"
        yield _unimarc_field(tag, " ", ind2, _m_person_subs(f) + tail)
    else:
        kind, subs = _m_corporate_subs(f)
        if f.tag in ("110", "111"):
            tag = "710"
        else:
            tag = "711" if (codes and codes & AUTHOR_CODES) else "712"
        ind2 = f.indicator1 if f.indicator1 in "012" else "2"
        yield _unimarc_field(tag, kind, ind2, subs + tail)


_M_SUBJECT = {"a": "a", "x": "x", "z": "y", "y": "z", "v": "j", "0": "3"}


def _m_subject(tag: str):
    def handler(f: Field, record: Record):
        system = first(f, "2") if f.indicator2 == "7" else THESAURI.get(f.indicator2, "")
        tail = [("2", system)] if system else []
        rest = _strip(_mapped(f, {"x": "x", "z": "y", "y": "z", "v": "j", "0": "3"}))
        if f.tag == "600":
            if f.indicator1 == "3":
                head = [("a", clean(first(f, "a"))), ("f", clean(first(f, "d")))]
                yield _unimarc_field("602", " ", " ", head + rest + tail)
                return
            yield _unimarc_field(
                "600", " ", f.indicator1 if f.indicator1 in "01" else "1", _m_person_subs(f) + rest + tail
            )
        elif f.tag in ("610", "611"):
            kind, head = _m_corporate_subs(f)
            yield _unimarc_field(
                "601", kind, f.indicator1 if f.indicator1 in "012" else "2", head + rest + tail
            )
        else:
            yield _unimarc_field(
                tag,
                f.indicator1 if f.indicator1 in "012" else " ",
                " ",
                _strip(_mapped(f, _M_SUBJECT)) + tail,
            )

    return handler


def _m_653(f: Field, record: Record):
    yield _data_field(
        "610", f.indicator1 if f.indicator1 in "012" else " ", " ", [("a", clean(v)) for v in values(f, "a")]
    )


def _m_856(f: Field, record: Record):
    swap = {"2": "y", "y": "2"}
    yield _data_field("856", f.indicator1, f.indicator2, [(swap.get(c, c), v) for c, v in _pairs(f)])


def _m_952(f: Field, record: Record):
    yield _items(f, "952", "995", ITEMS_M2U)


def _m_class(tag: str, mapping: dict[str, str]):
    def handler(f: Field, record: Record):
        yield _data_field(tag, " ", " ", _mapped(f, mapping))

    return handler


_M2U: dict[str, Callable] = {
    "001": _m_control,
    "003": _m_control,
    "005": _m_control,
    "010": _m_010,
    "020": _m_020,
    "022": _m_copy("011", {"a": "a", "z": "y", "y": "z", "l": "f"}),
    "035": _m_copy("035", {"a": "a", "z": "z"}),
    "041": _m_041,
    "044": _m_044,
    "050": _m_class("680", {"a": "a", "b": "b"}),
    "080": _m_class("675", {"a": "a", "2": "v"}),
    "082": _m_class("676", {"a": "a", "2": "v"}),
    "084": _m_class("686", {"a": "a", "b": "b", "2": "2"}),
    "100": _m_name,
    "110": _m_name,
    "111": _m_name,
    "700": _m_name,
    "710": _m_name,
    "711": _m_name,
    "245": _m_245,
    "246": _m_246,
    "250": _m_copy("205", {"a": "a", "b": "b"}),
    "260": _m_260("210"),
    "264": _m_260("214"),
    "300": _m_300,
    "490": _m_490,
    "440": _m_490,
    "500": _m_note("300"),
    "504": _m_note("320"),
    "505": _m_note("327"),
    "520": _m_note("330"),
    "538": _m_note("337"),
    "600": _m_subject("600"),
    "610": _m_subject("601"),
    "611": _m_subject("601"),
    "630": _m_subject("605"),
    "650": _m_subject("606"),
    "651": _m_subject("607"),
    "655": _m_subject("608"),
    "653": _m_653,
    "773": _m_773,
    "830": _m_830,
    "856": _m_856,
    "952": _m_952,
}
