"""Shared fixtures: an app on a fresh database (SQLite in tmp_path, or PostgreSQL when
KATALOH_TEST_DATABASE_URL names a server), its client and CLI runner, users, tokens.

Tests that use the ``app`` fixture are marked ``db`` automatically; ``.ci/run`` runs
them a second time against a real PostgreSQL server.
"""

import os
import re
import shutil
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"
PASSWORD = "correct horse battery"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if {"app", "demo_app"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def pytest_configure(config):
    config.addinivalue_line("markers", "db: uses the database (run on SQLite and PostgreSQL)")


class PostgresDatabases:
    """Create and drop one throwaway database per test on the server in the URL."""

    def __init__(self, server_url: str):
        self.server_url = server_url

    def _admin(self):
        from sqlalchemy import create_engine

        return create_engine(self.server_url, isolation_level="AUTOCOMMIT")

    def create(self) -> str:
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        name = f"kataloh_test_{uuid.uuid4().hex[:12]}"
        engine = self._admin()
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        engine = self._admin()
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="session")
def postgres():
    url = os.environ.get("KATALOH_TEST_DATABASE_URL")
    return PostgresDatabases(url) if url else None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """An empty, fully migrated SQLite database that each test copies (faster than migrating)."""
    from catalog.db import init_schema, make_engine

    path = tmp_path_factory.mktemp("template") / "kataloh.db"
    engine = make_engine(f"sqlite:///{path}")
    init_schema(engine)
    engine.dispose()
    return path


@pytest.fixture
def database_url(tmp_path, postgres, sqlite_template):
    if postgres is not None:
        url = postgres.create()
        yield url
        postgres.drop(url)
    else:
        target = tmp_path / "instance" / "kataloh.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(sqlite_template, target)
        yield f"sqlite:///{target}"


def make_app(instance_path: Path, database_url: str):
    """A migrated test app on ``database_url``."""
    from catalog import create_app
    from catalog.db import get_engine, init_schema

    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(instance_path),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "JOBS_INLINE": True,
    })
    with app.app_context():
        init_schema(get_engine())
    return app


def close_app(app) -> None:
    from catalog.db import get_engine

    with app.app_context():
        index = app.extensions.get("kataloh.index")
        if index is not None and hasattr(index, "close"):
            index.close()
        get_engine().dispose()


@pytest.fixture
def app(tmp_path, database_url):
    app = make_app(tmp_path / "instance", database_url)
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory, postgres):
    """One app per test module with the demo catalogue loaded (read-only tests share it)."""
    instance = tmp_path_factory.mktemp("demo") / "instance"
    url = postgres.create() if postgres is not None else f"sqlite:///{instance.parent / 'kataloh.db'}"
    app = make_app(instance, url)
    result = app.test_cli_runner().invoke(args=["init", "--demo"])
    assert result.exit_code == 0, result.output
    yield app
    close_app(app)
    if postgres is not None:
        postgres.drop(url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A database session inside an app context."""
    from catalog.db import get_session

    with app.app_context():
        yield get_session()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def make_user(app):
    def make(username: str = "olena", role: str = "cataloguer"):
        from catalog.auth.services import create_user
        from catalog.db import get_session

        with app.app_context():
            return create_user(get_session(), username, PASSWORD, role, actor="test")

    return make


@pytest.fixture
def login(client, make_user):
    """Log a new user with ``role`` in through the real login form; returns the client."""

    def do(role: str = "cataloguer", username: str | None = None):
        username = username or f"{role}-user"
        make_user(username, role)
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


@pytest.fixture
def api_token(app):
    def make(role: str = "cataloguer", name: str | None = None) -> dict:
        from catalog.auth.services import create_token
        from catalog.db import get_session

        with app.app_context():
            token = create_token(get_session(), name or f"{role}-token-{uuid.uuid4().hex[:6]}", role, actor="test")
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def live_server(app):
    """Serve ``app`` over real HTTP on a free loopback port (for yaz-client, browsers, SRU clients)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = ROOT / "tests" / "output" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (no browser download). Skips where absent,
    except in CI (CI=true), where a missing browser is a failure: .ci/run installs it."""
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: scripts/test.sh installs it")
        pytest.skip("chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
