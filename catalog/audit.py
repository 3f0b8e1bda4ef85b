"""The audit log: every write of any kind goes through ``audit``."""

from sqlalchemy.orm import Session

from catalog.models import AuditEntry


def actor_name(user) -> str:
    """Name an actor: a User, an API token name, a CLI string, or nobody."""
    if user is None:
        return ""
    if isinstance(user, str):
        return user
    return getattr(user, "username", None) or getattr(user, "name", "") or ""


def audit(session: Session, user, action: str, entity_type: str, entity_id="", detail=None) -> AuditEntry:
    """Add an audit entry to the session; it commits with the write it describes."""
    entry = AuditEntry(
        actor=actor_name(user),
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id or ""),
        detail=detail,
    )
    session.add(entry)
    return entry
