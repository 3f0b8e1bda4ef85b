"""Validate a MARC record against a format profile (``marc.profiles``).

``validate(record, profile)`` returns a list of ``Problem``s, each naming the tag,
the subfield, indicator or fixed-field position, and a message in Ukrainian
(``message``) and English (``message_en``) that a cataloguer can act on.

Levels:
- ``"error"`` blocks publishing: a missing mandatory field or subfield (200 / 245
  title, 100 / 008 fixed data, 801 ...), an indicator value the format does not
  allow, a non-repeatable field or subfield repeated, a bad ISBN/ISSN check digit,
  a malformed leader, 008 or UNIMARC 100$a.
- ``"warning"`` does not block publishing: tags or subfields the profile does not
  know, empty subfields, a missing UDC number (UDC is mandatory in Ukraine by
  Cabinet of Ministers resolution No. 177 of 22.03.2017, but a record may be
  saved before it is classified).

Use ``has_errors(problems)`` to decide whether a record may be published.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from typing import NamedTuple

from pymarc import Record

from marc.isbn import (
    is_valid_isbn,
    is_valid_issn,
    isbn10_check_digit,
    isbn13_check_digit,
    issn_check_digit,
    normalize_isbn,
    normalize_issn,
)
from marc.profiles import field_name, is_local_tag, resolve_profile
from marc.udc import looks_like_udc

ERROR = "error"
WARNING = "warning"


class Problem(NamedTuple):
    """One validation finding.

    ``code`` is a subfield code (``"a"``), ``"ind1"``/``"ind2"``, a fixed-field
    position (``"05"``, ``"00-07"``; for UNIMARC 100 these are positions in $a),
    or ``""`` for the whole field. ``tag`` is ``"LDR"`` for the leader.
    ``field_index`` is the 0-based position of the field in ``record.fields``
    (None for record-level problems), so an editor can show it beside the row.
    """

    level: str
    tag: str
    code: str
    message: str
    message_en: str = ""
    field_index: int | None = None


def has_errors(problems: list[Problem]) -> bool:
    """True when any problem is an error, i.e. the record must not be published."""
    return any(p.level == ERROR for p in problems)


def errors(problems: list[Problem]) -> list[Problem]:
    """Only the errors."""
    return [p for p in problems if p.level == ERROR]


def warnings(problems: list[Problem]) -> list[Problem]:
    """Only the warnings."""
    return [p for p in problems if p.level == WARNING]


def by_field(problems: list[Problem]) -> dict[int | None, list[Problem]]:
    """Group problems by ``field_index`` (None: record-level), for showing them beside editor rows."""
    grouped: dict[int | None, list[Problem]] = {}
    for problem in problems:
        grouped.setdefault(problem.field_index, []).append(problem)
    return grouped


def validate(
    record: Record, profile_or_name: dict | str, *, assigned_on_save: tuple[str, ...] = ()
) -> list[Problem]:
    """Check ``record`` against a profile (dict, profile name, or ``"marc21"``/``"unimarc"``).

    ``assigned_on_save`` names mandatory tags the caller fills itself when it stores the
    record (e.g. ``("001", "005")`` for a new record): their absence is not reported.
    """
    profile = resolve_profile(profile_or_name)
    problems: list[Problem] = []
    leader = str(record.leader) if record.leader is not None else ""
    problems += _check_leader(leader, profile)
    problems += _check_fields(record, profile)
    problems += _check_presence(record, profile, assigned_on_save)
    problems += _check_fixed(record, profile, leader)
    problems += _check_numbers(record, profile)
    problems += _check_codes(record, profile)
    problems += _check_udc(record, profile)
    return problems


# --- helpers -------------------------------------------------------------------


def _show(value: str) -> str:
    """Show blanks the way cataloguers write them (# for a blank, as in the MARC manuals)."""
    return value.replace(" ", "#")


def _chars(count: int) -> str:
    """'24 символи', '36 символів', '21 символ': Ukrainian plural after a number."""
    if count % 10 == 1 and count % 100 != 11:
        word = "символ"
    elif 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        word = "символи"
    else:
        word = "символів"
    return f"{count} {word}"


def _pos_label(start: int, length: int) -> str:
    return f"{start:02d}" if length == 1 else f"{start:02d}-{start + length - 1:02d}"


def _allowed(values: dict, limit: int = 12) -> str:
    shown = [_show(v) for v in values]
    text = ", ".join(shown[:limit])
    return text + (", ..." if len(shown) > limit else "")


def _fields_with_index(record: Record):
    return list(enumerate(record.fields))


# --- leader --------------------------------------------------------------------


def _check_leader(leader: str, profile: dict) -> list[Problem]:
    spec = profile["leader"]
    if len(leader) != spec["length"]:
        return [
            Problem(
                ERROR,
                "LDR",
                "",
                f"Маркер запису має містити {_chars(spec['length'])}, а містить {len(leader)}.",
                f"The leader must be {spec['length']} characters long, not {len(leader)}.",
            )
        ]
    return _check_positions(leader, spec["positions"], "LDR", "Маркер запису", "Leader", leader)


# --- fields, indicators, subfields -----------------------------------------------


def _check_fields(record: Record, profile: dict) -> list[Problem]:
    problems: list[Problem] = []
    seen: Counter = Counter()
    for index, field in _fields_with_index(record):
        tag = field.tag
        seen[tag] += 1
        fdef = profile["fields"].get(tag)
        if fdef is None:
            if not re.fullmatch(r"[0-9A-Za-z]{3}", tag or ""):
                problems.append(
                    Problem(
                        ERROR,
                        tag,
                        "",
                        f"Неправильна мітка поля «{tag}»: потрібно три цифри.",
                        f"Invalid tag {tag!r}: three digits expected.",
                        index,
                    )
                )
            elif not is_local_tag(profile, tag):
                problems.append(
                    Problem(
                        WARNING,
                        tag,
                        "",
                        f"Поле {tag} не визначене у форматі «{profile['uk']}».",
                        f"Field {tag} is not defined in {profile['en']}.",
                        index,
                    )
                )
            continue
        name_uk, name_en = fdef["uk"], fdef["en"]
        if seen[tag] == 2 and not fdef["repeatable"]:
            count = sum(1 for f in record.fields if f.tag == tag)
            problems.append(
                Problem(
                    ERROR,
                    tag,
                    "",
                    f"Поле {tag} «{name_uk}» неповторюване, а в записі їх {count}.",
                    f"Field {tag} ({name_en}) is not repeatable but occurs {count} times.",
                    index,
                )
            )
        if fdef.get("control"):
            if not field.is_control_field():
                problems.append(
                    Problem(
                        ERROR,
                        tag,
                        "",
                        f"Поле {tag} «{name_uk}» - контрольне: воно не має індикаторів і підполів.",
                        f"Field {tag} ({name_en}) is a control field: no indicators or subfields.",
                        index,
                    )
                )
            elif not (field.data or "").strip():
                problems.append(
                    Problem(
                        ERROR,
                        tag,
                        "",
                        f"Поле {tag} «{name_uk}» порожнє.",
                        f"Field {tag} ({name_en}) is empty.",
                        index,
                    )
                )
            continue
        if field.is_control_field():
            problems.append(
                Problem(
                    ERROR,
                    tag,
                    "",
                    f"Поле {tag} «{name_uk}» повинне мати індикатори і підполя.",
                    f"Field {tag} ({name_en}) must have indicators and subfields.",
                    index,
                )
            )
            continue
        problems += _check_indicators(field, fdef, index)
        problems += _check_subfields(field, fdef, index)
    return problems


def _check_indicators(field, fdef: dict, index: int) -> list[Problem]:
    problems = []
    for which, value in ((1, field.indicator1), (2, field.indicator2)):
        allowed = fdef.get(f"ind{which}")
        value = " " if value in (None, "") else value
        if allowed is None or value in allowed:
            continue
        problems.append(
            Problem(
                ERROR,
                fdef["tag"],
                f"ind{which}",
                f"Поле {fdef['tag']} «{fdef['uk']}»: недопустиме значення {which}-го індикатора «{_show(value)}». Допустимі: {_allowed(allowed)} (# - пробіл).",
                f"Field {fdef['tag']} ({fdef['en']}): indicator {which} value {_show(value)!r} is not allowed. Allowed: {_allowed(allowed)} (# = blank).",
                index,
            )
        )
    return problems


def _check_subfields(field, fdef: dict, index: int) -> list[Problem]:
    tag = fdef["tag"]
    subfields = field.subfields
    if not subfields:
        return [
            Problem(
                ERROR,
                tag,
                "",
                f"Поле {tag} «{fdef['uk']}» не містить жодного підполя.",
                f"Field {tag} ({fdef['en']}) has no subfields.",
                index,
            )
        ]
    defs = fdef.get("subfields")
    problems = []
    counts = Counter(sf.code for sf in subfields)
    for sf in subfields:
        if not (sf.value or "").strip():
            problems.append(
                Problem(
                    WARNING,
                    tag,
                    sf.code,
                    f"Поле {tag}: підполе ${sf.code} порожнє.",
                    f"Field {tag}: subfield ${sf.code} is empty.",
                    index,
                )
            )
    if defs is None:
        return problems
    for code, count in counts.items():
        sdef = defs.get(code)
        if sdef is None and fdef.get("open"):
            continue  # the profile lists common subfields only (e.g. Koha item fields 995/952)
        if sdef is None:
            problems.append(
                Problem(
                    WARNING,
                    tag,
                    code,
                    f"Поле {tag} «{fdef['uk']}»: підполе ${code} не визначене у форматі.",
                    f"Field {tag} ({fdef['en']}): subfield ${code} is not defined.",
                    index,
                )
            )
        elif count > 1 and not sdef["repeatable"]:
            problems.append(
                Problem(
                    ERROR,
                    tag,
                    code,
                    f"Поле {tag}: підполе ${code} «{sdef['uk']}» неповторюване, а в полі їх {count}.",
                    f"Field {tag}: subfield ${code} ({sdef['en']}) is not repeatable but occurs {count} times.",
                    index,
                )
            )
    for code, sdef in defs.items():
        if sdef["mandatory"] and code not in counts:
            problems.append(
                Problem(
                    ERROR,
                    tag,
                    code,
                    f"Поле {tag} «{fdef['uk']}»: відсутнє обов'язкове підполе ${code} «{sdef['uk']}».",
                    f"Field {tag} ({fdef['en']}): mandatory subfield ${code} ({sdef['en']}) is missing.",
                    index,
                )
            )
    return problems


# --- mandatory and recommended fields ------------------------------------------


def _check_presence(record: Record, profile: dict, assigned_on_save=()) -> list[Problem]:
    present = {f.tag for f in record.fields} | set(assigned_on_save)
    problems = []
    for tag, fdef in profile["fields"].items():
        if fdef["mandatory"] and tag not in present:
            problems.append(
                Problem(
                    ERROR,
                    tag,
                    "",
                    f"Відсутнє обов'язкове поле {tag} «{fdef['uk']}».",
                    f"Mandatory field {tag} ({fdef['en']}) is missing.",
                )
            )
    one_of = profile.get("required_one_of")
    if one_of and not present.intersection(one_of["tags"]):
        problems.append(Problem(ERROR, one_of["tags"][0], "", one_of["uk"], one_of["en"]))
    for tag, text in profile.get("recommended", {}).items():
        if tag not in present:
            problems.append(Problem(WARNING, tag, "", text["uk"], text["en"]))
    return problems


# --- fixed fields: 008 (MARC21), 100$a (UNIMARC) ---------------------------------


def _check_fixed(record: Record, profile: dict, leader: str) -> list[Problem]:
    problems = []
    for tag, spec in profile.get("fixed", {}).items():
        for index, field in _fields_with_index(record):
            if field.tag != tag:
                continue
            code = spec.get("subfield")
            if code:
                if field.is_control_field():
                    continue  # reported by _check_fields
                values = field.get_subfields(code)
                if not values:
                    continue  # a missing mandatory subfield is reported by _check_subfields
                data, where_uk, where_en = values[0], f"Поле {tag}${code}", f"Field {tag}${code}"
            else:
                if not field.is_control_field():
                    continue
                data, where_uk, where_en = field.data or "", f"Поле {tag}", f"Field {tag}"
            if len(data) != spec["length"]:
                problems.append(
                    Problem(
                        ERROR,
                        tag,
                        code or "",
                        f"{where_uk} «{spec['uk']}» має містити {_chars(spec['length'])}, а містить {len(data)}.",
                        f"{where_en} ({spec['en']}) must be {spec['length']} characters long, not {len(data)}.",
                        index,
                    )
                )
                # Still check the positions that are there, so the cataloguer sees every fault at once.
                data = data[: spec["length"]]
            problems += _check_positions(data, spec["positions"], tag, where_uk, where_en, leader, index)
    return problems


def _check_positions(
    data: str, positions: list, tag: str, where_uk: str, where_en: str, leader: str, index: int | None = None
) -> list[Problem]:
    problems = []
    for pos in positions:
        start, length = pos["pos"], pos["length"]
        if start + length > len(data):
            continue
        if not _applies(pos.get("when"), leader):
            continue
        value = data[start : start + length]
        fault = _position_fault(value, pos)
        if fault:
            label = _pos_label(start, length)
            uk, en = fault
            problems.append(
                Problem(
                    ERROR,
                    tag,
                    label,
                    f"{where_uk}, позиція {label} «{pos['uk']}»: {uk}",
                    f"{where_en}, position {label} ({pos['en']}): {en}",
                    index,
                )
            )
    return problems


def _applies(when: dict | None, leader: str) -> bool:
    if not when:
        return True
    if len(leader) < 8:
        return False
    return leader[6] in when.get("leader_06", leader[6]) and leader[7] in when.get("leader_07", leader[7])


def _position_fault(value: str, pos: dict) -> tuple[str, str] | None:
    """Return (uk, en) describing what is wrong with ``value`` at this position, or None."""
    kind = pos.get("kind")
    shown = _show(value)
    if kind == "date8":
        if not _is_date(value, "%Y%m%d"):
            return (
                f"«{shown}» не є правильною датою (РРРРММДД, напр. 20240131).",
                f"{shown!r} is not a valid date (YYYYMMDD).",
            )
    elif kind == "date6":
        if not _is_date(value, "%y%m%d"):
            return (
                f"«{shown}» не є правильною датою (РРММДД, напр. 240131).",
                f"{shown!r} is not a valid date (YYMMDD).",
            )
    elif kind == "year":
        # Digits; "u" for unknown digits; blanks when not applicable; "|" not coded.
        if not re.fullmatch(r"(?=.{4}$)[0-9]*[u ]*|\|{4}", value):
            return (
                f"«{shown}» не є роком (чотири цифри; невідомі останні цифри - u або пробіл).",
                f"{shown!r} is not a year (four digits; unknown last digits u or blank).",
            )
    elif kind == "lang":
        if not re.fullmatch(r"[a-z]{3}| {3}|\|{3}", value):
            return (
                f"«{shown}» не є кодом мови (три малі латинські літери, напр. ukr).",
                f"{shown!r} is not a language code (three lowercase letters, e.g. ukr).",
            )
    elif kind == "country":
        if not re.fullmatch(r"[a-z]{2}[a-z ]|\|{3}", value):
            return (
                f"«{shown}» не є кодом країни MARC (напр. un - Україна).",
                f"{shown!r} is not a MARC country code (e.g. un for Ukraine).",
            )
    elif kind == "digits_or_blank":
        if not re.fullmatch(r"[0-9]+| +", value):
            return (f"«{shown}» - тут мають бути цифри.", f"{shown!r}: digits expected.")
    values = pos.get("values")
    if values is None:
        return None
    if pos.get("each"):
        step = pos["each"]
        bad = [value[i : i + step] for i in range(0, len(value), step) if value[i : i + step] not in values]
        if bad:
            return (
                f"недопустимі коди {', '.join('«' + _show(b) + '»' for b in bad)}. Допустимі: {_allowed(values, 30)}.",
                f"codes {', '.join(repr(_show(b)) for b in bad)} not allowed. Allowed: {_allowed(values, 30)}.",
            )
        return None
    if value not in values:
        return (
            f"недопустиме значення «{shown}». Допустимі: {_allowed(values, 30)}.",
            f"value {shown!r} not allowed. Allowed: {_allowed(values, 30)}.",
        )
    return None


def _is_date(value: str, fmt: str) -> bool:
    if not value.isdigit():
        return False
    try:
        _dt.datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


# --- ISBN and ISSN -------------------------------------------------------------


def _check_numbers(record: Record, profile: dict) -> list[Problem]:
    problems = []
    for kind, spec in (("ISBN", profile.get("isbn", {})), ("ISSN", profile.get("issn", {}))):
        cancelled = {(t, c) for t, c in spec.get("cancelled", [])}
        for tag, code in spec.get("valid", []):
            if (tag, code) in cancelled:
                continue
            for index, field in _fields_with_index(record):
                if field.tag != tag or field.is_control_field():
                    continue
                for value in field.get_subfields(code):
                    fault = _isbn_fault(value) if kind == "ISBN" else _issn_fault(value)
                    if fault:
                        cancelled_code = next((c for t, c in spec.get("cancelled", []) if t == tag), None)
                        hint_uk = (
                            f" Помилковий номер, надрукований у виданні, вносять у ${cancelled_code}."
                            if cancelled_code
                            else ""
                        )
                        hint_en = (
                            f" An erroneous number printed in the item goes to ${cancelled_code}."
                            if cancelled_code
                            else ""
                        )
                        problems.append(
                            Problem(
                                ERROR,
                                tag,
                                code,
                                f"Поле {tag}${code} «{field_name(profile, tag)}»: {fault[0]}{hint_uk}",
                                f"Field {tag}${code}: {fault[1]}{hint_en}",
                                index,
                            )
                        )
    return problems


def _isbn_fault(value: str) -> tuple[str, str] | None:
    bare = normalize_isbn(value)
    if bare is None and re.search(r"[0-9][\s-]*[хХ]", value):
        # A Cyrillic "х" typed for the Latin check character X: a common slip in Cyrillic keyboards.
        return (
            f"у «{value}» кирилична літера «х» замість латинської X.",
            f"{value!r} has a Cyrillic 'х' instead of the Latin X.",
        )
    if bare is None:
        return (
            f"«{value}» не схоже на ISBN (10 або 13 цифр).",
            f"{value!r} does not look like an ISBN (10 or 13 digits).",
        )
    if is_valid_isbn(value):
        return None
    if len(bare) == 13 and bare[:3] not in ("978", "979"):
        return (
            f"ISBN-13 «{value}» має починатися з 978 або 979.",
            f"ISBN-13 {value!r} must start with 978 or 979.",
        )
    expected = isbn10_check_digit(bare[:9]) if len(bare) == 10 else isbn13_check_digit(bare[:12])
    return (
        f"неправильна контрольна цифра ISBN «{value}» (має бути {expected}).",
        f"wrong ISBN check digit in {value!r} (expected {expected}).",
    )


def _issn_fault(value: str) -> tuple[str, str] | None:
    issn = normalize_issn(value)
    if issn is None:
        return (
            f"«{value}» не схоже на ISSN (формат NNNN-NNNN).",
            f"{value!r} does not look like an ISSN (NNNN-NNNN).",
        )
    if is_valid_issn(value):
        return None
    expected = issn_check_digit(issn.replace("-", "")[:7])
    return (
        f"неправильна контрольна цифра ISSN «{value}» (має бути {expected}).",
        f"wrong ISSN check digit in {value!r} (expected {expected}).",
    )


# --- coded subfields (language and country codes) and UDC notation ----------------------

_CODE_PATTERNS = {
    # ISO 639-2/B (MARC language codes): three lowercase letters, e.g. ukr, eng.
    "lang": (
        r"[a-z]{3}",
        "код мови з трьох малих латинських літер (напр. ukr)",
        "a three-letter lowercase language code (e.g. ukr)",
    ),
    # MARC 21 041 before 2001 packed several codes in one subfield ("engfre").
    "lang_packed": (
        r"(?:[a-z]{3})+",
        "код мови з трьох малих латинських літер (напр. ukr)",
        "three-letter lowercase language codes (e.g. ukr)",
    ),
    # ISO 3166-1 alpha-2, as UNIMARC 102$a uses: UA, PL.
    "iso_country": (
        r"[A-Z]{2}",
        "код країни ISO 3166 з двох великих латинських літер (напр. UA)",
        "a two-letter uppercase ISO 3166 country code (e.g. UA)",
    ),
    # UNIMARC relator codes (Appendix C): three digits, e.g. 070 author, 340 editor, 730 translator.
    "relator": (
        r"[0-9]{3}",
        "код відношення UNIMARC з трьох цифр (напр. 070 - автор, 340 - редактор)",
        "a three-digit UNIMARC relator code (e.g. 070 author)",
    ),
    # MARC Code List for Countries: two or three lowercase letters (un = Ukraine).
    "country": (
        r"[a-z]{2,3}",
        "код країни MARC (напр. un - Україна)",
        "a MARC country code (e.g. un for Ukraine)",
    ),
}


def _check_codes(record: Record, profile: dict) -> list[Problem]:
    problems = []
    rules = {}
    for rule in profile.get("coded", []):
        rules.setdefault(rule["tag"], []).append(rule)
    if not rules:
        return problems
    for index, field in _fields_with_index(record):
        for rule in rules.get(field.tag, ()):
            if field.is_control_field() or (rule.get("unless") and field.get_subfields(rule["unless"])):
                continue
            pattern, expected_uk, expected_en = _CODE_PATTERNS[rule["kind"]]
            for sub in field.subfields:
                if sub.code in rule["codes"] and sub.value and not re.fullmatch(pattern, sub.value.strip()):
                    problems.append(
                        Problem(
                            ERROR,
                            field.tag,
                            sub.code,
                            f"Поле {field.tag}${sub.code}: «{sub.value}» - потрібен {expected_uk}.",
                            f"Field {field.tag}${sub.code}: {sub.value!r} - expected {expected_en}.",
                            index,
                        )
                    )
    return problems


def _check_udc(record: Record, profile: dict) -> list[Problem]:
    problems = []
    for tag, code in profile.get("udc", []):
        for index, field in _fields_with_index(record):
            if field.tag != tag or field.is_control_field():
                continue
            for value in field.get_subfields(code):
                if value.strip() and not looks_like_udc(value):
                    problems.append(
                        Problem(
                            WARNING,
                            tag,
                            code,
                            f"Поле {tag}${code}: «{value}» не схоже на індекс УДК (індекс ББК вносять у поле "
                            f"{'686' if tag == '675' else '084'} з $2 rubbk).",
                            f"Field {tag}${code}: {value!r} does not look like a UDC number (BBK goes to "
                            f"{'686' if tag == '675' else '084'} with $2 rubbk).",
                            index,
                        )
                    )
    return problems
