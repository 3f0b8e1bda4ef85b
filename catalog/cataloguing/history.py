"""History of a record: versions, a field-level diff between any two, and revert.

A revert never rewrites history: it saves the old state as a new version through
``save_record``, so the version it replaces stays in the list too.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pymarc
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.cataloguing.editor import field_text
from catalog.errors import NotFound
from catalog.models import Record, RecordVersion
from catalog.records.services import load_record, save_record
from marc.io import record_from_json


@dataclass
class Change:
    """One line of a diff: ``op`` is equal, added, removed or changed; ``old``/``new`` are field lines."""

    op: str
    tag: str
    old: str = ""
    new: str = ""


def record_lines(record: pymarc.Record) -> list[str]:
    """A record as one readable line per field, the leader first."""
    return [f"LDR    {record.leader}"] + [field_text(f) for f in record.fields]


def diff_records(old: pymarc.Record, new: pymarc.Record, *, context: bool = True) -> list[Change]:
    """Field-level differences from ``old`` to ``new``; 005 (transaction time) is ignored.

    Replaced blocks pair fields by tag, so an edited 245 shows as one "changed" line with its
    old and new value; ``context=False`` drops the unchanged fields.
    """
    a = [line for line in record_lines(old) if not line.startswith("005 ")]
    b = [line for line in record_lines(new) if not line.startswith("005 ")]
    changes: list[Change] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            if context:
                changes += [Change("equal", line[:3], line, line) for line in a[i1:i2]]
        elif op == "delete":
            changes += [Change("removed", line[:3], old=line) for line in a[i1:i2]]
        elif op == "insert":
            changes += [Change("added", line[:3], new=line) for line in b[j1:j2]]
        else:
            changes += _pair(a[i1:i2], b[j1:j2])
    return changes


def _pair(olds: list[str], news: list[str]) -> list[Change]:
    out, remaining = [], list(news)
    for line in olds:
        match = next((n for n in remaining if n[:3] == line[:3]), None)
        if match is not None:
            idx = remaining.index(match)
            out += [Change("added", n[:3], new=n) for n in remaining[:idx]]
            remaining = remaining[idx + 1:]
            out.append(Change("changed", line[:3], line, match))
        else:
            out.append(Change("removed", line[:3], old=line))
    out += [Change("added", n[:3], new=n) for n in remaining]
    return out


def versions(session: Session, record_id: int) -> list[RecordVersion]:
    """All versions of a record, newest first."""
    load_record(session, record_id)
    return list(session.scalars(select(RecordVersion).where(RecordVersion.record_id == record_id)
                                .order_by(RecordVersion.version.desc())).all())


def get_version(session: Session, record_id: int, version: int) -> RecordVersion:
    found = session.scalar(select(RecordVersion).where(RecordVersion.record_id == record_id,
                                                       RecordVersion.version == version))
    if found is None:
        raise NotFound(f"Record {record_id} has no version {version}")
    return found


def diff_versions(session: Session, record_id: int, old: int, new: int, *, context: bool = True) -> list[Change]:
    """The diff between two stored versions of one record."""
    a, b = get_version(session, record_id, old), get_version(session, record_id, new)
    return diff_records(record_from_json(a.marc), record_from_json(b.marc), context=context)


def revert(session: Session, actor, record_id: int, version: int, *, expected_version: int | None = None,
           status: str | None = None) -> Record:
    """Restore the content of ``version`` as a new version (the status stays unless given)."""
    old = get_version(session, record_id, version)
    record = load_record(session, record_id)
    return save_record(session, actor, record_from_json(old.marc), fmt=record.format, kind=record.kind,
                       status=status or record.status, record_id=record_id,
                       expected_version=expected_version if expected_version is not None else record.version,
                       comment=f"revert to version {version}", stamp=True)
