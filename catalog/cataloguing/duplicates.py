"""Duplicate check (on save and import) and merge of two records.

A record is a suspected duplicate of another when they share an ISBN (compared as ISBN-13),
a control number with its source, or the normalised title, year and first author.
Merging moves every row that points at the removed record (copies and other area data) to
the kept one, marks the removed record deleted ("merged into N") and keeps both histories.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pymarc
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.audit import audit
from catalog.db import Base
from catalog.errors import CatalogError
from catalog.models import Record
from catalog.records.services import load_record, marc_of, normalise_isbn, save_record
from marc.extract import extract
from marc.isbn import isbn10_to_13, isbn13_to_10, to_isbn13


@dataclass
class Duplicate:
    record: Record
    reason: str  # "isbn", "control_number", "title"


def normalise_title(text: str) -> str:
    """Title key: case-folded letters and digits only, ґ→г, apostrophes dropped."""
    text = unicodedata.normalize("NFKC", text or "").casefold().replace("ґ", "г")
    return " ".join(re.findall(r"\w+", text.replace("'", "").replace("’", "").replace("ʼ", "")))


def _isbn_forms(value: str) -> set[str]:
    bare = normalise_isbn(value)
    forms = {bare} if bare else set()
    thirteen = to_isbn13(value) or (isbn10_to_13(bare) if len(bare) == 10 else None)
    if thirteen:
        forms |= {thirteen, isbn13_to_10(thirteen) or ""}
    return {f for f in forms if f}


def find_duplicates(session: Session, marc_record: pymarc.Record, fmt: str, *, exclude_id: int | None = None,
                    kind: str = "bibliographic") -> list[Duplicate]:
    """Stored records (not deleted) that look like the same publication as ``marc_record``."""
    summary = extract(marc_record, fmt)
    live = [Record.status != "deleted", Record.kind == kind]
    if exclude_id is not None:
        live.append(Record.id != exclude_id)
    found: dict[int, Duplicate] = {}
    isbns = set().union(*[_isbn_forms(i) for i in summary.isbn]) if summary.isbn else set()
    if isbns:
        for r in session.scalars(select(Record).where(Record.isbn.in_(sorted(isbns)), *live).limit(20)):
            found.setdefault(r.id, Duplicate(r, "isbn"))
    if summary.control_number:
        query = select(Record).where(Record.control_number == summary.control_number, *live)
        if summary.control_source:
            query = query.where(Record.control_source.in_([summary.control_source, ""]))
        for r in session.scalars(query.limit(20)):
            found.setdefault(r.id, Duplicate(r, "control_number"))
    key = normalise_title(summary.title)
    if key and summary.year:
        author = normalise_title(summary.authors[0]) if summary.authors else ""
        for r in session.scalars(select(Record).where(Record.year == summary.year, *live).limit(2000)):
            title = normalise_title(r.title.split(" : ")[0])
            if title == key and normalise_title(r.author) == author:
                found.setdefault(r.id, Duplicate(r, "title"))
    return list(found.values())


def _referencing_columns():
    """(table, column) pairs outside the core that reference records.id (copies and the like)."""
    skip = {"records", "record_versions"}
    for table in Base.metadata.sorted_tables:
        if table.name in skip:
            continue
        for column in table.columns:
            if any(fk.column.table.name == "records" and fk.column.name == "id" for fk in column.foreign_keys):
                yield table, column


def merge_records(session: Session, actor, keep_id: int, remove_id: int) -> Record:
    """Merge ``remove_id`` into ``keep_id``: its copies (and any rows pointing at it) and analytic parts
    move to the kept record; it is marked deleted with a note; both histories stay."""
    if keep_id == remove_id:
        raise CatalogError("Choose two different records to merge")
    keep, gone = load_record(session, keep_id), load_record(session, remove_id)
    if keep.kind != gone.kind:
        raise CatalogError(f"Record {keep_id} is {keep.kind} and record {remove_id} is {gone.kind}: they cannot be merged")
    moved = {}
    for table, column in _referencing_columns():
        result = session.execute(update(table).where(column == remove_id).values({column.name: keep_id}))
        if result.rowcount:
            moved[f"{table.name}.{column.name}"] = result.rowcount
    parts = session.execute(update(Record).where(Record.host_id == remove_id).values(host_id=keep_id)).rowcount
    audit(session, actor, "record.merge", "record", keep_id, {"removed": remove_id, "moved": moved, "parts": parts})
    save_record(session, actor, marc_of(gone), fmt=gone.format, kind=gone.kind, status="deleted", record_id=gone.id,
                 comment=f"merged into {keep_id}", stamp=False, commit=False)
    return save_record(session, actor, marc_of(keep), fmt=keep.format, kind=keep.kind, status=keep.status,
                       record_id=keep.id, comment=f"merged from {remove_id}", validate=False, stamp=False)
