"""Back up an instance holding data of every kind, wipe it, restore, find everything identical;
the same from SQLite into PostgreSQL and back."""

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from catalog.backup.manifest import BackupError
from catalog.backup.restore import clear_postgresql, restore_instance
from catalog.backup.services import run_backup, write_archive
from catalog.backup.verify import ArchiveReader, verify_archive
from tests.test_backup_helpers import assert_same_data, make_everything, read_everything, read_files


def _make_app(instance: Path, url: str):
    from catalog import create_app

    return create_app({"TESTING": True, "INSTANCE_PATH": str(instance), "DATABASE_URL": url,
                       "SECRET_KEY": "test-secret", "JOBS_INLINE": True})


def _search_ids(app, text: str) -> list[int]:
    from catalog.indexing import get_index
    from search.query import Query

    with app.app_context():
        return sorted(get_index().search(Query(text=text, per_page=100)).ids)


def _wipe(app) -> None:
    """Remove the database's content and every file of the instance."""
    engine = app.extensions["kataloh.engine"]
    if engine.dialect.name == "sqlite":
        engine.dispose()
        Path(engine.url.database).unlink()
    else:
        clear_postgresql(engine)
        engine.dispose()
    for name in ("uploads", "index", "config.py"):
        path = Path(app.instance_path) / name
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def test_backup_wipe_restore_finds_every_row_and_file(app, tmp_path):
    from catalog.db import get_session

    with app.app_context():
        made = make_everything(app, get_session())
        info = run_backup(app, trigger="test")
    assert info.data["verification"]["ok"], info.data["verification"]
    engine = app.extensions["kataloh.engine"]
    before = read_everything(engine)
    files_before = read_files(app.config["UPLOAD_PATH"])
    config_before = (Path(app.instance_path) / "config.py").read_bytes()
    assert before["records"] and before["record_versions"] and before["users"] and before["api_tokens"]
    assert len(before["record_versions"]) == 2 * len(made["records"])
    for name in made["generic"]:
        assert before[name], f"{name} got no rows"
    searchable = _search_ids(app, "Примітка")
    assert searchable
    kept = tmp_path / "kept.tar"
    shutil.copy(info.path, kept)

    _wipe(app)
    assert not Path(app.config["UPLOAD_PATH"]).exists()
    from catalog.db import init_schema

    init_schema(engine)  # an empty instance, as after `kataloh init`
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", "restore", str(kept)])
    assert result.exit_code == 0, result.output
    assert "restored" in result.output

    assert_same_data(before, read_everything(engine))
    assert read_files(app.config["UPLOAD_PATH"]) == files_before
    assert (Path(app.instance_path) / "config.py").read_bytes() == config_before
    assert _search_ids(app, "Примітка") == searchable  # the index was rebuilt from the database

    # new rows get fresh ids (PostgreSQL sequences were reset past the restored ids)
    from catalog.records.services import marc_of, save_record

    with app.app_context():
        session = get_session()
        from catalog.models import Record

        first = session.get(Record, made["records"][0])
        new = save_record(session, "olena", marc_of(first), status="draft", validate=False)
        assert new.id > max(made["records"])


def test_restore_refuses_a_database_with_data_unless_forced(app, tmp_path):
    from catalog.db import get_session
    from tests.test_backup_helpers import make_records

    with app.app_context():
        make_records(get_session(), 3)
    archive = tmp_path / "b.tar"
    write_archive(app, archive)
    with app.app_context():
        make_records(get_session(), 2)  # data the restore would replace
    engine = app.extensions["kataloh.engine"]
    before = read_everything(engine)
    with pytest.raises(BackupError, match="--force"):
        restore_instance(app, archive)
    assert_same_data(before, read_everything(engine))

    aside = tmp_path / "aside.tar"

    def set_aside():
        write_archive(app, aside)
        return aside

    with app.app_context():
        report = restore_instance(app, archive, force=True, set_aside=set_aside)
    assert sum(report.rows.values()) > 0
    assert report.kept_aside
    if engine.dialect.name == "sqlite":
        assert Path(report.kept_aside[0]).name.startswith("kataloh.db.before-restore-")
    else:
        assert verify_archive(aside).ok  # the replaced data, as a restorable backup
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT COUNT(*) FROM records")) == 3


def _postgres_url():
    return os.environ.get("KATALOH_TEST_DATABASE_URL")


@pytest.mark.db
@pytest.mark.slow
@pytest.mark.parametrize("direction", ["sqlite-to-postgresql", "postgresql-to-sqlite"])
def test_backup_moves_between_sqlite_and_postgresql(tmp_path, postgres, sqlite_template, direction):
    if postgres is None:
        # scripts/test.sh runs every db test again with KATALOH_TEST_DATABASE_URL set: it runs there.
        pytest.skip("needs KATALOH_TEST_DATABASE_URL: runs in the PostgreSQL pass of scripts/test.sh")
    from catalog.db import get_session, init_schema

    pg_source = postgres.create()
    pg_target = postgres.create()
    try:
        sqlite_source = tmp_path / "a" / "kataloh.db"
        sqlite_target = tmp_path / "b" / "kataloh.db"
        for path in (sqlite_source, sqlite_target):
            path.parent.mkdir(parents=True)
            shutil.copy(sqlite_template, path)
        if direction == "sqlite-to-postgresql":
            source_url, target_url = f"sqlite:///{sqlite_source}", pg_target
        else:
            source_url, target_url = pg_source, f"sqlite:///{sqlite_target}"
        source = _make_app(tmp_path / "a", source_url)
        target = _make_app(tmp_path / "b", target_url)
        for app in (source, target):
            with app.app_context():
                init_schema(app.extensions["kataloh.engine"])
        with source.app_context():
            make_everything(source, get_session())
        archive = tmp_path / "move.tar"
        manifest = write_archive(source, archive)
        assert manifest.data["database"] == source.extensions["kataloh.engine"].dialect.name
        if direction == "postgresql-to-sqlite" and shutil.which("pg_dump"):
            with ArchiveReader(archive) as reader:
                assert reader.read("database.pgdump").startswith(b"PGDMP")
        before = read_everything(source.extensions["kataloh.engine"])
        with target.app_context():
            restore_instance(target, archive)
        assert_same_data(before, read_everything(target.extensions["kataloh.engine"]))
        assert read_files(tmp_path / "b" / "uploads") == read_files(tmp_path / "a" / "uploads")
        assert _search_ids(target, "Примітка") == _search_ids(source, "Примітка")
    finally:
        for app_name in ("source", "target"):
            app = locals().get(app_name)
            if app is not None:
                app.extensions["kataloh.engine"].dispose()
                index = app.extensions.get("kataloh.index")
                if index is not None:
                    index.close()
        postgres.drop(pg_source)
        postgres.drop(pg_target)


def test_snapshot_is_consistent_while_the_server_writes(app, tmp_path):
    """A writer commits pairs of audit entries all through the backup: the backup holds whole pairs."""
    import threading

    from catalog.backup.snapshot import parse_line

    engine = app.extensions["kataloh.engine"]
    stop = threading.Event()
    written = []

    def writer():
        n = 0
        while not stop.is_set():
            with engine.begin() as conn:
                for half in ("a", "b"):
                    conn.execute(sa.text("INSERT INTO audit_entries (at, actor, action, entity_type, entity_id) "
                                         "VALUES (CURRENT_TIMESTAMP, 'writer', :a, 'pair', :n)"), {"a": half, "n": str(n)})
            n += 1
            written.append(n)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        archive = tmp_path / "during-writes.tar"
        manifest = write_archive(app, archive)
        during = len(written)
    finally:
        stop.set()
        thread.join()
    rows = manifest.counts()["audit_entries"]
    assert rows >= 40 and rows % 2 == 0
    with ArchiveReader(archive) as reader:
        import gzip

        with reader.open_part("data/audit_entries.jsonl.gz") as raw, gzip.open(raw) as lines:
            pairs = [parse_line(line) for line in lines]
    assert len(pairs) == rows
    assert verify_archive(archive).ok
    assert during >= 20
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT COUNT(*) FROM audit_entries")) >= rows  # writes went on meanwhile
