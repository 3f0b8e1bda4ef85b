"""Copy cataloguing: search other libraries' SRU servers, preview, import into the local format.

A foreign record is converted with ``marc.convert`` when its format is not the library's
(MARC 21 from the Library of Congress into UNIMARC, UNIMARC from the BnF into MARC 21),
checked for duplicates (ISBN, control number, title + year + author) and saved as a draft
through ``save_record``, with its source in the version comment.
"""

from __future__ import annotations

import pymarc
from flask import current_app
from sqlalchemy.orm import Session

from catalog.cataloguing.duplicates import Duplicate, find_duplicates
from catalog.errors import CatalogError
from catalog.models import Record
from catalog.records.services import save_record
from sru.client import SearchResult, SRUError, Target, search, targets_from_config


def targets() -> dict[str, Target]:
    """Configured SRU targets (``SRU_TARGETS`` in the instance config) plus the shipped examples."""
    return targets_from_config(current_app.config.get("SRU_TARGETS"))


def get_target(key: str) -> Target:
    found = targets().get(key)
    if found is None:
        raise CatalogError(f"Unknown SRU target '{key}': choose one of {', '.join(targets())}")
    return found


def search_target(key: str, search_field: str, term: str, *, start: int = 1, maximum: int = 10) -> SearchResult:
    """Search one target; connection and protocol failures become a CatalogError the page can show."""
    if not term.strip():
        raise CatalogError("Type something to search for")
    try:
        return search(get_target(key), search_field, term, start=start, maximum=maximum,
                      timeout=current_app.config.get("SRU_TIMEOUT", 20))
    except SRUError as exc:
        raise CatalogError(f"The SRU server did not answer properly: {exc}") from exc


def to_local(record: pymarc.Record, source_fmt: str, local_fmt: str) -> pymarc.Record:
    """The record in the library's format (converted when the formats differ)."""
    if source_fmt == local_fmt:
        return record
    from marc.convert import marc21_to_unimarc, unimarc_to_marc21

    return marc21_to_unimarc(record) if local_fmt == "unimarc" else unimarc_to_marc21(record)


def import_record(session: Session, actor, record: pymarc.Record, *, source_fmt: str, local_fmt: str, source: str = "",
                  force: bool = False) -> tuple[Record | None, list[Duplicate], pymarc.Record]:
    """Convert and save a foreign record as a draft; with duplicates found and not ``force``, save nothing.

    Returns (saved record or None, duplicates, the converted record).
    """
    local = to_local(record, source_fmt, local_fmt)
    dups = find_duplicates(session, local, local_fmt)
    if dups and not force:
        return None, dups, local
    saved = save_record(session, actor, local, fmt=local_fmt, status="draft",
                        comment=f"copy cataloguing: {source}"[:500] if source else "copy cataloguing")
    return saved, dups, local
