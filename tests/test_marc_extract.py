"""marc.extract on real MARC 21 and UNIMARC records (tests/data, see tests/data/SOURCES.md)."""

from collections import Counter
from pathlib import Path

import pymarc
import pytest

from marc.extract import MATERIAL_TYPES, Summary, extract
from marc.fields import clean, embedded, initials, parse_year, split_personal_name

DATA = Path(__file__).parent / "data"


def load(name: str, encoding: str | None = None) -> list[pymarc.Record]:
    """Read an ISO 2709 file from tests/data; UTF-8 unless a code page is given."""
    options = {"to_unicode": True, "permissive": True}
    if encoding:
        options["file_encoding"] = encoding
    else:
        options["force_utf8"] = True
    with open(DATA / name, "rb") as handle:
        return [r for r in pymarc.MARCReader(handle, **options) if r is not None]


IRBIS = load("irbis/test1.iso", "cp1251")
CORNELL = load("folio-mod-source-record-manager/CornellFOLIOExemplars_Bibs.mrc")
AUSTEN = load("marc4j/pride-and-prejudice-fixed.mrc")


def test_summary_has_exactly_the_contract_fields():
    names = [f for f in Summary.__dataclass_fields__]
    assert names == [
        "title", "subtitle", "responsibility", "authors", "names", "subjects", "udc", "bbk", "isbn",
        "issn", "publisher", "place", "year", "languages", "translation", "series", "notes", "edition", "extent",
        "material_type", "links", "control_number", "control_source", "host_control_number", "host_title",
    ]  # fmt: skip
    assert Summary().authors == [] and Summary().year is None


# (file, record position 1-based, expected values) — values read by eye from the records.
UNIMARC_CASES = [
    (
        IRBIS,
        1,
        {
            "title": "Вып. 13",
            "isbn": ["5-7443-0043-0"],
            "year": 1997,
            "extent": "80 с.",
            "languages": ["rus"],
            "control_number": "RU\\NLR\\bibl\\3415",
            "host_control_number": "RU\\NLR\\bibl\\5996",
            "host_title": "Задачи и этюды",
            "material_type": "book",
        },
    ),
    (
        IRBIS,
        18,
        {
            "title": "Некоторые особенности вычислительных алгоритмов для уравнений дробной диффузии",
            "responsibility": "В.М. Головизнин, В.П. Киселев, И.А. Короткин, Ю.И. Юрков",
            "authors": ["Головизнин, В. М.", "Короткин, И. А.", "Юрков, Ю. И.", "Киселев, В. П."],
            "place": "М.",
            "publisher": "ИБРАЭ",
            "year": 2002,
            "bbk": ["В311"],
            "series": ["Препринт ИБРАЭ ; N IBRAE-2002-01"],
            "subjects": ["Диффузии уравнения -- Решение -- Численные методы"],
            "notes": ["Рез. на англ. яз.", "Библиогр.: с. 31-32 (22 назв.)"],
            "languages": ["rus"],
        },
    ),
    (
        IRBIS,
        38,
        {
            "title": "Мускулы мира",
            "subtitle": "[Избр. речи разных лет]",
            "authors": ["Черчилль, У."],
            "udc": ["94(420)(092)", "929Черчилль"],
            "bbk": ["63.3(4Вел)6", "Т3(4Вл)6-8"],
            "isbn": ["5-04-010272-0"],
            "series": ["Антология мудрости"],
            "publisher": "ЭКСМО-пресс",
            "subjects": [
                "Черчилль, У.",
                "Государственные и политические деятели Великобритании",
                "Великобритания - Политическая история",
            ],
        },
    ),
    (
        IRBIS,
        41,
        {"title": "О судебных приставах", "authors": ["Российская Федерация"], "edition": "[3-е изд.]"},
    ),
    (IRBIS, 45, {"languages": ["ukr"], "authors": ["Горiшна, I. Л."], "place": "К.", "year": 1999}),
    (
        IRBIS,
        76,
        {
            "isbn": ["966-7695-51-4", "966-7695-52-2"],
            "edition": "2-е изд., доп. и перераб.",
            "place": "Донецк",
            "publisher": "Юго-Восток",
            "year": 2001,
        },
    ),
    (IRBIS, 9, {"subjects": ["Нейман, М. Б. -- Шахматные партии"], "names": ["Нейман, М. Б."]}),
]


@pytest.mark.parametrize("records, position, expected", UNIMARC_CASES)
def test_extract_unimarc_real_records(records, position, expected):
    summary = extract(records[position - 1], "unimarc")
    for key, value in expected.items():
        assert getattr(summary, key) == value, key


def test_extract_unimarc_utf8_ebook_with_link():
    summary = extract(load("rusmarc-py/ur.iso")[0], "unimarc")
    assert summary.title == "ПЕДАГОГИКА И ПСИХОЛОГИЯ НЕНАСИЛИЯ В ОБРАЗОВАНИИ"
    assert summary.subtitle == "Учебное пособие для бакалавров"
    assert summary.isbn == ["978-5-9916-1662-1"]
    assert summary.edition == "2-е изд., пер. и доп"
    assert summary.series == ["Бакалавр и магистр. Модуль"]
    assert "Педагогика" in summary.subjects
    url = "http://www.biblio-online.ru/thematic/?id=urait.content.ED5B6AE6-1279-4F97-BF9C-1152BBB57875&type=c_pub"
    assert summary.links == [(url, "")]
    assert summary.control_source == url and summary.control_number == "RU/URAIT/363150"


def test_extract_ukrainian_unimarc_xml_with_initials_in_g():
    record = pymarc.parse_xml_to_array(str(DATA / "xbib-marc/rusmarc.xml"), strict=False)[0]
    summary = extract(record, "unimarc")
    assert summary.title == "Сучасна соціальна філософія"
    assert summary.authors == ["Андрущенко, В.П.", "Михальченко, М.І."]
    assert (summary.place, summary.publisher, summary.year) == ("К.", "Генеза", 1996)
    assert summary.udc == ["1"] and summary.languages == ["ukr"] and summary.material_type == "book"


def test_extract_unimarc_fuller_name_goes_to_names():
    summary = extract(load("marc4s/rusmarc-utf8-galsworthy-example.iso")[0], "unimarc")
    assert (summary.title, summary.subtitle) == ("Конец главы", "роман")
    assert summary.authors == ["Голсуорси, Д."]
    assert "Голсуорси, Джон" in summary.names
    assert summary.bbk == ["84(4Вл)6-444"] and summary.year == 1960


MARC21_CASES = [
    (
        CORNELL,
        51,
        {
            "title": "Krai͡eznavt͡si Cherkavshchyny",
            "subtitle": "biobibliohrafichnyi\u0306 dovidnyk",  # decomposed, as in the record
            "isbn": ["9789662783858", "9662783857"],
            "year": 2016,
            "place": "Cherkasy",
            "publisher": "Vertykalʹ",
            "languages": ["ukr"],
            "extent": "219 pages",
            "material_type": "book",
        },
    ),
    (
        CORNELL,
        1,
        {"title": "The Journal of ecclesiastical history", "issn": ["0022-0469"], "material_type": "serial"},
    ),
    (CORNELL, 2, {"material_type": "music", "authors": ["Mozart, Wolfgang Amadeus"], "year": 1955}),
    (
        AUSTEN,
        20,
        {
            "title": "Pride and prejudice",
            "responsibility": "Jane Austen",
            "udc": ["821.111-3", "821.111-3AUSj7pri"],
            "isbn": ["0140620222"],
            "series": ["Penguin popular classics"],
            "year": 1994,
            "place": "Harmondsworth",
            "publisher": "Penguin",
            "authors": ["Austen, Jane"],
        },
    ),
    (
        AUSTEN,
        153,
        {
            "material_type": "e-resource",
            "isbn": ["0585377618"],
            "host_title": "Michigan netLibrary ebook collection",
            "links": [
                (
                    "http://www.netLibrary.com/urlapi.asp?action=summary&v=1&bookid=55923",
                    "Access restricted; personal registration may be required:",
                )
            ],
        },
    ),
]


@pytest.mark.parametrize("records, position, expected", MARC21_CASES)
def test_extract_marc21_real_records(records, position, expected):
    summary = extract(records[position - 1], "marc21")
    for key, value in expected.items():
        assert getattr(summary, key) == value, key


def test_vernacular_names_from_880_are_searchable_names():
    summary = extract(CORNELL[50], "marc21")
    assert "Мельниченко, В. М." in summary.names and "Мельниченко, Василь Миколайович" in summary.names
    assert "Черкаський національний університет імені Богдана Хмельницького" in summary.names
    assert summary.authors[0] == "Melʹnychenko, V. M."  # authors stay the record's headings


def test_material_types_of_cornell_exemplars():
    counts = Counter(extract(r, "marc21").material_type for r in CORNELL)
    assert set(counts) <= set(MATERIAL_TYPES)
    assert counts["book"] >= 25 and counts["music"] >= 15 and counts["serial"] >= 3
    assert counts["video"] >= 1 and counts["map"] >= 1 and counts["e-resource"] >= 1


def test_unimarc_material_type_from_leader():
    record = pymarc.Record(leader="00000naa0 2200000   450 ")
    record.add_field(
        pymarc.Field(tag="200", indicators=["1", " "], subfields=[pymarc.Subfield("a", "Стаття")])
    )
    assert extract(record, "unimarc").material_type == "article"
    for code, expected in (("l", "e-resource"), ("c", "music"), ("e", "map"), ("g", "video"), ("k", "other")):
        record.leader = f"00000n{code}m0 2200000   450 "
        assert extract(record, "unimarc").material_type == expected
    record.leader = "00000nas0 2200000   450 "
    assert extract(record, "unimarc").material_type == "serial"


def test_every_real_record_extracts_without_error():
    for record in IRBIS:
        assert extract(record, "unimarc").title
    for record in CORNELL + AUSTEN:
        summary = extract(record, "marc21")
        assert summary.material_type in MATERIAL_TYPES


def test_format_is_guessed_when_not_given():
    assert extract(IRBIS[0]).host_title == "Задачи и этюды"
    assert extract(AUSTEN[19]).title == "Pride and prejudice"
    with pytest.raises(ValueError, match="unknown MARC format"):
        extract(IRBIS[0], "ukmarc")


@pytest.mark.parametrize(
    "text, year",
    [
        ("c1998.", 1998),
        ("[2008]", 2008),
        ("2008-2010", 2008),
        ("[2002?]", 2002),
        ("19--", None),
        ("", None),
        ("p1994, c1993", 1994),
        ("М., 2001", 2001),
    ],
)
def test_parse_year(text, year):
    assert parse_year(text) == year


@pytest.mark.parametrize(
    "raw, cleaned",
    [
        ("Pride and prejudice /", "Pride and prejudice"),
        ("Dugmore, C. W.", "Dugmore, C. W."),
        ("Austen, Jane,", "Austen, Jane"),
        ("1775-1817.", "1775-1817"),
        ("Київ :", "Київ"),
        ("450 с.", "450 с."),
        ("2-е изд., перераб.", "2-е изд., перераб."),
        ("Служба занятости...", "Служба занятости..."),
        ("Сев.-Вост. комплексный НИИ.", "Сев.-Вост. комплексный НИИ"),
        ("3 plater +", "3 plater"),
        ("C++ :", "C++"),
        ("Title  with   spaces /", "Title with spaces"),
    ],
)
def test_clean_strips_isbd_punctuation_but_keeps_abbreviations(raw, cleaned):
    assert clean(raw) == cleaned


def test_isbn_qualifiers_are_dropped():
    from marc.fields import split_isbn

    assert split_isbn("0585377618 (electronic bk.) :") == ("0585377618", "electronic bk.")
    assert split_isbn("978 3 12045300 0") == ("978 3 12045300 0", "")
    assert split_isbn("5-7443-0043-0") == ("5-7443-0043-0", "")
    assert split_isbn("RMBY0.38 (v. 1)")[0] == "RMBY0.38 (v. 1)"  # not an ISBN: kept as text


def test_name_helpers():
    assert initials("Павло Левкович") == "П. Л."
    assert initials("П.Л.") == "П. Л."
    assert initials("Jean-Paul") == "J.-P."
    assert split_personal_name("Austen, Jane,") == ("Austen", "Jane")


def test_embedded_fields_of_a_unimarc_link():
    link = IRBIS[0].get_fields("461")[0]
    parts = list(embedded(link))
    assert parts[0] == ("001", "RU\\NLR\\bibl\\5996", [])
    assert parts[1][0] == "200" and ("a", "Задачи и этюды") in parts[1][2]


def test_translation_flag_from_041_and_101():
    from pymarc import Field, Record, Subfield

    from marc.extract import extract

    marc21 = Record()
    marc21.add_field(Field(tag="041", indicators=["1", " "], subfields=[Subfield("a", "eng"), Subfield("h", "ukr")]))
    assert extract(marc21, "marc21").translation
    unimarc = Record()
    unimarc.add_field(Field(tag="101", indicators=["0", " "], subfields=[Subfield("a", "ukr")]))
    assert not extract(unimarc, "unimarc").translation
    unimarc["101"].indicators = ["1", " "]
    assert extract(unimarc, "unimarc").translation
