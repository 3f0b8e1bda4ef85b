"""Batch edit: add, replace or delete a subfield value in a selection of records, with a preview
and one undo. Each changed record is saved through ``save_record`` (a new version); the batch is
remembered in the audit log so the last batch can be undone by restoring the versions it replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

import pymarc
from pymarc import Field, Indicators, Subfield
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import audit
from catalog.cataloguing.history import Change, diff_records
from catalog.errors import CatalogError
from catalog.models import AuditEntry, Record, RecordVersion
from catalog.records.services import load_record, marc_of, save_record
from marc.io import record_from_json

OPERATIONS = ("add", "replace", "delete")


@dataclass
class Edit:
    """``add``: a new field ``tag`` with ``$code value`` (or the subfield added to existing ``tag`` fields
    when ``to_existing``); ``replace``: ``$code`` equal to ``match`` (or any, when empty) becomes ``value``;
    ``delete``: ``$code`` equal to ``match`` (or any) is removed, and a field left empty goes too."""

    op: str
    tag: str
    code: str
    value: str = ""
    match: str = ""
    ind1: str = " "
    ind2: str = " "
    to_existing: bool = False

    def check(self) -> None:
        if self.op not in OPERATIONS:
            raise CatalogError(f"Unknown batch operation '{self.op}': choose one of {', '.join(OPERATIONS)}")
        if len(self.tag) != 3 or not self.tag.isalnum() or self.tag < "010":
            raise CatalogError(f"Batch edit works on data fields: '{self.tag}' is not a data field tag")
        if len(self.code) != 1:
            raise CatalogError(f"The subfield code '{self.code}' must be one character")
        if self.op in ("add", "replace") and not self.value:
            raise CatalogError("Say which value to write")


def apply_edit(record: pymarc.Record, edit: Edit) -> pymarc.Record:
    """A changed copy of ``record`` (the input is not modified)."""
    out = pymarc.Record(force_utf8=True, leader=str(record.leader))
    out.leader = record.leader
    added = False
    for f in record.fields:
        if f.is_control_field() or f.tag != edit.tag:
            out.add_field(f)
            continue
        subs = [(s.code, s.value) for s in f.subfields]
        if edit.op == "replace":
            subs = [(c, edit.value if c == edit.code and (not edit.match or v == edit.match) else v) for c, v in subs]
        elif edit.op == "delete":
            subs = [(c, v) for c, v in subs if not (c == edit.code and (not edit.match or v == edit.match))]
        elif edit.op == "add" and edit.to_existing and (edit.code, edit.value) not in subs:
            subs.append((edit.code, edit.value))
            added = True
        if subs:
            out.add_field(Field(tag=f.tag, indicators=Indicators(f.indicator1, f.indicator2),
                                subfields=[Subfield(c, v) for c, v in subs]))
    if edit.op == "add" and not added and not edit.to_existing:
        already = any(s.code == edit.code and s.value == edit.value for f in record.get_fields(edit.tag) for s in f.subfields)
        if not already:
            out.add_ordered_field(Field(tag=edit.tag, indicators=Indicators(edit.ind1 or " ", edit.ind2 or " "),
                                        subfields=[Subfield(edit.code, edit.value)]))
    return out


@dataclass
class Preview:
    record: Record
    changes: list[Change]


def preview(session: Session, ids: list[int], edit: Edit) -> list[Preview]:
    """What the edit would change in each selected record (records it leaves alone are omitted)."""
    edit.check()
    out = []
    for record_id in ids:
        record = load_record(session, record_id)
        before = marc_of(record)
        changes = diff_records(before, apply_edit(before, edit), context=False)
        if changes:
            out.append(Preview(record, changes))
    return out


def apply(session: Session, actor, ids: list[int], edit: Edit) -> dict:
    """Apply the edit; returns the batch summary kept in the audit log for undo."""
    edit.check()
    done: dict[str, list[int]] = {}
    for item in preview(session, ids, edit):
        record = item.record
        before_version = record.version
        saved = save_record(session, actor, apply_edit(marc_of(record), edit), fmt=record.format, kind=record.kind,
                            status=record.status, record_id=record.id, expected_version=before_version, validate=False,
                            comment=f"batch: {edit.op} {edit.tag}${edit.code}", commit=False)
        done[str(record.id)] = [before_version, saved.version]
    summary = {"edit": vars(edit), "records": done, "undone": False}
    audit(session, actor, "cataloguing.batch", "batch", "", summary)
    session.commit()
    from catalog.indexing import drain_queue_quietly

    drain_queue_quietly()
    return summary


def last_batch(session: Session, actor_name: str) -> AuditEntry | None:
    """The actor's most recent batch that has not been undone."""
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "cataloguing.batch",
                                                    AuditEntry.actor == actor_name).order_by(AuditEntry.id.desc()).limit(1))
    if entry is None or (entry.detail or {}).get("undone"):
        return None
    return entry


def undo(session: Session, actor, entry_id: int) -> list[int]:
    """Undo a batch: each record edited since gets the content it had before the batch (a new version).

    A record saved again after the batch is skipped (its later edit is not thrown away).
    """
    entry = session.get(AuditEntry, entry_id)
    if entry is None or entry.action != "cataloguing.batch":
        raise CatalogError(f"Batch {entry_id} does not exist")
    detail = dict(entry.detail or {})
    if detail.get("undone"):
        raise CatalogError(f"Batch {entry_id} was already undone")
    restored, skipped = [], []
    for record_id, (before, after) in detail.get("records", {}).items():
        record = load_record(session, int(record_id))
        if record.version != after:
            skipped.append(int(record_id))
            continue
        old = session.scalar(select(RecordVersion).where(RecordVersion.record_id == record.id,
                                                         RecordVersion.version == before))
        save_record(session, actor, record_from_json(old.marc), fmt=record.format, kind=record.kind,
                    status=record.status, record_id=record.id, expected_version=after, validate=False,
                    comment=f"undo batch {entry_id}", commit=False)
        restored.append(int(record_id))
    detail["undone"] = True
    entry.detail = detail
    audit(session, actor, "cataloguing.batch_undo", "batch", str(entry_id), {"restored": restored, "skipped": skipped})
    session.commit()
    from catalog.indexing import drain_queue_quietly

    drain_queue_quietly()
    return restored
