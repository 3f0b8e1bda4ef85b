"""Staff login (Flask-Login, argon2), roles on every staff route, API bearer tokens."""

from catalog.auth.access import current_actor, role_required, token_required  # noqa: F401
