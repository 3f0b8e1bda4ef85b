"""Analytic records: an article or chapter linked to its host (UNIMARC 463 with an embedded
001 and 200, MARC 21 773 ``$w``/``$t``). ``save_record`` resolves the link into ``Record.host_id``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.cataloguing.guided import GuidedData
from catalog.errors import CatalogError
from catalog.models import Record
from catalog.records.services import load_record, marc_of
from marc.extract import extract


def analytic_for(session: Session, host_id: int) -> GuidedData:
    """A guided form for a new chapter or article of the host record, with the link filled in."""
    host = load_record(session, host_id)
    if host.kind != "bibliographic":
        raise CatalogError(f"Record {host_id} is an authority record and cannot hold parts")
    summary = extract(marc_of(host), host.format)
    return GuidedData(material="article", host_id=str(host.id), host_title=summary.title or host.title,
                      host_control=host.control_number or str(host.id),
                      language=(summary.languages[0] if summary.languages else "ukr"),
                      year=str(summary.year or ""))


def fill_host(session: Session, data: GuidedData) -> None:
    """Complete the host link of a posted analytic form from its host record number."""
    if data.material != "article" or not data.host_id:
        return
    if not data.host_id.isdigit():
        raise CatalogError(f"The host record number '{data.host_id}' must be a number")
    host = load_record(session, int(data.host_id))
    data.host_control = host.control_number or str(host.id)
    data.host_title = data.host_title or extract(marc_of(host), host.format).title or host.title


def parts_of(session: Session, host_id: int) -> list[Record]:
    """The analytic records (articles, chapters) linked to a host, in id order."""
    return list(session.scalars(select(Record).where(Record.host_id == host_id, Record.status != "deleted")
                                .order_by(Record.id)).all())


def host_of(session: Session, record: Record) -> Record | None:
    return session.get(Record, record.host_id) if record.host_id else None
