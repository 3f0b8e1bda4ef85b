"""The nightly schedule with a fake clock (nightly run, catch-up after downtime, retries),
and rotation keeping the right files."""

from datetime import datetime, time, timedelta
from pathlib import Path

from catalog.backup.history import BackupInfo, archive_name, list_backups
from catalog.backup.rotation import rotate, select_kept
from catalog.backup.scheduler import Scheduler, last_slot, next_slot, parse_time


class FakeClock:
    def __init__(self, now: datetime):
        self.current = now
        self.slept = []

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.current += timedelta(seconds=seconds)

    def advance(self, **kwargs) -> None:
        self.current += timedelta(**kwargs)


class FakeApp:
    """Just what the scheduler reads: config, instance path; ``testing`` off."""

    def __init__(self, folder: Path, **config):
        self.config = {"BACKUP_PATH": str(folder / "backups"), "BACKUP_TIME": "02:30", **config}
        self.instance_path = str(folder)
        self.testing = False
        self.extensions = {}


def make_archive(folder: Path, when: datetime, verified: bool | None = True) -> BackupInfo:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / archive_name(when)
    path.write_bytes(b"archive")
    data = {} if verified is None else {"verification": {"ok": verified, "message": "test"}}
    info = BackupInfo(path, when, data)
    info.save()
    return info


def scheduler_with_fake_run(tmp_path, clock, fail: bool = False, expected: bool = True):
    app = FakeApp(tmp_path)
    runs = []

    def run():
        runs.append(clock.now())
        if fail:
            raise RuntimeError("disk full")
        make_archive(Path(app.config["BACKUP_PATH"]), clock.now())

    scheduler = Scheduler(app, clock=clock, run=run)
    import catalog.backup.services as services

    scheduler._expected = expected
    return scheduler, runs, services


def test_slots():
    at = parse_time("02:30")
    assert at == time(2, 30)
    assert last_slot(datetime(2026, 11, 27, 3, 0), at) == datetime(2026, 11, 27, 2, 30)
    assert last_slot(datetime(2026, 11, 27, 2, 29), at) == datetime(2026, 11, 26, 2, 30)
    assert next_slot(datetime(2026, 11, 27, 2, 30), at) == datetime(2026, 11, 28, 2, 30)


def test_nightly_run_once_per_night(tmp_path, monkeypatch):
    monkeypatch.setattr("catalog.backup.services.backups_expected", lambda app: True)
    clock = FakeClock(datetime(2026, 11, 26, 2, 0))
    make_archive(tmp_path / "backups", datetime(2026, 11, 25, 2, 30))
    scheduler, runs, _ = scheduler_with_fake_run(tmp_path, clock)
    assert not scheduler.tick()  # 02:00: last night's backup is there, tonight's slot not reached
    clock.advance(minutes=29)
    assert not scheduler.tick()
    clock.advance(minutes=1)  # 02:30
    assert scheduler.tick()
    assert runs == [datetime(2026, 11, 26, 2, 30)]
    for _ in range(24 * 60 - 1):  # minute by minute until just before the next night
        clock.advance(minutes=1)
        scheduler.tick()
    assert len(runs) == 1
    clock.advance(minutes=1)
    assert scheduler.tick()
    assert runs[-1] == datetime(2026, 11, 27, 2, 30)


def test_missed_night_runs_at_next_start(tmp_path, monkeypatch):
    monkeypatch.setattr("catalog.backup.services.backups_expected", lambda app: True)
    make_archive(tmp_path / "backups", datetime(2026, 11, 24, 2, 30))
    clock = FakeClock(datetime(2026, 11, 26, 9, 15))  # the server was down for two nights
    scheduler, runs, _ = scheduler_with_fake_run(tmp_path, clock)
    assert scheduler.tick()
    assert runs == [datetime(2026, 11, 26, 9, 15)]
    clock.advance(hours=2)
    assert not scheduler.tick()  # caught up: nothing until tomorrow night


def test_failed_run_is_retried_a_few_times(tmp_path, monkeypatch):
    monkeypatch.setattr("catalog.backup.services.backups_expected", lambda app: True)
    make_archive(tmp_path / "backups", datetime(2026, 11, 25, 2, 30))
    clock = FakeClock(datetime(2026, 11, 26, 2, 30))
    scheduler, runs, _ = scheduler_with_fake_run(tmp_path, clock, fail=True)
    assert scheduler.tick()
    clock.advance(minutes=30)
    assert not scheduler.tick()  # not before an hour has passed
    clock.advance(minutes=30)
    assert scheduler.tick()
    clock.advance(hours=1)
    assert scheduler.tick()
    clock.advance(hours=1)
    assert not scheduler.tick()  # three attempts a night at most
    assert len(runs) == 3


def test_empty_instance_is_not_backed_up_until_it_holds_records(tmp_path, monkeypatch):
    expected = {"value": False}
    monkeypatch.setattr("catalog.backup.services.backups_expected", lambda app: expected["value"])
    clock = FakeClock(datetime(2026, 11, 26, 3, 0))
    scheduler, runs, _ = scheduler_with_fake_run(tmp_path, clock)
    assert not scheduler.tick()
    expected["value"] = True
    assert scheduler.tick()


def test_scheduler_is_not_started_in_tests(app):
    from catalog.backup.scheduler import start_scheduler

    assert start_scheduler(app) is None
    client = app.test_client()
    client.get("/healthz")
    assert "kataloh.backup_scheduler" not in app.extensions


def test_thirty_nights_with_rotation(tmp_path, monkeypatch):
    """A month of nightly runs with a fake clock; rotation leaves 7 daily + weekly + monthly."""
    monkeypatch.setattr("catalog.backup.services.backups_expected", lambda app: True)
    folder = tmp_path / "backups"
    clock = FakeClock(datetime(2026, 9, 1, 2, 30))
    app = FakeApp(tmp_path)

    def run():
        make_archive(folder, clock.now())
        rotate(list_backups(folder), {"daily": 3, "weekly": 2, "monthly": 2})

    scheduler = Scheduler(app, clock=clock, run=run)
    for _ in range(90):  # 90 nights, checked every 3 hours (02:30, 05:30, ...)
        for _check in range(8):
            scheduler.tick()
            clock.advance(hours=3)
    names = [b.name for b in list_backups(folder)]
    kept_times = [b.created_at for b in list_backups(folder)]
    last = kept_times[-1]
    assert last == datetime(2026, 11, 29, 2, 30)
    # 3 newest days, plus newest of 2 ISO weeks, plus newest of 2 months
    assert kept_times[-3:] == [last - timedelta(days=2), last - timedelta(days=1), last]
    assert datetime(2026, 10, 31, 2, 30) in kept_times  # newest of October
    assert datetime(2026, 11, 22, 2, 30) in kept_times  # newest of the previous ISO week (Sunday)
    assert len(names) == 5  # Nov 27-29, Nov 22 (week), Oct 31 (month)
    assert all(Path(folder / f"{n}.json").exists() for n in names)


def test_rotation_defaults_keep_7_daily_4_weekly_12_monthly(tmp_path):
    folder = tmp_path / "backups"
    start = datetime(2025, 1, 1, 2, 30)
    backups = [make_archive(folder, start + timedelta(days=d)) for d in range(400)]
    kept = select_kept(backups, 7, 4, 12)
    newest = start + timedelta(days=399)
    days = sorted(b.created_at for b in backups if b.name in kept)
    assert days[-7:] == [newest - timedelta(days=i) for i in range(6, -1, -1)]
    months = {(d.year, d.month) for d in days}
    assert len(months) == 12
    weeks = {d.isocalendar()[:2] for d in days if d >= newest - timedelta(days=28)}
    assert len(weeks) >= 4
    assert len(kept) <= 7 + 4 + 12
    deleted = rotate(backups)
    assert len(deleted) == 400 - len(kept)
    assert {b.name for b in list_backups(folder)} == kept


def test_rotation_never_keeps_a_bad_backup_instead_of_a_good_one(tmp_path):
    folder = tmp_path / "backups"
    day = datetime(2026, 11, 20, 2, 30)
    good_old = make_archive(folder, day)
    bad = make_archive(folder, day + timedelta(days=1), verified=False)
    good_new = make_archive(folder, day + timedelta(days=2))
    newest_bad = make_archive(folder, day + timedelta(days=3), verified=False)
    unverified = make_archive(folder, day - timedelta(days=30), verified=None)
    kept = select_kept([unverified, good_old, bad, good_new, newest_bad], 7, 4, 12)
    assert kept == {good_old.name, good_new.name, newest_bad.name, unverified.name}
