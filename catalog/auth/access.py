"""Access checks: ``role_required`` for staff pages, ``token_required`` for the REST API."""

from functools import wraps

from flask import g, request
from flask_login import current_user, login_required

from catalog.db import get_session
from catalog.errors import CatalogError, Forbidden


class Unauthorized(CatalogError):
    status = 401


def role_required(*roles: str):
    """Require a logged-in user with one of ``roles`` (admin passes every check)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                raise Forbidden(f"This page needs the role {' or '.join(roles)}; you are '{current_user.role}'")
            return view(*args, **kwargs)

        return wrapped

    return decorator


class TokenActor:
    """The caller behind an API token, shaped like a user for audit and role checks."""

    def __init__(self, api_token):
        self.name = api_token.name
        self.username = f"token:{api_token.name}"
        self.role = api_token.role

    def has_role(self, *roles: str) -> bool:
        return self.role == "admin" or self.role in roles


def _actor_from_request():
    from catalog.auth.services import find_token

    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        api_token = find_token(get_session(), header[7:].strip())
        if api_token is None:
            raise Unauthorized("The bearer token is unknown or revoked")
        return TokenActor(api_token)
    # A staff session may read the API from the browser; writes need a token, since a
    # cookie-authenticated write would be open to cross-site request forgery.
    if current_user.is_authenticated and request.method in ("GET", "HEAD"):
        return current_user._get_current_object()
    return None


def token_required(*roles: str, read_only_public: bool = False):
    """Require a bearer token (or a logged-in staff session) with one of ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            actor = _actor_from_request()
            if actor is None:
                if read_only_public and request.method in ("GET", "HEAD"):
                    g.actor = None
                    return view(*args, **kwargs)
                raise Unauthorized("This endpoint needs 'Authorization: Bearer <token>' (kataloh token create NAME)")
            if roles and not actor.has_role(*roles):
                raise Forbidden(f"This endpoint needs the role {' or '.join(roles)}; the caller has '{actor.role}'")
            g.actor = actor
            return view(*args, **kwargs)

        return wrapped

    return decorator


def current_actor():
    """The user or token behind the current request, for audit entries."""
    actor = g.get("actor")
    if actor is not None:
        return actor
    if current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return None
