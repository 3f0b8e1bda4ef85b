"""Configuration: defaults, the instance folder and its optional config file.

The instance folder (``./instance`` by default, ``--instance PATH`` or ``KATALOH_INSTANCE``)
holds the local config (``config.py``), the SQLite database, the search index, uploads
and backups. ``KATALOH_DATABASE_URL`` selects another database (PostgreSQL via psycopg 3).
"""

import os
import secrets
from pathlib import Path

DEFAULTS = {
    "BABEL_DEFAULT_LOCALE": "uk",
    "LANGUAGES": ["uk", "en"],
    "LIBRARY_NAME": "Луганська обласна універсальна наукова бібліотека",
    "LIBRARY_CODE": "UA-LuOUNB",
    "RECORDS_PER_PAGE": 20,
    "API_PAGE_SIZE": 50,
    "API_MAX_PAGE_SIZE": 500,
    "IMPORT_BATCH_SIZE": 500,
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
}


def resolve_instance_path(instance: str | os.PathLike | None = None) -> Path:
    """Return the absolute instance folder: argument, then KATALOH_INSTANCE, then ./instance."""
    chosen = instance or os.environ.get("KATALOH_INSTANCE") or "instance"
    return Path(chosen).expanduser().resolve()


def default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'kataloh.db'}"


def load_secret_key(instance_path: Path) -> str:
    """Read the instance's secret key, creating it on first use (sessions survive restarts)."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def configure(app, test_config: dict | None = None) -> None:
    """Fill ``app.config`` from defaults, ``instance/config.py``, the environment and tests."""
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.update(test_config)
    env_url = os.environ.get("KATALOH_DATABASE_URL")
    if env_url and not (test_config and "DATABASE_URL" in test_config):
        app.config["DATABASE_URL"] = env_url
    app.config.setdefault("DATABASE_URL", default_database_url(instance_path))
    app.config.setdefault("INDEX_PATH", str(instance_path / "index"))
    app.config.setdefault("UPLOAD_PATH", str(instance_path / "uploads"))
    app.config.setdefault("BACKUP_PATH", str(instance_path / "backups"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(instance_path)
