"""Import MARC files: batches committed one by one, per-record problems reported.

A bad record never stops the good ones. Each batch is one transaction, so a crash loses at
most the batch in progress, and a rerun matches what is already stored (001+003, then
ISBN) instead of duplicating it: an identical record is skipped, a changed one updated.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from catalog.audit import actor_name
from catalog.models import AuditEntry, IndexQueue, Record, RecordVersion, utcnow
from catalog.records.services import summary_columns
from marc.io import ReadItem, read_records, record_to_json


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
class _Prepared:
    item: ReadItem
    marc_json: str
    cols: dict


def _prepare(item: ReadItem, file_label: str, report: ImportReport) -> _Prepared | None:
    if item.record is None:
        report.failed += 1
        report.problems.append(Problem(file_label, item.position, item.control_number or "", item.error or "unreadable"))
        return None
    try:
        cols = summary_columns(item.record, item.format)
        marc_json = record_to_json(item.record)
    except Exception as exc:  # a record pymarc read but we cannot serialise: report it, go on
        report.failed += 1
        report.problems.append(Problem(file_label, item.position, item.control_number or "", f"cannot be stored: {exc}"))
        return None
    for warning in item.warnings:
        report.warnings.append(Problem(file_label, item.position, item.control_number or "", warning))
    return _Prepared(item, marc_json, cols)


def _existing_matches(session: Session, batch: list[_Prepared]) -> tuple[dict, dict]:
    keys = {(p.cols["control_number"], p.cols["control_source"]) for p in batch if p.cols["control_number"]}
    isbns = {p.cols["isbn"] for p in batch if p.cols["isbn"]}
    by_control, by_isbn = {}, {}
    if keys:
        for rec in session.scalars(select(Record).where(tuple_(Record.control_number, Record.control_source).in_(keys))):
            by_control.setdefault((rec.control_number, rec.control_source), rec)
    if isbns:
        for rec in session.scalars(select(Record).where(Record.isbn.in_(isbns))):
            by_isbn.setdefault(rec.isbn, rec)
    return by_control, by_isbn


def _store_batch(session: Session, actor: str, batch: list[_Prepared], status: str, report: ImportReport, dry_run: bool) -> None:
    by_control, by_isbn = _existing_matches(session, batch)
    now = utcnow()
    seen_control: dict = {}
    new_records: list[Record] = []
    touched: list[tuple[Record, str]] = []
    for prepared in batch:
        cols = prepared.cols
        key = (cols["control_number"], cols["control_source"])
        match = None
        if cols["control_number"]:
            match = by_control.get(key) or seen_control.get(key)
        if match is None and cols["isbn"] and not cols["control_number"]:
            match = by_isbn.get(cols["isbn"])
        if match is not None and match.marc == prepared.marc_json:
            report.skipped += 1
            continue
        if match is not None:
            report.updated += 1
            if dry_run:
                continue
            match.version += 1
            match.marc = prepared.marc_json
            match.format = prepared.item.format
            match.updated_at = now
            match.updated_by = actor
            for k, v in cols.items():
                setattr(match, k, v)
            touched.append((match, "record.import-update"))
            continue
        report.imported += 1
        if dry_run:
            continue
        record = Record(format=prepared.item.format, kind="bibliographic", status=status, version=1,
                        marc=prepared.marc_json, created_by=actor, updated_by=actor, created_at=now, updated_at=now, **cols)
        new_records.append(record)
        if cols["control_number"]:
            seen_control[key] = record
    if dry_run:
        return
    session.add_all(new_records)
    session.flush()
    touched.extend((r, "record.import") for r in new_records)
    session.add_all(
        RecordVersion(record_id=r.id, version=r.version, status=r.status, marc=r.marc, saved_by=actor, saved_at=now,
                      comment="import")
        for r, _ in touched
    )
    session.add_all(IndexQueue(record_id=r.id, queued_at=now) for r, _ in touched)
    session.add_all(
        AuditEntry(at=now, actor=actor, action=action, entity_type="record", entity_id=str(r.id),
                   detail={"version": r.version})
        for r, action in touched
    )
    session.commit()
    report.record_ids.extend(r.id for r, _ in touched)


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
    progress: Callable[[int], None] | None = None,
    after_batch: Callable[[], None] | None = None,
) -> ImportReport:
    """Import every record of ``paths``; see the module docstring for the guarantees."""
    report = ImportReport()
    who = actor_name(actor) or "import"
    for path in paths:
        path = Path(path)
        batch: list[_Prepared] = []
        for item in read_records(path, fmt=fmt, encoding=encoding):
            prepared = _prepare(item, path.name, report)
            if progress:
                progress(1)
            if prepared is not None:
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
