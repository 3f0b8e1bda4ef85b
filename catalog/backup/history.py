"""What is known about the backups, kept beside them in the backup folder (not in the
database, so it survives a restore and can be read when the database is down).

``<archive>.json``: one per archive (size, SHA-256, counts, verification, off-site copies).
``last-run.json``: the last attempt (for the schedule's retries and for failures).
"""

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ARCHIVE_RE = re.compile(r"^kataloh-(\d{8}-\d{6})\.tar(\.age)?$")
STATE_FILE = "last-run.json"


def archive_name(when: datetime) -> str:
    return f"kataloh-{when:%Y%m%d-%H%M%S}.tar"


def time_of(name: str) -> datetime | None:
    match = ARCHIVE_RE.match(name)
    return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S") if match else None


def write_json(path: Path, data: dict) -> None:
    """Write atomically (a reader never sees half a file)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass
class BackupInfo:
    path: Path
    created_at: datetime
    data: dict

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def verified(self) -> bool | None:
        verification = self.data.get("verification")
        return None if verification is None else bool(verification.get("ok"))

    @property
    def good(self) -> bool:
        return self.verified is True

    @property
    def size(self) -> int:
        return self.data.get("size") or (self.path.stat().st_size if self.path.exists() else 0)

    def sidecar(self) -> Path:
        return self.path.with_name(self.path.name + ".json")

    def save(self) -> None:
        write_json(self.sidecar(), self.data)

    def as_dict(self) -> dict:
        return {**self.data, "file": self.name, "path": str(self.path), "size": self.size,
                "created_at": self.created_at.isoformat(timespec="seconds")}


def list_backups(backup_dir: Path) -> list[BackupInfo]:
    """Every archive in the folder, oldest first (archives without a sidecar are included)."""
    backup_dir = Path(backup_dir)
    if not backup_dir.is_dir():
        return []
    found = []
    for path in backup_dir.iterdir():
        when = time_of(path.name)
        if when is None or not path.is_file():
            continue
        data = read_json(path.with_name(path.name + ".json")) or {}
        found.append(BackupInfo(path, when, data))
    return sorted(found, key=lambda b: (b.created_at, b.name))


def last_good(backup_dir: Path) -> BackupInfo | None:
    good = [b for b in list_backups(backup_dir) if b.good]
    return good[-1] if good else None


def read_state(backup_dir: Path) -> dict:
    return read_json(Path(backup_dir) / STATE_FILE) or {}


def write_state(backup_dir: Path, state: dict) -> None:
    Path(backup_dir).mkdir(parents=True, exist_ok=True)
    write_json(Path(backup_dir) / STATE_FILE, state)
