"""A consistent read of the whole database, written as one JSON-lines file per table.

SQLite: the database is first copied with the online backup API
(``sqlite3.Connection.backup``), which holds one read lock for the copy, so the copy is
consistent while the server keeps writing. PostgreSQL: one REPEATABLE READ, READ ONLY
transaction; its snapshot is exported so that ``pg_dump --snapshot`` sees the same data.

Each row is a JSON array of its column values in the order the manifest lists them,
with types kept by a tag per column (see ``TYPE_TAGS``). The content digest of a table is
the sum modulo 2**256 of the SHA-256 of each row line, so it does not depend on row order
or on the database that holds the rows.
"""

import base64
import contextlib
import datetime as dt
import decimal
import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

SKIPPED_TABLES = {"alembic_version"}
DIGEST_MODULUS = 2**256
Progress = Callable[[int], None]


@dataclass
class TableDump:
    name: str
    part: str
    columns: list[list[str]]  # [name, type tag]
    primary_key: list[str]
    rows: int = 0
    digest: str = ""
    foreign_keys: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"name": self.name, "part": self.part, "columns": self.columns, "primary_key": self.primary_key,
                "rows": self.rows, "digest": self.digest, "foreign_keys": self.foreign_keys}


def type_tag(column_type) -> str:
    """The portable tag for a (reflected) column type; order matters (Boolean before Integer)."""
    checks = [
        (sa.JSON, "json"), (sa.Boolean, "bool"), (sa.DateTime, "datetime"), (sa.Date, "date"), (sa.Time, "time"),
        (sa.LargeBinary, "bytes"), (sa.Float, "float"), (sa.Numeric, "decimal"), (sa.Integer, "int"),
    ]
    for cls, tag in checks:
        if isinstance(column_type, cls):
            if tag == "decimal" and getattr(column_type, "asdecimal", True) is False:
                return "float"
            return tag
    return "str"


def encode_value(tag: str, value):
    """A column value as JSON. JSON columns: SQL NULL is ``null``, a JSON value ``v`` is ``[v]``."""
    if value is None:
        return None
    if tag == "json":
        return [json.loads(value) if isinstance(value, str) else value]
    if tag in ("datetime", "date", "time"):
        return value.isoformat()
    if tag == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if tag == "decimal":
        return str(value)
    if tag == "bool":
        return bool(value)
    return value


def decode_value(tag: str, value):
    """The inverse of ``encode_value`` (a JSON ``null`` inside a JSON column becomes ``sa.JSON.NULL``)."""
    if value is None:
        return None
    if tag == "json":
        return sa.JSON.NULL if value[0] is None else value[0]
    if tag == "datetime":
        return dt.datetime.fromisoformat(value)
    if tag == "date":
        return dt.date.fromisoformat(value)
    if tag == "time":
        return dt.time.fromisoformat(value)
    if tag == "bytes":
        return base64.b64decode(value)
    if tag == "decimal":
        return decimal.Decimal(value)
    return value


def row_line(values: list) -> bytes:
    """One row as canonical UTF-8 JSON (sorted keys, no spaces); orjson for speed."""
    try:
        return orjson.dumps(values, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # e.g. integers beyond 64 bits: the standard library writes the same JSON
        return json.dumps(values, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def parse_line(line: bytes) -> list:
    return orjson.loads(line)


class CompressingWriter:
    """Gzip-compress and write in a second thread (zlib releases the GIL), so compression
    overlaps with reading and encoding rows on a two-core machine."""

    CHUNK = 1 << 20

    def __init__(self, path: Path, level: int = 1):
        import queue
        import threading

        self.file = gzip.open(path, "wb", compresslevel=level)
        self.queue: queue.Queue = queue.Queue(maxsize=8)
        self.pending: list[bytes] = []
        self.size = 0
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, daemon=True)
        self.thread.start()

    def _work(self) -> None:
        while (chunk := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.file.write(chunk)
                except BaseException as exc:  # reported by close()
                    self.error = exc

    def write_line(self, line: bytes) -> None:
        self.pending.append(line)
        self.size += len(line) + 1
        if self.size >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.queue.put(b"\n".join(self.pending) + b"\n")
        self.pending = []
        self.size = 0

    def close(self) -> None:
        self._flush()
        self.queue.put(None)
        self.thread.join()
        self.file.close()
        if self.error is not None:
            raise self.error


class TableDigest:
    """An order-independent digest of a table's rows."""

    def __init__(self):
        self.total = 0
        self.rows = 0

    def add(self, line: bytes) -> None:
        self.total = (self.total + int.from_bytes(hashlib.sha256(line).digest(), "big")) % DIGEST_MODULUS
        self.rows += 1

    def hexdigest(self) -> str:
        return f"{self.total:064x}"


def reflect(conn: Connection) -> sa.MetaData:
    """Every table in the database, as it is (not as the models say)."""
    metadata = sa.MetaData()
    metadata.reflect(bind=conn)
    return metadata


def data_tables(metadata: sa.MetaData) -> list[sa.Table]:
    """Tables in foreign-key dependency order, without Alembic's bookkeeping."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.exc.SAWarning)  # reference cycles: loading defers those columns
        return [t for t in metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def schema_revisions(conn: Connection) -> list[str]:
    if not sa.inspect(conn).has_table("alembic_version"):
        return []
    return sorted(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def table_columns(table: sa.Table, order: list[str] | None = None) -> list[sa.Column]:
    if order is None:
        return list(table.columns)
    return [table.columns[name] for name in order]


def read_rows(conn: Connection, table: sa.Table, columns: list[sa.Column], batch: int = 2000) -> Iterator[list]:
    """Encoded rows of ``table`` ordered by primary key (JSON columns read as their text)."""
    tags = [type_tag(c.type) for c in columns]
    selected = [sa.cast(c, sa.Text).label(c.name) if tag == "json" else c for c, tag in zip(columns, tags, strict=True)]
    order = list(table.primary_key.columns) or columns
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(sa.select(*selected).order_by(*order))
    for row in result:
        yield [encode_value(tag, value) for tag, value in zip(tags, row, strict=True)]


def foreign_keys_of(table: sa.Table) -> list[dict]:
    return [
        {"columns": [e.parent.name for e in fk.elements], "table": fk.referred_table.name}
        for fk in table.foreign_key_constraints
    ]


def dump_table(conn: Connection, table: sa.Table, out_dir: Path, progress: Progress | None = None) -> TableDump:
    """Write ``table`` to ``out_dir/<name>.jsonl.gz`` (gzip level 1: fast, and JSON compresses well)."""
    columns = table_columns(table)
    dump = TableDump(
        name=table.name,
        part=f"data/{table.name}.jsonl.gz",
        columns=[[c.name, type_tag(c.type)] for c in columns],
        primary_key=[c.name for c in table.primary_key.columns],
        foreign_keys=foreign_keys_of(table),
    )
    digest = TableDigest()
    path = out_dir / f"{table.name}.jsonl.gz"
    out = CompressingWriter(path)
    pending = 0
    try:
        for values in read_rows(conn, table, columns):
            line = row_line(values)
            digest.add(line)
            out.write_line(line)
            pending += 1
            if progress and pending >= 1000:
                progress(pending)
                pending = 0
    finally:
        out.close()
    if progress and pending:
        progress(pending)
    dump.rows = digest.rows
    dump.digest = digest.hexdigest()
    return dump


def digest_tables(conn: Connection, expected: list[dict]) -> dict[str, tuple[int, str]]:
    """Row count and content digest of each table named in a manifest, read from ``conn``."""
    metadata = reflect(conn)
    found = {}
    for entry in expected:
        table = metadata.tables.get(entry["name"])
        if table is None:
            found[entry["name"]] = (0, "missing")
            continue
        digest = TableDigest()
        columns = table_columns(table, [name for name, _tag in entry["columns"]])
        for values in read_rows(conn, table, columns):
            digest.add(row_line(values))
        found[entry["name"]] = (digest.rows, digest.hexdigest())
    return found


def content_digest(tables: list[dict]) -> str:
    """One digest for the whole database: over each table's name, row count and digest."""
    lines = "".join(f"{t['name']}\t{t['rows']}\t{t['digest']}\n" for t in sorted(tables, key=lambda t: t["name"]))
    return hashlib.sha256(lines.encode()).hexdigest()


def count_rows(conn: Connection, tables: list[sa.Table]) -> dict[str, int]:
    return {t.name: conn.scalar(sa.select(sa.func.count()).select_from(t)) or 0 for t in tables}


@dataclass
class Snapshot:
    conn: Connection
    dialect: str
    pg_snapshot: str | None = None


@contextlib.contextmanager
def open_snapshot(engine: Engine, work_dir: Path) -> Iterator[Snapshot]:
    """A read-only connection that sees one consistent state of the database."""
    if engine.dialect.name == "sqlite":
        copy = work_dir / "snapshot.sqlite"
        source_path = engine.url.database
        source = sqlite3.connect(source_path, timeout=60)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # one step: a consistent copy under one read lock
        finally:
            target.close()
            source.close()
        snap_engine = sa.create_engine(f"sqlite:///{copy}")
        try:
            with snap_engine.connect() as conn:
                yield Snapshot(conn, "sqlite")
        finally:
            snap_engine.dispose()
            copy.unlink(missing_ok=True)
        return
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SET TRANSACTION READ ONLY"))
            snapshot_id = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar()
            yield Snapshot(conn, "postgresql", snapshot_id)
        else:
            yield Snapshot(conn, engine.dialect.name)
        conn.rollback()


def libpq_url(url: str) -> tuple[str, dict]:
    """A libpq connection string for pg_dump/psql, with the password in the environment only."""
    parsed = make_url(url)
    env = {}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def start_pg_dump(url: str, snapshot_id: str | None, out_path: Path) -> subprocess.Popen | None:
    """Run ``pg_dump -Fc`` on the same snapshot (in the background), if pg_dump is installed."""
    pg_dump = shutil.which("pg_dump")
    if not pg_dump:
        return None
    conninfo, env = libpq_url(url)
    args = [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={out_path}"]
    if snapshot_id:
        args.append(f"--snapshot={snapshot_id}")
    args.append(f"--dbname={conninfo}")
    return subprocess.Popen(args, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
