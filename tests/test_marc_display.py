"""marc.display: ISBD (ДСТУ ГОСТ 7.1:2006), ДСТУ 8302:2015 and Dublin Core, in both formats."""

from pathlib import Path

import pymarc
import pytest
from pymarc import Field, Indicators, Record, Subfield

from marc.convert import unimarc_to_marc21
from marc.display import DASH, abbreviate, dstu8302, dublin_core, heading_name, isbd

DATA = Path(__file__).parent / "data"

# The hand-checked example of ../shared/docs/DOMAIN.md (same book, two standards).
SVERDAN_ISBD = (
    "Свердан П. Л. Вища математика : математичний аналіз і теорія ймовірностей : підручник / "
    "П. Л. Свердан. – Київ : Знання, 2008. – 450 с."
)
SVERDAN_DSTU = (
    "Свердан П. Л. Вища математика: математичний аналіз і теорія ймовірностей : підр. "
    "Київ : Знання, 2008. 450 с."
)


def field(tag: str, ind: str, *pairs: str) -> Field:
    """field("200", "1 ", "a", "Title", "e", "Subtitle")."""
    subs = [Subfield(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
    return Field(tag=tag, indicators=Indicators(ind[0], ind[1]), subfields=subs)


def sverdan_unimarc() -> Record:
    record = Record(leader="00000nam0 2200000   450 ")
    record.add_field(
        Field(tag="001", data="sverdan-2008"),
        field("100", "  ", "a", "20080101d2008    u  y0ukry50      ca"),
        field("101", "0 ", "a", "ukr"),
        field("200", "1 ", "a", "Вища математика", "e", "математичний аналіз і теорія ймовірностей",
              "e", "підручник", "f", "П. Л. Свердан"),
        field("210", "  ", "a", "Київ", "c", "Знання", "d", "2008"),
        field("215", "  ", "a", "450 с."),
        field("700", " 1", "a", "Свердан", "b", "П. Л.", "4", "070"),
    )  # fmt: skip
    return record


def sverdan_marc21() -> Record:
    """As a MARC 21 cataloguer would key it: ISBD punctuation inside the subfields, RDA 264."""
    record = Record(leader="00000nam a2200000 i 4500")
    record.add_field(
        Field(tag="001", data="sverdan-2008"),
        Field(tag="008", data="080101s2008    un            000 0 ukr d"),
        field("100", "1 ", "a", "Свердан, П. Л.", "e", "author."),
        field("245", "10", "a", "Вища математика :", "b", "математичний аналіз і теорія ймовірностей : підручник /",
              "c", "П. Л. Свердан."),
        field("264", " 1", "a", "Київ :", "b", "Знання,", "c", "2008."),
        field("300", "  ", "a", "450 с."),
    )  # fmt: skip
    return record


@pytest.mark.parametrize("make, fmt", [(sverdan_unimarc, "unimarc"), (sverdan_marc21, "marc21")])
def test_domain_example_isbd(make, fmt):
    assert isbd(make(), fmt) == SVERDAN_ISBD


@pytest.mark.parametrize("make, fmt", [(sverdan_unimarc, "unimarc"), (sverdan_marc21, "marc21")])
def test_domain_example_dstu8302(make, fmt):
    assert dstu8302(make(), fmt) == SVERDAN_DSTU


def test_domain_example_survives_conversion_to_marc21():
    converted = unimarc_to_marc21(sverdan_unimarc())
    assert isbd(converted, "marc21") == SVERDAN_ISBD
    assert dstu8302(converted, "marc21") == SVERDAN_DSTU


def test_isbd_uses_en_dash_between_areas():
    assert DASH == "\u2013"
    assert ". \u2013 Київ" in isbd(sverdan_unimarc(), "unimarc")


def test_heading_is_surname_and_initials():
    assert heading_name("Свердан", "Павло Левкович") == "Свердан П. Л."
    assert heading_name("Свердан", "П.Л.") == "Свердан П. Л."
    assert heading_name("Austen", "Jane") == "Austen J."


@pytest.mark.parametrize(
    "text, short",
    [
        ("підручник", "підр."),
        ("навчальний посібник", "навч. посіб."),
        ("монографія", "моногр."),
        ("навчальний посібник для студентів", "навч. посіб. для студентів"),
        ("Учебное пособие", "учеб. пособие"),
        ("роман", "роман"),
    ],
)
def test_abbreviations_from_dstu_3582(text, short):
    assert abbreviate(text) == short


def test_dstu8302_keeps_responsibility_when_not_just_the_author():
    record = sverdan_unimarc()
    record["200"].add_subfield("g", "за ред. І. І. Іванова")
    text = dstu8302(record, "unimarc")
    assert "/ П. Л. Свердан ; за ред. І. І. Іванова." in text


def irbis() -> list[Record]:
    with open(DATA / "irbis/test1.iso", "rb") as handle:
        return list(pymarc.MARCReader(handle, to_unicode=True, permissive=True, file_encoding="cp1251"))


def test_isbd_of_real_rusmarc_records():
    records = irbis()
    assert isbd(records[37], "unimarc") == (
        "Черчилль У. Мускулы мира : [Избр. речи разных лет] / Уинстон Черчилль ; [Сост., примеч. Л. Яковлева; "
        "Предисл., с. 5-30, пер. и примеч. В. Чухно]. – М. : ЭКСМО-пресс, 2002. – 523,[4] с. : ил. ; 17. – "
        "(Антология мудрости). – ISBN 5-04-010272-0"
    )
    # A volume of a multipart set is described under the set's title (461 link).
    assert isbd(records[0], "unimarc") == (
        "Задачи и этюды. Вып. 13. – 1997. – 80 с. : ил., портр. – ISBN 5-7443-0043-0"
    )
    # Several publishers and places keep their ISBD marks.
    assert " – М. : Альд : Литература, 2002. – " in isbd(records[27], "unimarc")
    assert " – М. ; Эйлат : Бактаксон, 2001. – " in isbd(records[62], "unimarc")


def test_dstu8302_of_real_ukrainian_record():
    record = pymarc.parse_xml_to_array(str(DATA / "xbib-marc/rusmarc.xml"), strict=False)[0]
    assert dstu8302(record, "unimarc") == (
        "Андрущенко В. П. Сучасна соціальна філософія / Андрущенко В.П., Михальченко М.І. "
        "К. : Генеза, 1996. 368 с."
    )


def test_analytic_record_names_its_host():
    record = Record(leader="00000naa0 2200000   450 ")
    record.add_field(
        field("200", "1 ", "a", "Каталогізація в умовах війни", "f", "О. Петренко"),
        field(
            "463", " 0", "1", "001kat-42", "1", "2001 ", "a", "Бібліотечний форум", "v", "2023, № 2. С. 10-15"
        ),
        field("700", " 1", "a", "Петренко", "b", "Олена"),
    )
    assert isbd(record, "unimarc") == (
        "Петренко О. Каталогізація в умовах війни / О. Петренко // Бібліотечний форум. – 2023, № 2. С. 10-15"
    )
    assert dstu8302(record, "unimarc") == (
        "Петренко О. Каталогізація в умовах війни // Бібліотечний форум. 2023, № 2. С. 10-15."
    )
    assert isbd(unimarc_to_marc21(record), "marc21") == isbd(record, "unimarc")


def test_dublin_core_of_real_records():
    with open(DATA / "rusmarc-py/ur.iso", "rb") as handle:
        record = next(pymarc.MARCReader(handle, to_unicode=True, force_utf8=True))
    dc = dublin_core(record, "unimarc")
    assert dc["title"] == ["ПЕДАГОГИКА И ПСИХОЛОГИЯ НЕНАСИЛИЯ В ОБРАЗОВАНИИ : Учебное пособие для бакалавров"]
    assert dc["creator"] == ["Маралов, В. Г."]
    assert "URN:ISBN:978-5-9916-1662-1" in dc["identifier"]
    assert any(v.startswith("http://www.biblio-online.ru/") for v in dc["identifier"])
    assert dc["language"] == ["rus"] and dc["date"] == ["2012"] and dc["type"][0] == "Text"
    assert dc["publisher"] == ["Издательство Юрайт"] and dc["relation"] == ["Бакалавр и магистр. Модуль"]
    assert dc["description"][0].startswith("В пособии даны теоретические основы")
    for values in dc.values():
        assert values and all(isinstance(v, str) and v for v in values)


def test_dublin_core_same_for_both_formats():
    assert dublin_core(sverdan_unimarc(), "unimarc") == dublin_core(
        unimarc_to_marc21(sverdan_unimarc()), "marc21"
    )
    dc = dublin_core(irbis()[37], "unimarc")
    assert "УДК 94(420)(092)" in dc["subject"] and "ББК 63.3(4Вел)6" in dc["subject"]


def austen() -> list[Record]:
    with open(DATA / "marc4j/pride-and-prejudice-fixed.mrc", "rb") as handle:
        return list(pymarc.MARCReader(handle, to_unicode=True, force_utf8=True))


def test_isbd_and_dstu8302_of_real_marc21_records():
    records = austen()
    assert isbd(records[19], "marc21") == (
        "Austen J. Pride and prejudice / Jane Austen. – Harmondsworth : Penguin, 1994. – 299 p. ; 19 cm. – "
        "(Penguin popular classics). – ISBN 0140620222"
    )
    assert dstu8302(records[19], "marc21") == (
        "Austen J. Pride and prejudice. Harmondsworth : Penguin, 1994. 299 p. ; 19 cm. (Penguin popular classics)."
    )
    # General material designation follows the title proper; a collection host (773) is not a set title.
    assert isbd(records[152], "marc21").startswith(
        "Austen J. Pride and prejudice [electronic resource] / Jane Austen ;"
    )
    dc = dublin_core(records[152], "marc21")
    assert dc["type"] == ["Text", "e-resource"] and "URN:ISBN:0585377618" in dc["identifier"]
    assert dc["relation"][0] == "Michigan netLibrary ebook collection"
