"""Restore a backup into the instance's database (SQLite or PostgreSQL, whichever it uses).

Order of work: verify the archive (refuse it when that fails), set the current data
aside (SQLite: the database file is moved; PostgreSQL: a logical dump is written to the
backup folder first), create the schema at the backup's Alembic revisions, load every
table, reset PostgreSQL sequences, upgrade the schema to this Kataloh's heads, restore
uploads and config, then rebuild the search index from the restored records.
"""

import gzip
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from catalog.backup.manifest import BackupError
from catalog.backup.snapshot import SKIPPED_TABLES, data_tables, decode_value, parse_line, reflect
from catalog.backup.verify import ArchiveReader, plain_archive, verify_archive

Progress = Callable[..., None]
BATCH = 1000


def create_schema(engine: Engine, revisions: list[str]) -> None:
    """Create the schema at exactly the backup's revisions (its data fits them), or at heads."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from catalog.db import alembic_config

    cfg = alembic_config(engine)
    script = ScriptDirectory.from_config(cfg)
    for revision in revisions:
        try:
            script.get_revision(revision)
        except Exception as exc:
            raise BackupError(f"The backup's schema revision {revision} is unknown to this Kataloh: "
                              "restore it with the Kataloh version that made it (or a newer one)") from exc
    for revision in revisions or ["heads"]:
        command.upgrade(cfg, revision)


def upgrade_to_heads(engine: Engine) -> None:
    from catalog.db import init_schema

    init_schema(engine)


def _json_columns_keep_sql_null(table: sa.Table) -> None:
    """Insert Python None as SQL NULL (a JSON ``null`` arrives as ``sa.JSON.NULL``)."""
    for column in table.columns:
        if isinstance(column.type, sa.JSON):
            column.type.none_as_null = True


def load_tables(engine: Engine, reader: ArchiveReader, progress: Progress | None = None) -> dict[str, int]:
    """Insert every table of the backup in dependency order; returns rows per table.

    Foreign keys that point to the same table or to one loaded later (e.g. a record's
    host record) are inserted as NULL and set once every table is loaded.
    """
    manifest = reader.manifest
    total = sum(t["rows"] for t in manifest.tables)
    done = 0
    loaded: dict[str, int] = {}
    in_backup = {t["name"] for t in manifest.tables}
    with engine.begin() as conn:
        metadata = reflect(conn)
        deferred: list[tuple[sa.Table, list[str], str, list[dict]]] = []
        for entry in manifest.tables:
            table = metadata.tables.get(entry["name"])
            if table is None:
                raise BackupError(f"table {entry['name']} (part {entry['part']}) does not exist in the schema "
                                  f"at revisions {', '.join(manifest.revisions)}")
            names = [name for name, _tag in entry["columns"]]
            tags = [tag for _name, tag in entry["columns"]]
            unknown = [n for n in names if n not in table.columns]
            if unknown:
                raise BackupError(f"table {entry['name']}: columns {', '.join(unknown)} are not in the schema")
            _json_columns_keep_sql_null(table)
            late = sorted({
                element.parent.name
                for fk in table.foreign_key_constraints
                if fk.referred_table.name in in_backup
                and (fk.referred_table.name == table.name or fk.referred_table.name not in loaded)
                for element in fk.elements
            })
            pk = [c.name for c in table.primary_key.columns]
            if late and not pk:
                late = []
            later: dict[str, list[dict]] = {name: [] for name in late}
            batch: list[dict] = []
            count = 0
            try:
                with reader.open_part(entry["part"]) as raw, gzip.open(raw, "rb") as lines:
                    for line in lines:
                        values = parse_line(line)
                        row = {n: decode_value(t, v) for n, t, v in zip(names, tags, values, strict=True)}
                        for name in late:
                            if row[name] is not None:
                                later[name].append({**{f"pk_{k}": row[k] for k in pk}, "value": row[name]})
                                row[name] = None
                        batch.append(row)
                        if len(batch) >= BATCH:
                            conn.execute(table.insert(), batch)
                            count += len(batch)
                            done += len(batch)
                            batch = []
                            if progress:
                                progress(done, total, f"restore {entry['name']}")
            except (OSError, EOFError, ValueError) as exc:
                raise BackupError(f"part {entry['part']} cannot be read: {exc}") from exc
            if batch:
                conn.execute(table.insert(), batch)
                count += len(batch)
                done += len(batch)
            if progress:
                progress(done, total, f"restore {entry['name']}")
            for name, rows in later.items():
                if rows:
                    deferred.append((table, pk, name, rows))
            loaded[entry["name"]] = count
        for table, pk, name, rows in deferred:
            statement = (sa.update(table).where(*[table.c[k] == sa.bindparam(f"pk_{k}") for k in pk])
                         .values({name: sa.bindparam("value")}))
            conn.execute(statement, rows)
    return loaded


def reset_sequences(engine: Engine) -> None:
    """After explicit ids were loaded, move each PostgreSQL sequence past the largest id."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        quote = conn.dialect.identifier_preparer.quote
        for table in data_tables(reflect(conn)):
            for column in table.primary_key.columns:
                if not isinstance(column.type, sa.Integer):
                    continue
                sequence = conn.scalar(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                       {"t": table.name, "c": column.name})
                if sequence:
                    conn.execute(sa.text(
                        f"SELECT setval(:s, COALESCE((SELECT MAX({quote(column.name)}) FROM {quote(table.name)}), 1), "
                        f"(SELECT MAX({quote(column.name)}) IS NOT NULL FROM {quote(table.name)}))"), {"s": sequence})


def database_row_count(engine: Engine) -> int:
    """How many rows the database holds (0 for a new instance or one with only its schema)."""
    with engine.connect() as conn:
        tables = data_tables(reflect(conn))
        return sum(conn.scalar(sa.select(sa.func.count()).select_from(t)) or 0 for t in tables)


def stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def _sqlite_path(engine: Engine) -> Path:
    return Path(engine.url.database)


def clear_sqlite(engine: Engine, keep: bool) -> Path | None:
    """Move the SQLite file aside (after a WAL checkpoint) or delete an empty one."""
    path = _sqlite_path(engine)
    engine.dispose()
    if not path.exists():
        return None
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    aside = path.with_name(f"{path.name}.before-restore-{stamp()}") if keep else None
    if aside:
        path.rename(aside)
    else:
        path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return aside


def clear_postgresql(engine: Engine) -> None:
    """Drop every table (and Alembic's version table) so the schema can be made anew."""
    with engine.begin() as conn:
        metadata = reflect(conn)
        metadata.drop_all(conn)


@dataclass
class RestoreReport:
    rows: dict[str, int]
    kept_aside: list[str] = field(default_factory=list)
    uploads: int = 0
    config: str = ""
    indexed: int = 0
    verification: str = ""

    def summary(self) -> str:
        lines = [f"restored {sum(self.rows.values())} rows in {len(self.rows)} tables; {self.uploads} uploaded file(s); "
                 f"indexed {self.indexed} record(s)"]
        if self.config:
            lines.append(self.config)
        lines += [f"previous data kept at {p}" for p in self.kept_aside]
        return "\n".join(lines)


def _safe_relative(name: str, prefix: str) -> PurePosixPath | None:
    relative = PurePosixPath(name).relative_to(prefix)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        return None
    return relative


def restore_uploads(reader: ArchiveReader, upload_path: Path) -> tuple[int, str | None]:
    names = [n for n in reader.manifest.parts if n.startswith("uploads/")]
    kept = None
    if upload_path.exists() and any(upload_path.iterdir()):
        kept_path = upload_path.with_name(f"{upload_path.name}.before-restore-{stamp()}")
        upload_path.rename(kept_path)
        kept = str(kept_path)
    upload_path.mkdir(parents=True, exist_ok=True)
    for name in names:
        relative = _safe_relative(name, "uploads")
        if relative is None:
            raise BackupError(f"part {name} has an unsafe path")
        target = upload_path.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with reader.open_part(name) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
    return len(names), kept


def restore_config(reader: ArchiveReader, instance_path: Path) -> str:
    """Write the backup's config.py; an existing different one is never overwritten."""
    if "config/config.py" not in reader.manifest.parts:
        return ""
    data = reader.read("config/config.py")
    target = instance_path / "config.py"
    if not target.exists():
        target.write_bytes(data)
        return f"config restored to {target}"
    if target.read_bytes() == data:
        return "config unchanged"
    other = instance_path / "config.py.from-backup"
    other.write_bytes(data)
    return f"this instance keeps its own config.py; the backup's config was written to {other}"


def reindex(app, progress: Progress | None = None) -> int:
    """Rebuild the search index from the restored database (never taken from the backup)."""
    from catalog.db import get_session
    from catalog.indexing import reindex_all

    index = app.extensions.pop("kataloh.index", None)
    if index is not None and hasattr(index, "close"):
        index.close()
    shutil.rmtree(app.config["INDEX_PATH"], ignore_errors=True)
    with app.app_context():
        session = get_session()
        counted = 0

        def step(n: int) -> None:
            nonlocal counted
            counted += n
            if progress:
                progress(counted, None, "reindex")

        return reindex_all(session, progress=step)


def restore_instance(app, archive: Path, *, keys=None, force: bool = False, progress: Progress | None = None,
                     set_aside: Callable[[], Path] | None = None) -> RestoreReport:
    """Restore ``archive`` into ``app``'s instance; raises ``BackupError`` and changes nothing
    when the archive fails verification or the database holds data and ``force`` is false.

    ``set_aside`` writes a logical dump of a non-empty PostgreSQL database first (the
    backup service passes its own ``write_archive``); its path is reported.
    """
    report = verify_archive(archive, keys, progress)
    if not report.ok:
        raise BackupError(f"The backup failed verification, nothing was changed: {report.message}")
    _close_request_session()
    engine = app.extensions["kataloh.engine"]
    rows_before = database_row_count(engine) if _has_schema(engine) else 0
    if rows_before and not force:
        raise BackupError(f"The database holds {rows_before} rows: restoring would replace them. "
                          "Run again with --force (the current data is kept aside first)")
    kept: list[str] = []
    if engine.dialect.name == "sqlite":
        aside = clear_sqlite(engine, keep=bool(rows_before))
        if aside:
            kept.append(str(aside))
    else:
        if rows_before:
            if set_aside is None:
                raise BackupError("no way to keep the current PostgreSQL data aside was given")
            kept.append(str(set_aside()))
        clear_postgresql(engine)
    with plain_archive(archive, keys) as tar_path, ArchiveReader(tar_path) as reader:
        create_schema(engine, reader.manifest.revisions)
        rows = load_tables(engine, reader, progress)
        reset_sequences(engine)
        upgrade_to_heads(engine)
        uploads, kept_uploads = restore_uploads(reader, Path(app.config["UPLOAD_PATH"]))
        if kept_uploads:
            kept.append(kept_uploads)
        config_note = restore_config(reader, Path(app.instance_path))
    indexed = reindex(app, progress)
    return RestoreReport(rows=rows, kept_aside=kept, uploads=uploads, config=config_note, indexed=indexed,
                         verification=report.message)


def _close_request_session() -> None:
    """Give back this app context's connection before the database is replaced."""
    from flask import g, has_app_context

    if has_app_context():
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def _has_schema(engine: Engine) -> bool:
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    return bool(names - SKIPPED_TABLES)

