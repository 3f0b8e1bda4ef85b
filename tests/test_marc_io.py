"""marc.io and marc.encoding on real records copied into tests/data (see tests/data/SOURCES.md)."""

import io
import json
import re
from pathlib import Path

import pytest
from lxml import etree
from pymarc import Field, Record, Subfield

from marc.encoding import choose_encoding, guess_cyrillic_codepage, normalize_encoding, unimarc_declared
from marc.io import (
    MARCXML_NS,
    MarcWriteError,
    ReadItem,
    detect_format,
    detect_serialization,
    read_records,
    record_from_json,
    record_to_iso2709,
    record_to_json,
    record_to_marcxml,
    write_records,
)

DATA = Path(__file__).resolve().parent / "data"
CYRILLIC = re.compile("[\u0400-\u04ff]")

MARC21_UTF8 = [
    "folio-mod-source-record-manager/CornellFOLIOExemplars_Bibs.mrc",
    "yaz/marccol1.u8.marc",
    "catmandu-marc/oschrift_me.mrc",
]
MARC21_OTHER = ["marc4j/cyrillic_capital_e.mrc", "marc-perl/cyrillic.marc", "pymarc/1251.dat"]
UNIMARC = [
    "irbis/test1.iso",
    "marc4s/rusmarc-utf8-galsworthy-example.iso",
    "qa-catalogue/short.bnr.1993.mrc",
    "rusmarc-py/TEST2.ISO",
]


def read(name, **options) -> list[ReadItem]:
    return list(read_records(DATA / name, **options))


def records(name, **options) -> list[Record]:
    items = read(name, **options)
    assert all(item.error is None for item in items), [item.error for item in items if item.error]
    return [item.record for item in items]


def shape(record: Record):
    """Everything a record holds, for field-identical comparisons."""
    fields = [
        (f.tag, f.data) if f.control_field else (f.tag, f.indicator1, f.indicator2, tuple(f.subfields))
        for f in record.fields
    ]
    return str(record.leader), fields


def subfield(record: Record, tag: str, code: str, occurrence: int = 0) -> str:
    return record.get_fields(tag)[occurrence].get(code)


# --- round trips ---------------------------------------------------------------------


@pytest.mark.parametrize("name", MARC21_UTF8 + MARC21_OTHER + UNIMARC)
def test_iso2709_export_import_export_is_byte_identical(name):
    first = write_records(records(name), "iso2709")
    second = write_records(records_from_bytes(first), "iso2709")
    assert first == second
    assert first.count(b"\x1d") == len(read(name))


def records_from_bytes(data: bytes) -> list[Record]:
    items = list(read_records(data))
    assert all(item.error is None and not item.warnings for item in items), items[:1]
    return [item.record for item in items]


@pytest.mark.parametrize("name", MARC21_UTF8[:1])
def test_clean_utf8_file_is_written_back_unchanged(name):
    original = (DATA / name).read_bytes()
    assert write_records(records(name), "iso2709") == original


@pytest.mark.parametrize("serialization", ["marcxml", "json"])
@pytest.mark.parametrize("name", MARC21_UTF8 + MARC21_OTHER + UNIMARC)
def test_marcxml_and_json_round_trips_are_field_identical(name, serialization):
    originals = records(name)
    exported = write_records(originals, serialization)
    assert detect_serialization(exported) == serialization
    back = records_from_bytes(exported)
    assert [shape(r) for r in back] == [shape(r) for r in originals]
    again = write_records(back, serialization)
    assert again == exported


def test_json_storage_is_lossless_and_keeps_the_unimarc_leader():
    for record in records("irbis/test1.iso"):
        text = record_to_json(record)
        restored = record_from_json(text)
        assert shape(restored) == shape(record)
        assert str(restored.leader).endswith("450 ")  # pymarc's Record(leader=) would force "4500"
    assert json.loads(text)["leader"] == str(record.leader)


# --- leaders on write ----------------------------------------------------------------


def test_unimarc_leader_is_written_exactly_as_read():
    record = records("irbis/test1.iso")[0]
    leader = str(record.leader)
    assert leader[9] == " " and leader.endswith("450 ")
    data = record_to_iso2709(record)
    assert data[5:12].decode() == leader[5:12] and data[17:24].decode() == leader[17:24]
    assert str(record.leader) == leader  # the record itself is not touched
    # pymarc alone would have rewritten leader/09 as 'a'
    assert record.as_marc()[9:10] == b"a"


def test_marc21_output_declares_utf8_in_leader_09():
    record = records("marc-perl/cyrillic.marc")[0]  # MARC-8 on disk
    assert str(record.leader)[9] == "a"
    record.leader = record.leader[:9] + " " + record.leader[10:]
    assert record_to_iso2709(record)[9:10] == b"a"
    assert "<leader>" + str(record.leader)[:9] + "a" in record_to_marcxml(record)


def test_record_longer_than_iso2709_allows_is_a_clear_error():
    record = records("irbis/test1.iso")[0]
    for number in range(120):
        record.add_field(Field("300", [" ", " "], [Subfield("a", f"Примітка {number} " + "x" * 900)]))
    with pytest.raises(
        MarcWriteError,
        match=r"record 1 \(001 RU\\NLR\\bibl\\3415\) is [\d,]+ bytes; ISO 2709 allows at most 99,999",
    ):
        write_records([record], "iso2709")
    assert record_from_json(record_to_json(record)).get_fields("300")[119]  # JSON has no such limit


def test_field_longer_than_9999_bytes_is_a_clear_error():
    record = records("catmandu-marc/oschrift_me.mrc")[0]
    record.add_field(Field("500", [" ", " "], [Subfield("a", "y" * 10_000)]))
    with pytest.raises(MarcWriteError, match="field longer than ISO 2709 allows"):
        record_to_iso2709(record)


def test_marcxml_output_is_a_slim_collection():
    originals = records("marc4j/cyrillic_capital_e.mrc")
    root = etree.fromstring(write_records(originals, "marcxml"))
    assert root.tag == f"{{{MARCXML_NS}}}collection"
    assert len(root.findall(f"{{{MARCXML_NS}}}record")) == 2
    single = etree.fromstring(record_to_marcxml(originals[0]).encode())
    assert single.tag == f"{{{MARCXML_NS}}}record"
    assert single.find(f"{{{MARCXML_NS}}}leader").text == str(originals[0].leader)


# --- MARC-8 and the Cyrillic code pages ----------------------------------------------


def test_marc8_cyrillic_including_extended_set_as_g0():
    record = records("marc-perl/cyrillic.marc")[0]
    titles = [f.get("a") for f in record.get_fields("880")]
    assert "Одлуке и решења Савезног уставног суда." in titles  # њ comes from ESC ( Q
    assert "Одлуке и мишљења Уставног суда Југославије" == subfield(record, "880", "t", 3)
    assert subfield(record, "245", "a") == "Odluke i res\u0306enja Saveznog ustavnog suda."


def test_marc8_cyrillic_escapes():
    first, second = records("marc4j/cyrillic_capital_e.mrc")
    assert subfield(first, "880", "a", 0) == "Буйда, Юрий."
    assert subfield(first, "880", "a", 1) == "Вор, шпион и убийца /"
    assert subfield(first, "100", "a") == "Bu\u012dda, I\ufe20U\ufe21ri\u012d."  # NFC: ĭ
    assert subfield(second, "880", "a", 0) == "Рубина, Дина."


def test_file_marc_example_is_latin1_though_it_declares_marc8():
    (item,) = read("file_marc-php/example.mrc")
    assert subfield(item.record, "245", "a") == "Det osynliga barnet och andra berättelser /"
    assert item.warnings == ["record 1: declares MARC-8 but the data is ISO 8859-1; decoded as ISO 8859-1"]


def test_irbis_rusmarc_in_cp1251_declared_in_field_100():
    items = read("irbis/test1.iso")
    assert len(items) == 81 and all(item.format == "unimarc" for item in items)
    assert all(CYRILLIC.search(str(item.record)) for item in items)
    second = items[1].record
    assert subfield(second, "200", "a") == "Задачи и этюды"
    assert subfield(second, "200", "f") == "Редкол.: В. Н. Барсуков и др."
    assert items[1].control_number == "RU\\NLR\\bibl\\5996"
    # stored as Unicode, so field 100 now declares ISO 10646 (UNIMARC code 50)
    assert subfield(second, "100", "a")[26:30] == "50  "
    assert not any(item.warnings for item in items)


def test_rusmarc_py_and_marc4s_records_are_cyrillic():
    (test2,) = records("rusmarc-py/TEST2.ISO")
    assert subfield(test2, "200", "a") == "Светильник Сибири"
    galsworthy = records("marc4s/rusmarc-utf8-galsworthy-example.iso")
    assert len(galsworthy) == 36
    assert subfield(galsworthy[0], "200", "a") == "Конец главы"
    assert subfield(galsworthy[0], "700", "a") == "Голсуорси"
    assert subfield(galsworthy[0], "700", "g") == "Джон"


def test_marc21_in_cp1251_with_blank_leader_09_is_caught():
    items = read("pymarc/1251.dat")
    assert len(items) == 6
    assert subfield(items[0].record, "100", "a") == "Ильина, Татьяна Николаевна"
    assert items[0].warnings == [
        "record 1: declares MARC-8 but the data is cp1251 Cyrillic; decoded as cp1251"
    ]


def _irbis_chunk(index: int = 1) -> bytes:
    data = (DATA / "irbis/test1.iso").read_bytes()
    return data.split(b"\x1d")[index] + b"\x1d"


def _as_cp866(chunk: bytes) -> bytes:
    """Re-encode a cp1251 record in cp866 byte for byte (lengths and offsets stay valid)."""
    table = bytes(range(128)) + bytes(
        (bytes([b]).decode("cp1251", "replace").encode("cp866", "replace") + b"?")[0] for b in range(128, 256)
    )
    return chunk.translate(table)


def test_cp866_declared_in_field_100_and_guessed_when_undeclared():
    expected = shape(next(read_records(_irbis_chunk())).record)
    cp866 = _as_cp866(_irbis_chunk())
    assert b"0189" in cp866
    declared = next(read_records(cp866.replace(b"y0189", b"y0179")))
    assert declared.error is None and not declared.warnings
    assert shape(declared.record) == expected
    undeclared = next(read_records(cp866.replace(b"y0189", b"y    ")))
    assert shape(undeclared.record) == expected
    assert undeclared.warnings == [
        "record 1: declares no character set but the data is cp866 Cyrillic; decoded as cp866"
    ]
    overridden = next(read_records(cp866, encoding="CP866"))
    assert shape(overridden.record) == expected and not overridden.warnings


def test_declared_utf8_that_is_cp1251_is_caught():
    chunk = _irbis_chunk()
    lying = chunk[:9] + b"a" + chunk[10:]
    item = list(read_records(_irbis_chunk(0) + lying))[1]
    assert item.warnings == [
        "record 2: leader/09 declares UTF-8 but 100 $a/26-29 declares cp1251",
        "record 2: declares UTF-8 but is not valid UTF-8; decoded as cp1251",
    ]
    assert subfield(item.record, "200", "a") == "Задачи и этюды"
    assert str(item.record.leader)[9] == "a"  # the leader is kept as it was


def test_declared_marc8_that_is_utf8_is_caught():
    data = (DATA / "yaz/marccol1.u8.marc").read_bytes()
    chunk = next(c + b"\x1d" for c in data.split(b"\x1d") if not c.isascii())
    expected = shape(next(read_records(chunk)).record)
    item = next(read_records(chunk[:9] + b" " + chunk[10:]))
    assert item.warnings == ["record 1: declares MARC-8 but the data is UTF-8; decoded as UTF-8"]
    assert shape(item.record) == expected


def test_unimarc_declaring_another_charset_than_its_data():
    (ur,) = read("rusmarc-py/ur.iso")
    assert ur.warnings[0] == "record 1: leader/09 declares UTF-8 but 100 $a/26-29 declares cp1251"
    assert subfield(ur.record, "200", "a") == "ПЕДАГОГИКА И ПСИХОЛОГИЯ НЕНАСИЛИЯ В ОБРАЗОВАНИИ"
    bnr = read("qa-catalogue/short.bnr.1993.mrc")
    assert bnr[0].warnings == ["record 1: declares ISO 5426 but the data is UTF-8; decoded as UTF-8"]


def test_encoding_helpers():
    assert unimarc_declared("19980716d1997    u  y0rusy0189    ca") == "cp1251"
    assert unimarc_declared("20090113d1960    u  u1rusy50      ca") == "utf-8"
    assert unimarc_declared("20050527c        m  y0frey0103    ba") == "iso5426"
    assert unimarc_declared("short") is None
    assert normalize_encoding("UTF8") == "utf-8" and normalize_encoding("MARC8") == "marc-8"
    assert normalize_encoding("windows-1251") == "cp1251"
    with pytest.raises(ValueError):
        normalize_encoding("no-such-charset")
    assert guess_cyrillic_codepage("Задачи и этюды".encode("cp1251")) == "cp1251"
    assert guess_cyrillic_codepage("Задачи и этюды".encode("cp866")) == "cp866"
    assert guess_cyrillic_codepage("Civilização".encode("latin-1")) is None
    assert choose_encoding(b"plain ascii", "marc-8").encoding == "utf-8"


# --- malformed input -----------------------------------------------------------------


def test_directory_entry_outside_the_record_is_reported_and_reading_goes_on():
    chunk = _irbis_chunk()
    base = int(chunk[12:17])
    entry3 = 24 + 2 * 12
    broken = chunk[: entry3 + 7] + b"99000" + chunk[entry3 + 12 :]
    assert int(broken[12:17]) == base
    items = list(read_records(_irbis_chunk(0) + broken + _irbis_chunk(2)))
    assert [item.position for item in items] == [1, 2, 3]
    assert items[1].record is None
    assert items[1].error == "record 2: directory entry 3 (tag 100) points outside the record"
    assert items[1].format == "unimarc"
    assert items[0].record is not None and items[2].record is not None


def test_baddir_directory_without_terminator():
    (item,) = read("marc-perl/baddir.usmarc")  # the trailing newline is not a record
    assert item.warnings == [
        "record 1: the directory does not end with a field terminator (0x1E) before base address 145"
    ]
    assert subfield(item.record, "245", "a") == "Green Eggs and Ham"


def test_wrong_leader_length_is_framed_by_the_record_terminator():
    (item,) = read("file_marc-php/wronglen.mrc")
    assert (
        item.warnings[0]
        == "record 1: leader/00-04 says 727 bytes but the record terminator ends it at 741 bytes"
    )
    assert item.control_number == "03-0016458"
    bu = read("catmandu-marc/bu_bibs.mrc")  # pymarc alone stops after 2 of these 100 records
    assert len(bu) == 100 and sum(item.record is not None for item in bu) >= 95
    assert bu[30].error == "record 31: field 246 (directory entry 10): byte 0xC2 is not valid UTF-8"


def test_bad_leaders_and_stray_bytes():
    items = read("marc-perl/badldr.usmarc")
    assert [item.record is not None for item in items] == [True] * 6 + [False]
    assert items[6].error == "record 7: 1 stray bytes, too short for a record (the leader alone is 24)"


def test_non_ascii_indicator_names_the_field():
    (item,) = read("ruby-marc/cp866_unimarc.marc")
    assert item.record is None
    assert item.error == "record 1: field 021 (directory entry 7): indicator byte 0x80 is not ASCII"


def test_marcxml_bad_leader_is_reported_with_its_line():
    (item,) = read("file_marc-php/bad_leader.xml")
    assert item.record is None
    assert item.error.startswith("record 1 (line 1): the leader has 26 characters, not 24")


def test_marcxml_broken_record_does_not_lose_the_others():
    items = read("ruby-marc/three-records-second-bad.xml")
    assert [item.record is not None for item in items] == [True, False, True]
    assert items[1].error.startswith("record 2: the XML is not well-formed at line 72")
    assert items[2].control_number == "afc99990058366"


def test_marcxml_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = f"""<?xml version="1.0"?>
<!DOCTYPE collection [<!ENTITY xxe SYSTEM "file://{secret}">]>
<collection xmlns="{MARCXML_NS}"><record><leader>00000nam a2200000   4500</leader>
<controlfield tag="001">x1</controlfield>
<datafield tag="245" ind1="0" ind2="0"><subfield code="a">&xxe;</subfield></datafield></record></collection>"""
    items = list(read_records(xml.encode()))
    assert all("TOP-SECRET" not in record_to_json(item.record) for item in items if item.record)


def test_marc_json_dialect_that_is_not_json_is_one_error():
    (item,) = read("marc4j/marc-json.json")
    assert (
        item.error
        == "record 1: not valid JSON at line 2 column 5: Expecting property name enclosed in double quotes"
    )


def test_every_copied_file_reads_without_raising():
    for path in sorted(DATA.rglob("*")):
        if path.suffix.lower() in {".mrc", ".iso", ".marc", ".usmarc", ".dat", ".xml", ".json"}:
            for item in read_records(path):
                assert (item.record is None) == (item.error is not None)


# --- serializations and formats ------------------------------------------------------


def test_namespace_prefixed_marcxml_and_marcxchange():
    batch = records("marc-perl/batch-ns.xml")
    assert len(batch) == 10 and all(detect_format(r) == "marc21" for r in batch)
    xchange = read("xbib-marc/2.xml")
    assert len(xchange) == 3 and all(item.record is not None for item in xchange)


def test_rusmarc_xml_without_leader():
    (item,) = read("xbib-marc/rusmarc.xml")
    assert item.format == "unimarc"
    assert subfield(item.record, "200", "a") == "Сучасна соціальна філософія"
    assert item.warnings == ["record 1 (line 10): no <leader>; a default leader was supplied"]


def test_marc_in_json_array_and_single_object():
    batch = read("pymarc/batch.json")
    assert len(batch) == 2 and all(item.record is not None for item in batch)
    single = record_to_json(batch[0].record).encode()
    assert detect_serialization(single) == "json"
    (again,) = read_records(single)
    assert shape(again.record) == shape(batch[0].record)


def test_detect_format_and_override():
    assert detect_format(records(MARC21_UTF8[0])[0]) == "marc21"
    assert detect_format(records("irbis/test1.iso")[0]) == "unimarc"
    unimarc_xml = read("medialab-reference_manager/marcxml_bsg_nordiquenumerisation.xml")
    assert [item.format for item in unimarc_xml] == ["unimarc"] * 4
    forced = read("irbis/test1.iso", fmt="marc21")
    assert forced[0].format == "marc21"


def test_serialization_override_and_errors():
    assert detect_serialization(b"\xef\xbb\xbf  <?xml version='1.0'?>") == "marcxml"
    assert detect_serialization(b"[]") == "json"
    assert detect_serialization(b"00714cam a2200205 a 4500") == "iso2709"
    with pytest.raises(ValueError):
        read_records(b"", serialization="mods")
    with pytest.raises(ValueError):
        read_records(b"", fmt="danmarc")
    assert list(read_records(b"\n\n")) == []


def test_oai_pmh_wrapper_records_are_not_taken_for_marc_records():
    originals = records("marc4j/cyrillic_capital_e.mrc")
    wrapped = "".join(
        f"<record><header><identifier>{n}</identifier></header><metadata>{record_to_marcxml(r)}</metadata></record>"
        for n, r in enumerate(originals)
    )
    xml = f'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>{wrapped}</ListRecords></OAI-PMH>'
    items = list(read_records(xml.encode()))
    assert [item.control_number for item in items] == ["u6015439", "u5278992"]
    assert [shape(item.record) for item in items] == [shape(r) for r in originals]


def test_leader_length_that_is_not_a_number_and_file_objects():
    chunk = _irbis_chunk(1)
    blank = b"     " + chunk[5:]
    items = list(read_records(io.BytesIO(_irbis_chunk(0) + blank + _irbis_chunk(2))))
    assert [item.error for item in items] == [None, None, None]
    assert items[1].warnings == [
        f"record 2: leader/00-04 '     ' is not a length; the record terminator ends it at {len(chunk)} bytes"
    ]
    assert subfield(items[1].record, "200", "a") == "Задачи и этюды"


def test_iso5426_override_reads_as_latin1_with_a_warning():
    (item,) = read("qa-catalogue/short.bnr.1993.mrc", encoding="iso5426")[:1]
    assert item.record is not None
    assert item.warnings == ["record 1: ISO 5426 cannot be decoded exactly; decoded as ISO 8859-1"]


def test_blank_and_nul_filler_between_records_is_skipped():
    items = read("marc-perl/filler.usmarc")
    assert [item.error for item in items] == [None, None, None]
    assert items[1].control_number is not None
