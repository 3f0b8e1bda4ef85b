"""``kataloh backup ...``: create, verify, restore, status, offsite, keygen."""

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from catalog.backup.manifest import BackupError


def _fail(exc: Exception):
    raise click.ClickException(str(exc))


class BarProgress:
    """Adapt ``progress(done, total, message)`` to a click progress bar on stderr."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None
        self.stage = None

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        stage = message.split(" ")[0] if message else self.label
        if self.bar is None or stage != self.stage or (total and total != self.bar.length):
            self.close()
            self.stage = stage
            self.bar = click.progressbar(length=total or 0, label=f"{stage:<10}", show_pos=True,
                                         show_percent=bool(total), file=sys.stderr, width=30)
            self.bar.__enter__()
        self.bar.update(max(0, done - self.bar.pos))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _keys(identity: str | None):
    from catalog.backup.crypto import keys_from_config

    return keys_from_config(current_app.config, identity_file=identity)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


@click.group("backup")
def backup_group():
    """Backups: create, verify, restore, status (see docs/backup.md)."""


@backup_group.command("create")
@click.option("--no-verify", is_flag=True, help="Skip the trial restore (checksums are still written).")
@with_appcontext
def create_command(no_verify: bool):
    """Make a consistent backup (safe while the server runs), verify it, encrypt and copy it
    off-site when configured, then apply rotation. Prints the archive's path."""
    from catalog.backup.services import run_backup

    progress = BarProgress("snapshot")
    try:
        info = run_backup(current_app._get_current_object(), trigger="cli", progress=progress, verify=not no_verify)
    except BackupError as exc:
        progress.close()
        _fail(exc)
    progress.close()
    data = info.data
    click.echo(f"backup {info.path} ({_size(info.size)}, {data['rows']} rows, {data['uploads']} uploaded file(s))")
    verification = data.get("verification")
    if verification:
        click.echo(f"verification: {'OK' if verification['ok'] else 'FAILED'}: {verification['message']}")
    for result in data.get("offsite", []):
        click.echo(f"off-site {result['target']}: {'ok' if result['ok'] else 'FAILED: ' + result['error']}")
    for warning in data.get("warnings", []):
        click.echo(f"warning: {warning}", err=True)
    if verification and not verification["ok"]:
        sys.exit(1)
    if any(not r["ok"] for r in data.get("offsite", [])):
        sys.exit(2)


@backup_group.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--identity", type=click.Path(exists=True, dir_okay=False), help="age identity file for an encrypted backup.")
@with_appcontext
def verify_command(file: Path, identity):
    """Check every part's SHA-256 and restore FILE into a temporary SQLite database,
    comparing row counts and the content digest with the manifest."""
    from catalog.backup.verify import verify_archive

    progress = BarProgress("checksum")
    try:
        report = verify_archive(file, _keys(identity), progress)
    except BackupError as exc:
        progress.close()
        _fail(exc)
    progress.close()
    if not report.ok:
        raise click.ClickException(f"{file.name} FAILED verification: {report.message}")
    click.echo(f"{file.name}: OK, {report.message}")
    if report.counts:
        click.echo(", ".join(f"{k} {v}" for k, v in report.counts.items()))


@backup_group.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data (it is kept aside first).")
@click.option("--identity", type=click.Path(exists=True, dir_okay=False), help="age identity file for an encrypted backup.")
@with_appcontext
def restore_command(file: Path, force: bool, identity):
    """Restore FILE into this instance's database (SQLite or PostgreSQL), uploads and config,
    then rebuild the search index. Stop the server first. A backup that fails verification
    is refused; a database holding data is only replaced with --force."""
    from catalog.backup.restore import restore_instance
    from catalog.backup.services import backup_dir, backup_lock, write_archive

    app = current_app._get_current_object()
    progress = BarProgress("verify")

    def set_aside() -> Path:
        from catalog.backup.restore import stamp

        path = backup_dir(app) / f"before-restore-{stamp()}.tar"
        write_archive(app, path)
        return path

    try:
        with backup_lock(app):
            report = restore_instance(app, file, keys=_keys(identity), force=force, progress=progress, set_aside=set_aside)
    except BackupError as exc:
        progress.close()
        _fail(exc)
    progress.close()
    click.echo(report.summary())


@backup_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON (as GET /api/v1/backups/status).")
@with_appcontext
def status_command(as_json: bool):
    """Show the last backup, its size, verification, off-site copies and the next run.
    Exits 1 when the last good backup is older than BACKUP_WARN_HOURS (for monitoring)."""
    from catalog.backup.services import backup_status

    status = backup_status(current_app._get_current_object())
    if as_json:
        click.echo(json.dumps(status, ensure_ascii=False, indent=1))
    else:
        last = status["last"]
        if last is None:
            click.echo(f"no backups yet in {status['backup_path']}")
        else:
            verification = last.get("verification") or {}
            state = "verified OK" if verification.get("ok") else ("FAILED verification: " + verification.get("message", "")
                                                                  if verification else "not verified")
            click.echo(f"last backup: {last['file']} at {last['created_at']}, {_size(last['size'])}, {state}")
            counts = last.get("counts") or {}
            if counts:
                click.echo("  " + ", ".join(f"{k} {v}" for k, v in counts.items()))
            for result in last.get("offsite", []):
                click.echo(f"  off-site {result['target']}: {'ok' if result['ok'] else 'FAILED: ' + result['error']}")
        good = status["last_good"]
        click.echo(f"last good backup: {good['file']} ({status['last_good_age_hours']} h ago)" if good else "no good backup")
        run = status["last_run"]
        if run and run.get("ok") is False:
            click.echo(f"last run FAILED at {run.get('finished_at')}: {run.get('error')}")
        click.echo(f"backups kept: {status['count']} ({_size(status['total_size'])}); encryption: {status['encryption']}; "
                   f"off-site: {', '.join(status['offsite_targets']) or 'none'}")
        schedule = status["schedule"]
        click.echo(f"next scheduled run: {schedule['next_run']}" if schedule["enabled"] else "in-process schedule is off")
    if status["stale"]:
        click.echo(f"WARNING: no good backup in the last {status['warn_hours']:.0f} hours", err=True)
        sys.exit(1)


@backup_group.command("offsite")
@click.argument("name")
@with_appcontext
def offsite_command(name: str):
    """Copy the backup NAME (a file in the backup folder) to the off-site targets again."""
    from catalog.backup.services import copy_offsite

    try:
        info = copy_offsite(current_app._get_current_object(), name)
    except BackupError as exc:
        _fail(exc)
    failed = False
    for result in info.data["offsite"]:
        failed |= not result["ok"]
        click.echo(f"{result['target']}: {'ok' if result['ok'] else 'FAILED: ' + result['error']}")
    if failed:
        sys.exit(2)


@backup_group.command("keygen")
@click.argument("identity_file", type=click.Path(dir_okay=False, path_type=Path))
def keygen_command(identity_file: Path):
    """Write a new age identity (private key) to IDENTITY_FILE and print its public key for
    BACKUP_AGE_RECIPIENTS. Keep the identity OFF the server (e.g. in the library's safe)."""
    from catalog.backup.crypto import generate_identity

    if identity_file.exists():
        raise click.ClickException(f"{identity_file} exists: refusing to overwrite a key")
    secret, public = generate_identity()
    identity_file.write_text(f"# Kataloh backup identity; public key: {public}\n{secret}\n")
    identity_file.chmod(0o600)
    click.echo(public)


def register(cli: click.Group) -> None:
    cli.add_command(backup_group)
