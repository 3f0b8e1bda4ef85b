"""Kataloh: a library catalogue server. ``create_app`` is the Flask application factory."""

from importlib import import_module
from pathlib import Path

from flask import Flask, redirect, request, session, url_for
from flask_babel import Babel
from flask_wtf import CSRFProtect

from catalog import db
from catalog.config import configure, resolve_instance_path
from catalog.errors import register_error_handlers

babel = Babel()
csrf = CSRFProtect()

# One blueprint per area: "module:attribute". Areas add their line here.
BLUEPRINTS = [
    "catalog.auth.views:bp",
    "catalog.staff.views:bp",
    "catalog.api.views:bp",
    "catalog.opac.views:bp",
    "catalog.acquisitions.views:bp",
    "catalog.acquisitions.api:bp",
    "catalog.admin.views:bp",
    "catalog.backup.views:bp",
    "catalog.backup.api:bp",
    "catalog.sru.views:bp",
    "catalog.cataloguing.views:bp",
    "catalog.cataloguing.api:bp",
    "catalog.plan.views:bp",
    "catalog.plan.api:bp",
]

# CLI command modules: each has ``register(cli_group)``.
CLI_MODULES = [
    "catalog.cli",
    "catalog.acquisitions.cli",
    "catalog.backup.cli",
]


def select_locale() -> str:
    chosen = session.get("lang") or request.args.get("lang")
    from flask import current_app

    return chosen if chosen in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def translation_directories() -> str:
    """The core catalogue of messages plus one per area package that has its own."""
    root = Path(__file__).parent
    dirs = [root / "translations", *sorted(p for p in root.glob("*/translations") if p.is_dir())]
    return ";".join(str(d) for d in dirs)


def create_app(test_config: dict | None = None) -> Flask:
    """Create the Kataloh application for the instance folder in ``KATALOH_INSTANCE`` (or ./instance)."""
    test_config = test_config or {}
    instance_path = resolve_instance_path(test_config.get("INSTANCE_PATH"))
    app = Flask(__name__, instance_path=str(instance_path), instance_relative_config=True)
    configure(app, test_config)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = translation_directories()
    db.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    from catalog.auth.views import login_manager

    login_manager.init_app(app)
    register_error_handlers(app)
    from catalog import indexing, navigation

    indexing.init_app(app)

    navigation.init_app(app)
    for spec in BLUEPRINTS:
        module_name, attr = spec.split(":")
        blueprint = getattr(import_module(module_name), attr)
        app.register_blueprint(blueprint)
        if getattr(blueprint, "csrf_exempt", False):
            csrf.exempt(blueprint)
    for module_name in CLI_MODULES:
        import_module(module_name).register(app.cli)

    @app.route("/lang/<code>")
    def set_language(code: str):
        if code in app.config["LANGUAGES"]:
            session["lang"] = code
        target = request.referrer or "/"
        return redirect(target if target.startswith(request.host_url) or target.startswith("/") else "/")

    @app.route("/")
    def index():
        if "opac.search" in app.view_functions:
            return redirect(url_for("opac.search"))
        return redirect(url_for("staff.home"))

    return app
