"""Format profiles (marc/profiles), the UDC browse tree (marc/udc) and the purity of marc/."""

import ast
import re
from pathlib import Path

import pytest
from pymarc import Record

from marc import udc
from marc.profiles import (
    PROFILE_NAMES,
    field_def,
    field_name,
    fixed_positions,
    indicator_choices,
    is_local_tag,
    load_profile,
    profile_for,
    profile_for_record,
    resolve_profile,
    subfield_def,
    subfield_names,
    tag_choices,
    tag_groups,
)

CYRILLIC = re.compile(r"[А-Яа-яІіЇїЄєҐґ]")


def ukrainian(name: str) -> bool:
    """A Ukrainian caption: Cyrillic text, or an acronym used as is (ISBN, URI, CODEN, HTTP)."""
    return bool(
        CYRILLIC.search(name) or re.fullmatch(r"[A-Z][A-Z\- /]*", name) or name.startswith("Répertoire")
    )


MARC_DIR = Path(__file__).resolve().parent.parent / "marc"

UNIMARC_BIB_TAGS = (
    "001 005 010 011 100 101 102 105 106 200 205 210 214 215 225 300 320 327 330 410 461 463 "
    "600 601 602 604 605 606 607 608 610 675 686 700 701 702 710 711 712 801 856 995"
).split()
MARC21_BIB_TAGS = (
    "001 003 005 008 020 022 040 041 080 084 100 110 111 245 246 250 260 264 300 336 337 338 490 500 504 "
    "505 520 600 610 611 630 650 651 653 655 700 710 711 773 830 856 952"
).split()
UNIMARC_AUTH_TAGS = "001 100 200 210 215 250 400 410 415 450 500 510 515 550 801".split()
MARC21_AUTH_TAGS = "001 008 040 100 110 150 151 400 410 450 500 510 550".split()


@pytest.mark.parametrize(
    "name, tags",
    [
        ("unimarc_bib", UNIMARC_BIB_TAGS),
        ("marc21_bib", MARC21_BIB_TAGS),
        ("unimarc_auth", UNIMARC_AUTH_TAGS),
        ("marc21_auth", MARC21_AUTH_TAGS),
    ],
)
def test_profile_defines_the_fields_cataloguers_use(name, tags):
    profile = load_profile(name)
    missing = [tag for tag in tags if field_def(profile, tag) is None]
    assert missing == []


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_every_field_definition_is_well_formed(name):
    profile = load_profile(name)
    assert profile["leader"]["length"] == 24
    for tag, fdef in profile["fields"].items():
        assert re.fullmatch(r"[0-9]{3}", tag) and fdef["tag"] == tag
        assert ukrainian(fdef["uk"]), f"{name} {tag} has no Ukrainian name"
        assert fdef["en"] and not CYRILLIC.search(fdef["en"])
        assert isinstance(fdef["repeatable"], bool) and isinstance(fdef["mandatory"], bool)
        if fdef.get("control"):
            assert tag < "010"
            continue
        for which in ("ind1", "ind2"):
            values = fdef[which]
            assert values is None or all(len(v) == 1 and ukrainian(n["uk"]) for v, n in values.items())
        if fdef["subfields"] is not None:
            for code, sdef in fdef["subfields"].items():
                assert re.fullmatch(r"[0-9a-z]", code), f"{name} {tag} ${code}"
                assert ukrainian(sdef["uk"]) and sdef["en"], f"{name} {tag} ${code}"
                assert isinstance(sdef["repeatable"], bool) and isinstance(sdef["mandatory"], bool)


def _covered(positions):
    spots = []
    for pos in positions:
        spots.extend(range(pos["pos"], pos["pos"] + pos["length"]))
    return spots


def test_fixed_fields_cover_their_positions():
    # MARC21 008 (books): all 40 positions, none twice; UNIMARC 100$a: all 36.
    marc21 = profile_for("marc21")
    assert marc21["fixed"]["008"]["length"] == 40
    assert _covered(fixed_positions(marc21, "008")) == list(range(40))
    unimarc = profile_for("unimarc")
    assert unimarc["fixed"]["100"]["length"] == 36
    assert _covered(fixed_positions(unimarc, "100")) == list(range(36))
    assert _covered(fixed_positions(unimarc, "105")) == list(range(13))
    for profile in (marc21, unimarc):
        spots = _covered(fixed_positions(profile, "LDR"))
        assert len(spots) == len(set(spots)) and max(spots) == 23
    assert fixed_positions(marc21, "999") == []


def test_fixed_field_positions_name_their_values():
    marc21 = profile_for("marc21")
    leader06 = next(p for p in fixed_positions(marc21, "LDR") if p["pos"] == 6)
    assert leader06["values"]["a"]["uk"] == "Текстовий матеріал"
    unimarc = profile_for("unimarc")
    charset = next(p for p in fixed_positions(unimarc, "100") if p["pos"] == 26)
    assert "Unicode" in charset["values"]["50"]["uk"]
    assert next(p for p in fixed_positions(unimarc, "100") if p["pos"] == 0)["kind"] == "date8"


def test_profile_for_and_resolve_profile():
    assert profile_for("unimarc")["name"] == "unimarc_bib"
    assert profile_for("MARC21", "authority")["name"] == "marc21_auth"
    assert profile_for("unimarc", "auth")["kind"] == "authority"
    assert resolve_profile("marc21")["title_tag"] == "245"
    assert resolve_profile("unimarc_auth")["format"] == "unimarc"
    profile = profile_for("unimarc")
    assert resolve_profile(profile) is profile
    with pytest.raises(ValueError):
        profile_for("ukrmarc")
    with pytest.raises(ValueError):
        profile_for("marc21", "holdings")
    with pytest.raises(ValueError):
        load_profile("../secret")


def test_profile_for_record_picks_authority_by_leader():
    record = Record(leader="00000nz  a2200000n  4500")
    assert profile_for_record(record, "marc21")["kind"] == "authority"
    record = Record(leader="00000nx  a2200000   450 ")
    assert profile_for_record(record, "unimarc")["kind"] == "authority"
    record = Record(leader="00000nam0 2200000 i 450 ")
    assert profile_for_record(record, "unimarc")["kind"] == "bibliographic"


def test_editor_helpers():
    unimarc = profile_for("unimarc")
    assert field_name(unimarc, "200") == "Назва та відомості про відповідальність"
    assert field_name(unimarc, "200", "en") == "Title and statement of responsibility"
    assert field_name(unimarc, "995") == "Дані про примірник (Koha)"
    assert field_name(unimarc, "899") == "Локальне поле"
    assert field_name(unimarc, "123") == "Невідоме поле"
    names = subfield_names(unimarc, "200")
    assert names["a"] == "Основна назва" and names["f"] == "Перші відомості про відповідальність"
    assert subfield_names(unimarc, "995")["j"] == "Інвентарний номер"
    assert subfield_names(unimarc, "001") == {}
    assert subfield_def(unimarc, "010", "z")["repeatable"] is True
    assert indicator_choices(unimarc, "200", 1) == [
        ("0", "Назва не є точкою доступу"),
        ("1", "Назва є точкою доступу"),
    ]
    assert indicator_choices(unimarc, "001", 1) == []
    marc21 = profile_for("marc21")
    assert dict(indicator_choices(marc21, "245", 2))["4"].endswith(": 4")
    assert subfield_names(marc21, "952")["p"] == "Штрих-код"
    assert is_local_tag(marc21, "949") and is_local_tag(unimarc, "899") and not is_local_tag(marc21, "245")


def test_tag_picker_lists_tags_in_order_with_ukrainian_names():
    choices = tag_choices(profile_for("unimarc"))
    tags = [tag for tag, _ in choices]
    assert tags == sorted(tags) and len(tags) > 100
    assert ("675", "Універсальна десяткова класифікація (УДК)") in choices
    assert all(ukrainian(name) for _, name in choices)
    assert dict(tag_choices(profile_for("marc21"), "en"))["245"] == "Title statement"


def test_tag_picker_grouped_by_block():
    groups = tag_groups(profile_for("unimarc"))
    assert [name for name, _ in groups][:3] == [
        "0-- Блок ідентифікації",
        "1-- Блок кодованої інформації",
        "2-- Блок описової інформації",
    ]
    assert dict(dict(groups)["6-- Блок предметного аналізу"])["606"] == "Тематична предметна рубрика"
    groups = dict(tag_groups(profile_for("marc21"), "en"))
    assert ("245", "Title statement") in groups["2XX Titles, edition, imprint"]
    assert len(tag_groups(profile_for("marc21", "authority"))) >= 6


# --- UDC ------------------------------------------------------------------------


def test_udc_tree_has_every_main_class_with_ukrainian_divisions():
    classes = udc.main_classes()
    assert [node.code for node in classes] == [str(n) for n in range(10)]
    for node in classes:
        assert CYRILLIC.search(node.uk) and node.en
        if node.vacant:
            assert node.code == "4" and node.children == ()
            continue
        assert len(node.children) >= 3, node.code
        for child in node.children:
            assert CYRILLIC.search(child.uk), child.code
            assert udc.path(child.code)[0] is node


def test_udc_divisions_follow_the_summary():
    assert [n.code for n in udc.children("5")] == [str(n) for n in range(50, 60)]
    assert [n.code for n in udc.children("6")] == [str(n) for n in range(60, 70)]
    assert [n.code for n in udc.children("7")] == ["7.0"] + [str(n) for n in range(71, 80)]
    assert {"32", "33", "34", "37"} <= {n.code for n in udc.children("3")}
    assert udc.find("34").uk == "Право. Юридичні науки"
    assert udc.find("159.9").en == "Psychology"
    assert udc.find("999") is None
    assert udc.children("999") == ()
    assert len(udc.children()) == 10


def test_udc_path_and_caption_for_real_notations():
    assert [n.code for n in udc.path("821.161.2-31")] == ["8", "82", "821", "821.161.2"]
    assert udc.caption("821.161.2-31") == "Українська література"
    assert udc.caption("94(477.61)") == "Історія України"
    assert udc.caption("904") == udc.find("902/908").uk
    assert udc.caption("004.738.5", "en").startswith("Computer science")
    assert udc.caption("517.2") == "Математика"
    assert udc.caption("(477)") is None and udc.path("") == []


def test_udc_search_by_notation_or_caption():
    assert [n.code for n in udc.search("821")] == ["821", "821.161.2"]
    assert "811.161.2" in [n.code for n in udc.search("українська мова")]
    assert [n.code for n in udc.search("psychology", "en")] == ["1", "159.9"]
    assert udc.search("") == []


def test_looks_like_udc():
    for good in ("51", "821.161.2-31", "94(477)", '373.5"20"', "004.738.5:025", "(477)", "=161.2"):
        assert udc.looks_like_udc(good), good
    for bad in ("", "ББК 74", "Ш5(4Укр)", "abc", "#1"):
        assert not udc.looks_like_udc(bad), bad


# --- marc/ stays pure ------------------------------------------------------------------


def test_marc_package_never_imports_flask_sqlalchemy_or_catalog():
    forbidden = {"flask", "sqlalchemy", "catalog", "flask_login", "flask_wtf", "werkzeug"}
    offenders = []
    for path in MARC_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in forbidden]
    assert offenders == []
