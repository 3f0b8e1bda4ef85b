"""The ``kataloh`` command (also ``python -m catalog`` and ``flask --app catalog``).

Each command's docstring is its help text. Commands run inside the application for the
instance folder chosen by ``--instance PATH`` or ``KATALOH_INSTANCE`` (default ./instance).
"""

import os
import sys
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from catalog.db import get_engine, get_session, init_schema
from catalog.errors import CatalogError


def _create_app():
    from catalog import create_app

    return create_app()


def _set_instance(ctx, _param, value):
    if value:
        os.environ["KATALOH_INSTANCE"] = str(Path(value).resolve())
    return value


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
@click.option("--instance", metavar="PATH", callback=_set_instance, is_eager=True, expose_value=False,
              help="Instance folder (config, SQLite database, index, backups). Default: $KATALOH_INSTANCE or ./instance")
def main():
    """Kataloh: a library catalogue server (MARC21/UNIMARC cataloguing, OPAC, SRU)."""


def fail(exc: Exception):
    raise click.ClickException(str(exc))


def progress_bar(length: int | None, label: str):
    return click.progressbar(length=length or 0, label=label, show_pos=True, show_percent=bool(length),
                             file=sys.stderr, width=30)


@click.command("init")
@click.option("--demo", is_flag=True, help="Also load the demo records and demo staff accounts.")
@with_appcontext
def init_command(demo: bool):
    """Create or upgrade the database schema (Alembic) and the search index."""
    from catalog.indexing import ensure_index, indexed_count

    init_schema(get_engine())
    click.echo(f"Schema ready: {current_app.config['DATABASE_URL'].split('@')[-1]}")
    with progress_bar(indexed_count(get_session()), "Search index") as bar:
        rebuilt = ensure_index(progress=bar.update)
    click.echo("Search index ready" + (f": {rebuilt} records indexed" if rebuilt else ""))
    if demo:
        from catalog.demo import load_demo

        with progress_bar(None, "Demo records") as bar:
            summary = load_demo(get_session(), progress=bar.update)
        click.echo(summary)


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["marc21", "unimarc", "auto"]), default="auto", show_default=True)
@click.option("--encoding", default=None, help="Override the detected character encoding (utf-8, marc-8, cp1251, cp866).")
@click.option("--status", type=click.Choice(["published", "draft"]), default="published", show_default=True)
@click.option("--dry-run", is_flag=True, help="Read and match everything, store nothing.")
@click.option("--report", "report_path", type=click.Path(path_type=Path), default=None,
              help="Where to write the report of failed records (default: instance/reports/import-<time>.txt).")
@with_appcontext
def import_command(files, fmt, encoding, status, dry_run, report_path):
    """Import MARC records from ISO 2709, MARCXML or MARC-in-JSON FILES.

    Work is committed in batches; a rerun skips what is already stored (match on 001+003,
    then ISBN). The last line is `imported N, updated U, skipped S, failed F`.
    """
    from catalog.indexing import index_imported
    from catalog.records.importer import count_records, import_files

    total = sum(count_records(Path(f)) or 0 for f in files)
    try:
        with progress_bar(total, "Importing") as bar:
            report = import_files(get_session(), "cli", files, fmt=fmt, encoding=encoding, status=status,
                                  dry_run=dry_run, batch_size=current_app.config["IMPORT_BATCH_SIZE"],
                                  progress=bar.update, after_batch=None if dry_run else index_imported)
    except (CatalogError, OSError, ValueError) as exc:
        fail(exc)
    if report.problems or report.warnings:
        report_path = report_path or Path(current_app.instance_path) / "reports" / (
            f"import-{datetime.now():%Y%m%d-%H%M%S}.txt")
        report.write(report_path)
        click.echo(f"Report of {len(report.problems)} failed record(s) and {len(report.warnings)} warning(s): {report_path}")
    if dry_run:
        click.echo("Dry run: nothing was stored.")
    click.echo(report.summary())


@click.command("export")
@click.option("--format", "serialization", type=click.Choice(["iso2709", "marcxml", "json"]), required=True)
@click.option("--status", "statuses", multiple=True, default=["published"], show_default=True,
              type=click.Choice(["draft", "published", "suppressed", "deleted"]), help="Repeat for several.")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_command(serialization, statuses, out):
    """Export records to OUT as ISO 2709 (UTF-8), MARCXML or MARC-in-JSON."""
    from catalog.records.exporter import export_records

    try:
        with progress_bar(None, "Exporting") as bar:
            count = export_records(get_session(), out, serialization, tuple(statuses), progress=bar.update)
    except (ValueError, OSError) as exc:
        fail(exc)
    click.echo(f"exported {count} record(s) to {out}")


@click.command("reindex")
@with_appcontext
def reindex_command():
    """Rebuild the search index from the database."""
    from catalog.indexing import indexed_count, reindex_all

    session = get_session()
    with progress_bar(indexed_count(session), "Indexing") as bar:
        count = reindex_all(session, progress=bar.update)
    click.echo(f"indexed {count} record(s)")


def read_password(prompt_twice: bool = True) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=prompt_twice)


@click.group("user")
def user_group():
    """Staff users."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "cataloguer", "acquisitions", "inventory", "reader-services"]),
              required=True)
@click.option("--full-name", default="")
@with_appcontext
def user_add(name, role, full_name):
    """Add a staff user; the password is read from a prompt, or from stdin when piped."""
    from catalog.auth.services import create_user

    try:
        create_user(get_session(), name, read_password(), role, actor="cli", full_name=full_name)
    except CatalogError as exc:
        fail(exc)
    click.echo(f"user {name} added with role {role}")


@user_group.command("list")
@with_appcontext
def user_list():
    """List staff users."""
    from sqlalchemy import select

    from catalog.models import User

    for user in get_session().scalars(select(User).order_by(User.username)):
        click.echo(f"{user.username}\t{user.role}\t{'active' if user.active else 'disabled'}")


@click.group("token")
def token_group():
    """API tokens for /api/v1 (Authorization: Bearer ...)."""


@token_group.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "cataloguer", "acquisitions", "inventory", "reader-services"]),
              default="admin", show_default=True)
@with_appcontext
def token_create(name, role):
    """Create a token and print it (it is shown only once)."""
    from catalog.auth.services import create_token

    try:
        click.echo(create_token(get_session(), name, role, actor="cli"))
    except CatalogError as exc:
        fail(exc)


@token_group.command("revoke")
@click.argument("name")
@with_appcontext
def token_revoke(name):
    """Revoke a token."""
    from catalog.auth.services import revoke_token

    try:
        revoke_token(get_session(), name, actor="cli")
    except CatalogError as exc:
        fail(exc)
    click.echo(f"token {name} revoked")


def register(cli: click.Group) -> None:
    for command in (init_command, import_command, export_command, reindex_command, user_group, token_group):
        cli.add_command(command)
