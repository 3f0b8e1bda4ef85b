"""Authority records for names and subjects: create, suggest while typing, link headings,
list and update every record that uses an authority.

Authorities are ``Record`` rows of kind ``authority`` in the library's format, with their
heading kept in ``Record.title`` for lists and suggestions. Headings in bibliographic
records point at them with UNIMARC ``$3`` (the authority record number) or MARC 21 ``$0``
(``(LIBRARY-CODE)number``), as both formats define for authority control.
"""

from __future__ import annotations

from datetime import date

import pymarc
from flask import current_app
from pymarc import Field, Indicators, Subfield
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.cataloguing.guided import GuidedData, _initials, auth_id_of
from catalog.errors import CatalogError, NotFound, ValidationFailed
from catalog.models import Record
from catalog.records.services import load_record, marc_of, save_record
from marc.fields import first, split_personal_name, values

AUTH_KINDS = ("personal", "corporate", "geographic", "topical")
# Heading field per kind: UNIMARC Authorities 200/210/215/250, MARC 21 Authority 100/110/151/150.
HEADING_TAGS = {
    "unimarc": {"personal": "200", "corporate": "210", "geographic": "215", "topical": "250"},
    "marc21": {"personal": "100", "corporate": "110", "geographic": "151", "topical": "150"},
}
# Bibliographic fields that can link to each kind of authority.
LINKING_TAGS = {
    "unimarc": {"personal": ("600", "700", "701", "702"), "corporate": ("601", "710", "711", "712"),
                "geographic": ("607",), "topical": ("606",)},
    "marc21": {"personal": ("600", "100", "700"), "corporate": ("610", "110", "710"), "geographic": ("651",),
               "topical": ("650",)},
}
UNIMARC_ENTITY = {"personal": "a", "corporate": "b", "geographic": "c", "topical": "j"}


def _split(heading: str) -> list[str]:
    from catalog.cataloguing.guided import _split_heading

    return _split_heading(heading)


def build_authority(kind: str, heading: str, fmt: str, note: str = "") -> pymarc.Record:
    """A minimal authority record for ``heading`` (subdivisions separated by " -- ")."""
    if kind not in AUTH_KINDS:
        raise CatalogError(f"Unknown authority kind '{kind}': choose one of {', '.join(AUTH_KINDS)}")
    parts = _split(heading)
    if not parts:
        raise CatalogError("An authority record needs a heading")
    tag = HEADING_TAGS[fmt][kind]
    record = pymarc.Record(force_utf8=True)
    if fmt == "unimarc":
        record.leader = f"00000nx  {UNIMARC_ENTITY[kind]}2200000   450 "
        # 100 $a (24 positions): date entered, status a (established), ukr, no transliteration,
        # character set 50 (UTF-8 per UNIMARC/A), script ca (Cyrillic), direction 0
        record.add_field(Field(tag="100", indicators=Indicators(" ", " "), subfields=[
            Subfield("a", date.today().strftime("%Y%m%d") + "aukry50      ca0")]))
    else:
        record.leader = "00000nz  a2200000n  4500"
        record.add_field(Field(tag="008", data=date.today().strftime("%y%m%d") + "n| azannaabn          |a aaa      "))
    record.add_field(heading_field(kind, parts, fmt, tag))
    code = _library_code()
    if fmt == "unimarc":
        record.add_field(Field(tag="801", indicators=Indicators(" ", "0"), subfields=[
            Subfield("a", "UA"), Subfield("b", code), Subfield("c", date.today().strftime("%Y%m%d"))]))
    else:
        record.add_field(Field(tag="040", indicators=Indicators(" ", " "), subfields=[
            Subfield("a", code), Subfield("b", "ukr"), Subfield("c", code)]))
    if note:
        note_tag = "300" if fmt == "unimarc" else "680"
        record.add_field(Field(tag=note_tag, indicators=Indicators(" ", " "), subfields=[Subfield("a" if fmt == "unimarc" else "i", note)]))
    return record


def _library_code() -> str:
    try:
        return current_app.config.get("LIBRARY_CODE", "") or "UA"
    except RuntimeError:  # outside an app (pure use)
        return "UA"


def heading_field(kind: str, parts: list[str], fmt: str, tag: str) -> Field:
    subdivision = "x"
    subs: list[tuple[str, str]]
    if kind == "personal":
        surname, forenames = split_personal_name(parts[0])
        if fmt == "unimarc":
            subs = [("a", surname), ("b", _initials(forenames)), ("g", forenames)]
        else:
            subs = [("a", parts[0])]
        ind = (" ", "1") if fmt == "unimarc" else ("1", " ")
    else:
        subs = [("a", parts[0])]
        ind = ("0", "2") if (kind == "corporate" and fmt == "unimarc") else (("2", " ") if kind == "corporate" else (" ", " "))
    subs += [(subdivision, p) for p in parts[1:]]
    return Field(tag=tag, indicators=Indicators(*ind), subfields=[Subfield(c, v) for c, v in subs if v])


def heading_of(record: pymarc.Record, fmt: str) -> tuple[str, str]:
    """(kind, heading text) of an authority record."""
    for kind, tag in HEADING_TAGS[fmt].items():
        found = record.get_fields(tag)
        if found:
            f = found[0]
            if kind == "personal":
                rest = first(f, "g") or first(f, "b")
                main = f"{first(f, 'a')}, {rest}" if (fmt == "unimarc" and rest) else first(f, "a")
            else:
                main = first(f, "a")
            return kind, " -- ".join([main, *values(f, "x", "y", "z")])
    return "", ""


def save_authority(session: Session, actor, kind: str, heading: str, *, fmt: str, note: str = "",
                   record_id: int | None = None, expected_version: int | None = None) -> Record:
    """Create or update an authority record (published: it is used at once)."""
    marc_record = build_authority(kind, heading, fmt, note)
    if record_id is not None:
        old = marc_of(load_record(session, record_id))
        for f in old.fields:  # keep what the form does not manage (001, 003, see-also fields...)
            if f.tag not in ("005", "008", "100", HEADING_TAGS[fmt][kind], "300", "680") and not marc_record.get_fields(f.tag):
                marc_record.add_ordered_field(f)
    from catalog.cataloguing.services import check

    errors = [p for p in check(marc_record, fmt, "authority") if p["level"] == "error"
              and not (record_id is None and p["tag"] == "001")]
    if errors:
        raise ValidationFailed(f"The authority record has {len(errors)} error(s): "
                               + "; ".join(f"{p['tag']} {p['message']}" for p in errors[:3]), details=errors)
    record = save_record(session, actor, marc_record, fmt=fmt, kind="authority", status="published",
                         record_id=record_id, expected_version=expected_version, validate=False,
                         library_code=current_app.config.get("LIBRARY_CODE", ""), commit=False,
                         comment=f"authority: {heading}")
    record.title = heading[:500]
    record.author = kind
    session.commit()
    from catalog.indexing import drain_queue_quietly

    drain_queue_quietly()
    return record


def _fold(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("ʼ", "'").casefold().split())


def authorities(session: Session, *, kind: str | None = None, fmt: str | None = None) -> list[Record]:
    query = select(Record).where(Record.kind == "authority", Record.status != "deleted")
    if kind:
        query = query.where(Record.author == kind)
    if fmt:
        query = query.where(Record.format == fmt)
    return list(session.scalars(query.order_by(Record.title)).all())


def suggest(session: Session, text: str, *, kind: str | None = None, fmt: str | None = None, limit: int = 10) -> list[dict]:
    """Authorities whose heading starts with (then contains) ``text``, for autocomplete.

    Matching is done in Python with Unicode case folding (SQLite's LIKE folds ASCII only);
    authority files of a regional library are small enough for that.
    """
    key = _fold(text)
    if not key:
        return []
    rows = session.execute(select(Record.id, Record.title, Record.author, Record.format).where(
        Record.kind == "authority", Record.status != "deleted",
        *([Record.author == kind] if kind else []), *([Record.format == fmt] if fmt else []))).all()
    starts = [r for r in rows if _fold(r.title).startswith(key)]
    contains = [r for r in rows if key in _fold(r.title) and r not in starts]
    found = sorted(starts, key=lambda r: _fold(r.title)) + sorted(contains, key=lambda r: _fold(r.title))
    return [{"id": r.id, "heading": r.title, "kind": r.author, "format": r.format} for r in found[:limit]]


def find_exact(session: Session, heading: str, kind: str, fmt: str) -> Record | None:
    key = _fold(heading)
    return next((r for r in authorities(session, kind=kind, fmt=fmt) if _fold(r.title) == key), None)


def load_authority(session: Session, authority_id: int) -> Record:
    record = load_record(session, authority_id)
    if record.kind != "authority":
        raise NotFound(f"Record {authority_id} is not an authority record")
    return record


def link_headings(session: Session, data: GuidedData, fmt: str) -> list[str]:
    """Link the guided form's names and subjects to authorities; returns notes for the cataloguer.

    A heading with an authority number takes the authorised form (its subdivisions kept); a
    heading without one is linked when it matches an authority exactly.
    """
    notes = []
    rows = [(s, s.kind) for s in data.subjects if s.kind != "keyword"] + [(n, "personal") for n in data.names]
    for row, kind in rows:
        text = row.heading if hasattr(row, "heading") else row.text
        if not text and not row.auth:
            continue
        if row.auth:
            if not row.auth.isdigit():
                notes.append(f"{text}: authority number '{row.auth}' is not a number")
                row.auth = ""
                continue
            auth = session.get(Record, int(row.auth))
            if auth is None or auth.kind != "authority":
                notes.append(f"{text}: authority {row.auth} does not exist")
                row.auth = ""
                continue
            parts, auth_parts = _split(text), _split(auth.title)
            if _fold(text).startswith(_fold(auth.title)):
                new = auth.title + text[len(auth.title):] if len(text) >= len(auth.title) else auth.title
            else:
                new = " -- ".join([*auth_parts, *parts[1:]])
            _set_text(row, new)
        else:
            auth = find_exact(session, text, kind, fmt)
            if auth is not None:
                row.auth = str(auth.id)
    return notes


def _set_text(row, text: str) -> None:
    if hasattr(row, "heading"):
        row.heading = text
    else:
        row.text = text


def _link_value(authority: Record, fmt: str) -> str:
    return str(authority.id) if fmt == "unimarc" else f"({current_app.config.get('LIBRARY_CODE', '')}){authority.id}"


def _links_to(f: Field, authority: Record, fmt: str) -> bool:
    code = "3" if fmt == "unimarc" else "0"
    return any(auth_id_of(v) == str(authority.id) for v in values(f, code))


def usage(session: Session, authority_id: int) -> list[Record]:
    """Bibliographic records whose headings link to the authority."""
    authority = load_authority(session, authority_id)
    fmt = authority.format
    code = "3" if fmt == "unimarc" else "0"
    needle = f'"{code}":"{_link_value(authority, fmt)}"'
    candidates = session.scalars(select(Record).where(Record.kind == "bibliographic", Record.status != "deleted",
                                                      Record.marc.contains(needle, autoescape=True)).order_by(Record.id)).all()
    tags = {t for group in LINKING_TAGS[fmt].values() for t in group}
    return [r for r in candidates if any(_links_to(f, authority, fmt) for f in marc_of(r).fields if f.tag in tags)]


def _rewrite(f: Field, authority: Record, fmt: str) -> Field:
    """Replace the main heading subfields of a linked field with the authority's, keeping the rest."""
    _kind, heading = heading_of(marc_of(authority), fmt)
    main = _split(heading)[0] if heading else authority.title
    subdivisions = _split(heading)[1:]
    if fmt == "unimarc" and f.tag in ("600", "700", "701", "702"):
        surname, forenames = split_personal_name(main)
        new_main = [("a", surname), ("b", _initials(forenames)), ("g", forenames)]
        drop = {"a", "b", "g"}
    else:
        new_main, drop = [("a", main)], {"a"}
    rest = [(s.code, s.value) for s in f.subfields if s.code not in drop]
    if subdivisions:
        rest = [(c, v) for c, v in rest if c != "x"]
        rest = [("x", p) for p in subdivisions] + rest
    subs = [Subfield(c, v) for c, v in [*new_main, *rest] if v]
    return Field(tag=f.tag, indicators=Indicators(f.indicator1, f.indicator2), subfields=subs)


def update_usage(session: Session, actor, authority_id: int) -> list[int]:
    """Rewrite the linked headings of every record using the authority (each a new version)."""
    authority = load_authority(session, authority_id)
    fmt = authority.format
    changed = []
    for record in usage(session, authority_id):
        marc_record = marc_of(record)
        new = pymarc.Record(force_utf8=True, leader=str(marc_record.leader))
        new.leader = marc_record.leader
        dirty = False
        for f in marc_record.fields:
            if not f.is_control_field() and _links_to(f, authority, fmt):
                rewritten = _rewrite(f, authority, fmt)
                dirty = dirty or rewritten.subfields != f.subfields
                new.add_field(rewritten)
            else:
                new.add_field(f)
        if dirty:
            save_record(session, actor, new, fmt=record.format, kind=record.kind, status=record.status,
                        record_id=record.id, expected_version=record.version, validate=False,
                        comment=f"authority {authority.id} updated: {authority.title}")
            changed.append(record.id)
    return changed
