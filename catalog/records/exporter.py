"""Export stored records as ISO 2709, MARCXML or MARC-in-JSON."""

from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Record
from marc.io import record_from_json, write_records

SERIALIZATIONS = ("iso2709", "marcxml", "json")


def iter_records(session: Session, statuses: tuple[str, ...], batch_size: int = 1000) -> Iterator[Record]:
    last_id = 0
    while True:
        batch = session.scalars(
            select(Record).where(Record.id > last_id, Record.status.in_(statuses)).order_by(Record.id).limit(batch_size)
        ).all()
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id
        session.expunge_all()


def export_records(
    session: Session,
    out: Path,
    serialization: str,
    statuses: tuple[str, ...] = ("published",),
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write every record with one of ``statuses`` to ``out``; returns how many."""
    if serialization not in SERIALIZATIONS:
        raise ValueError(f"Unknown export format '{serialization}': choose one of {', '.join(SERIALIZATIONS)}")
    records = []
    for record in iter_records(session, statuses):
        records.append(record_from_json(record.marc))
        if progress:
            progress(1)
    out.write_bytes(write_records(records, serialization))
    return len(records)
