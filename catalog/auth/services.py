"""Users and API tokens: creation, password checks (argon2), token lookup."""

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import audit
from catalog.errors import CatalogError
from catalog.models import ROLES, ApiToken, User, utcnow

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_role(role: str) -> None:
    if role not in ROLES:
        raise CatalogError(f"Unknown role '{role}': choose one of {', '.join(ROLES)}")


def create_user(session: Session, username: str, password: str, role: str, actor="cli", full_name="") -> User:
    """Create a staff user; the password is stored only as an argon2 hash."""
    check_role(role)
    if not username or not username.strip():
        raise CatalogError("A user needs a name")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CatalogError(f"Password for '{username}' is too short: at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User).where(User.username == username)):
        raise CatalogError(f"User '{username}' already exists")
    user = User(username=username, password_hash=hash_password(password), role=role, full_name=full_name)
    session.add(user)
    session.flush()
    audit(session, actor, "user.create", "user", user.id, {"username": username, "role": role})
    session.commit()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user whose password matches, else None."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        _hasher.hash(password)  # spend the same time as a real check
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.commit()
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str, role: str = "admin", actor="cli") -> str:
    """Create an API token and return it; only its digest is kept."""
    check_role(role)
    if session.scalar(select(ApiToken).where(ApiToken.name == name)):
        raise CatalogError(f"A token named '{name}' already exists")
    token = "kat_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=_token_digest(token), role=role))
    audit(session, actor, "token.create", "api_token", name, {"role": role})
    session.commit()
    return token


def revoke_token(session: Session, name: str, actor="cli") -> None:
    api_token = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if api_token is None:
        raise CatalogError(f"No token named '{name}'")
    api_token.revoked = True
    audit(session, actor, "token.revoke", "api_token", name)
    session.commit()


def find_token(session: Session, token: str) -> ApiToken | None:
    api_token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if api_token is None or api_token.revoked:
        return None
    api_token.last_used_at = utcnow()
    session.commit()
    return api_token
