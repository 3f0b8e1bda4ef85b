"""The manifest: what a backup holds, and the SHA-256 of every part, first in the archive.

Archive layout (an uncompressed tar, one file per backup)::

    manifest.json               this manifest
    data/<table>.jsonl.gz       one per table, rows as JSON lines (see snapshot.py)
    database.pgdump             pg_dump custom format (PostgreSQL only, when pg_dump exists)
    config/config.py            the instance config, when there is one
    uploads/<path>              the instance's uploaded files
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

FORMAT = "kataloh-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
CHUNK = 1024 * 1024

# Counts the manifest names (and ``backup status`` shows) when the tables exist.
HEADLINE_TABLES = {"records": "records", "record_versions": "versions", "acq_copies": "copies",
                   "users": "users", "audit_entries": "audit entries"}


class BackupError(Exception):
    """A backup that cannot be made, read, verified or restored; the message says which part."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def kataloh_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kataloh")
    except PackageNotFoundError:
        return "unknown"


@dataclass
class Manifest:
    data: dict

    @property
    def tables(self) -> list[dict]:
        return self.data["tables"]

    @property
    def parts(self) -> dict[str, dict]:
        return self.data["parts"]

    @property
    def revisions(self) -> list[str]:
        return self.data["schema_revisions"]

    @property
    def content_digest(self) -> str:
        return self.data["content_digest"]

    def counts(self) -> dict[str, int]:
        return {t["name"]: t["rows"] for t in self.tables}

    def headline(self) -> dict[str, int]:
        counts = self.counts()
        return {label: counts[name] for name, label in HEADLINE_TABLES.items() if name in counts}

    def to_bytes(self) -> bytes:
        return json.dumps(self.data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Manifest":
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BackupError(f"The manifest (manifest.json) is damaged: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError("manifest.json is not a Kataloh backup manifest")
        if data.get("format_version", 0) > FORMAT_VERSION:
            raise BackupError(f"This backup has format version {data['format_version']}; this Kataloh reads "
                              f"up to {FORMAT_VERSION}: upgrade Kataloh to restore it")
        for key in ("tables", "parts", "schema_revisions", "content_digest"):
            if key not in data:
                raise BackupError(f"manifest.json lacks '{key}'")
        return cls(data)
