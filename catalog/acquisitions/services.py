"""Acquisition and accounting rules: every write of receipts, copies and acts goes through here.

Each public function takes the session and the actor explicitly, writes an audit entry and
commits once (``commit=False`` lets a caller group several calls in one transaction).
Numbers come from ``NumberSequence`` rows locked for update, so two clerks receiving at
the same time never get the same inventory number, and a number is never given twice.
"""

import hashlib
import mimetypes
import re
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pymarc
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.acquisitions.models import (
    COPY_STATUSES,
    EVIDENCE_REASONS,
    SOURCE_TYPES,
    WITHDRAWAL_REASONS,
    WRITTEN_OFF,
    ActAttachment,
    Copy,
    CopyStatusChange,
    ElectronicResource,
    Location,
    NumberSequence,
    Receipt,
    WithdrawalAct,
    WithdrawalLine,
)
from catalog.audit import actor_name, audit
from catalog.errors import CatalogError, NotFound, ValidationFailed
from catalog.models import IndexQueue, Record, utcnow

BARCODE_SEQUENCE = "barcode"
# Generated barcodes are EAN-13 numbers in the GS1 "restricted circulation" range 20-29
# (for use inside one organisation), so they never clash with a publisher's ISBN/EAN.
DEFAULT_BARCODE_PREFIX = "29"
ALLOWED_EVIDENCE_TYPES = {
    "image/jpeg", "image/png", "image/webp", "image/tiff", "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/msword",
    "application/vnd.oasis.opendocument.text", "text/plain",
}
DEFAULT_MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
MAX_COPIES_PER_CALL = 5000


# --- numbers -----------------------------------------------------------------------------------

def allocate(session: Session, name: str, count: int = 1, start: int = 1) -> int:
    """Reserve ``count`` consecutive values of sequence ``name``; returns the first.

    The row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers), so
    concurrent transactions queue here; a value, once handed out, is never handed out again.
    """
    if count < 1:
        raise CatalogError("At least one number must be allocated")
    row = session.scalar(select(NumberSequence).where(NumberSequence.name == name).with_for_update())
    if row is None:
        try:
            with session.begin_nested():
                session.add(NumberSequence(name=name, next_value=start))
        except IntegrityError:  # another transaction created it first: lock theirs
            pass
        row = session.scalar(select(NumberSequence).where(NumberSequence.name == name).with_for_update())
    first = row.next_value
    row.next_value = first + count
    session.flush()
    return first


def advance_past(session: Session, name: str, value: int) -> None:
    """Make sure sequence ``name`` never hands out ``value`` (after an import of old numbers)."""
    row = session.scalar(select(NumberSequence).where(NumberSequence.name == name).with_for_update())
    if row is None:
        session.add(NumberSequence(name=name, next_value=value + 1))
    elif row.next_value <= value:
        row.next_value = value + 1
    session.flush()


def set_sequence_start(session: Session, actor, prefix: str, next_value: int) -> NumberSequence:
    """Let the next inventory number for ``prefix`` be ``next_value`` (continuing a paper book).

    Only forward: moving back could hand out a number that was already used.
    """
    name = inventory_sequence(prefix)
    row = session.scalar(select(NumberSequence).where(NumberSequence.name == name).with_for_update())
    if row is not None and next_value < row.next_value:
        raise ValidationFailed(f"The next inventory number{' with prefix ' + prefix if prefix else ''} is already "
                               f"{row.next_value}: numbering cannot go back to {next_value}")
    if row is None:
        row = NumberSequence(name=name, next_value=next_value)
        session.add(row)
    row.next_value = next_value
    audit(session, actor, "inventory.sequence", "sequence", name, {"next_value": next_value})
    session.commit()
    return row


def inventory_sequence(prefix: str) -> str:
    return f"inv:{prefix}"


def ean13_check_digit(digits12: str) -> str:
    """EAN-13 check digit (GS1 General Specifications, modulo 10 with weights 1 and 3)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return str((10 - total % 10) % 10)


def make_barcode(serial: int, prefix: str = DEFAULT_BARCODE_PREFIX) -> str:
    body = f"{prefix}{serial:0{12 - len(prefix)}d}"
    if len(body) != 12:
        raise CatalogError(f"Barcode serial {serial} does not fit in EAN-13 after prefix {prefix}")
    return body + ean13_check_digit(body)


def generated_serial(barcode: str, prefix: str = DEFAULT_BARCODE_PREFIX) -> int | None:
    """The serial inside a barcode this library generated (None for any other barcode)."""
    if len(barcode) == 13 and barcode.isdigit() and barcode.startswith(prefix) and ean13_check_digit(barcode[:12]) == barcode[12]:
        return int(barcode[len(prefix):12])
    return None


def generate_barcodes(session: Session, count: int, prefix: str = DEFAULT_BARCODE_PREFIX) -> list[str]:
    """``count`` new barcodes from the sequence, skipping any already on a copy (e.g. imported)."""
    codes: list[str] = []
    while len(codes) < count:
        need = count - len(codes)
        first = allocate(session, BARCODE_SEQUENCE, need)
        batch = [make_barcode(first + i, prefix) for i in range(need)]
        taken = set(session.scalars(select(Copy.barcode).where(Copy.barcode.in_(batch))))
        codes += [code for code in batch if code not in taken]
    return codes


def location_prefix(session: Session, location: str, default: str = "") -> str:
    """The inventory-number prefix of ``location`` (empty when the location has none)."""
    if location:
        prefix = session.scalar(select(Location.inventory_prefix).where(Location.code == location))
        if prefix:
            return prefix
    return default


def _config(key: str, default):
    try:
        from flask import current_app

        return current_app.config.get(key, default)
    except RuntimeError:  # outside an app (pure use in scripts)
        return default


# --- parsing helpers ---------------------------------------------------------------------------

def parse_money(value) -> Decimal:
    """A price from a form or the API: "12,50" and "12.50" both mean 12.50; empty is 0."""
    if value in (None, ""):
        return Decimal("0.00")
    if isinstance(value, Decimal):
        amount = value
    else:
        try:
            amount = Decimal(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
        except InvalidOperation as exc:
            raise ValidationFailed(f"Price '{value}' is not a number") from exc
    if amount < 0:
        raise ValidationFailed(f"Price {value} cannot be negative")
    return amount.quantize(Decimal("0.01"))


def parse_date(value, what: str = "date") -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationFailed(f"The {what} '{value}' is not a date (YYYY-MM-DD or DD.MM.YYYY)")


def _choice(value: str, allowed: tuple, what: str) -> str:
    if value not in allowed:
        raise ValidationFailed(f"Unknown {what} '{value}': choose one of {', '.join(allowed)}")
    return value


def _queue_reindex(session: Session, record_ids: Iterable[int]) -> None:
    now = utcnow()
    session.add_all(IndexQueue(record_id=rid, queued_at=now) for rid in sorted(set(record_ids)))


def _after_commit_index() -> None:
    try:
        from catalog.indexing import drain_queue_quietly

        drain_queue_quietly()
    except RuntimeError:  # no app context: the queue waits for the next drain
        pass


def _finish(session: Session, commit: bool, record_ids: Iterable[int] = ()) -> None:
    ids = list(record_ids)
    if ids:
        _queue_reindex(session, ids)
    if commit:
        session.commit()
        if ids:
            _after_commit_index()
    else:
        session.flush()


# --- receipts ----------------------------------------------------------------------------------

def create_receipt(
    session: Session,
    actor,
    *,
    received_on=None,
    source_type: str = "donation",
    source_name: str = "",
    document_type: str = "",
    document_number: str = "",
    document_date=None,
    notes: str = "",
    commit: bool = True,
) -> Receipt:
    """Open a receipt with the next number of the year's summary register (КСО part I)."""
    _choice(source_type, SOURCE_TYPES, "source type")
    received_on = parse_date(received_on, "receipt date") or date.today()
    number = allocate(session, f"ksu1:{received_on.year}")
    receipt = Receipt(
        year=received_on.year, number=number, received_on=received_on, source_type=source_type,
        source_name=source_name.strip()[:300], document_type=document_type.strip()[:100],
        document_number=document_number.strip()[:64], document_date=parse_date(document_date, "document date"),
        notes=notes or "", created_by=actor_name(actor),
    )
    session.add(receipt)
    session.flush()
    audit(session, actor, "receipt.create", "receipt", receipt.id,
          {"number": receipt.register_number, "source_type": source_type, "source_name": receipt.source_name})
    _finish(session, commit)
    return receipt


def update_receipt(session: Session, actor, receipt: Receipt, **changes) -> Receipt:
    """Correct a receipt's source and document details (its number and year stay)."""
    allowed = {"source_type", "source_name", "document_type", "document_number", "document_date", "notes", "received_on"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(f"Receipt fields {', '.join(sorted(unknown))} cannot be changed")
    if "source_type" in changes:
        _choice(changes["source_type"], SOURCE_TYPES, "source type")
    for key in ("document_date", "received_on"):
        if key in changes:
            changes[key] = parse_date(changes[key], key.replace("_", " "))
    if changes.get("received_on") and changes["received_on"].year != receipt.year:
        raise ValidationFailed(f"Receipt {receipt.register_number} belongs to {receipt.year}: its date must stay in that year")
    before = {k: str(getattr(receipt, k)) for k in changes}
    for key, value in changes.items():
        if key == "received_on" and value is None:
            continue
        setattr(receipt, key, value if key.endswith("date") or key == "received_on" else (value or ""))
    audit(session, actor, "receipt.update", "receipt", receipt.id, {"before": before})
    session.commit()
    return receipt


def get_receipt(session: Session, receipt_id: int) -> Receipt:
    receipt = session.get(Receipt, receipt_id)
    if receipt is None:
        raise NotFound(f"Receipt {receipt_id} does not exist")
    return receipt


def record_facts(record: Record) -> tuple[str, str]:
    """(material type, first language) of a record, for the copies made from it."""
    from catalog.records.services import marc_of
    from marc.extract import extract

    summary = extract(marc_of(record), record.format)
    language = (summary.languages[0] if summary.languages else "")[:3]
    return (summary.material_type or "other")[:24], language


def receive_copies(
    session: Session,
    actor,
    receipt: Receipt,
    record_id: int,
    count: int = 1,
    *,
    price=0,
    currency: str = "UAH",
    location: str = "",
    call_number: str = "",
    barcodes: list[str] | None = None,
    status: str = "in_processing",
    commit: bool = True,
) -> list[Copy]:
    """Add ``count`` copies of a record to ``receipt``: inventory numbers and barcodes assigned.

    ``barcodes`` are scanned ones (the publisher's or a pre-printed roll); missing ones are
    generated. Each copy starts with one status history row naming the receipt.
    """
    record = session.get(Record, record_id)
    if record is None:
        raise NotFound(f"Record {record_id} does not exist")
    if not 1 <= count <= MAX_COPIES_PER_CALL:
        raise ValidationFailed(f"Number of copies must be between 1 and {MAX_COPIES_PER_CALL}, not {count}")
    _choice(status, COPY_STATUSES, "copy status")
    scanned = [b.strip() for b in (barcodes or []) if b and b.strip()]
    if len(scanned) > count:
        raise ValidationFailed(f"{len(scanned)} barcodes were given for {count} copies")
    if len(set(scanned)) != len(scanned):
        raise ValidationFailed("The same barcode was scanned twice")
    if scanned:
        taken = session.scalars(select(Copy.barcode).where(Copy.barcode.in_(scanned))).all()
        if taken:
            raise ValidationFailed(f"Barcode {taken[0]} already belongs to another copy")
    amount = parse_money(price)
    currency = (currency or "UAH").strip().upper()[:3]
    material, language = record_facts(record)
    prefix = location_prefix(session, location, _config("ACQ_INVENTORY_PREFIX", ""))
    first = allocate(session, inventory_sequence(prefix), count, start=int(_config("ACQ_INVENTORY_START", 1)))
    generated = count - len(scanned)
    barcode_prefix = _config("ACQ_BARCODE_PREFIX", DEFAULT_BARCODE_PREFIX)
    codes = scanned + generate_barcodes(session, generated, barcode_prefix)
    who = actor_name(actor)
    now = utcnow()
    copies = [
        Copy(
            record_id=record.id, receipt_id=receipt.id, inventory_number=f"{prefix}{first + i}",
            inventory_prefix=prefix, inventory_serial=first + i, barcode=codes[i], status=status,
            price=amount, currency=currency, location=location[:32], call_number=call_number.strip()[:100],
            material_type=material, language=language, accessioned_on=receipt.received_on,
            created_at=now, updated_at=now,
        )
        for i in range(count)
    ]
    session.add_all(copies)
    session.flush()
    session.add_all(
        CopyStatusChange(copy_id=c.id, at=now, old_status="", new_status=status,
                         reason=f"receipt {receipt.register_number}", actor=who)
        for c in copies
    )
    audit(session, actor, "copies.receive", "receipt", receipt.id, {
        "record_id": record.id, "count": count, "price": str(amount), "currency": currency,
        "inventory_numbers": [copies[0].inventory_number, copies[-1].inventory_number],
    })
    _finish(session, commit, [record.id])
    return copies


def receive_eresource(
    session: Session,
    actor,
    receipt: Receipt,
    record_id: int,
    *,
    url: str = "",
    licence: str = "",
    access_notes: str = "",
    price=0,
    currency: str = "UAH",
    commit: bool = True,
) -> ElectronicResource:
    """Register an e-resource in ``receipt``: a document with access details, no barcode."""
    record = session.get(Record, record_id)
    if record is None:
        raise NotFound(f"Record {record_id} does not exist")
    url = (url or "").strip()
    if url and not re.match(r"^(https?|ftp)://", url):
        raise ValidationFailed(f"Access address '{url}' must start with http://, https:// or ftp://")
    _material, language = record_facts(record)
    resource = ElectronicResource(
        receipt_id=receipt.id, record_id=record.id, url=url[:1000], licence=(licence or "")[:300],
        access_notes=(access_notes or "")[:500], price=parse_money(price), currency=(currency or "UAH").upper()[:3],
        language=language,
    )
    session.add(resource)
    session.flush()
    audit(session, actor, "eresource.receive", "receipt", receipt.id, {"record_id": record.id, "url": url})
    _finish(session, commit, [record.id])
    return resource


# --- records for receiving ---------------------------------------------------------------------

def find_records(session: Session, text: str, limit: int = 20) -> list[Record]:
    """Records whose title starts with / contains ``text``, or whose ISBN is ``text``."""
    text = (text or "").strip()
    if not text:
        return []
    digits = "".join(ch for ch in text.upper() if ch.isdigit() or ch == "X")
    # SQLite folds case for ASCII only, so Cyrillic variants are tried as typed.
    variants = {text, text.lower(), text.capitalize(), text.upper()}
    conditions = [Record.title.contains(v, autoescape=True) for v in variants]
    if len(digits) >= 10:
        conditions.append(Record.isbn == digits)
    if text.isdigit() and len(text) <= 9:  # a record number, within a 32-bit integer
        conditions.append(Record.id == int(text))
    return list(session.scalars(
        select(Record).where(Record.status != "deleted", Record.kind == "bibliographic", or_(*conditions))
        .order_by(Record.title).limit(limit)
    ))


def minimal_record(fmt: str, *, title: str, author: str = "", isbn: str = "", publisher: str = "",
                   place: str = "", year: str = "", language: str = "ukr") -> pymarc.Record:
    """A brief bibliographic record (UNIMARC or MARC 21) to receive copies before full cataloguing."""
    title = title.strip()
    if not title:
        raise ValidationFailed("A title is needed to create a record")
    year = (year or "").strip()[:4]
    language = (language or "ukr").strip().lower()[:3]
    today = date.today()
    if fmt == "unimarc":
        rec = pymarc.Record(leader="     nam  22        450 ", force_utf8=True)
        # 100 $a: general processing data, 36 positions (UNIMARC manual, field 100).
        data100 = f"{today:%Y%m%d}d{year or '    ':4}    u  y0{language}y50      ca"
        rec.add_field(pymarc.Field(tag="100", indicators=[" ", " "], subfields=[pymarc.Subfield("a", data100)]))
        rec.add_field(pymarc.Field(tag="101", indicators=["0", " "], subfields=[pymarc.Subfield("a", language)]))
        if isbn:
            rec.add_ordered_field(pymarc.Field(tag="010", indicators=[" ", " "], subfields=[pymarc.Subfield("a", isbn)]))
        sub200 = [pymarc.Subfield("a", title)] + ([pymarc.Subfield("f", author)] if author else [])
        rec.add_field(pymarc.Field(tag="200", indicators=["1", " "], subfields=sub200))
        pub = [pymarc.Subfield(c, v) for c, v in (("a", place), ("c", publisher), ("d", year)) if v]
        if pub:
            rec.add_field(pymarc.Field(tag="210", indicators=[" ", " "], subfields=pub))
        if author:
            rec.add_field(pymarc.Field(tag="700", indicators=[" ", "1"], subfields=[pymarc.Subfield("a", author)]))
        return rec
    if fmt != "marc21":
        raise ValidationFailed(f"Unknown record format '{fmt}'")
    rec = pymarc.Record(leader="     nam a22     4i 4500", force_utf8=True)
    # 008: 40 positions (MARC 21 Bibliographic, 008 for books).
    data008 = f"{today:%y%m%d}s{year or '    ':4}    xx            000 0 {language:3} d"
    rec.add_field(pymarc.Field(tag="008", data=data008[:40].ljust(40)))
    if isbn:
        rec.add_field(pymarc.Field(tag="020", indicators=[" ", " "], subfields=[pymarc.Subfield("a", isbn)]))
    if author:
        rec.add_field(pymarc.Field(tag="100", indicators=["1", " "], subfields=[pymarc.Subfield("a", author)]))
    rec.add_field(pymarc.Field(tag="245", indicators=["1" if author else "0", "0"], subfields=[pymarc.Subfield("a", title)]))
    pub = [pymarc.Subfield(c, v) for c, v in (("a", place), ("b", publisher), ("c", year)) if v]
    if pub:
        rec.add_field(pymarc.Field(tag="264", indicators=[" ", "1"], subfields=pub))
    return rec


def create_minimal_record(session: Session, actor, fmt: str, **fields) -> Record:
    """Create a brief draft record through ``save_record`` (versioned, audited, indexed)."""
    from catalog.records.services import save_record

    return save_record(session, actor, minimal_record(fmt, **fields), fmt=fmt, status="draft",
                       library_code=_config("LIBRARY_CODE", ""), comment="brief record at receipt")


# --- copies ------------------------------------------------------------------------------------

def get_copy(session: Session, copy_id: int) -> Copy:
    copy = session.get(Copy, copy_id)
    if copy is None:
        raise NotFound(f"Copy {copy_id} does not exist")
    return copy


def copy_by_inventory(session: Session, inventory_number: str) -> Copy:
    copy = session.scalar(select(Copy).where(Copy.inventory_number == inventory_number.strip()))
    if copy is None:
        raise NotFound(f"No copy has inventory number {inventory_number}")
    return copy


def copy_by_barcode(session: Session, barcode: str) -> Copy:
    copy = session.scalar(select(Copy).where(Copy.barcode == barcode.strip()))
    if copy is None:
        raise NotFound(f"No copy has barcode {barcode}")
    return copy


def _set_status(session: Session, actor, copy: Copy, new_status: str, reason: str, act: WithdrawalAct | None = None,
                at: datetime | None = None) -> CopyStatusChange | None:
    if copy.status == new_status:
        return None
    change = CopyStatusChange(copy_id=copy.id, at=at or utcnow(), old_status=copy.status, new_status=new_status,
                              reason=(reason or "")[:300], actor=actor_name(actor), act_id=act.id if act else None)
    session.add(change)
    copy.status = new_status
    copy.updated_at = utcnow()
    return change


def change_status(session: Session, actor, copy: Copy, new_status: str, reason: str = "", *, commit: bool = True) -> Copy:
    """Change a copy's status by hand, keeping the history. Write-off needs an act."""
    _choice(new_status, COPY_STATUSES, "copy status")
    if new_status in WRITTEN_OFF:
        raise ValidationFailed(f"Copy {copy.inventory_number}: write-off ('{new_status}') is done by confirming a withdrawal act")
    if copy.status in WRITTEN_OFF:
        raise ValidationFailed(f"Copy {copy.inventory_number} was written off by act; its status cannot change")
    if not reason.strip() and new_status in ("missing", "occupied_territory"):
        raise ValidationFailed(f"Copy {copy.inventory_number}: say why it is '{new_status}'")
    old = copy.status
    if _set_status(session, actor, copy, new_status, reason):
        audit(session, actor, "copy.status", "copy", copy.id,
              {"inventory_number": copy.inventory_number, "from": old, "to": new_status, "reason": reason})
    _finish(session, commit, [copy.record_id])
    return copy


EDITABLE_COPY_FIELDS = ("barcode", "price", "currency", "location", "call_number", "notes")


def update_copy(session: Session, actor, copy: Copy, **changes) -> Copy:
    """Correct a copy's barcode, price, location, call number or notes (inventory number stays)."""
    unknown = set(changes) - set(EDITABLE_COPY_FIELDS)
    if unknown:
        raise ValidationFailed(f"Copy fields {', '.join(sorted(unknown))} cannot be changed here")
    if "price" in changes:
        changes["price"] = parse_money(changes["price"])
    if "barcode" in changes:
        code = (changes["barcode"] or "").strip() or None
        if code and session.scalar(select(Copy.id).where(Copy.barcode == code, Copy.id != copy.id)):
            raise ValidationFailed(f"Barcode {code} already belongs to another copy")
        changes["barcode"] = code
    before = {k: str(getattr(copy, k)) for k in changes}
    for key, value in changes.items():
        setattr(copy, key, value if value is not None else "")
    copy.updated_at = utcnow()
    audit(session, actor, "copy.update", "copy", copy.id, {"inventory_number": copy.inventory_number, "before": before})
    _finish(session, True, [copy.record_id])
    return copy


def mark_seen(session: Session, actor, copy: Copy, at: datetime | None = None, *, commit: bool = True) -> Copy:
    """Note that a copy was seen on the shelf (reinventory scan); a missing copy found is available again."""
    copy.last_seen_at = at or utcnow()
    if copy.status == "missing":
        _set_status(session, actor, copy, "available", "found on the shelf", at=copy.last_seen_at)
        _queue_reindex(session, [copy.record_id])
    if commit:
        session.commit()
    return copy


def copies_of_record(session: Session, record_id: int) -> list[Copy]:
    return list(session.scalars(select(Copy).where(Copy.record_id == record_id).order_by(Copy.inventory_prefix, Copy.inventory_serial, Copy.id)))


# --- withdrawal acts ---------------------------------------------------------------------------

def get_act(session: Session, act_id: int) -> WithdrawalAct:
    act = session.get(WithdrawalAct, act_id)
    if act is None:
        raise NotFound(f"Withdrawal act {act_id} does not exist")
    return act


def create_act(session: Session, actor, *, act_date=None, reason: str, commission_ref: str = "",
               commission_members: str = "", notes: str = "", commit: bool = True) -> WithdrawalAct:
    """Open a draft withdrawal act with the next act number of its year."""
    _choice(reason, WITHDRAWAL_REASONS, "withdrawal reason")
    act_date = parse_date(act_date, "act date") or date.today()
    number = allocate(session, f"act:{act_date.year}")
    act = WithdrawalAct(year=act_date.year, number=number, act_date=act_date, reason=reason,
                        commission_ref=(commission_ref or "").strip()[:300], commission_members=commission_members or "",
                        notes=notes or "", created_by=actor_name(actor))
    session.add(act)
    session.flush()
    audit(session, actor, "act.create", "withdrawal_act", act.id, {"number": act.register_number, "reason": reason})
    _finish(session, commit)
    return act


def _draft(act: WithdrawalAct) -> None:
    if act.status != "draft":
        raise ValidationFailed(f"Act {act.register_number} is confirmed: it cannot be changed")


def update_act(session: Session, actor, act: WithdrawalAct, **changes) -> WithdrawalAct:
    """Correct a draft act's date, reason, commission details or notes."""
    _draft(act)
    allowed = {"act_date", "reason", "commission_ref", "commission_members", "notes"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(f"Act fields {', '.join(sorted(unknown))} cannot be changed")
    if "reason" in changes:
        _choice(changes["reason"], WITHDRAWAL_REASONS, "withdrawal reason")
    if "act_date" in changes:
        changes["act_date"] = parse_date(changes["act_date"], "act date") or act.act_date
        if changes["act_date"].year != act.year:
            raise ValidationFailed(f"Act {act.register_number} belongs to {act.year}: its date must stay in that year")
    for key, value in changes.items():
        setattr(act, key, value if key == "act_date" else (value or ""))
    audit(session, actor, "act.update", "withdrawal_act", act.id, {k: str(v) for k, v in changes.items()})
    session.commit()
    return act


def resolve_copies(session: Session, keys: Iterable[str]) -> list[Copy]:
    """Copies named by inventory number or barcode (as a clerk scans or types them)."""
    found, missing = [], []
    for key in (k.strip() for k in keys):
        if not key:
            continue
        copy = session.scalar(select(Copy).where(or_(Copy.inventory_number == key, Copy.barcode == key)))
        (found if copy else missing).append(copy or key)
    if missing:
        raise NotFound(f"No copy has inventory number or barcode {', '.join(missing)}")
    return found


def add_to_act(session: Session, actor, act: WithdrawalAct, copies: Iterable[Copy], *, commit: bool = True) -> int:
    """Put copies on a draft act (their current price is the act's value); returns how many were added."""
    _draft(act)
    on_act = set(session.scalars(select(WithdrawalLine.copy_id).where(WithdrawalLine.act_id == act.id)))
    added = []
    for copy in copies:
        if copy.id in on_act:
            continue
        if copy.status in WRITTEN_OFF:
            raise ValidationFailed(f"Copy {copy.inventory_number} is already written off ({copy.status})")
        if act.reason == "occupied_territory" and copy.status == "occupied_territory":
            raise ValidationFailed(f"Copy {copy.inventory_number} is already recorded as in occupied territory")
        other = session.scalar(
            select(WithdrawalAct).join(WithdrawalLine).where(WithdrawalLine.copy_id == copy.id, WithdrawalAct.status == "draft",
                                                             WithdrawalAct.id != act.id))
        if other is not None:
            raise ValidationFailed(f"Copy {copy.inventory_number} is already on draft act {other.register_number}")
        session.add(WithdrawalLine(act_id=act.id, copy_id=copy.id, price=copy.price))
        on_act.add(copy.id)
        added.append(copy.inventory_number)
    if added:
        audit(session, actor, "act.add_copies", "withdrawal_act", act.id, {"inventory_numbers": added})
    _finish(session, commit)
    return len(added)


def remove_from_act(session: Session, actor, act: WithdrawalAct, copy: Copy) -> None:
    """Take a copy off a draft act."""
    _draft(act)
    line = session.scalar(select(WithdrawalLine).where(WithdrawalLine.act_id == act.id, WithdrawalLine.copy_id == copy.id))
    if line is None:
        raise NotFound(f"Copy {copy.inventory_number} is not on act {act.register_number}")
    session.delete(line)  # a draft's list is a working list; the confirmed act is never changed
    audit(session, actor, "act.remove_copy", "withdrawal_act", act.id, {"inventory_number": copy.inventory_number})
    session.commit()


def sniff_content_type(data: bytes) -> str | None:
    """The real type of an upload from its first bytes (never trust the browser's word alone)."""
    signatures = [
        (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"%PDF-", "application/pdf"),
        (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"), (b"\xd0\xcf\x11\xe0", "application/msword"),
    ]
    for magic, kind in signatures:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"PK\x03\x04"):
        if b"word/" in data[:4000]:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if b"opendocument.text" in data[:200]:
            return "application/vnd.oasis.opendocument.text"
        return None
    try:
        data[:4096].decode("utf-8")
        return "text/plain"
    except UnicodeDecodeError:
        return None


def attach_evidence(session: Session, actor, act: WithdrawalAct, filename: str, data: bytes, *,
                    content_type: str = "", description: str = "", upload_root: str | Path | None = None,
                    max_bytes: int | None = None) -> ActAttachment:
    """Store a photo or document as evidence for an act, under UPLOAD_PATH/acts/<act id>/.

    The size is limited and the content type is checked against the file's own bytes.
    """
    max_bytes = max_bytes or int(_config("ACQ_MAX_EVIDENCE_BYTES", DEFAULT_MAX_EVIDENCE_BYTES))
    if not data:
        raise ValidationFailed(f"The file '{filename}' is empty")
    if len(data) > max_bytes:
        raise ValidationFailed(f"The file '{filename}' is {len(data) // 1024} KB; the limit is {max_bytes // 1024} KB")
    sniffed = sniff_content_type(data)
    if sniffed not in ALLOWED_EVIDENCE_TYPES:
        raise ValidationFailed(f"The file '{filename}' is not a photo (JPEG, PNG, WebP, TIFF) or a document (PDF, DOC, DOCX, ODT, TXT)")
    declared = (content_type or mimetypes.guess_type(filename)[0] or sniffed).split(";")[0].strip()
    if declared != sniffed and not (declared.startswith("image/") and sniffed.startswith("image/")) \
            and declared != "application/octet-stream":
        raise ValidationFailed(f"The file '{filename}' says it is {declared} but its content is {sniffed}")
    root = Path(upload_root or _config("UPLOAD_PATH", "uploads")) / "acts" / str(act.id)
    root.mkdir(parents=True, exist_ok=True)
    suffix = (mimetypes.guess_extension(sniffed) or "").replace(".jpe", ".jpg")
    stored_name = f"{uuid.uuid4().hex}{suffix}"
    (root / stored_name).write_bytes(data)
    safe_name = re.sub(r"[^\w.\- ]+", "_", Path(filename or "file").name)[:255]
    attachment = ActAttachment(act_id=act.id, filename=safe_name, stored_name=stored_name, content_type=sniffed,
                               size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                               description=(description or "")[:300], uploaded_by=actor_name(actor))
    session.add(attachment)
    session.flush()
    audit(session, actor, "act.attach", "withdrawal_act", act.id,
          {"file": safe_name, "sha256": attachment.sha256, "size": len(data)})
    session.commit()
    return attachment


def attachment_path(attachment: ActAttachment, upload_root: str | Path | None = None) -> Path:
    return Path(upload_root or _config("UPLOAD_PATH", "uploads")) / "acts" / str(attachment.act_id) / attachment.stored_name


def act_totals(session: Session, act: WithdrawalAct) -> tuple[int, Decimal]:
    """(number of copies, total value) of an act's list."""
    count, total = session.execute(
        select(func.count(WithdrawalLine.id), func.coalesce(func.sum(WithdrawalLine.price), 0))
        .where(WithdrawalLine.act_id == act.id)).one()
    return int(count), Decimal(total).quantize(Decimal("0.01"))


def status_after(reason: str) -> str:
    """The status an act gives its copies.

    Destruction by hostilities is a write-off (after the commission's inspection). Copies
    left in temporarily occupied territory stay the institution's property (Ministry of
    Finance letter of 10.10.2022): they get the status ``occupied_territory`` and are NOT
    written off. Every other reason writes the copy off as ``withdrawn``.
    """
    if reason == "destroyed_hostilities":
        return "destroyed"
    if reason == "occupied_territory":
        return "occupied_territory"
    return "withdrawn"


def confirm_act(session: Session, actor, act: WithdrawalAct) -> WithdrawalAct:
    """Confirm a draft act: its copies change status (history kept); nothing is deleted."""
    _draft(act)
    session.flush()
    session.expire(act, ["lines", "attachments"])  # other calls may have added rows by id
    lines = list(act.lines)
    if not lines:
        raise ValidationFailed(f"Act {act.register_number} has no copies")
    if act.reason in EVIDENCE_REASONS:
        if not act.commission_ref.strip():
            raise ValidationFailed(f"Act {act.register_number}: the reason '{act.reason}' needs the commission's reference "
                                   "(order or report number and date)")
        if not act.attachments:
            raise ValidationFailed(f"Act {act.register_number}: the reason '{act.reason}' needs evidence (photos or documents)")
    new_status = status_after(act.reason)
    reason_text = f"act {act.register_number}: {act.reason}"
    for line in lines:
        copy = line.copy
        if copy.status in WRITTEN_OFF:
            raise ValidationFailed(f"Copy {copy.inventory_number} is already written off ({copy.status})")
        _set_status(session, actor, copy, new_status, reason_text, act)
        copy.withdrawal_act_id = act.id
        if new_status in WRITTEN_OFF:
            copy.written_off_on = act.act_date
    act.status = "confirmed"
    act.confirmed_by = actor_name(actor)
    act.confirmed_at = utcnow()
    count, total = act_totals(session, act)
    audit(session, actor, "act.confirm", "withdrawal_act", act.id,
          {"number": act.register_number, "reason": act.reason, "copies": count, "total": str(total), "status": new_status})
    _finish(session, True, [line.copy.record_id for line in lines])
    return act


# --- locations ---------------------------------------------------------------------------------

def save_location(session: Session, actor, code: str, name: str = "", inventory_prefix: str = "") -> Location:
    """Create or rename a location; its prefix starts the inventory numbers given there."""
    code = code.strip()
    if not re.fullmatch(r"[\w\-.]{1,32}", code):
        raise ValidationFailed(f"Location code '{code}' must be 1-32 letters, digits, '-', '.' or '_'")
    location = session.scalar(select(Location).where(Location.code == code)) or Location(code=code)
    location.name = name.strip()[:200]
    location.inventory_prefix = inventory_prefix.strip()[:16]
    session.add(location)
    session.flush()
    audit(session, actor, "location.save", "location", code, {"name": location.name, "prefix": location.inventory_prefix})
    session.commit()
    return location


def list_locations(session: Session) -> list[Location]:
    return list(session.scalars(select(Location).order_by(Location.code)))
