"""marc.convert: UNIMARC <-> MARC 21 on real records, field by field and by round trip."""

import ast
from collections import Counter
from pathlib import Path

import pymarc
import pytest

from marc.convert import marc21_to_unimarc, unimarc_to_marc21
from marc.extract import extract

DATA = Path(__file__).parent / "data"
MARC_PACKAGE = Path(__file__).parent.parent / "marc"


def load(name: str, encoding: str | None = None) -> list[pymarc.Record]:
    options = {"to_unicode": True, "permissive": True}
    if encoding:
        options["file_encoding"] = encoding
    else:
        options["force_utf8"] = True
    with open(DATA / name, "rb") as handle:
        return [r for r in pymarc.MARCReader(handle, **options) if r is not None]


IRBIS = load("irbis/test1.iso", "cp1251")
KOHA_UKR = pymarc.parse_xml_to_array(str(DATA / "xbib-marc/rusmarc.xml"), strict=False)
UNIMARC_RECORDS = (
    IRBIS + load("rusmarc-py/ur.iso") + load("marc4s/rusmarc-utf8-galsworthy-example.iso") + KOHA_UKR
)
CORNELL = load("folio-mod-source-record-manager/CornellFOLIOExemplars_Bibs.mrc")
AUSTEN = load("marc4j/pride-and-prejudice-fixed.mrc")
MARC21_RECORDS = CORNELL + AUSTEN

# The DOMAIN.md field map, seen through extraction: what a round trip must keep.
KEPT = [
    "title", "subtitle", "responsibility", "authors", "isbn", "issn", "publisher", "place", "year", "extent",
    "edition", "series", "udc", "bbk", "subjects", "languages", "links", "notes", "host_control_number",
    "host_title", "control_number", "control_source", "material_type",
]  # fmt: skip


def kept(summary) -> dict:
    """The compared values; list order may change because converted fields are sorted by tag."""
    return {
        k: sorted(map(str, v)) if isinstance(v, list) else v for k, v in vars(summary).items() if k in KEPT
    }


def test_round_trip_unimarc_marc21_unimarc_keeps_the_domain_fields():
    assert len(UNIMARC_RECORDS) == 81 + 1 + 36 + 1
    for position, record in enumerate(UNIMARC_RECORDS, 1):
        back = marc21_to_unimarc(unimarc_to_marc21(record))
        assert kept(extract(back, "unimarc")) == kept(extract(record, "unimarc")), position


def test_round_trip_marc21_unimarc_marc21_keeps_the_domain_fields():
    assert len(MARC21_RECORDS) == 62 + 383
    for position, record in enumerate(MARC21_RECORDS, 1):
        back = unimarc_to_marc21(marc21_to_unimarc(record))
        assert kept(extract(back, "marc21")) == kept(extract(record, "marc21")), position


def test_conversion_keeps_the_description_in_the_other_format():
    """The converted record itself (not only the round trip) carries title, names, ISBN, UDC, BBK."""
    same = ["title", "subtitle", "responsibility", "authors", "isbn", "publisher", "place", "year", "extent",
            "udc", "bbk", "languages", "host_title", "host_control_number", "links"]  # fmt: skip
    for record in IRBIS:
        a, b = extract(record, "unimarc"), extract(unimarc_to_marc21(record), "marc21")
        assert {k: getattr(b, k) for k in same} == {k: getattr(a, k) for k in same}
    for record in CORNELL:
        a, b = extract(record, "marc21"), extract(marc21_to_unimarc(record), "unimarc")
        for key in ("title", "isbn", "year", "publisher", "place", "udc", "languages"):
            assert getattr(b, key) == getattr(a, key), key


def test_fields_without_counterpart_are_kept_in_886_and_restored():
    record = IRBIS[0]
    marc = unimarc_to_marc21(record)
    kept_tags = Counter(f["a"] for f in marc.get_fields("886"))
    assert kept_tags == Counter({"021": 2, "100": 1, "105": 1, "801": 2, "899": 1})
    back = marc21_to_unimarc(marc)
    for tag in ("021", "105", "801", "899", "101", "102", "210", "215"):
        assert [str(f) for f in back.get_fields(tag)] == [str(f) for f in record.get_fields(tag)]


def test_unimarc_to_marc21_fields_of_a_real_volume():
    marc = unimarc_to_marc21(IRBIS[0])  # "Вып. 13" of "Задачи и этюды", 1997
    leader = str(marc.leader)
    assert leader[6:8] == "am" and leader[19] == "c" and leader[18] == "i" and leader[20:] == "4500"
    fixed = marc["008"].data
    assert len(fixed) == 40 and fixed[6:11] == "s1997" and fixed[35:38] == "rus"
    assert marc["020"]["a"] == "5-7443-0043-0"
    host = marc["773"]
    assert (host["w"], host["t"], host["g"]) == ("RU\\NLR\\bibl\\5996", "Задачи и этюды", "Вып. 13")
    assert marc["001"].data == "RU\\NLR\\bibl\\3415" and marc["005"].data == "20031126124354.0"
    assert marc["300"]["a"] == "80 с. :" and marc["300"]["b"] == "ил., портр."


def test_unimarc_to_marc21_names_subjects_classification():
    marc = unimarc_to_marc21(IRBIS[37])  # Черчилль, "Мускулы мира"
    main = marc["100"]
    assert (main["a"], main["d"], main["q"], main["4"]) == ("Черчилль, У.", "1874-1965", "(Уинстон)", "aut")
    assert [f["a"] for f in marc.get_fields("080")] == ["94(420)(092)", "929Черчилль"]
    bbk = [f["a"] for f in marc.get_fields("084") if f["2"] == "rubbk"]
    assert bbk == ["63.3(4Вел)6", "Т3(4Вл)6-8"]
    person = marc["600"]
    assert person.indicators == pymarc.Indicators("1", "7") and person["2"] == "nlr-sh"
    assert [f["a"] for f in marc.get_fields("653")] == [
        "Государственные и политические деятели Великобритании",
        "Великобритания - Политическая история",
    ]
    assert marc["245"]["a"] == "Мускулы мира :" and marc["490"]["a"] == "Антология мудрости"
    assert marc["260"].value() == "М. : ЭКСМО-пресс, 2002"


def test_subject_subdivisions_and_relators_map_both_ways():
    marc = unimarc_to_marc21(IRBIS[25])  # 606 $x $y $j, 702 $4 340, 712 $4 570
    topic = marc["650"]
    assert [sf.code for sf in topic.subfields] == ["a", "x", "z", "v", "0", "2"]
    assert topic["z"] == "Кировская обл." and topic["v"] == "Тезисы докладов"
    assert [f["4"] for f in marc.get_fields("700")] == ["edt"]
    corporate = marc["710"]
    assert corporate["b"] == "Департамент окружающей среды и природопользования" and corporate["4"] == "oth"
    back = marc21_to_unimarc(marc)
    assert back["702"]["4"] == "340" and back["712"]["4"] == "570"
    assert str(back["606"]) == str(IRBIS[25]["606"])


def test_koha_items_995_become_952_and_come_back():
    record = KOHA_UKR[0]
    marc = unimarc_to_marc21(record)
    items = marc.get_fields("952")
    assert len(items) == len(record.get_fields("995")) == 198
    first = items[0]
    assert first["p"] == "206033"  # barcode (995$f)
    assert first["i"] == "206033"  # inventory number (995$j, items.stocknumber)
    assert first["o"] == "1/А66"  # call number (995$k)
    assert first["d"] == "2006-03-20"  # date accessioned (995$5)
    assert first["g"] == "4.30"  # price (995$p)
    assert (first["a"], first["b"], first["y"]) == ("STL", "AB", "BOOK")
    assert "[995$z] 116950" in first.get_subfields("x")  # no MARC 21 counterpart: kept as a note
    back = marc21_to_unimarc(marc)
    for original, restored in zip(record.get_fields("995"), back.get_fields("995"), strict=True):
        assert sorted(original.subfields) == sorted(restored.subfields)


def test_marc21_to_unimarc_fields_of_a_real_ukrainian_book():
    record = CORNELL[50]  # Kraieznavtsi Cherkavshchyny, Cherkasy 2016
    uni = marc21_to_unimarc(record)
    leader = str(uni.leader)
    assert leader[6:8] == "am" and leader[20:24] == "450 "
    fixed = uni["100"]["a"]
    assert len(fixed) == 36 and fixed[:8] == "20160906" and fixed[8:13] == "h2016" and fixed[26:28] == "50"
    assert uni["101"].get_subfields("a") == ["ukr"] and uni["101"].get_subfields("d") == ["eng"]
    assert [f["a"] for f in uni.get_fields("010")] == ["9789662783858", "9662783857"]
    assert [f["b"] for f in uni.get_fields("010")] == ["paperback", "paperback"]
    title = uni["200"]
    assert (title["a"], title["e"]) == ("Krai͡eznavt͡si Cherkavshchyny", "biobibliohrafichnyi\u0306 dovidnyk")
    assert title["f"] == "upori͡adnyky: V.M. Melʹnychenko, H.M. Holysh"
    assert uni["214"].indicator2 == "1" and uni["214"]["a"] == "Cherkasy" and uni["214"]["d"] == "2016"
    editors = uni.get_fields("702")
    assert [(f["a"], f["b"], f["4"]) for f in editors] == [
        ("Melʹnychenko", "V. M.", "340"),
        ("Holysh", "H. M.", "340"),
    ]
    assert [f["a"] for f in uni.get_fields("610")] == [
        "Bibliography",
        "Dictionaries and other reference general works",
        "History (General)",
        "Ukraine",
    ]
    assert {f["a"] for f in uni.get_fields("886")} >= {"040", "042", "880"}


def test_marc21_to_unimarc_host_link_and_udc():
    record = AUSTEN[152]  # netLibrary e-book with 773 and 856
    uni = marc21_to_unimarc(record)
    assert uni["461"]["t"] == "Michigan netLibrary ebook collection"
    assert uni["856"]["u"].startswith("http://www.netLibrary.com/")
    assert uni["200"]["b"] == "electronic resource"
    udc = marc21_to_unimarc(AUSTEN[19])
    assert [f["a"] for f in udc.get_fields("675")] == ["821.111-3", "821.111-3AUSj7pri"]
    assert udc["200"]["a"] == "Pride and prejudice" and udc["200"]["f"] == "Jane Austen"


def test_converted_records_serialise_to_iso2709():
    for record in UNIMARC_RECORDS[:20] + MARC21_RECORDS[:20]:
        for converted in (unimarc_to_marc21(record), marc21_to_unimarc(record)):
            data = converted.as_marc()
            again = next(pymarc.MARCReader(data, to_unicode=True, force_utf8=True))
            assert [f.tag for f in again.fields] == [f.tag for f in converted.fields]


@pytest.mark.parametrize("module", ["extract.py", "display.py", "convert.py", "fields.py"])
def test_marc_modules_stay_pure(module):
    tree = ast.parse((MARC_PACKAGE / module).read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not imported & {"flask", "sqlalchemy", "catalog", "whoosh"}


def test_fixed_fields_survive_round_trips():
    for record in IRBIS:
        back = marc21_to_unimarc(unimarc_to_marc21(record))
        before, after = record["100"]["a"], back["100"]["a"]
        # dates, audience, government, cataloguing language, transliteration, script; charset is now Unicode
        assert after[:26] == before[:26] and after[34:36] == before[34:36] and after[26:28] == "50"
        assert str(back.leader)[6:8] == str(record.leader)[6:8]
        assert str(back.leader)[8] == str(record.leader)[8].replace(" ", "0")  # hierarchical level
    for record in CORNELL:
        back = unimarc_to_marc21(marc21_to_unimarc(record))
        before, after = record["008"].data, back["008"].data
        assert after[0:6] == before[0:6] and after[35:38] == before[35:38], record["001"].data
        if before[6] != " ":  # well-formed 008s come back whole (18-34 and 38-39 travel in UNIMARC 886)
            assert after == before.ljust(40), record["001"].data
        assert str(back.leader)[6:8] == str(record.leader)[6:8]


def test_same_book_keyed_in_both_formats_converts_into_each_other():
    """The DOMAIN.md book, keyed by hand in UNIMARC and in MARC 21 (tests/test_marc_display.py)."""
    from tests.test_marc_display import sverdan_marc21, sverdan_unimarc

    unimarc, marc = sverdan_unimarc(), sverdan_marc21()
    compared = ["title", "subtitle", "responsibility", "authors", "publisher", "place", "year", "extent",
                "languages", "material_type", "control_number"]  # fmt: skip
    want_u, want_m = extract(unimarc, "unimarc"), extract(marc, "marc21")
    got_m, got_u = extract(unimarc_to_marc21(unimarc), "marc21"), extract(marc21_to_unimarc(marc), "unimarc")
    for key in compared:
        assert getattr(got_m, key) == getattr(want_m, key) == getattr(want_u, key) == getattr(got_u, key), key
    converted = unimarc_to_marc21(unimarc)
    assert converted["245"].value() == marc["245"].value().rstrip(".")
    assert converted["100"]["a"] == marc["100"]["a"] and converted["100"]["4"] == "aut"
    assert marc21_to_unimarc(marc)["700"]["4"] == "070"  # from $e "author."
    assert marc21_to_unimarc(marc)["200"].value() == unimarc["200"].value()


def test_nonfiling_characters_become_nsb_nse_and_back():
    journal = CORNELL[0]  # 245 04 "The Journal of ecclesiastical history."
    title = marc21_to_unimarc(journal)["200"]["a"]
    assert title == "\u0098The \u009cJournal of ecclesiastical history"
    assert extract(marc21_to_unimarc(journal), "unimarc").title == "The Journal of ecclesiastical history"
    assert unimarc_to_marc21(marc21_to_unimarc(journal))["245"].indicator2 == "4"
    fig = load("qa-catalogue/short.bnr.1993.mrc")[1]  # Romanian BNR export writes "<<The >>sweetest fig"
    assert extract(fig, "unimarc").title == "The sweetest fig"
    marc = unimarc_to_marc21(fig)
    assert marc["245"].indicator2 == "4" and marc["245"]["a"].startswith("The sweetest fig")
