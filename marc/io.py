"""Read and write MARC 21 and UNIMARC records: ISO 2709, MARCXML and MARC-in-JSON.

pymarc does the ISO 2709 work; this module frames records in a file, picks each record's
character set (see ``marc.encoding``), reports malformed records without stopping, and
writes UTF-8 output that keeps UNIMARC leaders exactly as they are.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import threading
import warnings as pywarnings
from collections.abc import Iterable, Iterator
from typing import BinaryIO, NamedTuple

from lxml import etree
from pymarc import Field, Indicators, Leader, Record, Subfield

from marc.encoding import (
    ISO5426,
    LATIN1,
    MARC8,
    UTF8,
    Decision,
    choose_encoding,
    normalize_encoding,
    unimarc_declared,
)

MARCXML_NS = "http://www.loc.gov/MARC21/slim"
LEADER_LEN = 24
ISO2709_MAX = 99_999
FIELD_TERMINATOR = 0x1E
RECORD_TERMINATOR = 0x1D
# Bytes that may sit between or after records without being a record: newlines, DOS EOF,
# NUL and blank padding (marc-perl's filler.usmarc).
_FILLER = b"\r\n\x1a\x00 \t"
_DIRECTORY_ENTRY = re.compile(rb"([\x20-\x7e]{3})([0-9]{4})([0-9]{5})")
_BAD_SUBFIELD_CODE = re.compile(rb"\x1f[\x80-\xff]")
_TAG = re.compile(r"^[!-~]{3}$")  # three printable ASCII characters (ISO 2709 3.x: tags)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DEFAULT_LEADER = {"marc21": "00000nam a2200000   4500", "unimarc": "00000nam  2200000   450 "}


class ReadItem(NamedTuple):
    """One record read from a file, or the reason it could not be read."""

    position: int
    record: Record | None
    format: str
    control_number: str | None
    error: str | None
    warnings: list[str]


class MarcWriteError(ValueError):
    """A record cannot be written in the requested serialization."""


class _Malformed(Exception):
    """A record is unreadable; the message says where and why."""


class _PymarcNotes(logging.Filter):
    """Catch pymarc's log messages about a record (e.g. extra indicators) for its ReadItem."""

    def __init__(self) -> None:
        super().__init__()
        self.local = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        notes = getattr(self.local, "notes", None)
        if notes is None:
            return True
        notes.append((str(record.msg), record.args))
        return False


_NOTES = _PymarcNotes()
logging.getLogger("pymarc").addFilter(_NOTES)
_INDICATOR_NOTES = {
    "missing indicators": "has no indicators; blanks were used",
    "only 1 indicator": "has only one indicator; a blank was added",
    "more than 2 indicators": "has more than two indicators; the extra ones were dropped",
}


# --- format detection --------------------------------------------------------------------


def _guess_format(tags: set[str], field100a: str | None) -> str:
    """Score MARC 21 against UNIMARC from the tags present and 100 $a.

    UNIMARC: 100 $a is fixed-length coded data starting with the date entered on file
    (YYYYMMDD), title in 200, originating source in 801. MARC 21: 008 fixed field,
    title in 245, cataloguing source in 040, and 100 is a personal name.
    """
    score = 0
    if field100a and len(field100a) >= 22 and field100a[:8].isdigit():
        score += 3
    score += 2 * ("200" in tags) + ("801" in tags)
    score -= 3 * ("245" in tags) + 2 * ("008" in tags) + ("040" in tags)
    return "unimarc" if score > 0 else "marc21"


def detect_format(record: Record) -> str:
    """Return ``"marc21"`` or ``"unimarc"`` for a record, judged by its fields."""
    field100 = record.get("100")
    field100a = None if field100 is None or field100.control_field else field100.get("a")
    return _guess_format({f.tag for f in record.fields}, field100a)


# --- ISO 2709 ----------------------------------------------------------------------------


def _frame_iso2709(data: bytes) -> Iterator[tuple[bytes, str | None]]:
    """Split a file into record chunks, each with a note when framing needed repair.

    A record is taken by its leader length when that lands on a record terminator; when it
    does not (wrong or character-counted lengths), the chunk runs to the next terminator.
    """
    pos, end_of_data = 0, len(data)
    while pos < end_of_data:
        start = pos
        while pos < end_of_data and data[pos] in _FILLER or data[pos : pos + 1] == b"\x1d":
            pos += 1
        if pos >= end_of_data:
            return
        if not data[pos : pos + 5].isdigit():  # maybe a leader whose length is blanks: give them back
            while pos > start and data[pos - 1] == 0x20:
                pos -= 1
        head = data[pos : pos + 5]
        length = int(head) if head.isdigit() else 0
        end = pos + length
        if length > LEADER_LEN and end <= end_of_data and data[end - 1] == RECORD_TERMINATOR:
            yield data[pos:end], None
            pos = end
            continue
        term = data.find(b"\x1d", pos)
        if term == -1:
            rest = data[pos:].rstrip(_FILLER)
            if not rest:
                return
            if length == len(rest) or length == len(rest) + 1:
                yield rest, "has no record terminator (0x1D) at its end"
            else:
                yield rest, "is cut short: the file ends without a record terminator (0x1D)"
            return
        chunk = data[pos : term + 1]
        note = None
        if not head.isdigit():
            note = f"leader/00-04 {head.decode('latin-1')!r} is not a length; the record terminator ends it at {len(chunk)} bytes"
        elif length != len(chunk):
            note = f"leader/00-04 says {length} bytes but the record terminator ends it at {len(chunk)} bytes"
        yield chunk, note
        pos = term + 1


def _inspect(chunk: bytes, warnings: list[str]) -> tuple[list[tuple[str, int, int]], int]:
    """Check the leader and directory of one record; return (entries, base address).

    Raises _Malformed with the exact problem, so that no field is read from outside the
    record (pymarc silently slices whatever the directory says). Oddities that pymarc
    can still read past go into ``warnings``.
    """
    size = len(chunk)
    if size < LEADER_LEN + 2:
        raise _Malformed(f"{size} stray bytes, too short for a record (the leader alone is 24)")
    leader = chunk[:LEADER_LEN]
    if not leader.isascii():
        raise _Malformed("the leader contains non-ASCII bytes")
    if not leader[12:17].isdigit():
        raise _Malformed(f"leader/12-16 base address {leader[12:17].decode('ascii')!r} is not a number")
    base = int(leader[12:17])
    if base <= LEADER_LEN or base > size:
        raise _Malformed(f"base address {base} is outside the record ({size} bytes)")
    directory = chunk[LEADER_LEN : base - 1]
    if chunk[base - 1] != FIELD_TERMINATOR:
        warnings.append(
            f"the directory does not end with a field terminator (0x1E) before base address {base}"
        )
    if len(directory) % 12:
        raise _Malformed(
            f"directory is {len(directory)} bytes long, not a multiple of 12 (base address {base})"
        )
    found = _DIRECTORY_ENTRY.findall(directory)
    if len(found) * 12 != len(directory):
        for number, start in enumerate(range(0, len(directory), 12), 1):
            entry = directory[start : start + 12]
            if not _DIRECTORY_ENTRY.fullmatch(entry):
                raise _Malformed(
                    f"directory entry {number} ({entry.decode('latin-1')!r}) is not a tag, length and offset"
                )
    entries = [(tag.decode("ascii"), int(length), int(offset)) for tag, length, offset in found]
    misaligned = None
    for number, (tag, length, offset) in enumerate(entries, 1):
        end = base + offset + length
        if end > size:
            raise _Malformed(f"directory entry {number} (tag {tag}) points outside the record")
        if misaligned is None and length and chunk[end - 1] != FIELD_TERMINATOR:
            misaligned = f"directory entry {number} (tag {tag}) does not end at a field terminator; its data may be cut"
    if misaligned:
        warnings.append(misaligned)
    return entries, base


def _field_at(chunk: bytes, entries: list[tuple[str, int, int]], base: int, piece: bytes) -> str:
    """Say which field holds ``piece`` (the bytes pymarc failed on)."""
    index = chunk.find(piece, base) if piece else -1
    for number, (tag, length, offset) in enumerate(entries, 1):
        if base + offset <= index < base + offset + length:
            return f"field {tag} (directory entry {number})"
    return "a field"


def _format_from_directory(chunk: bytes) -> str:
    """Best guess of the format of a record that could not be read, from its directory tags."""
    base = chunk[12:17]
    end = int(base) - 1 if base.isdigit() else len(chunk)
    tags = {tag.decode("ascii") for tag, _, _ in _DIRECTORY_ENTRY.findall(chunk[LEADER_LEN:end])}
    return _guess_format(tags, None)


def _subfield_a(field_data: bytes) -> str | None:
    start = field_data.find(b"\x1fa")
    if start == -1:
        return None
    stop = field_data.find(b"\x1f", start + 2)
    return field_data[start + 2 : stop if stop != -1 else None].decode("latin-1")


def _decode_chunk(chunk: bytes, decision: Decision) -> Record:
    """Let pymarc decode one record with the chosen encoding, keeping its leader."""
    enc = decision.encoding
    if enc == UTF8:
        return Record(chunk, force_utf8=True, utf8_handling="replace" if decision.replace else "strict")
    leader = chunk[:LEADER_LEN].decode("ascii")
    if leader[9] == "a":  # pymarc would read leader/09 'a' as UTF-8
        chunk = chunk[:9] + b" " + chunk[10:]
    if enc == MARC8:
        record = Record(chunk, hide_utf8_warnings=True)
    else:
        record = Record(chunk, file_encoding=enc)
    record.leader = Leader(leader)
    return record


def _mark_unicode(record: Record, fmt: str) -> None:
    """Make a decoded record declare what it now is: Unicode.

    MARC 21 leader/09 'a'; UNIMARC 100 $a/26-29 "50  " (ISO 10646). A UNIMARC leader
    is never touched.
    """
    if fmt == "marc21":
        if record.leader[9] != "a":
            leader = str(record.leader)
            record.leader = Leader(leader[:9] + "a" + leader[10:])
        return
    field100 = record.get("100")
    if field100 is None or field100.control_field:
        return
    for index, sub in enumerate(field100.subfields):
        if sub.code == "a":
            value = sub.value
            if len(value) >= 28 and value[26:28] != "50":
                field100.subfields[index] = Subfield("a", value[:26] + "50  " + value[30:])
            return


def _decide_encoding(
    chunk: bytes, record_format: str, field100a: str | None, encoding: str | None, warnings: list[str]
) -> Decision:
    """Pick the encoding of one record: the override, else what it declares checked against its bytes."""
    if encoding == ISO5426:
        return Decision(LATIN1, "ISO 5426 cannot be decoded exactly; decoded as ISO 8859-1")
    if encoding == UTF8 and not _valid_utf8(chunk):
        return Decision(UTF8, "is not valid UTF-8; bad bytes replaced", replace=True)
    if encoding:
        return Decision(encoding)
    declared_100 = unimarc_declared(field100a) if record_format == "unimarc" else None
    if chunk[9:10] == b"a":
        if declared_100 not in (None, UTF8):
            warnings.append(f"leader/09 declares UTF-8 but 100 $a/26-29 declares {declared_100}")
        return choose_encoding(chunk, UTF8)
    return choose_encoding(chunk, MARC8 if record_format == "marc21" else declared_100)


def _decode_noting_problems(
    chunk: bytes, decision: Decision, entries: list[tuple[str, int, int]], base: int, warnings: list[str]
) -> Record:
    """Decode with pymarc, turning what it logs or warns about (e.g. extra indicators) into warnings."""
    notes: list = []
    caught: list = []
    _NOTES.local.notes = notes
    try:
        if _BAD_SUBFIELD_CODE.search(chunk):  # only then does pymarc warn (non-ASCII subfield code)
            with pywarnings.catch_warnings(record=True) as caught:
                pywarnings.simplefilter("always")
                record = _decode_chunk(chunk, decision)
        else:
            record = _decode_chunk(chunk, decision)
    finally:
        _NOTES.local.notes = None
    for message, args in notes:
        text = next((v for k, v in _INDICATOR_NOTES.items() if message.startswith(k)), message)
        piece = args[0] if isinstance(args, tuple) and args and isinstance(args[0], bytes) else b""
        warnings.append(f"{_field_at(chunk, entries, base, piece)} {text}")
    warnings.extend(str(caught_warning.message) for caught_warning in caught)
    return record


def _undecodable(
    exc: UnicodeDecodeError, chunk: bytes, entries: list[tuple[str, int, int]], base: int
) -> str:
    where = _field_at(chunk, entries, base, bytes(exc.object))
    byte = exc.object[exc.start]
    if exc.encoding == "ascii":  # pymarc decodes indicators as ASCII
        return f"{where}: indicator byte 0x{byte:02X} is not ASCII"
    name = {"utf-8": "UTF-8", "marc8_to_unicode": "MARC-8"}.get(exc.encoding, exc.encoding)
    return f"{where}: byte 0x{byte:02X} is not valid {name}"


def _read_iso_chunk(
    chunk: bytes, position: int, fmt: str, encoding: str | None, note: str | None
) -> ReadItem:
    """Read one framed record; every problem is reported in the ReadItem, nothing raises."""
    problems = [note] if note else []
    record_format = fmt if fmt != "auto" else "marc21"
    error = record = None
    try:
        entries, base = _inspect(chunk, problems)
        field100a = next(
            (
                _subfield_a(chunk[base + off : base + off + size])
                for tag, size, off in entries
                if tag == "100"
            ),
            None,
        )
        if fmt == "auto":
            record_format = _guess_format({tag for tag, _, _ in entries}, field100a)
        if (not chunk[:5].isdigit() or int(chunk[:5]) > len(chunk)) and len(chunk) <= ISO2709_MAX:
            chunk = b"%05d" % len(chunk) + chunk[5:]  # pymarc needs a number no larger than the data
        decision = _decide_encoding(chunk, record_format, field100a, encoding, problems)
        if decision.warning:
            problems.append(decision.warning)
        try:
            record = _decode_noting_problems(chunk, decision, entries, base, problems)
        except UnicodeDecodeError as exc:
            error = _undecodable(exc, chunk, entries, base)
    except _Malformed as exc:
        error = str(exc)
        if fmt == "auto":
            record_format = _format_from_directory(chunk)
    except Exception as exc:  # pymarc raises many types; a bad record must never stop the file
        error = _describe(exc)
    warnings = [f"record {position}: {problem}" for problem in problems]
    if record is None:
        return ReadItem(position, None, record_format, None, f"record {position}: {error}", warnings)
    _mark_unicode(record, record_format)
    return ReadItem(position, record, record_format, _control_number(record), None, warnings)


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode(UTF8)
    except UnicodeDecodeError:
        return False
    return True


def _describe(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _failed(position: int, fmt: str, reason: str, where: str | None = None) -> ReadItem:
    """A ReadItem for a record that could not be read."""
    where = where or f"record {position}"
    return ReadItem(position, None, fmt if fmt != "auto" else "marc21", None, f"{where}: {reason}", [])


def _control_number(record: Record) -> str | None:
    field = record.get("001")
    if field is None or not field.control_field or not field.data:
        return None
    return field.data.strip() or None


def _read_iso2709(data: bytes, fmt: str, encoding: str | None) -> Iterator[ReadItem]:
    for position, (chunk, note) in enumerate(_frame_iso2709(data), 1):
        yield _read_iso_chunk(chunk, position, fmt, encoding, note)


# --- MARCXML -----------------------------------------------------------------------------


def _local(tag: object) -> str:
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return tag.rpartition("}")[2]


def _check_tag(tag: str | None, what: str, where: str, warnings: list[str]) -> str:
    """Accept a 3-character tag; zero-pad a short numeric one (``42`` -> ``042``) with a warning."""
    if tag is not None and tag.isdigit() and 0 < len(tag) < 3:
        warnings.append(f"{where}: {what} has tag {tag!r}, read as {tag.zfill(3)}")
        return tag.zfill(3)
    if tag is None or not _TAG.match(tag):
        raise _Malformed(f"{what} has an invalid tag {tag!r}")
    return tag


def _record_from_element(elem: etree._Element, fmt: str, where: str) -> tuple[Record, str, list[str]]:
    """Build a Record from one MARCXML/MarcXchange <record> element."""
    record = Record()
    leader = None
    warnings = []
    for child in elem:
        name = _local(child.tag)
        if not name:
            continue
        line = child.sourceline
        if name == "leader":
            leader = child.text or ""
        elif name in ("controlfield", "datafield"):
            tag = _check_tag(child.get("tag"), f"<{name}> on line {line}", where, warnings)
            if name == "controlfield":
                record.add_field(Field(tag=tag, data=child.text or ""))
                if not record.fields[-1].control_field:
                    warnings.append(f"{where}: <controlfield> on line {line} has data field tag {tag}")
                continue
            subfields = []
            for sub in child:
                if _local(sub.tag) != "subfield":
                    if _local(sub.tag):
                        warnings.append(
                            f"{where}: unexpected <{_local(sub.tag)}> on line {sub.sourceline} ignored"
                        )
                    continue
                code = sub.get("code")
                if code is None or len(code) != 1:
                    raise _Malformed(f"<subfield> on line {sub.sourceline} has an invalid code {code!r}")
                subfields.append(Subfield(code, sub.text or ""))
            indicators = Indicators((child.get("ind1") or " ")[:1], (child.get("ind2") or " ")[:1])
            field = Field(tag=tag, indicators=indicators, subfields=subfields)
            if field.control_field:
                field.data = "".join(s.value for s in subfields)
                warnings.append(f"{where}: <datafield> on line {line} has control field tag {tag}")
            record.add_field(field)
        else:
            warnings.append(f"{where}: unexpected <{name}> on line {line} ignored")
    if not record.fields:
        raise _Malformed("the record has no fields")
    record_format = fmt if fmt != "auto" else detect_format(record)
    if leader is None:
        leader = _DEFAULT_LEADER[record_format]
        warnings.append(f"{where}: no <leader>; a default leader was supplied")
    if len(leader) != LEADER_LEN:
        raise _Malformed(f"the leader has {len(leader)} characters, not 24: {leader!r}")
    record.leader = Leader(leader)
    return record, record_format, warnings


def _is_marc_record(elem: etree._Element) -> bool:
    return any(_local(child.tag) in ("leader", "controlfield", "datafield") for child in elem) or not len(
        elem
    )


def _xml_items(elements: Iterable[etree._Element], fmt: str, start: int) -> Iterator[ReadItem]:
    position = start
    for elem in elements:
        if elem.find(".//{*}record") is not None or not _is_marc_record(elem):
            _release(elem)  # a wrapper (e.g. OAI-PMH <record>) around a MARC record already read
            continue
        position += 1
        where = f"record {position} (line {elem.sourceline})"
        try:
            record, record_format, warnings = _record_from_element(elem, fmt, where)
        except _Malformed as exc:
            yield _failed(position, fmt, f"{exc}", where)
        else:
            _mark_unicode(record, record_format)  # MARCXML is always Unicode
            yield ReadItem(position, record, record_format, _control_number(record), None, warnings)
        _release(elem)


def _release(elem: etree._Element) -> None:
    """Free a processed element and its earlier siblings so big files stream."""
    elem.clear(keep_tail=True)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def _read_marcxml(data: bytes, fmt: str) -> Iterator[ReadItem]:
    """Read <record> elements one by one; a broken element is reported, the rest still read.

    External entities, network access and huge trees are off (XXE and billion-laughs safe).
    """
    events = etree.iterparse(
        io.BytesIO(data),
        events=("end",),
        tag="{*}record",
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
    )
    count = 0
    try:
        for item in _xml_items((elem for _, elem in events), fmt, 0):
            count = item.position
            yield item
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 0
        yield _failed(count + 1, fmt, f"the XML is not well-formed at line {line}: {exc.msg}")
        # Read on past the damage with a recovering parser, from the line after the error.
        parser = etree.XMLParser(
            recover=True, resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
        )
        root = etree.fromstring(data, parser)
        if root is not None:
            later = [e for e in root.iter("{*}record") if (e.sourceline or 0) > line]
            yield from _xml_items(later, fmt, count + 1)
    else:
        if count == 0:
            yield _failed(1, fmt, "the XML has no <record> element")


# --- MARC-in-JSON ------------------------------------------------------------------------


def _record_from_dict(obj: object) -> Record:
    """Build a Record from a MARC-in-JSON object (leader + fields)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("fields"), list):
        raise _Malformed('not a MARC-in-JSON object (needs "leader" and a "fields" list)')
    leader = obj.get("leader")
    if not isinstance(leader, str) or len(leader) != LEADER_LEN:
        raise _Malformed(f"the leader must be a 24-character string, got {leader!r}")
    record = Record()
    for number, item in enumerate(obj["fields"], 1):
        if not isinstance(item, dict) or len(item) != 1:
            raise _Malformed(f"field {number} is not an object with one tag")
        ((tag, value),) = item.items()
        tag = _check_tag(tag, f"field {number}", "", [])
        if isinstance(value, str):
            record.add_field(Field(tag=tag, data=value))
            continue
        if not isinstance(value, dict) or not isinstance(value.get("subfields"), list):
            raise _Malformed(f"field {number} ({tag}) has no subfields list")
        subfields = []
        for sub in value["subfields"]:
            if not isinstance(sub, dict) or len(sub) != 1:
                raise _Malformed(f"field {number} ({tag}) has a malformed subfield {sub!r}")
            ((code, text),) = sub.items()
            if not isinstance(text, str):
                raise _Malformed(f"field {number} ({tag}) subfield {code} is not a string")
            subfields.append(Subfield(code, text))
        indicators = Indicators(str(value.get("ind1") or " ")[:1], str(value.get("ind2") or " ")[:1])
        record.add_field(Field(tag=tag, indicators=indicators, subfields=subfields))
    record.leader = Leader(leader)
    return record


def _read_json(data: bytes, fmt: str) -> Iterator[ReadItem]:
    text = data.decode("utf-8-sig", "replace")
    try:
        parsed = json.loads(text, strict=False)  # raw control characters occur in real exports
        objects = parsed if isinstance(parsed, list) else [parsed]
    except json.JSONDecodeError as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        try:  # newline-delimited JSON, one record per line
            objects = [json.loads(line, strict=False) for line in lines]
        except json.JSONDecodeError:
            yield _failed(1, fmt, f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
            return
    for position, obj in enumerate(objects, 1):
        try:
            record = _record_from_dict(obj)
        except _Malformed as exc:
            yield _failed(position, fmt, str(exc))
            continue
        record_format = fmt if fmt != "auto" else detect_format(record)
        yield ReadItem(position, record, record_format, _control_number(record), None, [])


# --- reading entry point -----------------------------------------------------------------


def detect_serialization(data: bytes) -> str:
    """Tell ISO 2709, MARCXML (any namespace) and MARC-in-JSON apart by their first bytes."""
    head = data[:256].lstrip(b"\xef\xbb\xbf \t" + _FILLER)
    if head.startswith(b"<"):
        return "marcxml"
    if head[:1] in (b"{", b"["):
        return "json"
    return "iso2709"


def read_records(
    source: str | os.PathLike | bytes | BinaryIO,
    fmt: str = "auto",
    encoding: str | None = None,
    serialization: str = "auto",
) -> Iterator[ReadItem]:
    """Yield every record of a file (path, bytes or binary file object) as a ReadItem, good or bad, in order.

    ``fmt`` is marc21|unimarc|auto, ``serialization`` iso2709|marcxml|json|auto and
    ``encoding`` overrides charset detection for ISO 2709 (utf-8, marc-8, cp1251, cp866).
    A malformed record gives a ReadItem with ``record=None`` and ``error`` saying where and
    why; reading goes on with the next record. Never raises for bad data.
    """
    if fmt not in ("auto", "marc21", "unimarc"):
        raise ValueError(f"unknown MARC format {fmt!r}")
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = source.read()
    else:
        with open(source, "rb") as handle:
            data = handle.read()
    if serialization == "auto":
        serialization = detect_serialization(data)
    if serialization == "iso2709":
        return _read_iso2709(data, fmt, normalize_encoding(encoding) if encoding else None)
    if serialization == "marcxml":
        return _read_marcxml(data, fmt)
    if serialization == "json":
        return _read_json(data, fmt)
    raise ValueError(f"unknown serialization {serialization!r}")


# --- writing -----------------------------------------------------------------------------


def _export_leader(record: Record, fmt: str | None) -> str:
    """The leader for UTF-8 output: MARC 21 gets leader/09 'a', UNIMARC stays as it is."""
    leader = str(record.leader)
    if (fmt or detect_format(record)) == "marc21" and leader[9:10] != "a":
        leader = leader[:9] + "a" + leader[10:]
    return leader


def _describe_record(record: Record, position: int) -> str:
    number = _control_number(record)
    return f"record {position}" + (f" (001 {number})" if number else "")


def record_to_iso2709(record: Record, fmt: str | None = None, position: int = 1) -> bytes:
    """Serialize one record as UTF-8 ISO 2709, keeping a UNIMARC leader intact.

    pymarc's ``as_marc`` sets leader/09 to 'a' whenever ``to_unicode`` is on; with
    ``to_unicode`` off and ``force_utf8`` on it writes UTF-8 and leaves the leader alone.
    """
    saved = record.to_unicode, record.force_utf8
    record.to_unicode, record.force_utf8 = False, True
    try:
        data = record.as_marc()
    finally:
        record.to_unicode, record.force_utf8 = saved
    if len(data) > ISO2709_MAX:
        raise MarcWriteError(
            f"{_describe_record(record, position)} is {len(data):,} bytes; ISO 2709 allows at most 99,999"
        )
    if int(data[12:17]) != LEADER_LEN + 1 + 12 * len(record.fields):
        raise MarcWriteError(
            f"{_describe_record(record, position)} has a field longer than ISO 2709 allows (9,999 bytes)"
        )
    leader = _export_leader(record, fmt)
    return data[:5] + leader[5:12].encode("ascii") + data[12:17] + leader[17:].encode("ascii") + data[24:]


def _xml_text(value: str | None) -> str:
    return _XML_ILLEGAL.sub("\ufffd", value or "")


def _marcxml_element(record: Record, leader: str) -> etree._Element:
    ns = f"{{{MARCXML_NS}}}"
    root = etree.Element(ns + "record", nsmap={None: MARCXML_NS})
    etree.SubElement(root, ns + "leader").text = _xml_text(leader)
    for field in record.fields:
        if field.control_field:
            etree.SubElement(root, ns + "controlfield", tag=field.tag).text = _xml_text(field.data)
            continue
        element = etree.SubElement(
            root,
            ns + "datafield",
            tag=field.tag,
            ind1=_xml_text(field.indicator1),
            ind2=_xml_text(field.indicator2),
        )
        for sub in field.subfields:
            etree.SubElement(element, ns + "subfield", code=_xml_text(sub.code)).text = _xml_text(sub.value)
    return root


def record_to_marcxml(record: Record, fmt: str | None = None) -> str:
    """Return one <record> element in the MARC 21 slim namespace (characters illegal in XML become U+FFFD)."""
    return etree.tostring(_marcxml_element(record, _export_leader(record, fmt)), encoding="unicode")


def record_to_json(record: Record) -> str:
    """Return the record as MARC-in-JSON, losslessly (leader untouched): how the database stores it."""
    return json.dumps(record.as_dict(), ensure_ascii=False, separators=(",", ":"))


def record_from_json(text: str | bytes) -> Record:
    """Parse one MARC-in-JSON object back into a Record (leader kept exactly)."""
    try:
        return _record_from_dict(json.loads(text))
    except _Malformed as exc:
        raise ValueError(str(exc)) from None


def write_records(records: Iterable[Record], serialization: str, fmt: str | None = None) -> bytes:
    """Serialize records as UTF-8 ``iso2709``, ``marcxml`` (a <collection>) or ``json`` (an array).

    MARC 21 leaders get leader/09 'a' (UTF-8); UNIMARC leaders are written unchanged.
    ``fmt`` forces the format of every record instead of detecting it per record.
    Raises MarcWriteError naming the record that ISO 2709 cannot hold.
    """
    if serialization == "iso2709":
        return b"".join(record_to_iso2709(r, fmt, n) for n, r in enumerate(records, 1))
    if serialization == "marcxml":
        parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="{MARCXML_NS}">\n']
        for record in records:
            element = _marcxml_element(record, _export_leader(record, fmt))
            etree.cleanup_namespaces(element)
            parts.append(etree.tostring(element, encoding="unicode").replace(f' xmlns="{MARCXML_NS}"', "", 1))
            parts.append("\n")
        parts.append("</collection>\n")
        return "".join(parts).encode("utf-8")
    if serialization == "json":
        objects = []
        for record in records:
            obj = record.as_dict()
            obj["leader"] = _export_leader(record, fmt)
            objects.append(obj)
        return json.dumps(objects, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    raise ValueError(f"unknown serialization {serialization!r}")
