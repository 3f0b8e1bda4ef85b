"""Import MARC files: batches committed one by one, per-record problems reported.

A bad record never stops the good ones. Each batch is one transaction, so a crash loses at
most the batch in progress, and a rerun matches what is already stored (001+003, then
ISBN) instead of duplicating it: an identical record is skipped, a changed one updated.

Reading, extraction and serialisation of large ISO 2709 files run in worker processes
(one per core), since pymarc parsing alone is slower than the import target; the main
process only matches and writes. Other serialisations are read in-process.
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
from catalog.records.services import summary_columns
from marc.io import read_records, record_to_json

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


def prepare_chunk(task: tuple) -> list[Prepared]:
    """Read, extract and serialise the records in ``data`` (runs in a worker process)."""
    data, fmt, encoding, offset = task
    out = []
    for item in read_records(data, fmt=fmt, encoding=encoding):
        position, control_number = item.position + offset, item.control_number or ""
        if item.record is None:
            out.append(Prepared(position, control_number, error=item.error or "unreadable"))
            continue
        try:
            cols = summary_columns(item.record, item.format)
            out.append(Prepared(position, control_number, item.format, record_to_json(item.record), cols,
                                warnings=tuple(item.warnings)))
        except Exception as exc:  # a record pymarc read but we cannot store: report it, go on
            out.append(Prepared(position, control_number, error=f"cannot be stored: {exc}"))
    return out


def _iso2709_tasks(data: bytes, fmt: str, encoding: str | None) -> Iterator[tuple]:
    parts = data.split(b"\x1d")
    if parts and not parts[-1].strip(b"\r\n\x1a\x00 \t"):
        parts.pop()
    for start in range(0, len(parts), RECORDS_PER_TASK):
        yield b"\x1d".join(parts[start:start + RECORDS_PER_TASK]) + b"\x1d", fmt, encoding, start


def prepared_records(path: Path, fmt: str, encoding: str | None, workers: int) -> Iterator[Prepared]:
    """Every record of ``path`` prepared for storage, in file order."""
    data = path.read_bytes()
    is_iso2709 = data[:5].isdigit()
    if workers > 1 and is_iso2709 and data.count(b"\x1d") >= PARALLEL_FROM:
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        with context.Pool(workers) as pool:
            for chunk in pool.imap(prepare_chunk, _iso2709_tasks(data, fmt, encoding)):
                yield from chunk
    else:
        yield from prepare_chunk((data, fmt, encoding, 0))


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
                 dry_run: bool) -> None:
    by_control, by_isbn = _existing_matches(session, batch)
    now = utcnow()
    new_rows: dict = {}  # key -> row; a record repeated in one batch keeps its last state
    written: list[tuple] = []  # (record id, version, status, marc, action) of updates, in order
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
            new_rows[key] = {"format": prepared.fmt, "kind": "bibliographic", "status": status, "version": 1,
                             "marc": prepared.marc_json, "created_by": actor, "updated_by": actor, "created_at": now,
                             "updated_at": now, **cols}
            continue
        report.updated += 1
        if dry_run:
            continue
        if pending is not None:
            pending.update({"format": prepared.fmt, "marc": prepared.marc_json, **cols})
            continue
        match.version += 1
        match.marc, match.format, match.updated_at, match.updated_by = prepared.marc_json, prepared.fmt, now, actor
        for name, value in cols.items():
            setattr(match, name, value)
        written.append((match.id, match.version, match.status, match.marc, "record.import-update"))
    if dry_run:
        return
    session.flush()
    rows = list(new_rows.values())
    if rows:
        ids = session.scalars(insert(Record).returning(Record.id, sort_by_parameter_order=True), rows).all()
        written += [(rid, 1, status, row["marc"], "record.import") for rid, row in zip(ids, rows, strict=True)]
    if written:
        session.execute(insert(RecordVersion), [
            {"record_id": rid, "version": v, "status": st, "marc": marc, "saved_by": actor, "saved_at": now, "comment": "import"}
            for rid, v, st, marc, _ in written])
        session.execute(insert(IndexQueue), [{"record_id": rid, "queued_at": now} for rid, *_ in written])
        session.execute(insert(AuditEntry), [
            {"at": now, "actor": actor, "action": action, "entity_type": "record", "entity_id": str(rid),
             "detail": {"version": v}} for rid, v, _, _, action in written])
    for hook in IMPORT_HOOKS:
        hook(session, actor, [(rid, marc) for rid, _, _, marc, _ in written])
    session.commit()
    report.record_ids.extend(dict.fromkeys(rid for rid, *_ in written))


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
    after_batch: Callable[[], None] | None = None,
) -> ImportReport:
    """Import every record of ``paths``; see the module docstring for the guarantees."""
    report = ImportReport()
    who = actor_name(actor) or "import"
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    for path in map(Path, paths):
        batch: list[Prepared] = []
        for prepared in prepared_records(path, fmt, encoding, workers):
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
                _store_batch(session, who, batch, status, report, dry_run)
                batch = []
                if after_batch:
                    after_batch()
        if batch:
            _store_batch(session, who, batch, status, report, dry_run)
            if after_batch:
                after_batch()
    if dry_run:
        session.rollback()
    return report
