"""Validation of records against format profiles (marc/validate) and ISBN/ISSN check digits (marc/isbn)."""

import re
from pathlib import Path

import pymarc
import pytest
from pymarc import Field, Record, Subfield

from marc import isbn
from marc.profiles import profile_for
from marc.validate import ERROR, WARNING, Problem, by_field, errors, has_errors, validate, warnings

DATA = Path(__file__).resolve().parent / "data"
CYRILLIC = re.compile(r"[А-Яа-яІіЇїЄєҐґ]")

UNIMARC_LEADER = "00000nam0 2200000 i 450 "
MARC21_LEADER = "00000nam a2200000 i 4500"
# 100$a: entered 2024-01-31, monograph (d) of 2008, adult general audience, not a government
# publication, not modified, cataloguing language ukr, no transliteration, Unicode, Cyrillic title.
UNIMARC_100A = "20240131d2008    m  y0ukry50      ca"
# 008 for a Ukrainian book: Kyiv (un), 2008, illustrated, index, not fiction, no biography.
MARC21_008 = "240131s2008    un a          001 0 ukr d"


def sf(*pairs):
    return [Subfield(code, value) for code, value in pairs]


def data(tag, ind1=" ", ind2=" ", *pairs):
    return Field(tag=tag, indicators=[ind1, ind2], subfields=sf(*pairs))


def unimarc_book(**replace) -> Record:
    """A correct UNIMARC record of the book from DOMAIN.md (Свердан, Вища математика, 2008)."""
    record = Record(leader=UNIMARC_LEADER, force_utf8=True)
    fields = {
        "001": [Field(tag="001", data="lounb000001")],
        "005": [Field(tag="005", data="20240131120000.0")],
        "010": [data("010", " ", " ", ("a", "966-504-025-1"), ("d", "120 грн"))],
        "100": [data("100", " ", " ", ("a", UNIMARC_100A))],
        "101": [data("101", "0", " ", ("a", "ukr"))],
        "102": [data("102", " ", " ", ("a", "UA"))],
        "200": [
            data(
                "200",
                "1",
                " ",
                ("a", "Вища математика"),
                ("e", "математичний аналіз і теорія ймовірностей"),
                ("e", "підручник"),
                ("f", "П. Л. Свердан"),
            )
        ],
        "210": [data("210", " ", " ", ("a", "Київ"), ("c", "Знання"), ("d", "2008"))],
        "215": [data("215", " ", " ", ("a", "450 с."), ("c", "іл."), ("d", "21 см"))],
        "606": [data("606", "1", " ", ("a", "Математичний аналіз"), ("2", "local"))],
        "675": [data("675", " ", " ", ("a", "517(075.8)"))],
        "700": [data("700", " ", "1", ("a", "Свердан"), ("b", "П. Л."), ("4", "070"))],
        "801": [data("801", " ", "0", ("a", "UA"), ("b", "ЛОУНБ"), ("c", "20240131"))],
        "995": [data("995", " ", " ", ("j", "12345"), ("f", "0001234500"), ("k", "517/С24"))],
    }
    fields.update(replace)
    for tag in sorted(fields):
        for field in fields[tag]:
            record.add_field(field)
    return record


def marc21_book(**replace) -> Record:
    """The same book in MARC21."""
    record = Record(leader=MARC21_LEADER, force_utf8=True)
    fields = {
        "001": [Field(tag="001", data="lounb000002")],
        "003": [Field(tag="003", data="UA-LgOUNB")],
        "008": [Field(tag="008", data=MARC21_008)],
        "020": [data("020", " ", " ", ("a", "9789665040255"), ("q", "у палітурці"))],
        "040": [data("040", " ", " ", ("a", "ЛОУНБ"), ("b", "ukr"), ("e", "rda"))],
        "041": [data("041", "0", " ", ("a", "ukr"))],
        "080": [data("080", "0", " ", ("a", "517(075.8)"), ("2", "2011"))],
        "100": [data("100", "1", " ", ("a", "Свердан, П. Л."), ("e", "автор"))],
        "245": [
            data("245", "1", "0", ("a", "Вища математика :"), ("b", "підручник /"), ("c", "П. Л. Свердан."))
        ],
        "264": [data("264", " ", "1", ("a", "Київ :"), ("b", "Знання,"), ("c", "2008."))],
        "300": [data("300", " ", " ", ("a", "450 с. :"), ("b", "іл. ;"), ("c", "21 см."))],
        "336": [data("336", " ", " ", ("a", "текст"), ("b", "txt"), ("2", "rdacontent"))],
        "650": [data("650", " ", "7", ("a", "Математичний аналіз"), ("2", "local"))],
        "952": [data("952", " ", " ", ("i", "12345"), ("p", "0001234500"), ("o", "517/С24"))],
    }
    fields.update(replace)
    for tag in sorted(fields):
        for field in fields[tag]:
            record.add_field(field)
    return record


def found(problems, level=None, tag=None, code=None):
    return [
        p
        for p in problems
        if (level is None or p.level == level)
        and (tag is None or p.tag == tag)
        and (code is None or p.code == code)
    ]


# --- the reference records are clean ---------------------------------------------


def test_correct_unimarc_book_has_no_problems():
    assert validate(unimarc_book(), "unimarc") == []


def test_correct_marc21_book_has_no_problems():
    assert validate(marc21_book(), "marc21") == []


def test_profile_can_be_given_as_dict_or_name():
    record = unimarc_book(**{"200": []})
    for profile in ("unimarc", "unimarc_bib", profile_for("unimarc")):
        assert [(p.tag, p.code) for p in errors(validate(record, profile))] == [("200", "")]


# --- mandatory fields and subfields ----------------------------------------------


def test_missing_200_is_an_error():
    problems = validate(unimarc_book(**{"200": []}), "unimarc")
    (problem,) = problems
    assert problem == Problem(
        ERROR,
        "200",
        "",
        "Відсутнє обов'язкове поле 200 «Назва та відомості про відповідальність».",
        "Mandatory field 200 (Title and statement of responsibility) is missing.",
        None,
    )
    assert has_errors(problems)


def test_missing_245_is_an_error():
    problems = validate(marc21_book(**{"245": []}), "marc21")
    assert [(p.level, p.tag, p.code) for p in problems] == [(ERROR, "245", "")]
    assert "245" in problems[0].message and "Відомості про назву" in problems[0].message


def test_missing_mandatory_control_and_coded_fields():
    problems = validate(unimarc_book(**{"001": [], "100": [], "801": []}), "unimarc")
    assert sorted(p.tag for p in errors(problems)) == ["001", "100", "801"]
    problems = validate(marc21_book(**{"008": []}), "marc21")
    assert [(p.tag, p.code) for p in errors(problems)] == [("008", "")]


def test_fields_the_catalogue_assigns_on_save_can_be_left_out():
    record = unimarc_book(**{"001": [], "005": []})
    assert [p.tag for p in validate(record, "unimarc")] == ["001"]
    assert validate(record, "unimarc", assigned_on_save=("001", "005")) == []


def test_missing_mandatory_subfield_is_an_error():
    record = unimarc_book(**{"200": [data("200", "1", " ", ("f", "П. Л. Свердан"))]})
    (problem,) = validate(record, "unimarc")
    assert (problem.level, problem.tag, problem.code) == (ERROR, "200", "a")
    assert "обов'язкове підполе $a «Основна назва»" in problem.message
    record = unimarc_book(**{"801": [data("801", " ", "0", ("a", "UA"))]})
    assert [(p.tag, p.code) for p in validate(record, "unimarc")] == [("801", "b")]


# --- indicators ---------------------------------------------------------------------


def test_invalid_indicator_is_an_error():
    record = unimarc_book(**{"200": [data("200", "5", " ", ("a", "Вища математика"))]})
    (problem,) = validate(record, "unimarc")
    assert (problem.level, problem.tag, problem.code) == (ERROR, "200", "ind1")
    assert "недопустиме значення 1-го індикатора «5»" in problem.message
    assert "Допустимі: 0, 1" in problem.message


def test_blank_indicator_where_a_value_is_required_is_shown_as_hash():
    record = marc21_book(**{"100": [data("100", " ", " ", ("a", "Свердан, П. Л."))]})
    (problem,) = validate(record, "marc21")
    assert (problem.tag, problem.code) == ("100", "ind1")
    assert "«#»" in problem.message and "# - пробіл" in problem.message


def test_second_indicator_checked_too():
    record = marc21_book(**{"245": [data("245", "1", "x", ("a", "Вища математика"))]})
    assert [(p.tag, p.code) for p in validate(record, "marc21")] == [("245", "ind2")]
    record = unimarc_book(**{"700": [data("700", " ", " ", ("a", "Свердан"))]})
    assert [(p.tag, p.code) for p in validate(record, "unimarc")] == [("700", "ind2")]


# --- repeatability --------------------------------------------------------------------


def test_non_repeatable_field_repeated_is_an_error():
    title = data("200", "1", " ", ("a", "Вища математика"))
    record = unimarc_book(**{"200": [title, title]})
    (problem,) = validate(record, "unimarc")
    assert (problem.level, problem.tag, problem.code) == (ERROR, "200", "")
    assert (
        problem.message
        == "Поле 200 «Назва та відомості про відповідальність» неповторюване, а в записі їх 2."
    )
    # It points at the second occurrence, where the editor shows it.
    assert record.fields[problem.field_index] is record.get_fields("200")[1]


def test_non_repeatable_main_entry_repeated_in_both_formats():
    author = data("700", " ", "1", ("a", "Свердан"))
    assert [p.tag for p in validate(unimarc_book(**{"700": [author, author]}), "unimarc")] == ["700"]
    main = data("100", "1", " ", ("a", "Свердан, П. Л."))
    title = data("245", "1", "0", ("a", "Вища математика"))
    problems = validate(marc21_book(**{"100": [main, main], "245": [title, title, title]}), "marc21")
    assert [(p.tag, p.message_en) for p in problems] == [
        ("100", "Field 100 (Main entry - personal name) is not repeatable but occurs 2 times."),
        ("245", "Field 245 (Title statement) is not repeatable but occurs 3 times."),
    ]


def test_non_repeatable_subfield_repeated_is_an_error():
    record = unimarc_book(**{"215": [data("215", " ", " ", ("a", "450 с."), ("c", "іл."), ("c", "портр."))]})
    (problem,) = validate(record, "unimarc")
    assert (problem.level, problem.tag, problem.code) == (ERROR, "215", "c")
    assert (
        "підполе $c «Інші фізичні характеристики (ілюстрації)» неповторюване, а в полі їх 2"
        in problem.message
    )
    record = marc21_book(**{"245": [data("245", "1", "0", ("a", "Вища математика"), ("a", "Підручник"))]})
    assert [(p.tag, p.code) for p in validate(record, "marc21")] == [("245", "a")]


def test_repeatable_subfields_may_repeat():
    # 200$e and 101$a are repeatable.
    record = unimarc_book(**{"101": [data("101", "1", " ", ("a", "ukr"), ("a", "eng"), ("c", "eng"))]})
    assert validate(record, "unimarc") == []


# --- ISBN / ISSN -----------------------------------------------------------------------


def test_bad_isbn_check_digit_is_an_error():
    record = unimarc_book(**{"010": [data("010", " ", " ", ("a", "966-504-025-2"))]})
    (problem,) = validate(record, "unimarc")
    assert (problem.level, problem.tag, problem.code) == (ERROR, "010", "a")
    assert "неправильна контрольна цифра ISBN «966-504-025-2» (має бути 1)" in problem.message
    assert "$z" in problem.message
    record = marc21_book(**{"020": [data("020", " ", " ", ("a", "9789665040256"))]})
    (problem,) = validate(record, "marc21")
    assert (problem.tag, problem.code) == ("020", "a") and "(має бути 5)" in problem.message


def test_cancelled_isbn_in_z_is_not_checked():
    record = unimarc_book(**{"010": [data("010", " ", " ", ("a", "966-504-025-1"), ("z", "966-504-025-2"))]})
    assert validate(record, "unimarc") == []
    record = marc21_book(**{"020": [data("020", " ", " ", ("z", "9789665040256"))]})
    assert validate(record, "marc21") == []


def test_isbn_with_cyrillic_x_and_garbage():
    record = unimarc_book(**{"010": [data("010", " ", " ", ("a", "5-900776-31-х"))]})
    (problem,) = validate(record, "unimarc")
    assert "кирилична літера «х» замість латинської X" in problem.message
    record = unimarc_book(**{"010": [data("010", " ", " ", ("a", "б. н."))]})
    (problem,) = validate(record, "unimarc")
    assert "не схоже на ISBN" in problem.message


def test_marc21_isbn_with_qualifier_is_accepted():
    record = marc21_book(**{"020": [data("020", " ", " ", ("a", "0306406152 (pbk.)"))]})
    assert validate(record, "marc21") == []


def test_bad_issn_check_digit_is_an_error():
    serial = {"011": [data("011", " ", " ", ("a", "0317-8472"), ("y", "1234-5678"))]}
    (problem,) = validate(unimarc_book(**serial), "unimarc")
    assert (problem.level, problem.tag, problem.code) == (ERROR, "011", "a")
    assert "неправильна контрольна цифра ISSN «0317-8472» (має бути 1)" in problem.message
    assert validate(unimarc_book(**{"011": [data("011", " ", " ", ("a", "0317-8471"))]}), "unimarc") == []
    problems = validate(
        marc21_book(**{"022": [data("022", " ", " ", ("a", "2049-363X"), ("y", "0000-0000"))]}), "marc21"
    )
    assert [(p.tag, p.code) for p in problems] == [("022", "a")]


def test_isbn_helpers():
    assert isbn.normalize_isbn("ISBN 966-504-025-1 (в опр.)") == "9665040251"
    assert isbn.is_valid_isbn("966-504-025-1") and isbn.is_valid_isbn("978-0-306-40615-7")
    assert not isbn.is_valid_isbn("978-0-306-40615-8") and not isbn.is_valid_isbn("123")
    assert isbn.isbn10_to_13("966-504-025-1") == "9789665040255"
    assert isbn.isbn13_to_10("9789665040255") == "9665040251"
    assert isbn.isbn13_to_10("979-10-90636-07-1") is None
    assert isbn.to_isbn13("0-306-40615-2") == isbn.to_isbn13("978-0-306-40615-7") == "9780306406157"
    assert isbn.to_isbn13("0-306-40615-3") is None
    assert isbn.isbn10_check_digit("080442957") == "X"  # a check value of 10 is written X
    assert isbn.is_valid_isbn("0-8044-2957-x")
    assert not isbn.is_valid_isbn("97X0306406157")
    assert isbn.normalize_issn("ISSN 2049-3630 (Online)") == "2049-3630"
    assert isbn.is_valid_issn("2049-3630") and isbn.is_valid_issn("0317 8471")
    assert isbn.is_valid_issn("2434-561x") and not isbn.is_valid_issn("2434-5611")
    assert isbn.normalize_issn("") is None and isbn.normalize_isbn(None) is None


# --- fixed fields -------------------------------------------------------------------


def test_leader_length_and_positions():
    record = unimarc_book()
    record.leader = UNIMARC_LEADER[:23]
    assert [(p.tag, p.code) for p in validate(record, "unimarc")] == [("LDR", "")]
    record.leader = "00000qzm0 2200000 i 450 "
    problems = validate(record, "unimarc")
    assert [(p.level, p.tag, p.code) for p in problems] == [(ERROR, "LDR", "05"), (ERROR, "LDR", "06")]
    assert problems[0].message.startswith(
        "Маркер запису, позиція 05 «Статус запису»: недопустиме значення «q»"
    )
    record = marc21_book()
    record.leader = "0000xnam a2200000 i 4500"
    assert [(p.tag, p.code) for p in validate(record, "marc21")] == [("LDR", "00-04")]


def test_008_length_date_and_language():
    short = marc21_book(**{"008": [Field(tag="008", data=MARC21_008[:39])]})
    problems = validate(short, "marc21")
    assert [(p.tag, p.code) for p in problems] == [("008", "")]
    assert "має містити 40 символів, а містить 39" in problems[0].message
    bad = MARC21_008.replace("240131", "241331", 1)
    bad = bad[:35] + "UKR" + bad[38:]
    problems = validate(marc21_book(**{"008": [Field(tag="008", data=bad)]}), "marc21")
    assert [(p.tag, p.code) for p in problems] == [("008", "00-05"), ("008", "35-37")]
    assert "«241331» не є правильною датою" in problems[0].message
    assert "«UKR» не є кодом мови" in problems[1].message
    year = MARC21_008[:7] + "20o8" + MARC21_008[11:]
    assert [
        (p.tag, p.code) for p in validate(marc21_book(**{"008": [Field(tag="008", data=year)]}), "marc21")
    ] == [("008", "07-10")]


def test_008_book_positions_only_checked_for_books():
    odd = MARC21_008[:18] + "zzzz" + MARC21_008[22:]
    assert [
        (p.tag, p.code) for p in validate(marc21_book(**{"008": [Field(tag="008", data=odd)]}), "marc21")
    ] == [("008", "18-21")]
    record = marc21_book(**{"008": [Field(tag="008", data=odd)]})
    record.leader = "00000njm a2200000 i 4500"  # a music recording: 18-34 mean something else
    assert validate(record, "marc21") == []


def test_unimarc_100a_length_and_dates():
    problems = validate(unimarc_book(**{"100": [data("100", " ", " ", ("a", UNIMARC_100A[:35]))]}), "unimarc")
    assert [(p.tag, p.code) for p in problems] == [("100", "a")]
    assert problems[0].message.startswith(
        "Поле 100$a «Дані загальної обробки ($a)» має містити 36 символів, а містить 35"
    )
    bad = "20241301" + UNIMARC_100A[8:]
    problems = validate(unimarc_book(**{"100": [data("100", " ", " ", ("a", bad))]}), "unimarc")
    assert [(p.tag, p.code) for p in problems] == [("100", "00-07")]
    assert "«20241301» не є правильною датою (РРРРММДД" in problems[0].message
    bad = UNIMARC_100A[:8] + "q" + UNIMARC_100A[9:22] + "UK " + UNIMARC_100A[25:]
    problems = validate(unimarc_book(**{"100": [data("100", " ", " ", ("a", bad))]}), "unimarc")
    assert [(p.tag, p.code) for p in problems] == [("100", "08"), ("100", "22-24")]


def test_unimarc_105a_book_codes():
    good = unimarc_book(**{"105": [data("105", " ", " ", ("a", "ac  z   001yy"))]})
    assert validate(good, "unimarc") == []
    bad = unimarc_book(**{"105": [data("105", " ", " ", ("a", "aX  z   201yy"))]})
    assert [(p.tag, p.code) for p in validate(bad, "unimarc")] == [("105", "00-03"), ("105", "08")]


def test_unimarc_100a_accepts_partly_known_years():
    partly = UNIMARC_100A[:9] + "19  " + UNIMARC_100A[13:]
    assert validate(unimarc_book(**{"100": [data("100", " ", " ", ("a", partly))]}), "unimarc") == []


# --- coded subfields and the UDC notation ---------------------------------------------


def test_language_and_country_codes_in_subfields():
    record = unimarc_book(
        **{
            "101": [data("101", "1", " ", ("a", "укр"), ("c", "eng"))],
            "102": [data("102", " ", " ", ("a", "ua"))],
        }
    )
    problems = validate(record, "unimarc")
    assert [(p.level, p.tag, p.code) for p in problems] == [(ERROR, "101", "a"), (ERROR, "102", "a")]
    assert (
        problems[0].message
        == "Поле 101$a: «укр» - потрібен код мови з трьох малих латинських літер (напр. ukr)."
    )
    record = unimarc_book(
        **{"702": [data("702", " ", "1", ("a", "Іваненко"), ("b", "І. І."), ("4", "ред."))]}
    )
    assert [(p.tag, p.code) for p in validate(record, "unimarc")] == [("702", "4")]
    # MARC 21 041: old records packed several codes in one subfield; other sources are named in $2.
    packed = data("041", "1", " ", ("a", "engfre"), ("h", "ger"))
    assert validate(marc21_book(**{"041": [packed]}), "marc21") == []
    iso = data("041", " ", "7", ("a", "uk"), ("2", "iso639-1"))
    assert validate(marc21_book(**{"041": [iso]}), "marc21") == []
    wrong = data("041", " ", " ", ("a", "uk"))
    assert [(p.tag, p.code) for p in validate(marc21_book(**{"041": [wrong]}), "marc21")] == [("041", "a")]


def test_bbk_in_the_udc_field_is_a_warning():
    record = unimarc_book(**{"675": [data("675", " ", " ", ("a", "Ш5(4Укр)"))]})
    (problem,) = validate(record, "unimarc")
    assert (problem.level, problem.tag, problem.code) == (WARNING, "675", "a")
    assert "не схоже на індекс УДК" in problem.message and "686" in problem.message
    record = marc21_book(**{"080": [data("080", " ", " ", ("a", "ББК 22.1"))]})
    assert [(p.level, p.tag) for p in validate(record, "marc21")] == [(WARNING, "080")]


# --- warnings -----------------------------------------------------------------------------


def test_missing_udc_is_a_warning_citing_resolution_177():
    problems = validate(unimarc_book(**{"675": []}), "unimarc")
    (problem,) = problems
    assert (problem.level, problem.tag) == (WARNING, "675")
    assert "177" in problem.message and "УДК" in problem.message
    assert not has_errors(problems)
    problems = validate(marc21_book(**{"080": []}), "marc21")
    assert [(p.level, p.tag) for p in problems] == [(WARNING, "080")]


def test_unknown_tag_is_a_warning_and_local_tags_are_accepted():
    record = unimarc_book(
        **{"123": [data("123", " ", " ", ("a", "x"))], "999": [data("999", " ", " ", ("a", "x"))]}
    )
    problems = validate(record, "unimarc")
    assert [(p.level, p.tag) for p in problems] == [(WARNING, "123")]
    assert problems[0].message == "Поле 123 не визначене у форматі «UNIMARC: бібліографічні записи»."
    record = marc21_book(
        **{"949": [data("949", " ", " ", ("a", "x"))], "590": [data("590", " ", " ", ("a", "x"))]}
    )
    assert validate(record, "marc21") == []


def test_unknown_and_empty_subfields_are_warnings():
    record = unimarc_book(**{"215": [data("215", " ", " ", ("a", "450 с."), ("q", "?"), ("d", " "))]})
    problems = validate(record, "unimarc")
    assert [(p.level, p.tag, p.code) for p in problems] == [(WARNING, "215", "d"), (WARNING, "215", "q")]
    assert not has_errors(problems)
    # Koha item fields accept the subfields a library's framework adds.
    record = unimarc_book(**{"995": [data("995", " ", " ", ("j", "1"), ("g", "2008-03-13"))]})
    assert validate(record, "unimarc") == []


def test_field_without_subfields_and_wrong_field_shape_are_errors():
    record = unimarc_book(**{"215": [Field(tag="215", indicators=[" ", " "], subfields=[])]})
    assert [(p.level, p.tag) for p in validate(record, "unimarc")] == [(ERROR, "215")]
    record = unimarc_book(**{"001": [data("001", " ", " ", ("a", "x"))]})
    assert [(p.level, p.tag) for p in validate(record, "unimarc")] == [(ERROR, "001")]
    # pymarc makes a data field without subfields of a tag >= 010 given as plain data.
    record = unimarc_book(**{"101": [Field(tag="101", data="ukr")]})
    problems = validate(record, "unimarc")
    assert {p.tag for p in problems} == {"101"} and ("101", "") in [(p.tag, p.code) for p in problems]


def test_problems_grouped_by_editor_row():
    record = unimarc_book(
        **{"215": [data("215", " ", " ", ("a", "450 с."), ("c", "іл."), ("c", "портр."))], "675": []}
    )
    grouped = by_field(validate(record, "unimarc"))
    row = next(i for i, f in enumerate(record.fields) if f.tag == "215")
    assert [(p.tag, p.code) for p in grouped[row]] == [("215", "c")]
    assert [p.tag for p in grouped[None]] == ["675"]


def test_errors_block_warnings_do_not():
    problems = validate(unimarc_book(**{"200": [], "675": []}), "unimarc")
    assert has_errors(problems)
    assert [p.tag for p in errors(problems)] == ["200"]
    assert [p.tag for p in warnings(problems)] == ["675"]
    assert not has_errors(warnings(problems))
    assert has_errors([]) is False


def test_every_message_has_ukrainian_and_english_text():
    record = unimarc_book(
        **{
            "200": [data("200", "7", " ", ("f", "x"))],
            "010": [data("010", " ", " ", ("a", "966-504-025-2"))],
            "123": [data("123", " ", " ", ("a", "x"))],
            "675": [],
        }
    )
    record.leader = "00000qam0 2200000 i 450 "
    problems = validate(record, "unimarc")
    assert len(problems) == 6
    for problem in problems:
        assert CYRILLIC.search(problem.message), problem
        assert problem.message_en and not CYRILLIC.search(problem.message_en.split("«")[0]), problem


# --- authority records ----------------------------------------------------------------------


def unimarc_person_authority():
    record = Record(leader="00000nx  a2200000   450 ", force_utf8=True)
    record.add_field(Field(tag="001", data="auth0001"))
    # 100$a (24 characters): entered, established (a), ukr, no transliteration, Unicode, Cyrillic.
    record.add_field(data("100", " ", " ", ("a", "20240131aukry50      ca0")))
    record.add_field(
        data(
            "200", " ", "1", ("a", "Шевченко"), ("b", "Т. Г."), ("f", "1814-1861"), ("g", "Тарас Григорович")
        )
    )
    record.add_field(data("400", " ", "1", ("a", "Кобзар")))
    record.add_field(data("801", " ", "0", ("a", "UA"), ("b", "ЛОУНБ"), ("c", "20240131")))
    return record


def test_unimarc_authority_heading():
    record = unimarc_person_authority()
    assert validate(record, "unimarc_auth") == []
    record["100"]["a"] = "20240131aukry50"
    (problem,) = validate(record, "unimarc_auth")
    assert "має містити 24 символи, а містить 15" in problem.message
    record["100"]["a"] = "20240131aukry50      ca0"
    record.remove_fields("200")
    (problem,) = validate(record, "unimarc_auth")
    assert (problem.level, problem.tag) == (ERROR, "200") and "Немає заголовка" in problem.message


def test_marc21_authority_heading_and_indicators():
    record = Record(leader="00000nz  a2200000n  4500", force_utf8=True)
    record.add_field(Field(tag="001", data="auth0002"))
    record.add_field(Field(tag="008", data="240131n| acannaabn          |a aaa      "))
    record.add_field(data("040", " ", " ", ("a", "ЛОУНБ"), ("b", "ukr")))
    record.add_field(data("150", " ", " ", ("a", "Математичний аналіз")))
    record.add_field(data("450", " ", " ", ("a", "Аналіз математичний")))
    record.add_field(data("550", " ", " ", ("a", "Математика"), ("w", "g")))
    assert validate(record, "marc21_auth") == []
    record.add_field(data("100", "9", " ", ("a", "Свердан, П. Л.")))
    assert [(p.tag, p.code) for p in validate(record, "marc21_auth")] == [("100", "ind1")]
    record.remove_fields("150", "100")
    assert [(p.level, p.tag) for p in validate(record, "marc21_auth")] == [(ERROR, "100")]


# --- real records -----------------------------------------------------------------------------


def read_iso(path, **options):
    with open(path, "rb") as fh:
        return list(pymarc.MARCReader(fh, to_unicode=True, **options))


def test_real_unimarc_records_from_the_national_library_of_russia():
    """81 RUSMARC records exported from IRBIS: only two real ISBN faults; 46 lack a UDC number."""
    records = read_iso(DATA / "irbis" / "test1.iso", file_encoding="cp1251")
    assert len(records) == 81
    found_errors = {}
    udc_warnings = 0
    other_warnings = []
    for record in records:
        for problem in validate(record, "unimarc"):
            if problem.level == ERROR:
                found_errors.setdefault(record["001"].data, []).append((problem.tag, problem.code))
            elif problem.tag == "675":
                udc_warnings += 1
            else:
                other_warnings.append(problem)
    assert found_errors == {
        "RU\\NLR\\bibl\\204591": [("010", "a")],  # "5-900776-31-х": Cyrillic х typed for X
        "RU\\NLR\\bibl\\340235": [("010", "a")],  # "5-595-03091-1": check digit should be 7
    }
    assert udc_warnings == 46 and other_warnings == []


def test_real_marc21_records_from_cornell():
    """62 Cornell exemplars (books, serials, scores, maps, recordings): the errors they really have."""
    records = read_iso(
        DATA / "folio-mod-source-record-manager" / "CornellFOLIOExemplars_Bibs.mrc", force_utf8=True
    )
    assert len(records) == 62
    found_errors = {}
    for record in records:
        for problem in errors(validate(record, "marc21")):
            found_errors.setdefault(record["001"].data, []).append((problem.tag, problem.code))
    assert found_errors == {
        "366832": [("050", "ind2"), ("082", "ind1")],  # blank 050/2 and 082/1: obsolete values
        "393893": [("050", "ind2")],
        "1579067": [("050", "ind2")],
        "1913668": [("050", "ind2")],
        "2139224": [("600", "ind1")],
        "2824702": [("LDR", "05")],  # leader/05 "m" is not a MARC 21 record status
        "6769537": [("LDR", "05"), ("050", "ind2")],
        "9674387": [
            ("008", "06"),
            ("008", "29"),
            ("008", "30"),
            ("008", "31"),
            ("008", "33"),
        ],  # 008 left blank
    }
    # The Ukrainian book (Cherkasy, 2016) is clean but for the missing UDC number.
    ukrainian = next(r for r in records if r["008"].data[35:38] == "ukr")
    assert [(p.level, p.tag) for p in validate(ukrainian, "marc21")] == [(WARNING, "080")]


def test_real_koha_unimarc_export_with_its_real_faults():
    """A Koha (RUSMARC) export of a Ukrainian book: blank leader and indicators, no 001/801."""
    (record,) = pymarc.parse_xml_to_array(str(DATA / "xbib-marc" / "rusmarc.xml"), strict=False)
    problems = validate(record, "unimarc")
    assert sorted((p.tag, p.code) for p in errors(problems)) == [
        ("001", ""),
        ("100", "08"),
        ("101", "ind1"),
        ("200", "ind1"),
        ("700", "ind2"),
        ("701", "ind2"),
        ("801", ""),
        ("LDR", "05"),
        ("LDR", "06"),
        ("LDR", "07"),
    ]
    # 198 copies in 995 are all accepted; 852 (a MARC21 tag) is flagged as unknown.
    assert [(p.tag, p.code) for p in warnings(problems)] == [("852", "")]


@pytest.mark.parametrize(
    "path", ["qa-catalogue/short.bnr.1993.mrc", "marc4s/rusmarc-utf8-galsworthy-example.iso"]
)
def test_validation_never_crashes_on_real_unimarc(path):
    for record in read_iso(DATA / path, force_utf8=True):
        for problem in validate(record, "unimarc"):
            assert problem.level in (ERROR, WARNING) and problem.message and problem.message_en
