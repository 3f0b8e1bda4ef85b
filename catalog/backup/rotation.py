"""Rotation: keep the newest good backup of each of the last N days, N ISO weeks and N
months (grandfather-father-son; defaults 7/4/12). Backups that failed verification are
removed unless newer than every good one (kept to look at); unverified ones are kept.
"""

from datetime import datetime
from pathlib import Path

from catalog.backup.history import BackupInfo

DEFAULT_KEEP = {"daily": 7, "weekly": 4, "monthly": 12}


def _bucket(when: datetime, period: str):
    if period == "daily":
        return when.date()
    if period == "weekly":
        year, week, _ = when.isocalendar()
        return (year, week)
    return (when.year, when.month)


def select_kept(backups: list[BackupInfo], daily: int, weekly: int, monthly: int) -> set[str]:
    """Names to keep: per period, the newest good backup of each of the newest N buckets."""
    good = sorted((b for b in backups if b.good), key=lambda b: b.created_at, reverse=True)
    kept: set[str] = set()
    for period, count in (("daily", daily), ("weekly", weekly), ("monthly", monthly)):
        seen = []
        for backup in good:
            bucket = _bucket(backup.created_at, period)
            if bucket in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(bucket)
            kept.add(backup.name)
    newest_good = good[0].created_at if good else datetime.min
    for backup in backups:
        if backup.verified is None or (backup.verified is False and backup.created_at > newest_good):
            kept.add(backup.name)
    return kept


def rotate(backups: list[BackupInfo], keep: dict | None = None) -> list[str]:
    """Delete archives (and their sidecars) not kept; returns the names deleted."""
    keep = {**DEFAULT_KEEP, **(keep or {})}
    kept = select_kept(backups, keep["daily"], keep["weekly"], keep["monthly"])
    deleted = []
    for backup in backups:
        if backup.name in kept:
            continue
        backup.path.unlink(missing_ok=True)
        Path(backup.sidecar()).unlink(missing_ok=True)
        deleted.append(backup.name)
    return deleted
