"""The one place every record write goes through: version, audit, index queue.

``save_record`` validates when a record is published, stores a new ``RecordVersion``,
writes the audit entry and queues the record for indexing, all in one transaction.
The search index is updated after commit (``catalog.indexing``); if that fails the
queue row stays and the next drain repairs it.
"""

from datetime import datetime

import pymarc
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import audit
from catalog.errors import CatalogError, NotFound, ValidationFailed, VersionConflict
from catalog.models import RECORD_FORMATS, RECORD_KINDS, RECORD_STATUSES, IndexQueue, Record, RecordVersion, utcnow
from marc.extract import extract
from marc.io import detect_format, record_from_json, record_to_json


def summary_columns(marc_record: pymarc.Record, fmt: str) -> dict:
    """The list columns of a Record, taken from its MARC."""
    return columns_from_summary(extract(marc_record, fmt))


def columns_from_summary(summary) -> dict:
    """The list columns of a Record, from its ``marc.extract.Summary``."""
    title = summary.title or ""
    if summary.subtitle:
        title = f"{title} : {summary.subtitle}"
    return {
        "title": title[:500],
        "author": (summary.authors[0] if summary.authors else "")[:300],
        "isbn": normalise_isbn(summary.isbn[0]) if summary.isbn else "",
        "year": summary.year,
        "udc": (summary.udc[0] if summary.udc else "")[:120],
        "control_number": (summary.control_number or "")[:64],
        "control_source": (summary.control_source or "")[:64],
    }


def normalise_isbn(value: str) -> str:
    """Digits (and a final X) of an ISBN, as stored for duplicate matching."""
    cleaned = "".join(ch for ch in value.upper() if ch.isdigit() or ch == "X")
    return cleaned[:20]


def load_record(session: Session, record_id: int) -> Record:
    record = session.get(Record, record_id)
    if record is None:
        raise NotFound(f"Record {record_id} does not exist")
    return record


def marc_of(record: Record) -> pymarc.Record:
    """The pymarc record stored in ``record``."""
    return record_from_json(record.marc)


def check_choice(value: str, allowed: tuple, what: str) -> None:
    if value not in allowed:
        raise CatalogError(f"Unknown {what} '{value}': choose one of {', '.join(allowed)}")


def validation_problems(marc_record: pymarc.Record, fmt: str, kind: str, assigned_on_save=()) -> list:
    """Problems found by the format profile; ``assigned_on_save`` are tags the save adds (001, 005)."""
    from marc.validate import validate

    return validate(marc_record, f"{fmt}_{'bib' if kind == 'bibliographic' else 'auth'}",
                    assigned_on_save=tuple(assigned_on_save))


def _stamp_005(marc_record: pymarc.Record) -> None:
    """Set 005 (date and time of latest transaction, YYYYMMDDHHMMSS.F) as MARC21 and UNIMARC define it."""
    stamp = datetime.now().strftime("%Y%m%d%H%M%S.0")
    for field in marc_record.get_fields("005"):
        marc_record.remove_field(field)
    marc_record.add_ordered_field(pymarc.Field(tag="005", data=stamp))


def _resolve_host(session: Session, summary_cols: dict, marc_record: pymarc.Record, fmt: str) -> int | None:
    host_cn = extract(marc_record, fmt).host_control_number
    if not host_cn:
        return None
    if host_cn.isdigit():
        by_id = session.get(Record, int(host_cn))
        if by_id is not None:
            return by_id.id
    return session.scalar(select(Record.id).where(Record.control_number == host_cn).limit(1))


def save_record(
    session: Session,
    actor,
    marc_record: pymarc.Record,
    *,
    fmt: str | None = None,
    kind: str = "bibliographic",
    status: str | None = None,
    record_id: int | None = None,
    expected_version: int | None = None,
    comment: str = "",
    validate: bool = True,
    stamp: bool = True,
    library_code: str = "",
    commit: bool = True,
) -> Record:
    """Create or update a record, keeping every saved state as a version.

    ``expected_version`` is the version the editor started from: when another save came
    in between, ``VersionConflict`` is raised and nothing is written. Publishing a record
    whose validation finds errors raises ``ValidationFailed`` with field-level problems;
    drafts are stored whatever their problems.
    """
    fmt = fmt or detect_format(marc_record)
    check_choice(fmt, RECORD_FORMATS, "record format")
    check_choice(kind, RECORD_KINDS, "record kind")
    existing = load_record(session, record_id) if record_id is not None else None
    if existing is not None and expected_version is not None and existing.version != expected_version:
        raise VersionConflict(
            f"Record {existing.id} was saved by {existing.updated_by or 'someone'} as version "
            f"{existing.version} after you opened version {expected_version}",
            current_version=existing.version,
            current={"marc": existing.marc, "status": existing.status},
        )
    status = status or (existing.status if existing else "draft")
    check_choice(status, RECORD_STATUSES, "record status")
    if validate and status == "published":
        assigned = (("005",) if stamp else ()) + (("001",) if existing is None and library_code else ())
        problems = [p for p in validation_problems(marc_record, fmt, kind, assigned) if p.level == "error"]
        if problems:
            raise ValidationFailed(
                f"Record cannot be published: {len(problems)} error(s), first: {problems[0].tag} {problems[0].message_en}",
                details=[p._asdict() if hasattr(p, "_asdict") else vars(p) for p in problems],
            )
    if stamp:
        _stamp_005(marc_record)
    cols = summary_columns(marc_record, fmt)
    by = getattr(actor, "username", None) or str(actor or "")
    if existing is None:
        record = Record(format=fmt, kind=kind, status=status, version=1, marc="", created_by=by, **cols)
        session.add(record)
        session.flush()
        if not cols["control_number"] and library_code:
            # A record born here gets its id as control number, with our code in 003.
            marc_record.add_ordered_field(pymarc.Field(tag="001", data=str(record.id)))
            if not marc_record.get_fields("003") and fmt == "marc21":
                marc_record.add_ordered_field(pymarc.Field(tag="003", data=library_code))
            cols = summary_columns(marc_record, fmt)
        action = "record.create"
    else:
        record = existing
        record.version += 1
        record.status = status
        record.format = fmt
        record.kind = kind
        action = "record.update"
    for key, value in cols.items():
        setattr(record, key, value)
    record.marc = record_to_json(marc_record)
    record.updated_at = utcnow()
    record.updated_by = by
    record.host_id = _resolve_host(session, cols, marc_record, fmt)
    if record.host_id == record.id:
        record.host_id = None
    session.add(
        RecordVersion(record=record, version=record.version, status=status, marc=record.marc, saved_by=by, comment=comment)
    )
    session.add(IndexQueue(record_id=record.id))
    audit(session, actor, action, "record", record.id, {"version": record.version, "status": status, "comment": comment or None})
    if commit:
        session.commit()
        _index_after_commit()
    return record


def set_status(session: Session, actor, record_id: int, status: str, *, expected_version=None, comment="") -> Record:
    """Change a record's status (publish, suppress, delete) as a new version; history is kept."""
    record = load_record(session, record_id)
    return save_record(
        session,
        actor,
        marc_of(record),
        fmt=record.format,
        kind=record.kind,
        status=status,
        record_id=record.id,
        expected_version=expected_version,
        comment=comment or f"status: {status}",
        stamp=False,
    )


def delete_record(session: Session, actor, record_id: int, *, expected_version=None) -> Record:
    """Mark a record deleted: it leaves the OPAC and SRU, its history stays."""
    return set_status(session, actor, record_id, "deleted", expected_version=expected_version)


def _index_after_commit() -> None:
    from catalog.indexing import drain_queue_quietly

    drain_queue_quietly()
