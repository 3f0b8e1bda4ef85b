"""Export stored records as ISO 2709, MARCXML or MARC-in-JSON."""

from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Record
from marc.io import record_from_json, write_records

SERIALIZATIONS = ("iso2709", "marcxml", "json")

# Areas add fields on export (e.g. holdings 995/952 from copies): callables taking
# (session, record) and returning pymarc fields. Stored fields with a tag listed in a
# provider's ``replaces`` attribute are dropped first, so they are not doubled.
EXPORT_FIELD_PROVIDERS: list = []


def with_provided_fields(session: Session, record: Record, marc):
    """``marc`` (the stored record) with every export provider's fields added."""
    for provider in EXPORT_FIELD_PROVIDERS:
        for tag in getattr(provider, "replaces", ()):
            marc.remove_fields(tag)
        for field in provider(session, record):
            marc.add_ordered_field(field)
    return marc


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
        records.append(with_provided_fields(session, record, record_from_json(record.marc)))
        if progress:
            progress(1)
    out.write_bytes(write_records(records, serialization))
    return len(records)
