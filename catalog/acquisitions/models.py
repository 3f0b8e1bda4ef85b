"""Accounting entities: receipts, copies with their status history, withdrawal acts.

Inventory numbers, register numbers and barcodes come from ``NumberSequence`` rows
(never ``max()+1``), so a number once given is never given again, even after write-off.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.db import Base
from catalog.models import utcnow

SOURCE_TYPES = ("purchase", "donation", "ukrainian_book_institute", "exchange", "replacement", "other")
COPY_STATUSES = ("in_processing", "available", "on_loan", "missing", "withdrawn", "occupied_territory", "destroyed")
# Copies that left the stock (written off): they no longer count in КСО part III.
WRITTEN_OFF = ("withdrawn", "destroyed")
WITHDRAWAL_REASONS = (
    "worn", "obsolete", "non_core", "duplicate", "lost_by_readers", "missing_after_check",
    "destroyed_hostilities", "occupied_territory",
)
# Reasons that need a commission's reference and evidence (photos, documents).
EVIDENCE_REASONS = ("destroyed_hostilities", "occupied_territory")
ACT_STATUSES = ("draft", "confirmed")
MONEY = Numeric(14, 2)


class NumberSequence(Base):
    """A named counter: inventory numbers (per prefix), barcodes, register and act numbers per year."""

    __tablename__ = "acq_sequences"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    next_value: Mapped[int] = mapped_column(Integer, default=1)


class Location(Base):
    """A place copies are kept (a department's stock); its prefix starts inventory numbers."""

    __tablename__ = "acq_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    inventory_prefix: Mapped[str] = mapped_column(String(16), default="")


class Receipt(Base):
    """A batch received against one accompanying document: one line of КСО part I."""

    __tablename__ = "acq_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[date] = mapped_column(Date)
    source_type: Mapped[str] = mapped_column(String(32))
    source_name: Mapped[str] = mapped_column(String(300), default="")
    document_type: Mapped[str] = mapped_column(String(100), default="")
    document_number: Mapped[str] = mapped_column(String(64), default="")
    document_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    copies: Mapped[list["Copy"]] = relationship(back_populates="receipt", order_by="Copy.id")
    eresources: Mapped[list["ElectronicResource"]] = relationship(back_populates="receipt", order_by="ElectronicResource.id")

    __table_args__ = (UniqueConstraint("year", "number", name="uq_acq_receipt_number"),)

    @property
    def register_number(self) -> str:
        return f"{self.number}/{self.year}"


class Copy(Base):
    """One physical copy (item): the unit of individual accounting (інвентарна книга)."""

    __tablename__ = "acq_copies"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("acq_receipts.id"))
    inventory_number: Mapped[str] = mapped_column(String(40), unique=True)
    inventory_prefix: Mapped[str] = mapped_column(String(16), default="")
    inventory_serial: Mapped[int | None] = mapped_column(Integer)
    barcode: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(24), default="in_processing")
    price: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="UAH")
    location: Mapped[str] = mapped_column(String(32), default="")
    call_number: Mapped[str] = mapped_column(String(100), default="")
    # Denormalised from the record when the copy is made, so КСО part III is one GROUP BY.
    material_type: Mapped[str] = mapped_column(String(24), default="book")
    language: Mapped[str] = mapped_column(String(3), default="")
    accessioned_on: Mapped[date] = mapped_column(Date)
    written_off_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_act_id: Mapped[int | None] = mapped_column(ForeignKey("acq_withdrawal_acts.id"))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime)
    notes: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    receipt: Mapped[Receipt | None] = relationship(back_populates="copies")
    history: Mapped[list["CopyStatusChange"]] = relationship(back_populates="copy", order_by="CopyStatusChange.id")

    __table_args__ = (
        Index("ix_acq_copies_record", "record_id"),
        Index("ix_acq_copies_receipt", "receipt_id"),
        Index("ix_acq_copies_serial", "inventory_prefix", "inventory_serial"),
        Index("ix_acq_copies_accessioned", "accessioned_on"),
        Index("ix_acq_copies_written_off", "written_off_on"),
        Index("ix_acq_copies_status", "status"),
    )


class CopyStatusChange(Base):
    """Every change of a copy's status: when, why, who (and by which act)."""

    __tablename__ = "acq_copy_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    copy_id: Mapped[int] = mapped_column(ForeignKey("acq_copies.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    old_status: Mapped[str] = mapped_column(String(24), default="")
    new_status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(300), default="")
    actor: Mapped[str] = mapped_column(String(80), default="")
    act_id: Mapped[int | None] = mapped_column(ForeignKey("acq_withdrawal_acts.id"))

    copy: Mapped[Copy] = relationship(back_populates="history")


class ElectronicResource(Base):
    """An e-resource received as a document with access details, not as a barcoded copy."""

    __tablename__ = "acq_eresources"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("acq_receipts.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    url: Mapped[str] = mapped_column(String(1000), default="")
    licence: Mapped[str] = mapped_column(String(300), default="")
    access_notes: Mapped[str] = mapped_column(String(500), default="")
    price: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="UAH")
    language: Mapped[str] = mapped_column(String(3), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    receipt: Mapped[Receipt] = relationship(back_populates="eresources")


class WithdrawalAct(Base):
    """Акт списання (Ministry of Finance form, order No. 818 of 13.09.2016) with its list of copies."""

    __tablename__ = "acq_withdrawal_acts"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    act_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(32))
    commission_ref: Mapped[str] = mapped_column(String(300), default="")
    commission_members: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    confirmed_by: Mapped[str] = mapped_column(String(80), default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)

    lines: Mapped[list["WithdrawalLine"]] = relationship(back_populates="act", order_by="WithdrawalLine.id")
    attachments: Mapped[list["ActAttachment"]] = relationship(back_populates="act", order_by="ActAttachment.id")

    __table_args__ = (UniqueConstraint("year", "number", name="uq_acq_act_number"),)

    @property
    def register_number(self) -> str:
        return f"{self.number}/{self.year}"


class WithdrawalLine(Base):
    """One copy on an act, with its value as written in the act."""

    __tablename__ = "acq_withdrawal_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acq_withdrawal_acts.id"), index=True)
    copy_id: Mapped[int] = mapped_column(ForeignKey("acq_copies.id"), index=True)
    price: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))

    act: Mapped[WithdrawalAct] = relationship(back_populates="lines")
    copy: Mapped[Copy] = relationship()

    __table_args__ = (UniqueConstraint("act_id", "copy_id", name="uq_acq_act_copy"),)


class ActAttachment(Base):
    """Evidence for an act (photo, commission's report), stored under UPLOAD_PATH."""

    __tablename__ = "acq_act_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acq_withdrawal_acts.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(300), default="")
    uploaded_by: Mapped[str] = mapped_column(String(80), default="")
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    act: Mapped[WithdrawalAct] = relationship(back_populates="attachments")
