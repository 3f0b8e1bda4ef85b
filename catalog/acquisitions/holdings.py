"""Copies as holdings fields: Koha's UNIMARC 995 and MARC 21 952, written on export, read on import.

Subfields as Koha's Ukrainian frameworks define them:

| data                | UNIMARC 995 | MARC 21 952 |
|---------------------|-------------|-------------|
| home / holding library | $b / $c  | $a / $b     |
| location (shelving) | $e          | $c          |
| barcode             | $f          | $p          |
| inventory number    | $j          | $i          |
| call number         | $k          | $o          |
| date accessioned    | $5          | $d          |
| price               | $p          | $g          |
| item type           | $r          | $y          |
| date last seen      | —           | $r          |
| withdrawn status    | $0          | $0          |
| lost status         | $2          | $1          |
| not for loan        | $o          | $7          |
| on loan (due date)  | $n          | $q          |

Statuses map onto Koha's authorised values: withdrawn ``1`` = withdrawn, ``2`` = destroyed;
lost ``4`` = missing, ``5`` = in occupied territory / no access (define both ``2`` and
``5`` in Koha to keep them); not for loan ``-1`` = in processing.
"""

import re
from datetime import date, datetime

import pymarc
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from catalog.acquisitions.models import Copy, CopyStatusChange
from catalog.acquisitions.services import (
    BARCODE_SEQUENCE,
    DEFAULT_BARCODE_PREFIX,
    _config,
    _set_status,
    advance_past,
    generated_serial,
    inventory_sequence,
    parse_money,
    record_facts,
)
from catalog.audit import actor_name, audit
from catalog.errors import CatalogError
from catalog.models import Record, utcnow

HOLDINGS_TAG = {"unimarc": "995", "marc21": "952"}
# Subfield codes per format: our name -> code.
CODES = {
    "unimarc": {"home": "b", "holding": "c", "location": "e", "barcode": "f", "inventory": "j", "call_number": "k",
                "accessioned": "5", "price": "p", "itype": "r", "withdrawn": "0", "lost": "2", "notforloan": "o",
                "onloan": "n", "seen": None},
    "marc21": {"home": "a", "holding": "b", "location": "c", "barcode": "p", "inventory": "i", "call_number": "o",
               "accessioned": "d", "price": "g", "itype": "y", "withdrawn": "0", "lost": "1", "notforloan": "7",
               "onloan": "q", "seen": "r"},
}
ITEM_TYPE = {"book": "BK", "serial": "CR", "music": "MU", "map": "MP", "video": "VM", "e-resource": "ER"}
# status -> (status subfield, value)
STATUS_CODES = {
    "withdrawn": ("withdrawn", "1"),
    "destroyed": ("withdrawn", "2"),
    "missing": ("lost", "4"),
    "occupied_territory": ("lost", "5"),
    "in_processing": ("notforloan", "-1"),
}


def _money_text(value) -> str:
    return f"{value:.2f}" if value is not None else ""


def copy_field(copy: Copy, fmt: str, library_code: str = "") -> pymarc.Field:
    """One copy as a 995 (UNIMARC) or 952 (MARC 21) field."""
    codes = CODES[fmt]
    pairs: list[tuple[str | None, str]] = [
        (codes["home"], library_code), (codes["holding"], library_code), (codes["location"], copy.location),
        (codes["barcode"], copy.barcode or ""), (codes["inventory"], copy.inventory_number),
        (codes["call_number"], copy.call_number), (codes["accessioned"], copy.accessioned_on.isoformat()),
        (codes["price"], _money_text(copy.price) if copy.price else ""),
        (codes["itype"], ITEM_TYPE.get(copy.material_type, "BK")),
        (codes["seen"], copy.last_seen_at.date().isoformat() if copy.last_seen_at else ""),
    ]
    if copy.status in STATUS_CODES:
        name, value = STATUS_CODES[copy.status]
        pairs.append((codes[name], value))
    elif copy.status == "on_loan":
        pairs.append((codes["onloan"], copy.updated_at.date().isoformat()))
    subfields = [pymarc.Subfield(code, value) for code, value in pairs if code and value]
    return pymarc.Field(tag=HOLDINGS_TAG[fmt], indicators=[" ", " "], subfields=subfields)


def holdings_fields(session: Session, record: Record) -> list[pymarc.Field]:
    """The record's copies as holdings fields, in inventory-number order (export provider)."""
    if record.format not in HOLDINGS_TAG:
        return []
    library_code = _config("LIBRARY_CODE", "")
    copies = session.scalars(
        select(Copy).where(Copy.record_id == record.id).order_by(Copy.inventory_prefix, Copy.inventory_serial, Copy.id))
    return [copy_field(c, record.format, library_code) for c in copies]


holdings_fields.replaces = tuple(HOLDINGS_TAG.values())  # the exporter drops stored 995/952 first


def _first(field: pymarc.Field, code: str | None) -> str:
    if not code:
        return ""
    values = field.get_subfields(code)
    return values[0].strip() if values else ""


def _date(text: str) -> date | None:
    text = (text or "").strip()
    for fmt, size in (("%Y-%m-%d", 10), ("%Y%m%d", 8), ("%d.%m.%Y", 10)):
        try:
            return datetime.strptime(text[:size], fmt).date()
        except ValueError:
            continue
    return None


def status_from_field(field: pymarc.Field, fmt: str) -> str:
    """Our status from Koha's status subfields (see the module docstring)."""
    codes = CODES[fmt]
    for status, (name, value) in STATUS_CODES.items():
        if _first(field, codes[name]) == value:
            return status
    if _first(field, codes["withdrawn"]) not in ("", "0"):
        return "withdrawn"
    if _first(field, codes["lost"]) not in ("", "0"):
        return "missing"
    if _first(field, codes["onloan"]):
        return "on_loan"
    return "available"


def field_values(field: pymarc.Field, fmt: str) -> dict:
    """The copy data held in one 995/952 field."""
    codes = CODES[fmt]
    price_text = re.sub(r"[^\d.,]", "", _first(field, codes["price"]))
    try:
        price = parse_money(price_text) if price_text else None
    except CatalogError:
        price = None
    return {
        "inventory_number": _first(field, codes["inventory"])[:40],
        "barcode": _first(field, codes["barcode"])[:64] or None,
        "call_number": _first(field, codes["call_number"])[:100],
        "location": _first(field, codes["location"])[:32],
        "accessioned_on": _date(_first(field, codes["accessioned"])),
        "price": price,
        "status": status_from_field(field, fmt),
        "last_seen": _date(_first(field, codes["seen"])),
    }


def split_inventory(number: str) -> tuple[str, int | None]:
    """'ХЛ-1024' -> ('ХЛ-', 1024); '000123' -> ('', 123); a number without digits has no serial."""
    match = re.fullmatch(r"(.*?)(\d+)", number)
    if not match or len(match.group(2)) > 9:
        return number, None
    return match.group(1), int(match.group(2))


def copies_from_fields(session: Session, actor, record: Record, marc: pymarc.Record | None = None) -> list[Copy]:
    """Create or update the record's copies from its 995/952 fields (import hook; no commit).

    A field is matched to a stored copy by inventory number, then barcode. A field whose
    copy belongs to another record, or whose barcode is taken, is reported in the audit
    entry and otherwise left alone; the inventory sequence is moved past imported numbers.
    """
    fmt = record.format
    if fmt not in HOLDINGS_TAG:
        return []
    if marc is None:
        from catalog.records.services import marc_of

        marc = marc_of(record)
    fields = marc.get_fields(HOLDINGS_TAG[fmt])
    if not fields:
        return []
    who = actor_name(actor)
    now = utcnow()
    material, language = record_facts(record)
    result, problems = [], []
    for field in fields:
        values = field_values(field, fmt)
        inventory, barcode = values["inventory_number"], values["barcode"]
        if not inventory and not barcode:
            problems.append("a holdings field has neither inventory number nor barcode")
            continue
        conditions = [Copy.inventory_number == inventory] if inventory else []
        if barcode:
            conditions.append(Copy.barcode == barcode)
        copy = session.scalar(select(Copy).where(or_(*conditions)).limit(1))
        if copy is not None and copy.record_id != record.id:
            problems.append(f"copy {inventory or barcode} belongs to record {copy.record_id}")
            continue
        if barcode and session.scalar(select(Copy.id).where(Copy.barcode == barcode, Copy.id != (copy.id if copy else -1))):
            problems.append(f"barcode {barcode} is taken; left out for copy {inventory}")
            barcode = None
        if copy is None:
            if not inventory:
                inventory = barcode
            prefix, serial = split_inventory(inventory)
            copy = Copy(record_id=record.id, inventory_number=inventory, inventory_prefix=prefix if serial else "",
                        inventory_serial=serial, barcode=barcode, status=values["status"],
                        price=values["price"] or 0, currency="UAH", location=values["location"],
                        call_number=values["call_number"], material_type=material, language=language,
                        accessioned_on=values["accessioned_on"] or date.today(), created_at=now, updated_at=now)
            if values["last_seen"]:
                copy.last_seen_at = datetime.combine(values["last_seen"], datetime.min.time())
            session.add(copy)
            session.flush()
            session.add(CopyStatusChange(copy_id=copy.id, at=now, old_status="", new_status=copy.status,
                                         reason="imported from holdings field", actor=who))
            if serial is not None:
                advance_past(session, inventory_sequence(prefix), serial)
            barcode_serial = generated_serial(barcode or "", _config("ACQ_BARCODE_PREFIX", DEFAULT_BARCODE_PREFIX))
            if barcode_serial is not None:
                advance_past(session, BARCODE_SEQUENCE, barcode_serial)
        else:
            copy.barcode = barcode or copy.barcode
            copy.call_number = values["call_number"] or copy.call_number
            copy.location = values["location"] or copy.location
            if values["price"] is not None:
                copy.price = values["price"]
            if values["status"] != copy.status:
                _set_status(session, actor, copy, values["status"], "imported from holdings field")
            copy.updated_at = now
        result.append(copy)
    audit(session, actor, "copies.import", "record", record.id,
          {"copies": [c.inventory_number for c in result], "problems": problems or None})
    session.flush()
    return result


def import_hook(session: Session, actor, items: list[tuple[int, str]]) -> None:
    """The importer's hook: copies from the holdings fields of each imported record.

    ``items`` are (record id, MARC-in-JSON); records without a 995/952 cost a substring test.
    """
    from marc.io import record_from_json

    for record_id, marc_json in items:
        if '"995"' not in marc_json and '"952"' not in marc_json:
            continue
        record = session.get(Record, record_id)
        if record is not None and record.format in HOLDINGS_TAG and f'"{HOLDINGS_TAG[record.format]}"' in marc_json:
            copies_from_fields(session, actor, record, record_from_json(marc_json))


def availability_extras(session: Session, record_ids: list[int]) -> dict[int, dict]:
    """Search-document extras: availability and the copies' inventory numbers and barcodes."""
    if not record_ids:
        return {}
    rows = session.execute(
        select(Copy.record_id, Copy.status, Copy.inventory_number, Copy.barcode).where(Copy.record_id.in_(record_ids))
    ).all()
    extras: dict[int, dict] = {}
    for record_id, status, inventory, barcode in rows:
        entry = extras.setdefault(record_id, {"availability": "unavailable", "inv": [], "barcode": []})
        if status == "available":
            entry["availability"] = "available"
        entry["inv"].append(inventory)
        if barcode:
            entry["barcode"].append(barcode)
    from catalog.acquisitions.models import ElectronicResource

    for (record_id,) in session.execute(
            select(ElectronicResource.record_id).where(ElectronicResource.record_id.in_(record_ids)).distinct()):
        entry = extras.setdefault(record_id, {"inv": [], "barcode": []})
        if entry.get("availability") != "available":
            entry["availability"] = "online"
    for record_id in record_ids:
        extras.setdefault(record_id, {"availability": "none"})
    return extras


def register() -> None:
    """Plug the holdings into export, import, the search documents and the demo data (idempotent)."""
    from catalog.acquisitions.demo import load_demo_acquisitions
    from catalog.demo import DEMO_EXTRAS
    from catalog.indexing import DOCUMENT_EXTRAS
    from catalog.records import exporter, importer

    for registry, hook in ((getattr(exporter, "EXPORT_FIELD_PROVIDERS", None), holdings_fields),
                           (getattr(importer, "IMPORT_HOOKS", None), import_hook),
                           (DOCUMENT_EXTRAS, availability_extras), (DEMO_EXTRAS, load_demo_acquisitions)):
        if registry is not None and hook not in registry:
            registry.append(hook)
