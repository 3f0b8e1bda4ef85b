"""Make a backup: snapshot, archive, verify, encrypt, copy off-site, rotate; and report status.

``run_backup`` is what the CLI (``kataloh backup create``), the admin page's button and the
nightly schedule all call. Settings (instance/config.py):

BACKUP_PATH (instance/backups), BACKUP_TIME ("02:30", server local time), BACKUP_SCHEDULE
(True: the running server makes the nightly backup), BACKUP_KEEP_DAILY/WEEKLY/MONTHLY
(7/4/12), BACKUP_OFFSITE (targets, see offsite.py), BACKUP_OFFSITE_RETRIES (3),
BACKUP_OFFSITE_RETRY_SECONDS (60), BACKUP_AGE_RECIPIENTS / BACKUP_PASSPHRASE(_FILE) /
BACKUP_AGE_IDENTITY_FILE (see crypto.py), BACKUP_WARN_HOURS (36).
"""

import contextlib
import fcntl
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from catalog.backup import crypto, offsite, rotation
from catalog.backup.history import (
    BackupInfo,
    archive_name,
    last_good,
    list_backups,
    read_state,
    write_state,
)
from catalog.backup.manifest import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST_NAME,
    BackupError,
    Manifest,
    kataloh_version,
    sha256_file,
)
from catalog.backup.snapshot import (
    content_digest,
    count_rows,
    data_tables,
    dump_table,
    open_snapshot,
    reflect,
    schema_revisions,
    start_pg_dump,
)
from catalog.backup.verify import verify_archive

Progress = Callable[..., None]
SECRET_NAME = re.compile(r"^\s*([A-Z0-9_]*(?:SECRET|PASSWORD|PASSPHRASE|TOKEN|_KEY)[A-Z0-9_]*)\s*=", re.M)

DEFAULTS = {
    "BACKUP_TIME": "02:30",
    "BACKUP_SCHEDULE": True,
    "BACKUP_KEEP_DAILY": 7,
    "BACKUP_KEEP_WEEKLY": 4,
    "BACKUP_KEEP_MONTHLY": 12,
    "BACKUP_OFFSITE": [],
    "BACKUP_OFFSITE_RETRIES": 3,
    "BACKUP_OFFSITE_RETRY_SECONDS": 60,
    "BACKUP_WARN_HOURS": 36,
}


class BackupBusy(BackupError):
    """Another backup or restore holds the lock."""


def setting(config, name: str):
    return config.get(name, DEFAULTS.get(name))


def backup_dir(app) -> Path:
    path = Path(app.config["BACKUP_PATH"])
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def backup_lock(app, name: str = "backup.lock") -> Iterator[None]:
    """An advisory file lock in the instance folder: one backup or restore at a time,
    across CLI runs, gunicorn workers and the schedule."""
    path = Path(app.instance_path) / name
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BackupBusy(f"another backup or restore is running (lock {path})") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _copy_uploads(upload_path: Path, staging: Path) -> list[tuple[str, Path]]:
    """Copy uploaded files into the staging folder (a stable copy to checksum and archive)."""
    parts = []
    if not upload_path.is_dir():
        return parts
    for source in sorted(upload_path.rglob("*")):
        if not source.is_file() or source.is_symlink():
            continue
        relative = source.relative_to(upload_path).as_posix()
        target = staging / "uploads" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        parts.append((f"uploads/{relative}", target))
    return parts


def write_archive(app, target: Path, progress: Progress | None = None) -> Manifest:
    """Write one consistent backup archive to ``target`` (atomically) and return its manifest."""
    engine = app.extensions["kataloh.engine"]
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".staging-", dir=target.parent) as tmp:
        staging = Path(tmp)
        (staging / "data").mkdir()
        parts: list[tuple[str, Path]] = []
        notes: list[str] = []
        started = time.monotonic()
        with open_snapshot(engine, staging) as snap:
            tables = data_tables(reflect(snap.conn))
            total = sum(count_rows(snap.conn, tables).values())
            revisions = schema_revisions(snap.conn)
            pg_dump = None
            if snap.dialect == "postgresql":
                pg_dump = start_pg_dump(app.config["DATABASE_URL"], snap.pg_snapshot, staging / "database.pgdump")
            done = 0

            def step(n: int) -> None:
                nonlocal done
                done += n
                if progress:
                    progress(done, total, "snapshot")

            dumps = [dump_table(snap.conn, table, staging / "data", step) for table in tables]
            if pg_dump is not None:
                try:
                    _out, err = pg_dump.communicate(timeout=3600)
                except subprocess.TimeoutExpired:
                    pg_dump.kill()
                    err = b"timed out"
                if pg_dump.returncode == 0:
                    parts.append(("database.pgdump", staging / "database.pgdump"))
                else:
                    notes.append(f"pg_dump failed, the logical dump is complete: {err.decode(errors='replace')[:300]}")
        parts += [(d.part, staging / "data" / f"{d.name}.jsonl.gz") for d in dumps]
        config_file = Path(app.instance_path) / "config.py"
        if config_file.is_file():
            shutil.copy2(config_file, staging / "config.py")
            parts.append(("config/config.py", staging / "config.py"))
        parts += _copy_uploads(Path(app.config["UPLOAD_PATH"]), staging)
        table_dicts = [d.as_dict() for d in dumps]
        manifest = Manifest({
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "kataloh_version": kataloh_version(),
            "created_at": datetime.now().isoformat(timespec="seconds"),
            "database": snap.dialect,
            "library_code": app.config.get("LIBRARY_CODE", ""),
            "schema_revisions": revisions,
            "tables": table_dicts,
            "content_digest": content_digest(table_dicts),
            "parts": {name: {"size": path.stat().st_size, "sha256": sha256_file(path)} for name, path in parts},
            "config_included": config_file.is_file(),
            "secret_key_included": False,
            "search_index_included": False,
            "uploads": sum(1 for name, _ in parts if name.startswith("uploads/")),
            "snapshot_seconds": round(time.monotonic() - started, 2),
            "notes": notes,
        })
        (staging / MANIFEST_NAME).write_bytes(manifest.to_bytes())
        partial = target.with_name(f".{target.name}.partial")
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(staging / MANIFEST_NAME, arcname=MANIFEST_NAME)
            for name, path in parts:
                tar.add(path, arcname=name)
        partial.replace(target)
    return manifest


def offsite_settings(app) -> dict:
    return {"retries": int(setting(app.config, "BACKUP_OFFSITE_RETRIES")),
            "delay": float(setting(app.config, "BACKUP_OFFSITE_RETRY_SECONDS"))}


def config_secret_names(app) -> list[str]:
    config_file = Path(app.instance_path) / "config.py"
    if not config_file.is_file():
        return []
    return SECRET_NAME.findall(config_file.read_text(encoding="utf-8", errors="replace"))


def run_backup(app, *, trigger: str = "cli", progress: Progress | None = None, clock=None, verify: bool = True,
               sleep: Callable[[float], None] = time.sleep, targets: list | None = None) -> BackupInfo:
    """Make, verify, encrypt, copy off-site and rotate one backup; its record is returned.

    Raises ``BackupError`` when no archive could be made (``last-run.json`` records why).
    An off-site failure does not raise: it is recorded with the backup and shown in status.
    """
    folder = backup_dir(app)
    now = clock.now() if clock else datetime.now()
    state = read_state(folder)
    state.update({"started_at": now.isoformat(timespec="seconds"), "trigger": trigger, "ok": None, "error": ""})
    write_state(folder, state)
    try:
        with backup_lock(app):
            info = _make_backup(app, folder, now, trigger, progress, verify, sleep, targets)
    except Exception as exc:
        state.update({"ok": False, "error": f"{exc}" if isinstance(exc, BackupError) else f"{type(exc).__name__}: {exc}",
                      "finished_at": datetime.now().isoformat(timespec="seconds")})
        write_state(folder, state)
        raise
    state.update({"ok": True, "error": "", "file": info.name, "finished_at": datetime.now().isoformat(timespec="seconds")})
    write_state(folder, state)
    return info


def _make_backup(app, folder: Path, now: datetime, trigger: str, progress, verify: bool, sleep, targets) -> BackupInfo:
    started = time.monotonic()
    path = folder / archive_name(now)
    if path.exists() or Path(f"{path}{crypto.SUFFIX}").exists():
        raise BackupError(f"{path.name} already exists: one backup per second")
    manifest = write_archive(app, path, progress)
    created_seconds = round(time.monotonic() - started, 2)
    verification = verify_archive(path, progress=progress).as_dict() if verify else None
    keys = crypto.keys_from_config(app.config)
    warnings = []
    if keys.encrypts:
        encrypted = Path(f"{path}{crypto.SUFFIX}")
        try:
            crypto.encrypt_file(path, encrypted, keys)
        except BackupError:
            encrypted.unlink(missing_ok=True)
            raise
        finally:
            path.unlink(missing_ok=True)
        path = encrypted
    else:
        secrets = config_secret_names(app)
        if secrets:
            warnings.append(f"config.py with {', '.join(secrets)} is copied unencrypted: "
                            "turn on encryption or keep secrets out of config.py")
    info = BackupInfo(path, now, {
        "trigger": trigger,
        "size": path.stat().st_size,
        "sha256": sha256_file(path),
        "encrypted": keys.encrypts,
        "kataloh_version": manifest.data["kataloh_version"],
        "database": manifest.data["database"],
        "schema_revisions": manifest.revisions,
        "counts": manifest.headline(),
        "tables": len(manifest.tables),
        "rows": sum(manifest.counts().values()),
        "uploads": manifest.data["uploads"],
        "content_digest": manifest.content_digest,
        "seconds": created_seconds,
        "verification": verification,
        "offsite": [],
        "warnings": warnings + manifest.data.get("notes", []),
    })
    info.save()
    if targets is None:
        targets = offsite.make_targets(setting(app.config, "BACKUP_OFFSITE"))
    if targets:
        if progress:
            progress(0, None, "off-site copies")
        info.data["offsite"] = offsite.copy_to_targets(path, targets, sleep=sleep, digest=info.data["sha256"],
                                                       **offsite_settings(app))
        info.save()
    rotate_backups(app, folder, targets)
    return info


def keep_settings(app) -> dict:
    return {"daily": int(setting(app.config, "BACKUP_KEEP_DAILY")),
            "weekly": int(setting(app.config, "BACKUP_KEEP_WEEKLY")),
            "monthly": int(setting(app.config, "BACKUP_KEEP_MONTHLY"))}


def rotate_backups(app, folder: Path, targets: list | None = None) -> list[str]:
    """Apply rotation locally, and to off-site targets configured with ``"rotate": True``."""
    deleted = rotation.rotate(list_backups(folder), keep_settings(app))
    for target in targets or []:
        if not getattr(target, "rotate", False):
            continue
        try:
            kept = {b.name for b in list_backups(folder)}
            for name in target.names():
                if name not in kept and name in deleted:
                    target.delete(name)
        except Exception:  # pruning is best effort; the copies stay
            continue
    return deleted


def copy_offsite(app, name: str, sleep: Callable[[float], None] = time.sleep, targets: list | None = None) -> BackupInfo:
    """Copy an existing backup (by file name) to the off-site targets again."""
    folder = backup_dir(app)
    found = [b for b in list_backups(folder) if b.name == name or str(b.path) == name]
    if not found:
        raise BackupError(f"no backup named {name} in {folder}")
    info = found[0]
    if targets is None:
        targets = offsite.make_targets(setting(app.config, "BACKUP_OFFSITE"))
    if not targets:
        raise BackupError("no off-site target is configured (BACKUP_OFFSITE)")
    info.data["offsite"] = offsite.copy_to_targets(info.path, targets, sleep=sleep, **offsite_settings(app))
    info.save()
    return info


def backups_expected(app) -> bool:
    """Backups are expected once the catalogue holds records (not on an empty instance)."""
    import sqlalchemy as sa

    engine = app.extensions["kataloh.engine"]
    try:
        with engine.connect() as conn:
            return bool(conn.scalar(sa.text("SELECT 1 FROM records LIMIT 1")))
    except Exception:
        return False


def _target_labels(app) -> list[str]:
    try:
        return [t.label for t in offsite.make_targets(setting(app.config, "BACKUP_OFFSITE"))]
    except (BackupError, KeyError, TypeError) as exc:
        return [f"BACKUP_OFFSITE is wrong: {exc}"]


def backup_status(app, now: datetime | None = None) -> dict:
    """The last backup, the last good one, their age and off-site copies, the next run."""
    from catalog.backup.scheduler import next_slot, parse_time

    now = now or datetime.now()
    folder = backup_dir(app)
    backups = list_backups(folder)
    good = last_good(folder)
    warn_hours = float(setting(app.config, "BACKUP_WARN_HOURS"))
    age = (now - good.created_at).total_seconds() / 3600 if good else None
    expected = backups_expected(app)
    schedule_on = bool(setting(app.config, "BACKUP_SCHEDULE"))
    return {
        "backup_path": str(folder),
        "count": len(backups),
        "total_size": sum(b.size for b in backups),
        "last": backups[-1].as_dict() if backups else None,
        "last_good": good.as_dict() if good else None,
        "last_good_age_hours": round(age, 1) if age is not None else None,
        "expected": expected,
        "stale": expected and (age is None or age > warn_hours),
        "warn_hours": warn_hours,
        "last_run": read_state(folder) or None,
        "schedule": {"enabled": schedule_on, "time": setting(app.config, "BACKUP_TIME"),
                     "next_run": next_slot(now, parse_time(setting(app.config, "BACKUP_TIME"))).isoformat(timespec="minutes")
                     if schedule_on else None},
        "encryption": "age public key" if app.config.get("BACKUP_AGE_RECIPIENTS") else (
            "age passphrase" if (app.config.get("BACKUP_PASSPHRASE") or app.config.get("BACKUP_PASSPHRASE_FILE")) else "none"),
        "offsite_targets": _target_labels(app),
        "backups": [b.as_dict() for b in reversed(backups)],
    }


def backup_job(app, actor, trigger: str = "web"):
    """Start a backup as a job (catalog.jobs) whose progress the web UI polls."""
    from catalog.db import get_session
    from catalog.jobs import start_job

    def work(progress) -> dict:
        info = run_backup(app, trigger=trigger, progress=progress)
        return {"file": info.name, "size": info.size, "verification": (info.data.get("verification") or {}).get("message"),
                "offsite": [f"{r['target']}: {'ok' if r['ok'] else r['error']}" for r in info.data.get("offsite", [])]}

    return start_job(get_session(), "backup", actor, work)
