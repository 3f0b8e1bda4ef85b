"""Helpers for the backup tests: fill an instance with data of every kind (real services
for records, users, tokens, audit entries and jobs; generic rows for every other table found
in the schema, so tables other areas add later are covered), and read it all back."""

import datetime as dt
import decimal
from pathlib import Path

import sqlalchemy as sa

from catalog.backup.snapshot import data_tables, reflect

DEMO_MARC = Path(__file__).resolve().parent.parent / "catalog" / "demo" / "data" / "cornell-exemplars-marc21.mrc"


def make_records(session, count: int = 8) -> list[int]:
    """Records with history: each saved, then edited (a second version); a few published."""
    import pymarc

    from catalog.records.services import save_record
    from marc.io import read_records

    ids = []
    for item in read_records(DEMO_MARC):
        if item.record is None:
            continue
        record = save_record(session, "olena", item.record, status="draft", validate=False, library_code="UA-LuOUNB")
        item.record.add_ordered_field(pymarc.Field(tag="500", indicators=[" ", " "],
                                                   subfields=[pymarc.Subfield("a", "Примітка: ґанок, п’ять")]))
        record = save_record(session, "taras", item.record, record_id=record.id, expected_version=1,
                             status="published" if len(ids) % 2 else "draft", validate=False, comment="друга версія")
        ids.append(record.id)
        if len(ids) >= count:
            break
    return ids


def _generic_value(column: sa.Column, n: int, table: str):
    kind = column.type
    if isinstance(kind, sa.JSON):
        return [{"n": n, "слово": "ґава", "nested": {"ok": True, "list": [1, 2.5, None]}}, sa.JSON.NULL, None][n % 3] \
            if column.nullable else {"n": n}
    if isinstance(kind, sa.Boolean):
        return n % 2 == 0
    if isinstance(kind, sa.DateTime):
        return dt.datetime(2026, 3, 1 + n, 12, 30, 45, 123456 * (n + 1) % 1000000)
    if isinstance(kind, sa.Date):
        return dt.date(2025, 12, 1 + n)
    if isinstance(kind, sa.Time):
        return dt.time(9, 15 + n)
    if isinstance(kind, sa.LargeBinary):
        return bytes([0, 255, n, 10, 13])
    if isinstance(kind, sa.Float):
        return 1.5 + n
    if isinstance(kind, sa.Numeric):
        return decimal.Decimal(f"{1234 + n}.{50 + n}")
    if isinstance(kind, sa.Integer):
        return 1000 + n
    length = getattr(kind, "length", None) or 200
    return f"{table[:8]}-{column.name[:8]}-ї{n}"[:length]


def fill_generic(session, per_table: int = 3) -> dict[str, int]:
    """Insert rows into every table that is still empty (foreign keys point at existing rows)."""
    conn = session.connection()
    metadata = reflect(conn)
    inserted = {}
    for table in data_tables(metadata):
        if conn.scalar(sa.select(sa.func.count()).select_from(table)):
            continue
        for n in range(per_table):
            row = {}
            for column in table.columns:
                if column.primary_key and isinstance(column.type, sa.Integer) and len(table.primary_key.columns) == 1:
                    continue
                fks = list(column.foreign_keys)
                if fks:
                    target = fks[0].column
                    if target.table.name == table.name:
                        row[column.name] = None
                        continue
                    value = conn.scalar(sa.select(target).order_by(target).offset(n).limit(1)) or conn.scalar(
                        sa.select(target).order_by(target).limit(1))
                    row[column.name] = value
                    continue
                if column.nullable and n == per_table - 1 and not isinstance(column.type, sa.JSON):
                    row[column.name] = None
                    continue
                row[column.name] = _generic_value(column, n, table.name)
            for column in table.columns:
                if isinstance(column.type, sa.JSON):
                    column.type.none_as_null = True
            conn.execute(table.insert(), [row])
        inserted[table.name] = per_table
    session.commit()
    return inserted


def make_everything(app, session) -> dict:
    """Records with history, users, tokens, audit entries, a job, then generic rows elsewhere."""
    from catalog.auth.services import create_token, create_user

    records = make_records(session)
    create_user(session, "olena", "correct horse battery", "cataloguer", actor="test", full_name="Олена Гнатюк")
    create_user(session, "admin1", "correct horse battery", "admin", actor="test")
    create_token(session, "monitoring", "admin", actor="test")
    if "jobs" in sa.inspect(session.connection()).get_table_names():
        from catalog.jobs import start_job

        start_job(session, "test", "olena", lambda progress: {"done": 1, "слово": "так"}, background=False)
    generic = fill_generic(session)
    uploads = Path(app.config["UPLOAD_PATH"])
    (uploads / "acts" / "2026").mkdir(parents=True, exist_ok=True)
    (uploads / "acts" / "2026" / "акт-1.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20)
    (uploads / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 1000)
    (Path(app.instance_path) / "config.py").write_text('LIBRARY_NAME = "Тестова бібліотека"\n', encoding="utf-8")
    return {"records": records, "generic": generic}


def read_everything(engine) -> dict:
    """Every row of every table (with JSON SQL-NULL/JSON-null told apart), in key order."""
    with engine.connect() as conn:
        metadata = reflect(conn)
        found = {}
        for table in data_tables(metadata):
            columns = sorted(table.columns, key=lambda c: c.name)
            extra = [(sa.cast(c, sa.Text) == "null").label(f"{c.name}__jsonnull") for c in columns
                     if isinstance(c.type, sa.JSON)]
            order = list(table.primary_key.columns) or columns
            rows = conn.execute(sa.select(*columns, *extra).order_by(*order)).all()
            found[table.name] = [tuple(r) for r in rows]
        return found


def read_files(folder: Path) -> dict[str, bytes]:
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# Derived state a restore rebuilds on purpose: the index queue is drained by the reindex.
DERIVED_TABLES = {"index_queue"}


def assert_same_data(before: dict, after: dict) -> None:
    assert set(before) == set(after), "tables differ"
    for name in sorted(set(before) - DERIVED_TABLES):
        assert len(before[name]) == len(after[name]), f"{name}: {len(before[name])} rows before, {len(after[name])} after"
        for old, new in zip(before[name], after[name], strict=True):
            assert old == new, f"{name}: row differs\n{old}\n{new}"
