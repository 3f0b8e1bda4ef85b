"""Core entities: users and tokens, records with their versions, the audit log, the index queue.

Area entities (copies, receipts, inventory sessions, backups...) live in their area package
and are gathered by ``catalog.models_all`` for Alembic.
"""

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.db import Base

ROLES = ("admin", "cataloguer", "acquisitions", "inventory", "reader-services")
RECORD_FORMATS = ("marc21", "unimarc")
RECORD_KINDS = ("bibliographic", "authority")
RECORD_STATUSES = ("draft", "published", "suppressed", "deleted")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    def has_role(self, *roles: str) -> bool:
        return self.role == "admin" or self.role in roles


class ApiToken(Base):
    """A bearer token for /api/v1; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(default=False)


class Record(Base):
    """One bibliographic or authority record; ``marc`` is MARC-in-JSON, kept losslessly."""

    __tablename__ = "records"

    id: Mapped[int] = mapped_column(primary_key=True)
    format: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16), default="bibliographic")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    marc: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(500), default="")
    author: Mapped[str] = mapped_column(String(300), default="")
    isbn: Mapped[str] = mapped_column(String(20), default="")
    year: Mapped[int | None] = mapped_column(Integer)
    udc: Mapped[str] = mapped_column(String(120), default="")
    control_number: Mapped[str] = mapped_column(String(64), default="")
    control_source: Mapped[str] = mapped_column(String(64), default="")
    host_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    updated_by: Mapped[str] = mapped_column(String(80), default="")

    versions: Mapped[list["RecordVersion"]] = relationship(
        back_populates="record", order_by="RecordVersion.version", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_records_control", "control_number", "control_source"),
        Index("ix_records_isbn", "isbn"),
        Index("ix_records_status_updated", "status", "updated_at"),
        Index("ix_records_host", "host_id"),
    )


class RecordVersion(Base):
    """Every saved state of a record: who saved it, when, and the MARC as it was."""

    __tablename__ = "record_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    marc: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[str] = mapped_column(String(80), default="")
    saved_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(String(500), default="")

    record: Mapped[Record] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("record_id", "version", name="uq_record_version"),)


class AuditEntry(Base):
    """One write of any kind: who, when, what, to which entity."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_audit_entity", "entity_type", "entity_id"),)


class IndexQueue(Base):
    """Records waiting to be (re)indexed: written in the same transaction as the record.

    Draining the queue after commit keeps the search index in step without ever losing an
    update when the index is locked by another process or briefly unavailable.
    """

    __tablename__ = "index_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, index=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Job(Base):
    """Long work (import, reindex, backup, reports) with progress the web UI can poll."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running, done, failed
    actor: Mapped[str] = mapped_column(String(80), default="")
    total: Mapped[int | None] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    result: Mapped[dict | None] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
