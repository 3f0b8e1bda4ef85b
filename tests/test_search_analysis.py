"""Language-aware analysis: lemmas, folding, transliteration (search/analysis.py)."""

import pytest

from search.analysis import (
    UNKNOWN,
    Langs,
    analyze_word,
    browse_key,
    choose_langs,
    fold_translit,
    lemmas,
    normalize_text,
    script,
    sort_key,
    tokenize,
    transliterate_word,
)
from search.document import normalize_isbn, normalize_issn, udc_main_class

UK = choose_langs(["ukr"])
RU = choose_langs(["rus"])


def test_choose_langs_from_iso_639_2_codes():
    assert UK == Langs(("uk",), "english")
    assert RU.cyrillic == ("ru",)
    assert choose_langs(["ger"]).stemmer == "german"
    assert choose_langs(["deu"]).stemmer == "german"
    assert choose_langs(["fre", "ukr"]) == Langs(("uk",), "french")
    assert choose_langs(["pol"]).stemmer == "polish"
    assert choose_langs([]) == UNKNOWN
    assert choose_langs(["xxx"]) == UNKNOWN


@pytest.mark.parametrize(
    "word, lemma",
    [("бібліотеках", "бібліотека"), ("Києва", "київ"), ("книгами", "книга"), ("Шевченка", "шевченко")],
)
def test_ukrainian_inflected_forms_share_the_lemma(word, lemma):
    assert lemma in analyze_word(word, UK)
    assert lemma in analyze_word(word, UNKNOWN)  # query side: language unknown


def test_russian_lemmas():
    assert "библиотека" in analyze_word("библиотеки", RU)
    assert "библиотека" in analyze_word("библиотеках", UNKNOWN)


def test_all_likely_parses_are_kept():
    # pymorphy3's first parse of війни is the verb війнути; the noun must be indexed too.
    assert {"війна", "війнути"} <= set(lemmas("війни", "uk"))
    assert "війна" in analyze_word("війни", UK)


def test_surface_form_is_kept_for_prefix_search():
    assert analyze_word("бібліотеках", UK)[0] == "бібліотеках"


@pytest.mark.parametrize("apostrophe", ["'", "\u02bc", "\u2019", "\u2018", "`", "\u00b4"])
def test_apostrophe_variants_fold_to_one_term(apostrophe):
    word = f"м{apostrophe}ясо"
    tokens = tokenize(word)
    assert tokens == ["м'ясо"]
    terms = analyze_word(tokens[0], UNKNOWN)
    assert "м'ясо" in terms
    assert "мясо" in terms  # typed without an apostrophe


def test_ghe_with_upturn_is_folded():
    assert "грунт" in analyze_word("ґрунтів", UK)
    assert "грунт" in analyze_word("грунт", UNKNOWN)
    assert set(analyze_word("Ґрунт", UK)) & set(analyze_word("грунт", UK))


def test_latin_words_are_folded_and_stemmed():
    assert "librari" in analyze_word("libraries", UNKNOWN)
    assert analyze_word("Bücher", choose_langs(["ger"]))[:2] == ("bucher", "buch")
    assert "histoire" in analyze_word("l'histoire", choose_langs(["fre"]))


def test_homoglyph_latin_i_inside_cyrillic_word():
    # IRBIS exports type Latin "i" for Ukrainian "і".
    assert "бібліотека" in analyze_word("бiблiотеках", UK)


def test_stress_marks_are_removed_but_short_i_is_kept():
    assert normalize_text("бібліоте\u0301ка") == "бібліотека"
    assert normalize_text("Київ") == "Київ"
    assert "й" in analyze_word("гай", UK)[0]


@pytest.mark.parametrize("latin", ["kyiv", "kyjiv"])
def test_transliterations_of_kyiv(latin):
    assert latin in transliterate_word("Київ", UK)
    assert latin in transliterate_word("Києва", UK)  # from the lemma


def test_transliteration_systems():
    forms = transliterate_word("Щербак", UK)
    assert "shcherbak" in forms  # resolution 55 / ALA-LC
    assert "serbak" in forms  # ДСТУ 9112 system A (Ŝerbak), diacritics folded
    assert "lviv" in transliterate_word("Львів", UK)
    assert "moskva" in transliterate_word("Москва", RU)
    assert transliterate_word("Kyiv", UK) == ()


def test_fold_translit():
    assert fold_translit("Kyïv") == "kyiv"
    assert fold_translit("Lʹviv") == "lviv"
    assert fold_translit("I͡ulii͡a") == "iuliia"


def test_script():
    assert script("Київ") == "cyr"
    assert script("Kyiv") == "lat"
    assert script("2024") == "num"
    assert script("東京") == "other"


def test_sort_key_follows_the_ukrainian_alphabet():
    words = ["ящик", "їжак", "іній", "єнот", "ґанок", "гай", "абетка", "zebra"]
    assert sorted(words, key=sort_key) == ["zebra", "абетка", "гай", "ґанок", "єнот", "іній", "їжак", "ящик"]
    assert browse_key("Київ: путівник / ред.") == "київ путівник ред"


def test_isbn_normalisation_gives_both_forms():
    assert normalize_isbn("966-504-122-3 (опр.)") == ["9665041223", "9789665041221"]
    assert normalize_isbn("978-0-306-40615-7") == ["9780306406157", "0306406152"]
    assert normalize_isbn("0-8044-2957-X") == ["080442957X", "9780804429573"]
    assert normalize_isbn("no isbn") == []


def test_issn_and_udc_class():
    assert normalize_issn("0022-0469") == ["00220469"]
    assert udc_main_class(["94(477)", "821.161.2"]) == "9"
    assert udc_main_class(["[37.01]"]) == "3"
    assert udc_main_class([]) is None
