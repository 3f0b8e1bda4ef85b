"""The nightly backup from the running server, without a second process.

A daemon thread starts when the server serves its first request (never on import, never
in tests: ``TESTING`` or ``BACKUP_SCHEDULE = False`` or ``KATALOH_BACKUP_SCHEDULE=0``).
Of several gunicorn workers only the one holding the file lock
``instance/backup-scheduler.lock`` schedules; the others retry for the lock now and then
and take over if that worker dies. Every minute the scheduler checks whether a backup is
due: one is due when no backup was made since the most recent slot (BACKUP_TIME, server
local time), so a night missed while the server was down runs at the next start. A failed
run is retried (up to 3 attempts per night, an hour apart).

The clock is injectable: tests drive ``Scheduler.tick()`` with a fake clock.
"""

import fcntl
import logging
import os
import threading
import time as _time
from datetime import datetime, time, timedelta
from pathlib import Path

from catalog.backup.history import list_backups, read_state, write_state
from catalog.backup.manifest import BackupError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(hours=1)
CHECK_SECONDS = 60
LEADER_RETRY_SECONDS = 300


class SystemClock:
    def now(self) -> datetime:
        return datetime.now()

    def sleep(self, seconds: float) -> None:
        _time.sleep(seconds)


def parse_time(text: str) -> time:
    """ "02:30" -> time(2, 30); a clear error for anything else."""
    try:
        hours, minutes = (int(part) for part in str(text).split(":"))
        return time(hours, minutes)
    except ValueError as exc:
        raise BackupError(f"BACKUP_TIME must look like \"02:30\", not {text!r}") from exc


def last_slot(now: datetime, at: time) -> datetime:
    """The most recent scheduled moment at or before ``now``."""
    today = datetime.combine(now.date(), at)
    return today if today <= now else today - timedelta(days=1)


def next_slot(now: datetime, at: time) -> datetime:
    return last_slot(now, at) + timedelta(days=1)


class Scheduler:
    """Decides when the nightly backup is due and runs it."""

    def __init__(self, app, clock=None, run=None):
        from catalog.backup.services import setting

        self.app = app
        self.clock = clock or SystemClock()
        self.at = parse_time(setting(app.config, "BACKUP_TIME"))
        self.folder = Path(app.config["BACKUP_PATH"])
        self._run = run
        self.stop_event = threading.Event()

    def run(self) -> None:
        if self._run is not None:
            self._run()
            return
        from catalog.backup.services import run_backup

        run_backup(self.app, trigger="schedule", clock=self.clock, sleep=self.clock.sleep)

    def due(self) -> bool:
        from catalog.backup.services import backups_expected

        now = self.clock.now()
        slot = last_slot(now, self.at)
        backups = list_backups(self.folder)
        if backups and backups[-1].created_at >= slot:
            return False
        state = read_state(self.folder)
        if state.get("slot") == slot.isoformat():
            if state.get("attempts", 0) >= MAX_ATTEMPTS:
                return False
            last_attempt = datetime.fromisoformat(state["attempt_at"])
            if now - last_attempt < RETRY_AFTER:
                return False
        if not backups and not backups_expected(self.app):
            return False
        return True

    def tick(self) -> bool:
        """Run the backup if it is due; returns whether a run was attempted."""
        if not self.due():
            return False
        now = self.clock.now()
        slot = last_slot(now, self.at).isoformat()
        state = read_state(self.folder)
        attempts = state.get("attempts", 0) + 1 if state.get("slot") == slot else 1
        state.update({"slot": slot, "attempts": attempts, "attempt_at": now.isoformat()})
        write_state(self.folder, state)
        try:
            self.run()
        except Exception:  # recorded in last-run.json and shown to staff; the server keeps running
            log.exception("scheduled backup failed (attempt %s)", attempts)
        return True

    def loop(self) -> None:
        """Hold the scheduler lock (one scheduler per instance) and tick every minute."""
        lock_path = Path(self.app.instance_path) / "backup-scheduler.lock"
        with open(lock_path, "a+") as handle:
            while not self.stop_event.is_set():
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    self.stop_event.wait(LEADER_RETRY_SECONDS)
            while not self.stop_event.is_set():
                try:
                    self.tick()
                except Exception:
                    log.exception("backup scheduler check failed")
                self.stop_event.wait(CHECK_SECONDS)


def schedule_enabled(app) -> bool:
    from catalog.backup.services import setting

    if app.testing or os.environ.get("KATALOH_BACKUP_SCHEDULE", "1").lower() in ("0", "false", "no", "off"):
        return False
    return bool(setting(app.config, "BACKUP_SCHEDULE"))


_start_lock = threading.Lock()


def start_scheduler(app) -> Scheduler | None:
    """Start the scheduler thread once per process (called when the server starts serving)."""
    if not schedule_enabled(app):
        return None
    with _start_lock:
        existing = app.extensions.get("kataloh.backup_scheduler")
        if existing is not None:
            return existing
        scheduler = Scheduler(app)
        app.extensions["kataloh.backup_scheduler"] = scheduler
        threading.Thread(target=scheduler.loop, name="kataloh-backup-scheduler", daemon=True).start()
        return scheduler
