"""The kataloh command: init, import (batches, reruns, report), export round trip, users, tokens."""

from pathlib import Path

from sqlalchemy import func, select

from catalog.demo import DATA as DEMO
from catalog.models import AuditEntry, Record, RecordVersion, User
from marc.io import read_records

UKRAINIAN = DEMO / "ukrainian-unimarc.json"
RUSMARC = DEMO / "nlr-rusmarc-cp1251.iso"
CORNELL = DEMO / "cornell-exemplars-marc21.mrc"


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_import_stores_records_and_versions_and_reports(runner, db):
    result = runner.invoke(args=["import", str(CORNELL)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "imported 62, updated 0, skipped 0, failed 0"
    assert count(db, Record) == 62 and count(db, RecordVersion) == 62
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "record.import")) == 62


def test_rerun_skips_what_is_stored(runner, db):
    runner.invoke(args=["import", str(CORNELL)])
    again = runner.invoke(args=["import", str(CORNELL)])
    assert again.output.strip().splitlines()[-1] == "imported 0, updated 0, skipped 62, failed 0"
    assert count(db, Record) == 62


def test_changed_record_is_updated_not_duplicated(runner, db, tmp_path):
    runner.invoke(args=["import", str(UKRAINIAN)])
    text = UKRAINIAN.read_text(encoding="utf-8").replace("Лісова пісня", "Лісова пісня (нове видання)")
    changed = tmp_path / "changed.json"
    changed.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["import", str(changed)])
    assert result.output.strip().splitlines()[-1] == "imported 0, updated 1, skipped 9, failed 0"
    record = db.scalar(select(Record).where(Record.control_number == "ua-demo-0003"))
    assert record.version == 2 and record.title.startswith("Лісова пісня (нове видання)")


def test_cyrillic_rusmarc_is_decoded(runner, db):
    result = runner.invoke(args=["import", "--format", "unimarc", str(RUSMARC)])
    assert result.output.strip().splitlines()[-1] == "imported 81, updated 0, skipped 0, failed 0"
    titles = db.scalars(select(Record.title)).all()
    cyrillic = [t for t in titles if any("\u0400" <= ch <= "\u04ff" for ch in t)]
    assert len(cyrillic) >= 75  # a few titles are only digits, e.g. "1929-1939"
    assert "Задачи и этюды : Сб." in titles


def test_dry_run_stores_nothing(runner, db):
    result = runner.invoke(args=["import", "--dry-run", str(UKRAINIAN)])
    assert "Dry run" in result.output
    assert result.output.strip().splitlines()[-1] == "imported 10, updated 0, skipped 0, failed 0"
    assert count(db, Record) == 0


def test_bad_records_are_reported_and_good_ones_kept(runner, db, tmp_path):
    good = CORNELL.read_bytes().split(b"\x1d")
    broken = good[0] + b"\x1d" + b"00042nam  2200037   4500" + b"garbage\x1d" + good[1] + b"\x1d"
    path = tmp_path / "mixed.mrc"
    path.write_bytes(broken)
    report = tmp_path / "report.txt"
    result = runner.invoke(args=["import", "--report", str(report), str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "imported 2, updated 0, skipped 0, failed 1"
    assert "mixed.mrc: record 2" in report.read_text(encoding="utf-8")
    assert count(db, Record) == 2


def test_export_import_export_is_byte_identical(runner, tmp_path, app):
    runner.invoke(args=["import", str(CORNELL)])
    first = tmp_path / "first.mrc"
    assert runner.invoke(args=["export", "--format", "iso2709", str(first)]).exit_code == 0
    from catalog import create_app
    from catalog.db import get_engine, init_schema

    other = create_app({"INSTANCE_PATH": str(tmp_path / "other"), "DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}",
                        "SECRET_KEY": "x", "TESTING": True})
    with other.app_context():
        init_schema(get_engine())
    other_runner = other.test_cli_runner()
    assert other_runner.invoke(args=["import", str(first)]).exit_code == 0
    second = tmp_path / "second.mrc"
    other_runner.invoke(args=["export", "--format", "iso2709", str(second)])
    assert first.read_bytes() == second.read_bytes()


def test_export_marcxml_and_json_are_field_identical(runner, tmp_path):
    runner.invoke(args=["import", str(UKRAINIAN)])
    originals = [i.record for i in read_records(UKRAINIAN)]
    for serialization, name in (("marcxml", "out.xml"), ("json", "out.json")):
        out = tmp_path / name
        assert runner.invoke(args=["export", "--format", serialization, str(out)]).exit_code == 0
        exported = [i.record for i in read_records(out)]
        assert [r.as_dict() for r in exported] == [r.as_dict() for r in originals]


def test_user_add_reads_password_from_stdin(runner, db):
    result = runner.invoke(args=["user", "add", "olena", "--role", "cataloguer"], input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.username == "olena"))
    assert user.role == "cataloguer" and user.password_hash.startswith("$argon2")


def test_user_add_rejects_short_password(runner):
    result = runner.invoke(args=["user", "add", "olena", "--role", "cataloguer"], input="short\n")
    assert result.exit_code != 0 and "too short" in result.output


def test_token_create_prints_a_working_token(runner, client):
    result = runner.invoke(args=["token", "create", "koha-sync", "--role", "cataloguer"])
    token = result.output.strip()
    assert token.startswith("kat_")
    assert client.get("/api/v1/records", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_init_demo_loads_records_and_accounts(runner, db):
    result = runner.invoke(args=["init", "--demo"])
    assert result.exit_code == 0, result.output
    assert count(db, Record) == 10 + 81 + 62
    assert {u.username for u in db.scalars(select(User))} >= {"admin", "cataloguer"}
    again = runner.invoke(args=["init", "--demo"])
    assert "skipped 62" in again.output and count(db, Record) == 153


def test_python_dash_m_catalog_shows_help():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "catalog", "--help"], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert result.returncode == 0
    assert "import" in result.stdout and "export" in result.stdout and "--instance" in result.stdout
