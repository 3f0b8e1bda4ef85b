"""Character-set detection for ISO 2709 records.

MARC 21 declares its charset in leader/09 ('a' = UCS/Unicode as UTF-8, blank = MARC-8).
UNIMARC declares it in field 100 $a positions 26-29 (two 2-character codes, G0 and G1
sets; UNIMARC manual, field 100 and Appendix J): '01' ISO 646 basic Latin, '02' ISO-IR 37
basic Cyrillic, '03' ISO 5426 extended Latin, '04' ISO 5427 extended Cyrillic, '50'
ISO 10646 (Unicode, UTF-8). RUSMARC adds the 8-bit code pages of Russian systems:
'79' CP866 (DOS), '89' Windows-1251, '99' KOI-8.

Real exports often lie: UNIMARC files declaring ISO 5426 that are UTF-8, MARC 21
files in cp1251 with a blank leader/09, UTF-8 RUSMARC declaring "89". ``choose_encoding``
checks the declaration against the bytes and says when it overrides it.
"""

from __future__ import annotations

import codecs
import re
from typing import NamedTuple

from pymarc import marc8_mapping

UTF8 = "utf-8"
MARC8 = "marc-8"
# Charsets that pymarc cannot decode: bytes are read as ISO 8859-1 with a warning.
ISO5426 = "iso5426"
LATIN1 = "latin-1"

# UNIMARC 100 $a/26-29 codes (G0 or G1) that decide the byte encoding.
UNIMARC_CHARSET_CODES = {
    "50": UTF8,
    "79": "cp866",
    "89": "cp1251",
    "99": "koi8-r",
    "03": ISO5426,
}

_MARC8_NAMES = {"marc-8", "marc8", "marc_8", "ansel"}
_EIGHT_BIT_CYRILLIC = ("cp1251", "cp866")
# Letters of Russian, Ukrainian and Belarusian: what real Cyrillic text is made of.
_COMMON_CYRILLIC = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯіїєґІЇЄҐўЎ")
_HIGH_RUN = re.compile(rb"[\x80-\xff]{3,}")
_HIGH = re.compile(rb"[\x80-\xff]")
_MARC8_DIACRITIC = re.compile(rb"[\xe0-\xfe]")
_ANSEL_UNASSIGNED = re.compile(rb"[\xc9-\xdf]")


def _complete_marc8_tables() -> None:
    """Let every MARC-8 script set be designated as G0 or as G1.

    MARC-8 allows any graphic set in either half (MARC 21 Specifications, Character Sets,
    Part 1: ESC ( F designates G0, ESC ) F designates G1), but pymarc keys each script
    table by one half only, so e.g. Extended Cyrillic as G0 (``ESC ( Q``, Serbian
    letters in marc-perl's cyrillic.marc) decodes to blanks. Add the other half's keys.
    """
    for code in (0x32, 0x33, 0x34, 0x4E, 0x51, 0x53):  # Hebrew, Arabic, Cyrillic, Greek sets
        table = marc8_mapping.CODESETS.get(code, {})
        for key, value in list(table.items()):
            if 0x21 <= key <= 0x7E:
                table.setdefault(key + 0x80, value)
            elif 0xA1 <= key <= 0xFE:
                table.setdefault(key - 0x80, value)


_complete_marc8_tables()


class Decision(NamedTuple):
    """The encoding to decode one record with, and a warning when it differs from the declared one."""

    encoding: str
    warning: str | None = None
    replace: bool = False  # decode UTF-8 with U+FFFD for bad bytes instead of failing


def normalize_encoding(name: str) -> str:
    """Return the canonical name of an encoding given by a user (``utf8`` -> ``utf-8``, ``marc8`` -> ``marc-8``)."""
    key = name.strip().lower()
    if key in _MARC8_NAMES:
        return MARC8
    if key in {"iso5426", "iso-5426"}:
        return ISO5426
    try:
        canonical = codecs.lookup(key).name
    except LookupError:
        raise ValueError(f"unknown encoding {name!r}") from None
    return {"iso8859-1": LATIN1}.get(canonical, canonical)


def unimarc_declared(field100a: str | None) -> str | None:
    """Return the encoding declared by UNIMARC 100 $a/26-29, or None if absent or unknown."""
    if not field100a or len(field100a) < 28:
        return None
    codes = (field100a[26:28], field100a[28:30])
    for code in codes:  # a Unicode or 8-bit code page declaration wins over the basic Latin G0
        found = UNIMARC_CHARSET_CODES.get(code)
        if found and found != ISO5426:
            return found
    if ISO5426 in (UNIMARC_CHARSET_CODES.get(c) for c in codes):
        return ISO5426
    return None


def cyrillic_score(text: str) -> float:
    """Share of non-ASCII characters in ``text`` that are ordinary Cyrillic letters."""
    high = [ch for ch in text if ord(ch) > 127]
    if not high:
        return 0.0
    return sum(ch in _COMMON_CYRILLIC for ch in high) / len(high)


def guess_cyrillic_codepage(data: bytes) -> str | None:
    """Return cp1251 or cp866 when ``data`` reads as Cyrillic text in that code page.

    Cyrillic words are runs of high bytes; accented Latin text has isolated ones.
    """
    if not _looks_like_8bit_text(data):
        return None
    best, best_score = None, 0.0
    for name in _EIGHT_BIT_CYRILLIC:
        score = cyrillic_score(data.decode(name, "replace"))
        if score > best_score:
            best, best_score = name, score
    return best if best_score >= 0.7 else None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode(UTF8)
    except UnicodeDecodeError:
        return False
    return True


def _looks_like_8bit_text(data: bytes) -> bool:
    """True when most high bytes come in runs, as letters of an 8-bit script do.

    MARC-8 uses single high bytes (ANSEL diacritics before a Latin letter) and escape
    sequences for other scripts, so long runs of high bytes are not MARC-8.
    """
    high = len(_HIGH.findall(data))
    in_runs = sum(len(m) for m in _HIGH_RUN.findall(data))
    return high > 0 and in_runs / high > 0.5


def _looks_like_latin1(data: bytes) -> bool:
    """True when high bytes sit where Latin-1 letters do, not where MARC-8 puts them.

    A MARC-8 combining diacritic (0xE0-0xFE) comes before the letter it marks, so one
    before a space or punctuation is not MARC-8; 0xC9-0xDF are unassigned in MARC-8's
    ANSEL set but are capital letters in ISO 8859-1.
    """
    diacritics = misplaced = 0
    for match in _MARC8_DIACRITIC.finditer(data):
        diacritics += 1
        following = data[match.end() : match.end() + 1]
        # a letter, a stacked diacritic, or "&#x...;" (MARC-8 lossless character reference)
        if not (following.isalpha() or following == b"&" or following and following[0] >= 0xE0):
            misplaced += 1
    if _ANSEL_UNASSIGNED.search(data):
        return True
    return diacritics > 0 and misplaced / diacritics >= 0.25


def choose_encoding(data: bytes, declared: str | None) -> Decision:
    """Decide how to decode one record's bytes given what it declares (None: nothing usable).

    ``declared`` is utf-8, marc-8, cp1251, cp866, koi8-r, iso5426 or None.
    """
    if data.isascii():
        if declared == MARC8 and b"\x1b" in data:  # MARC-8 escape sequences to other scripts
            return Decision(MARC8)
        return Decision(UTF8)
    utf8 = _is_utf8(data)
    name = {UTF8: "UTF-8", MARC8: "MARC-8", ISO5426: "ISO 5426"}.get(
        declared or "", declared or "no character set"
    )
    if declared == UTF8:
        if utf8:
            return Decision(UTF8)
        guess = guess_cyrillic_codepage(data)
        if guess:
            return Decision(guess, f"declares UTF-8 but is not valid UTF-8; decoded as {guess}")
        return Decision(UTF8, "declares UTF-8 but is not valid UTF-8; bad bytes replaced", replace=True)
    if utf8:
        if declared is None:
            return Decision(UTF8)
        return Decision(UTF8, f"declares {name} but the data is UTF-8; decoded as UTF-8")
    if declared == MARC8:
        guess = None if b"\x1b" in data else guess_cyrillic_codepage(data)
        if guess:
            return Decision(guess, f"declares MARC-8 but the data is {guess} Cyrillic; decoded as {guess}")
        if b"\x1b" not in data and _looks_like_latin1(data):
            return Decision(LATIN1, "declares MARC-8 but the data is ISO 8859-1; decoded as ISO 8859-1")
        return Decision(MARC8)
    if declared in _EIGHT_BIT_CYRILLIC or declared == "koi8-r":
        return Decision(declared)
    guess = guess_cyrillic_codepage(data)
    if guess:
        return Decision(guess, f"declares {name} but the data is {guess} Cyrillic; decoded as {guess}")
    return Decision(LATIN1, f"declares {name}, which cannot be decoded exactly; decoded as ISO 8859-1")
