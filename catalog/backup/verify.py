"""Verify a backup: every part's SHA-256, then a trial restore into a temporary SQLite
database whose row counts and content digest must equal the manifest's.

A damaged or truncated archive gives a ``BackupError`` whose message names the bad part.
"""

import contextlib
import hashlib
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from catalog.backup.manifest import CHUNK, MANIFEST_NAME, BackupError, Manifest

Progress = Callable[..., None]


class ArchiveReader:
    """Read a backup tar: the manifest first, then parts by name."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.tar = tarfile.open(self.path, "r:")
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"{self.path.name} is not a readable backup archive ({exc})") from exc
        self.members: dict[str, tarfile.TarInfo] = {}
        current = None
        try:
            for member in self.tar:
                current = member.name
                self.members[member.name] = member
        except (tarfile.TarError, OSError, EOFError) as exc:
            where = f"after part {current}" if current else "at its start"
            raise BackupError(f"{self.path.name} is truncated or damaged {where} ({exc})") from exc
        if MANIFEST_NAME not in self.members:
            raise BackupError(f"{self.path.name} has no manifest.json: it is not a Kataloh backup or is truncated")
        self.manifest = Manifest.from_bytes(self.read(MANIFEST_NAME))

    def close(self) -> None:
        self.tar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def open_part(self, name: str):
        member = self.members.get(name)
        if member is None:
            raise BackupError(f"part {name} is missing from {self.path.name} (truncated archive?)")
        return self.tar.extractfile(member)

    def read(self, name: str) -> bytes:
        with self.open_part(name) as f:
            return f.read()

    def check_parts(self, progress: Progress | None = None) -> None:
        """Compare each part's size and SHA-256 with the manifest; raise naming the first bad part."""
        parts = self.manifest.parts
        extra = sorted(set(self.members) - set(parts) - {MANIFEST_NAME})
        if extra:
            raise BackupError(f"{self.path.name} holds parts the manifest does not list: {', '.join(extra[:5])}")
        total = sum(p["size"] for p in parts.values())
        done = 0
        for name, expected in parts.items():
            member = self.members.get(name)
            if member is None:
                raise BackupError(f"part {name} is missing from {self.path.name} (truncated archive?)")
            digest = hashlib.sha256()
            size = 0
            try:
                with self.tar.extractfile(member) as f:
                    while chunk := f.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise BackupError(f"part {name} cannot be read completely: the archive is truncated or damaged ({exc})") from exc
            if size != expected["size"]:
                raise BackupError(f"part {name} has {size} bytes, the manifest says {expected['size']}: truncated or damaged")
            if digest.hexdigest() != expected["sha256"]:
                raise BackupError(f"part {name} is damaged: its SHA-256 differs from the manifest's")
            done += size
            if progress:
                progress(done, total, f"checksum {name}")


@dataclass
class VerifyReport:
    ok: bool
    message: str
    checked_at: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    counts: dict = field(default_factory=dict)
    content_digest: str = ""

    def as_dict(self) -> dict:
        return {"ok": self.ok, "message": self.message, "checked_at": self.checked_at, "counts": self.counts,
                "content_digest": self.content_digest}


@contextlib.contextmanager
def plain_archive(path: Path, keys=None) -> Iterator[Path]:
    """The unencrypted tar of ``path`` (decrypted into a temporary file when it is encrypted)."""
    from catalog.backup import crypto

    path = Path(path)
    if not path.exists():
        raise BackupError(f"{path} does not exist")
    if not crypto.is_encrypted(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="kataloh-decrypt-", dir=path.parent) as tmp:
        plain = Path(tmp) / path.name.removesuffix(crypto.SUFFIX)
        crypto.decrypt_file(path, plain, keys)
        yield plain


def compare_with_manifest(manifest: Manifest, found: dict[str, tuple[int, str]]) -> None:
    """Raise naming the first table whose count or digest differs from the manifest."""
    from catalog.backup.snapshot import content_digest

    for entry in manifest.tables:
        rows, digest = found.get(entry["name"], (0, "missing"))
        if rows != entry["rows"]:
            raise BackupError(f"table {entry['name']}: {rows} rows restored, the manifest says {entry['rows']} "
                              f"(part {entry['part']})")
        if digest != entry["digest"]:
            raise BackupError(f"table {entry['name']}: restored content differs from the manifest's digest "
                              f"(part {entry['part']})")
    restored = [{"name": n, "rows": r, "digest": d} for n, (r, d) in found.items()]
    if content_digest(restored) != manifest.content_digest:
        raise BackupError("the content digest of the restored database differs from the manifest's")


_TEMPLATES: dict[tuple, Path] = {}
_TEMPLATE_DIR: list = []


def schema_template(revisions: list[str]) -> Path:
    """An empty SQLite database at ``revisions``, made once per process (migrating takes a while)."""
    from catalog.backup.restore import create_schema
    from catalog.db import make_engine

    key = tuple(revisions)
    if key not in _TEMPLATES or not _TEMPLATES[key].exists():
        if not _TEMPLATE_DIR:
            _TEMPLATE_DIR.append(tempfile.TemporaryDirectory(prefix="kataloh-schema-"))
        path = Path(_TEMPLATE_DIR[0].name) / f"schema-{len(_TEMPLATES)}.sqlite"
        engine = make_engine(f"sqlite:///{path}")
        try:
            create_schema(engine, list(revisions))
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            engine.dispose()
        _TEMPLATES[key] = path
    return _TEMPLATES[key]


def verify_archive(path: Path, keys=None, progress: Progress | None = None) -> VerifyReport:
    """Check checksums and restore into a temporary SQLite database; never raises for a bad backup."""
    from catalog.backup.restore import load_tables
    from catalog.backup.snapshot import digest_tables
    from catalog.db import make_engine

    try:
        with plain_archive(path, keys) as tar_path, ArchiveReader(tar_path) as reader:
            reader.check_parts(progress)
            manifest = reader.manifest
            with tempfile.TemporaryDirectory(prefix="kataloh-verify-") as tmp:
                database = Path(tmp) / "verify.sqlite"
                shutil.copy(schema_template(manifest.revisions), database)
                engine = make_engine(f"sqlite:///{database}")
                try:
                    load_tables(engine, reader, progress=progress)
                    with engine.connect() as conn:
                        found = digest_tables(conn, manifest.tables)
                finally:
                    engine.dispose()
            compare_with_manifest(manifest, found)
    except BackupError as exc:
        return VerifyReport(False, str(exc))
    except Exception as exc:  # a trial restore that fails for any other reason is a failed verification
        return VerifyReport(False, f"the trial restore failed: {type(exc).__name__}: {exc}")
    total = sum(manifest.counts().values())
    return VerifyReport(True, f"verified: {len(manifest.tables)} tables, {total} rows restored and compared",
                        counts=manifest.headline(), content_digest=manifest.content_digest)
