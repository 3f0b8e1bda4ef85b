"""What the OPAC shows: searches, record views, holdings, browse lists and exports."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Record
from marc import display
from marc.citations import bibtex, ris
from marc.extract import extract
from marc.io import record_from_json, write_records
from search.query import FACETS, Query

PUBLIC_STATUSES = ("published",)
EXPORTS = {
    "iso2709": ("application/marc", "mrc"),
    "marcxml": ("application/marcxml+xml", "xml"),
    "json": ("application/json", "json"),
    "ris": ("application/x-research-info-systems", "ris"),
    "bibtex": ("application/x-bibtex", "bib"),
}
MAX_EXPORT = 1000

WRITTEN_OFF = ("withdrawn", "destroyed")


@dataclass
class RecordView:
    record: Record
    marc: object
    summary: object
    isbd: str
    citation: str
    holdings: list = field(default_factory=list)
    host: Record | None = None
    parts: list = field(default_factory=list)


def public_records(session: Session, ids: list) -> list[Record]:
    """Published records with these ids, in the order given."""
    int_ids = [int(i) for i in ids]
    # Status checked here: in SQL it makes SQLite scan the status index instead of looking up the ids.
    found = {r.id: r for r in session.scalars(select(Record).where(Record.id.in_(int_ids)))}
    return [found[i] for i in int_ids if i in found and found[i].status in PUBLIC_STATUSES]


def load_public(session: Session, record_id: int) -> Record | None:
    record = session.get(Record, record_id)
    return record if record is not None and record.status in PUBLIC_STATUSES else None


def view_record(session: Session, record: Record) -> RecordView:
    marc = record_from_json(record.marc)
    holdings = copies_of(session, record.id)
    host = load_public(session, record.host_id) if record.host_id else None
    parts = session.scalars(
        select(Record).where(Record.host_id == record.id, Record.status.in_(PUBLIC_STATUSES)).order_by(Record.id)
    ).all()
    return RecordView(record, marc, extract(marc, record.format), display.isbd(marc, record.format),
                      display.dstu8302(marc, record.format), holdings, host, list(parts))


def copies_of(session: Session, record_id: int) -> list[dict]:
    """The copies a reader may ask for (written-off ones are left out), with a readable status."""
    from catalog.acquisitions.forms import STATUS_CHOICES
    from catalog.acquisitions.models import Copy

    labels = dict(STATUS_CHOICES)
    copies = session.scalars(
        select(Copy).where(Copy.record_id == record_id, Copy.status.not_in(WRITTEN_OFF)).order_by(Copy.inventory_number)
    ).all()
    return [{"inventory_number": c.inventory_number, "barcode": c.barcode, "location": c.location,
             "call_number": c.call_number, "status": c.status, "status_label": str(labels.get(c.status, c.status)),
             "available": c.status == "available"} for c in copies]


def search_query(args, per_page: int) -> Query:
    """A Query from OPAC request arguments (simple box, advanced fields, facet filters)."""
    filters: dict[str, list[str]] = {}
    for raw in args.getlist("f"):
        facet, _, value = raw.partition(":")
        if facet in FACETS and value:
            filters.setdefault(facet, []).append(value)
    fields = {name: args.get(name, "").strip() for name in ("title", "author", "subject", "udc", "isbn", "publisher")}
    for name in ("language", "type"):
        if args.get(name):
            filters.setdefault("language" if name == "language" else "material_type", []).append(args[name])
    return Query(
        text=args.get("q", "").strip(),
        fields={k: v for k, v in fields.items() if v},
        filters=filters,
        year_from=_int(args.get("year_from")),
        year_to=_int(args.get("year_to")),
        sort=args.get("sort", "relevance") if args.get("sort") in ("relevance", "year", "-year", "title") else "relevance",
        page=max(1, _int(args.get("page")) or 1),
        per_page=per_page,
        facets=list(FACETS),
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def export_records(records: list[Record], fmt: str) -> bytes:
    """Records as ISO 2709, MARCXML, MARC-in-JSON, RIS or BibTeX."""
    marcs = [(r, record_from_json(r.marc)) for r in records]
    if fmt == "ris":
        return "\n".join(ris(m, r.format, r.id) for r, m in marcs).encode("utf-8")
    if fmt == "bibtex":
        return "\n".join(bibtex(m, r.format, r.id) for r, m in marcs).encode("utf-8")
    return write_records([m for _, m in marcs], fmt)
