"""Workbench services: validation problems for display, saving with conflict and validation
reporting, record lists for cataloguers. Every write goes through ``save_record``."""

from __future__ import annotations

from dataclasses import dataclass, field

import pymarc
from flask import current_app
from flask_babel import get_locale
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from catalog.errors import ValidationFailed, VersionConflict
from catalog.indexing import drain_queue_quietly
from catalog.models import Record
from catalog.records.services import marc_of, save_record, validation_problems
from marc.io import record_from_json


def profile_name(fmt: str, kind: str = "bibliographic") -> str:
    return f"{fmt}_{'bib' if kind == 'bibliographic' else 'auth'}"


def _as_dict(problem) -> dict:
    raw = problem._asdict() if hasattr(problem, "_asdict") else (dict(problem) if isinstance(problem, dict) else vars(problem))
    return dict(raw)


def localise(problem) -> dict:
    """A problem as a dict with ``message`` in the UI language (Ukrainian by default)."""
    p = _as_dict(problem)
    english = str(get_locale() or "uk") == "en" if current_app else False
    if english and p.get("message_en"):
        p["message"] = p["message_en"]
    p.setdefault("code", "")
    p.setdefault("tag", "")
    p.setdefault("level", "error")
    return p


def check(marc_record: pymarc.Record, fmt: str, kind: str = "bibliographic") -> list[dict]:
    """Validation problems of a record for display (errors first); [] when no profile applies."""
    try:
        problems = validation_problems(marc_record, fmt, kind)
    except (ImportError, FileNotFoundError, KeyError):  # no profile for this kind yet
        return []
    out = [localise(p) for p in problems]
    return sorted(out, key=lambda p: (p["level"] != "error", p["tag"] or ""))


def problems_by_tag(problems: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for p in problems:
        grouped.setdefault(p.get("tag") or "", []).append(p)
    return grouped


@dataclass
class SaveOutcome:
    """What happened to a save from a form: saved, refused by validation, or stale."""

    record: Record | None = None
    problems: list[dict] = field(default_factory=list)
    conflict: dict | None = None  # {"current_version", "current_marc": Record, "message"}
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.record is not None


def save_from_form(session: Session, actor, marc_record: pymarc.Record, *, fmt: str, kind: str = "bibliographic",
                   status: str, record_id: int | None, expected_version: int | None, comment: str = "") -> SaveOutcome:
    """Save through ``save_record``; a refusal comes back as problems or a conflict, never lost input."""
    library_code = current_app.config.get("LIBRARY_CODE", "")
    validate = True
    if record_id is None and status == "published" and library_code and not marc_record.get_fields("001"):
        # save_record numbers a new record (001) after validating it: check here, excusing only
        # the 001 it is about to add, so a new record can be published in one save.
        errors = [p for p in check(marc_record, fmt, kind) if p["level"] == "error" and p["tag"] != "001"]
        if errors:
            return SaveOutcome(problems=errors, error="validation failed")
        validate = False
    try:
        record = save_record(session, actor, marc_record, fmt=fmt, kind=kind, status=status, record_id=record_id,
                             expected_version=expected_version, comment=comment, validate=validate,
                             library_code=library_code, commit=False)
        session.commit()
    except ValidationFailed as exc:
        session.rollback()
        return SaveOutcome(problems=[localise(p) for p in (exc.details or [])], error=exc.message)
    except VersionConflict as exc:
        session.rollback()
        current = (exc.details or {}).get("current") or {}
        stored = record_from_json(current["marc"]) if current.get("marc") else None
        return SaveOutcome(conflict={"current_version": exc.current_version, "stored": stored,
                                     "message": exc.message}, error=exc.message)
    drain_queue_quietly()  # a few milliseconds: the record is searchable when the page comes back
    return SaveOutcome(record=record, problems=check(marc_record, fmt, kind))


def list_records(session: Session, *, q: str = "", kind: str = "bibliographic", status: str = "", fmt: str = "",
                 page: int = 1, per_page: int = 20) -> tuple[list[Record], int]:
    """Records for the workbench list: newest first, filtered by a simple text, status and format.

    The text matches title, author, ISBN, UDC or control number (case-insensitive for ASCII on SQLite;
    numbers find a record by its id).
    """
    query = select(Record).where(Record.kind == kind)
    if status:
        query = query.where(Record.status == status)
    else:
        query = query.where(Record.status != "deleted")
    if fmt:
        query = query.where(Record.format == fmt)
    q = q.strip()
    if q:
        like = f"%{q}%"
        conditions = [Record.title.ilike(like), Record.author.ilike(like), Record.isbn.like(like.replace("-", "")),
                      Record.udc.like(f"{q}%"), Record.control_number == q]
        if q.isdigit():
            conditions.append(Record.id == int(q))
        query = query.where(or_(*conditions))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Record.updated_at.desc(), Record.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def stored_marc(record: Record) -> pymarc.Record:
    return marc_of(record)
