"""Import MARC files: batches committed one by one, per-record problems reported.

A bad record never stops the good ones. Each batch is one transaction, so a crash loses at
most the batch in progress, and a rerun matches what is already stored (001+003, then
ISBN) instead of duplicating it: an identical record is skipped, a changed one updated.

Reading, extraction, serialisation and the search index's analysis of large ISO 2709
files run in worker processes (one per core), since pymarc parsing alone is slower than
the import target; the main process only matches and writes. Other serialisations are
read in-process. ``after_batch`` gets the prepared index rows of each committed batch
(see ``catalog.indexing.index_imported``).
"""

import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from catalog.audit import actor_name
from catalog.models import AuditEntry, IndexQueue, Record, RecordVersion, utcnow
from catalog.records.services import columns_from_summary
from marc.extract import extract
from marc.io import read_records, record_to_json
from search.document import document_from_summary
from search.prepare import prepare as prepare_index_rows

# Areas read their own data out of imported records (e.g. copies from 995/952): callables
# taking (session, actor name, [(record id, MARC-in-JSON), ...]), run before the batch commits.
IMPORT_HOOKS: list = []

RECORDS_PER_TASK = 250  # ISO 2709 records handed to a worker at a time
PARALLEL_FROM = 2 * RECORDS_PER_TASK  # smaller files are not worth the worker start-up


@dataclass
class Problem:
    file: str
    position: int
    control_number: str
    reason: str

    def line(self) -> str:
        cn = f" (001 {self.control_number})" if self.control_number else ""
        return f"{self.file}: record {self.position}{cn}: {self.reason}"


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    record_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return f"imported {self.imported}, updated {self.updated}, skipped {self.skipped}, failed {self.failed}"

    def as_dict(self) -> dict:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "skipped": self.skipped,
            "failed": self.failed,
            "problems": [p.line() for p in self.problems],
            "warnings": [w.line() for w in self.warnings],
        }

    def write(self, path: Path) -> None:
        lines = [self.summary(), ""]
        if self.problems:
            lines += ["Failed records:", *[p.line() for p in self.problems], ""]
        if self.warnings:
            lines += ["Warnings:", *[w.line() for w in self.warnings], ""]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")


def count_records(path: Path) -> int | None:
    """A cheap estimate of how many records a file holds, for the progress bar."""
    data = path.read_bytes()
    head = data[:2000].lstrip()
    if head.startswith(b"<"):
        return len(re.findall(rb"<(?:[\w-]+:)?record[\s>]", data)) or None
    if head.startswith((b"{", b"[")):
        return data.count(b'"leader"') or None
    return data.count(b"\x1d") or None


@dataclass
class Prepared:
    """A record read and made ready to store (or the reason it cannot be)."""

    position: int
    control_number: str
    fmt: str = ""
    marc_json: str = ""
    cols: dict | None = None
    error: str | None = None
    warnings: tuple[str, ...] = ()
    index_rows: object = None  # search.prepare.Prepared for the import's status, id not yet known


def prepare_chunk(task: tuple) -> list[Prepared]:
    """Read, extract and serialise the records in ``data`` and, when ``status`` is given,
    analyse them for the search index (runs in a worker process)."""
    data, fmt, encoding, offset, status = task
    out = []
    for item in read_records(data, fmt=fmt, encoding=encoding):
        position, control_number = item.position + offset, item.control_number or ""
        if item.record is None:
            out.append(Prepared(position, control_number, error=item.error or "unreadable"))
            continue
        try:
            summary = extract(item.record, item.format)
            rows = prepare_index_rows(document_from_summary(0, summary, status)) if status else None
            out.append(Prepared(position, control_number, item.format, record_to_json(item.record),
                                columns_from_summary(summary), warnings=tuple(item.warnings), index_rows=rows))
        except Exception as exc:  # a record pymarc read but we cannot store: report it, go on
            out.append(Prepared(position, control_number, error=f"cannot be stored: {exc}"))
    return out


def _iso2709_tasks(data: bytes, fmt: str, encoding: str | None, status: str | None) -> Iterator[tuple]:
    parts = data.split(b"\x1d")
    if parts and not parts[-1].strip(b"\r\n\x1a\x00 \t"):
        parts.pop()
    for start in range(0, len(parts), RECORDS_PER_TASK):
        yield b"\x1d".join(parts[start:start + RECORDS_PER_TASK]) + b"\x1d", fmt, encoding, start, status


def prepared_records(path: Path, fmt: str, encoding: str | None, workers: int,
                     status: str | None = None) -> Iterator[Prepared]:
    """Every record of ``path`` prepared for storage (and for the index when ``status`` is given)."""
    data = path.read_bytes()
    is_iso2709 = data[:5].isdigit()
    if workers > 1 and is_iso2709 and data.count(b"\x1d") >= PARALLEL_FROM:
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        with context.Pool(workers) as pool:
            for chunk in pool.imap(prepare_chunk, _iso2709_tasks(data, fmt, encoding, status)):
                yield from chunk
    else:
        yield from prepare_chunk((data, fmt, encoding, 0, status))


def _existing_matches(session: Session, batch: list[Prepared]) -> tuple[dict, dict]:
    keys = {(p.cols["control_number"], p.cols["control_source"]) for p in batch if p.cols["control_number"]}
    isbns = {p.cols["isbn"] for p in batch if p.cols["isbn"] and not p.cols["control_number"]}
    by_control, by_isbn = {}, {}
    if keys:
        for rec in session.scalars(select(Record).where(tuple_(Record.control_number, Record.control_source).in_(keys))):
            by_control.setdefault((rec.control_number, rec.control_source), rec)
    if isbns:
        for rec in session.scalars(select(Record).where(Record.isbn.in_(isbns))):
            by_isbn.setdefault(rec.isbn, rec)
    return by_control, by_isbn


def _store_batch(session: Session, actor: str, batch: list[Prepared], status: str, report: ImportReport,
                 dry_run: bool) -> list[tuple]:
    """Store a batch in one transaction; returns (index queue id, record id, index rows) of the
    records whose prepared index rows still apply (same status as the import)."""
    by_control, by_isbn = _existing_matches(session, batch)
    now = utcnow()
    new_rows: dict = {}  # key -> row; a record repeated in one batch keeps its last state
    pending_rows: dict = {}  # key -> index rows of the new row
    written: list[tuple] = []  # (record id, version, status, marc, action, index rows), in order
    for prepared in batch:
        cols = prepared.cols
        key = (cols["control_number"], cols["control_source"]) if cols["control_number"] else ("", prepared.position)
        match = by_control.get(key) if cols["control_number"] else by_isbn.get(cols["isbn"]) if cols["isbn"] else None
        pending = new_rows.get(key)
        if match is not None and match.marc == prepared.marc_json or pending and pending["marc"] == prepared.marc_json:
            report.skipped += 1
            continue
        if match is None and pending is None:
            report.imported += 1
            pending_rows[key] = prepared.index_rows
            new_rows[key] = {"format": prepared.fmt, "kind": "bibliographic", "status": status, "version": 1,
                             "marc": prepared.marc_json, "created_by": actor, "updated_by": actor, "created_at": now,
                             "updated_at": now, **cols}
            continue
        report.updated += 1
        if dry_run:
            continue
        if pending is not None:
            pending.update({"format": prepared.fmt, "marc": prepared.marc_json, **cols})
            pending_rows[key] = prepared.index_rows
            continue
        match.version += 1
        match.marc, match.format, match.updated_at, match.updated_by = prepared.marc_json, prepared.fmt, now, actor
        for name, value in cols.items():
            setattr(match, name, value)
        same_status_rows = prepared.index_rows if match.status == status else None
        written.append((match.id, match.version, match.status, match.marc, "record.import-update", same_status_rows))
    if dry_run:
        return []
    session.flush()
    rows = list(new_rows.values())
    if rows:
        records = Record.__table__  # Core inserts: the ORM's bulk path costs more than the rows
        ids = session.scalars(insert(records).returning(records.c.id, sort_by_parameter_order=True), rows).all()
        written += [(rid, 1, status, row["marc"], "record.import", pending_rows[key])
                    for rid, (key, row) in zip(ids, new_rows.items(), strict=True)]
    ready = []
    if written:
        session.execute(insert(RecordVersion.__table__), [
            {"record_id": rid, "version": v, "status": st, "marc": marc, "saved_by": actor, "saved_at": now, "comment": "import"}
            for rid, v, st, marc, *_ in written])
        queue = IndexQueue.__table__
        queue_ids = session.scalars(insert(queue).returning(queue.c.id, sort_by_parameter_order=True),
                                    [{"record_id": rid, "queued_at": now} for rid, *_ in written]).all()
        session.execute(insert(AuditEntry.__table__), [
            {"at": now, "actor": actor, "action": action, "entity_type": "record", "entity_id": str(rid),
             "detail": {"version": v}} for rid, v, _, _, action, _ in written])
        ready = [(qid, rid, index_rows._replace(id=str(rid)))
                 for qid, (rid, *_, index_rows) in zip(queue_ids, written, strict=True) if index_rows is not None]
    for hook in IMPORT_HOOKS:
        hook(session, actor, [(rid, marc) for rid, _, _, marc, *_ in written])
    session.commit()
    report.record_ids.extend(dict.fromkeys(rid for rid, *_ in written))
    return ready


def import_files(
    session: Session,
    actor,
    paths: Iterable[Path],
    *,
    fmt: str = "auto",
    encoding: str | None = None,
    status: str = "published",
    dry_run: bool = False,
    batch_size: int = 500,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    after_batch: Callable[[list[tuple]], None] | None = None,
) -> ImportReport:
    """Import every record of ``paths``; see the module docstring for the guarantees."""
    report = ImportReport()
    who = actor_name(actor) or "import"
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    for path in map(Path, paths):
        batch: list[Prepared] = []
        index_status = None if dry_run or after_batch is None else status
        for prepared in prepared_records(path, fmt, encoding, workers, index_status):
            if progress:
                progress(1)
            for warning in prepared.warnings:
                report.warnings.append(Problem(path.name, prepared.position, prepared.control_number, warning))
            if prepared.error is not None:
                report.failed += 1
                report.problems.append(Problem(path.name, prepared.position, prepared.control_number, prepared.error))
                continue
            batch.append(prepared)
            if len(batch) >= batch_size:
                ready = _store_batch(session, who, batch, status, report, dry_run)
                batch = []
                if after_batch:
                    after_batch(ready)
        if batch:
            ready = _store_batch(session, who, batch, status, report, dry_run)
            if after_batch:
                after_batch(ready)
    if dry_run:
        session.rollback()
    return report
