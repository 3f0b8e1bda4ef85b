"""Language-aware text analysis for the catalogue index.

Ukrainian and Russian words are lemmatised with pymorphy3 (all likely normal
forms are kept: ``війни`` is both ``війна`` and ``війнути``), Latin-script words
are stemmed with Snowball, apostrophe variants are folded to U+0027, ``ґ`` is
folded to ``г`` and ``ё`` to ``е`` in every indexed term, and Cyrillic words get
Latin transliterations (Cabinet of Ministers resolution No. 55 of 2010, ALA-LC,
ДСТУ 9112:2021 systems A and B; ALA-LC and the passport system for Russian) for
a secondary field, so ``Kyiv``, ``Kyjiv`` and ``Київ`` find each other.

The same functions analyse documents and queries, so a query term matches when
its alternatives and the indexed alternatives of a word share one term.
See ../shared/docs/DOMAIN.md, "Ukrainian full-text search".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer

# Apostrophe look-alikes typed for the Ukrainian apostrophe (pymorphy3's
# dictionary uses U+0027). U+02BC is the one the orthography prescribes.
APOSTROPHES = str.maketrans(dict.fromkeys("ʼ’‘`´′ʹ", "'"))
# Stress marks (combining acute/grave) that some records carry on Cyrillic words.
_STRESS = re.compile("[\u0300\u0301]")
TOKEN_RE = re.compile(r"\w+(?:'\w+)*")
# Cyrillic letters folded in every indexed term.
CYR_FOLD = str.maketrans({"ґ": "г", "ё": "е"})
# Latin letters typed inside Cyrillic words (common in IRBIS exports: Latin i for і).
_HOMOGLYPHS = str.maketrans(
    {
        "a": "а",
        "c": "с",
        "e": "е",
        "i": "і",
        "o": "о",
        "p": "р",
        "x": "х",
        "y": "у",
        "k": "к",
        "m": "м",
        "t": "т",
    }
)
_UK_ONLY = set("іїєґ")
_RU_ONLY = set("ыэъё")

# ISO 639-2 (bibliographic and terminology codes) -> analyzer.
CYRILLIC_LANGS = {"ukr": "uk", "rus": "ru"}
SNOWBALL_LANGS = {
    "eng": "english",
    "ger": "german",
    "deu": "german",
    "fre": "french",
    "fra": "french",
    "pol": "polish",
    "spa": "spanish",
    "ita": "italian",
    "por": "portuguese",
    "dut": "dutch",
    "nld": "dutch",
    "swe": "swedish",
    "nor": "norwegian",
    "nob": "norwegian",
    "dan": "danish",
    "fin": "finnish",
    "hun": "hungarian",
    "rum": "romanian",
    "ron": "romanian",
    "tur": "turkish",
    "cze": "czech",
    "ces": "czech",
    "lit": "lithuanian",
    "est": "estonian",
    "cat": "catalan",
    "gre": "greek",
    "ell": "greek",
    "arm": "armenian",
    "hye": "armenian",
    "srp": "serbian",
    "gle": "irish",
    "ind": "indonesian",
    "baq": "basque",
    "eus": "basque",
    "epo": "esperanto",
}
DEFAULT_STEMMER = "english"
# Minimum share of the best parse's score for a normal form to be indexed.
SCORE_THRESHOLD = 0.1
MAX_LEMMAS = 4


class Langs(NamedTuple):
    """The analyzers chosen for a text: Cyrillic lemmatisers and a Snowball stemmer."""

    cyrillic: tuple[str, ...] = ()  # subset of ("uk", "ru"); empty = guess per token
    stemmer: str = DEFAULT_STEMMER


UNKNOWN = Langs()


def choose_langs(codes) -> Langs:
    """Pick analyzers from a record's ISO 639-2 language codes (``ukr``, ``rus``, ``eng``...)."""
    cyr, stem = [], None
    for code in codes or ():
        code = (code or "").strip().lower()[:3]
        if code in CYRILLIC_LANGS and CYRILLIC_LANGS[code] not in cyr:
            cyr.append(CYRILLIC_LANGS[code])
        elif stem is None and code in SNOWBALL_LANGS:
            stem = SNOWBALL_LANGS[code]
    return Langs(tuple(cyr), stem or DEFAULT_STEMMER)


# --- normalisation ---------------------------------------------------------


def normalize_text(text: str) -> str:
    """NFC, apostrophes folded to U+0027, stress marks removed (original kept for display)."""
    text = unicodedata.normalize("NFC", text).translate(APOSTROPHES)
    return _STRESS.sub("", text)


def tokenize(text: str) -> list[str]:
    """Split normalised text into word tokens (letters/digits with inner apostrophes)."""
    return TOKEN_RE.findall(normalize_text(text))


def script(token: str) -> str:
    """Return ``cyr``, ``lat``, ``num`` or ``other`` for a token (by its letters)."""
    cyr = lat = 0
    for ch in token:
        if "\u0400" <= ch <= "\u04ff":
            cyr += 1
        elif ch.isalpha():
            if ch < "\u0250" or "\u1e00" <= ch <= "\u1eff":
                lat += 1
            else:
                return "other"
    if cyr:
        return "cyr"
    return "lat" if lat else "num"


def fold_latin(token: str) -> str:
    """Lower-case and strip diacritics from a Latin token (é -> e, ï -> i, ß kept)."""
    decomposed = unicodedata.normalize("NFD", token.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _variants(term: str) -> list[str]:
    """A term plus its form without apostrophes (``м'ясо`` also as ``мясо``)."""
    return [term, term.replace("'", "")] if "'" in term else [term]


# --- analyzers -------------------------------------------------------------


@lru_cache(maxsize=2)
def _morph(lang: str):
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=lang)


@lru_cache(maxsize=64)
def _stemmer(name: str):
    return snowballstemmer.stemmer(name)


@lru_cache(maxsize=500_000)
def lemmas(word: str, lang: str) -> tuple[str, ...]:
    """Distinct normal forms of the likely pymorphy3 parses of a lower-case word.

    A form is kept when its summed score reaches SCORE_THRESHOLD of the best one;
    for words not in the dictionary only the best guess is kept.
    """
    parses = _morph(lang).parse(word)
    if not parses:
        return (word,)
    if not any(p.is_known for p in parses):
        return (parses[0].normal_form,)
    scores: dict[str, float] = {}
    for p in parses:
        if p.is_known:
            scores[p.normal_form] = scores.get(p.normal_form, 0.0) + p.score
    best = max(scores.values())
    kept = [form for form, s in scores.items() if s >= best * SCORE_THRESHOLD]
    return tuple(kept[:MAX_LEMMAS])


def _cyrillic_langs(word: str, langs: Langs) -> tuple[str, ...]:
    if langs.cyrillic:
        return langs.cyrillic
    letters = set(word)
    if letters & _UK_ONLY:
        return ("uk",)
    if letters & _RU_ONLY:
        return ("ru",)
    return ("uk", "ru")


def _fix_homoglyphs(word: str) -> str:
    if any("a" <= ch <= "z" for ch in word):
        return word.translate(_HOMOGLYPHS)
    return word


@lru_cache(maxsize=500_000)
def analyze_word(word: str, langs: Langs = UNKNOWN) -> tuple[str, ...]:
    """Index terms of one normalised token: folded surface form, lemmas or stem, variants."""
    lower = word.lower()
    kind = script(lower)
    out: list[str] = []
    if kind == "cyr":
        lower = _fix_homoglyphs(lower)
        forms = [lower]
        for lang in _cyrillic_langs(lower, langs):
            forms.extend(lemmas(lower, lang))
        for form in forms:
            out.extend(_variants(form.translate(CYR_FOLD)))
    elif kind == "lat":
        folded = fold_latin(lower)
        parts = folded.split("'")
        joined = "".join(parts)
        out.append(joined)
        if len(parts) > 1 and len(parts[-1]) > 2:  # French/Italian elision: l'histoire
            out.append(parts[-1])
        stemmer = _stemmer(langs.stemmer)
        out.extend(stemmer.stemWord(w) for w in list(out))
    else:
        out.append(lower)
    return tuple(dict.fromkeys(t for t in out if t))


# Transliteration tables, by Cyrillic language (translitua names).
def _translit_tables():
    import translitua as t

    return {
        "uk": (t.UkrainianKMU, t.UkrainianALALC, t.UkrainianDSTU9112A, t.UkrainianDSTU9112B),
        "ru": (t.RussianALALC, t.RussianInternationalPassport),
    }


_TABLES = None
_NON_LATIN_WORD = re.compile(r"[^a-z0-9]")


def fold_translit(text: str) -> str:
    """Fold a transliteration to plain a-z0-9 (``Kyïv`` -> ``kyiv``, ``Lʹviv`` -> ``lviv``)."""
    return _NON_LATIN_WORD.sub("", fold_latin(text))


@lru_cache(maxsize=500_000)
def transliterate_word(word: str, langs: Langs = UNKNOWN) -> tuple[str, ...]:
    """Folded Latin transliterations of a Cyrillic token and of its lemmas (empty otherwise)."""
    global _TABLES
    lower = word.lower()
    if script(lower) != "cyr":
        return ()
    if _TABLES is None:
        _TABLES = _translit_tables()
    from translitua import translit

    lower = _fix_homoglyphs(lower)
    out: list[str] = []
    for lang in _cyrillic_langs(lower, langs):
        # Lemmas, plus the surface form of capitalised words (names are searched as written).
        forms = dict.fromkeys((lower, *lemmas(lower, lang)) if word[:1].isupper() else lemmas(lower, lang))
        for form in forms:
            for table in _TABLES[lang]:
                out.append(fold_translit(translit(form, table)))
    return tuple(dict.fromkeys(t for t in out if t))


@lru_cache(maxsize=200_000)
def tokenize_cached(text: str) -> tuple[str, ...]:
    """Tokens of a text (cached: names, publishers and subjects repeat a lot)."""
    return tuple(tokenize(text))


@lru_cache(maxsize=200_000)
def browse_key(text: str) -> str:
    """A readable browse key (SRU scan terms): lower case, Latin diacritics folded, words
    separated by single spaces, apostrophes kept as U+0027."""
    words = []
    for w in tokenize(text or ""):
        w = w.lower()
        words.append(fold_latin(w) if script(w) == "lat" else w)
    return " ".join(words)


# Ukrainian alphabet order (with the Russian letters fitted in), so that є, і, ї, ґ
# sort where a Ukrainian reader expects them rather than by code point.
_CYR_ORDER = "абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюя"
# Mapped into a private-use plane, so the mapping can be inverted (collation_text).
_COLLATE = str.maketrans({ch: chr(0xF0000 + i) for i, ch in enumerate(_CYR_ORDER)})
_UNCOLLATE = str.maketrans({chr(0xF0000 + i): ch for i, ch in enumerate(_CYR_ORDER)})


def collation_key(key: str) -> str:
    """Map a browse key so that plain string order is Ukrainian alphabet order."""
    return key.translate(_COLLATE)


def collation_text(key: str) -> str:
    """The browse key a collation key was made from (the inverse of ``collation_key``)."""
    return key.translate(_UNCOLLATE)


def sort_key(text: str) -> str:
    """A sort key for titles: the browse key with Cyrillic letters in alphabet order.

    Latin sorts before Cyrillic (mapped letters are placed after all Latin letters)."""
    return collation_key(browse_key(text))
