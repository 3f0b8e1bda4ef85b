"""Verification: a good backup passes; a corrupted, truncated or tampered one is detected with
a message naming the bad part, and restore refuses it. Encryption with age."""

import tarfile
from pathlib import Path

import pytest

from catalog.backup import crypto
from catalog.backup.manifest import BackupError
from catalog.backup.restore import restore_instance
from catalog.backup.services import run_backup, write_archive
from catalog.backup.verify import verify_archive
from tests.test_backup_helpers import make_records, read_everything


@pytest.fixture
def archive(app, tmp_path):
    from catalog.db import get_session

    with app.app_context():
        make_records(get_session(), 4)
    uploads = Path(app.config["UPLOAD_PATH"])
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "evidence.pdf").write_bytes(b"%PDF-1.4 evidence" * 100)
    path = tmp_path / "kataloh-20261126-023000.tar"
    write_archive(app, path)
    return path


def member_offset(path: Path, name: str) -> tuple[int, int]:
    with tarfile.open(path) as tar:
        member = tar.getmember(name)
        return member.offset_data, member.size


def test_good_backup_verifies(archive, runner):
    report = verify_archive(archive)
    assert report.ok, report.message
    assert report.counts["records"] == 4 and report.counts["versions"] == 8
    result = runner.invoke(args=["backup", "verify", str(archive)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_flipped_byte_names_the_damaged_part(archive, runner):
    offset, size = member_offset(archive, "data/record_versions.jsonl.gz")
    with open(archive, "r+b") as f:
        f.seek(offset + size // 2)
        byte = f.read(1)
        f.seek(offset + size // 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    report = verify_archive(archive)
    assert not report.ok
    assert "data/record_versions.jsonl.gz" in report.message and "damaged" in report.message
    result = runner.invoke(args=["backup", "verify", str(archive)])
    assert result.exit_code == 1
    assert "FAILED verification" in result.output and "record_versions" in result.output


def test_damaged_upload_is_named(archive):
    offset, _size = member_offset(archive, "uploads/evidence.pdf")
    with open(archive, "r+b") as f:
        f.seek(offset + 3)
        f.write(b"X")
    report = verify_archive(archive)
    assert not report.ok and "uploads/evidence.pdf" in report.message


@pytest.mark.parametrize("keep", [0.3, 0.6, "last part"])
def test_truncated_backup_is_detected(archive, keep):
    data = archive.read_bytes()
    if keep == "last part":  # cut inside the data of the last member (not just the tar's end padding)
        with tarfile.open(archive) as tar:
            last = tar.getmembers()[-1]
        cut = last.offset_data + last.size // 2
    else:
        cut = int(len(data) * keep)
    archive.write_bytes(data[:cut])
    report = verify_archive(archive)
    assert not report.ok
    assert "truncated" in report.message or "missing" in report.message, report.message


def test_empty_and_foreign_files_are_refused(tmp_path):
    empty = tmp_path / "empty.tar"
    empty.write_bytes(b"")
    assert "not" in verify_archive(empty).message or "no manifest" in verify_archive(empty).message
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as tar:
        tar.add(__file__, arcname="notes.txt")
    report = verify_archive(other)
    assert not report.ok and "manifest.json" in report.message


def test_restore_refuses_a_corrupted_backup_and_changes_nothing(app, archive, runner):
    engine = app.extensions["kataloh.engine"]
    before = read_everything(engine)
    offset, size = member_offset(archive, "data/records.jsonl.gz")
    with open(archive, "r+b") as f:
        f.seek(offset + size - 5)
        f.write(b"\x00\x00")
    with app.app_context(), pytest.raises(BackupError, match="failed verification.*data/records.jsonl.gz"):
        restore_instance(app, archive, force=True)
    result = runner.invoke(args=["backup", "restore", "--force", str(archive)])
    assert result.exit_code == 1 and "failed verification" in result.output
    assert read_everything(engine) == before


def test_content_that_does_not_match_the_manifest_is_detected(archive, tmp_path):
    """Parts rewritten with matching checksums but a changed row: the trial restore's digest catches it."""
    import gzip
    import hashlib
    import json

    from catalog.backup.manifest import Manifest

    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    manifest = Manifest.from_bytes(members["manifest.json"])
    lines = gzip.decompress(members["data/records.jsonl.gz"]).splitlines()
    lines[0] = lines[0].replace(b"bibliographic", b"authority")
    members["data/records.jsonl.gz"] = gzip.compress(b"\n".join(lines) + b"\n")
    part = manifest.parts["data/records.jsonl.gz"]
    part["size"] = len(members["data/records.jsonl.gz"])
    part["sha256"] = hashlib.sha256(members["data/records.jsonl.gz"]).hexdigest()
    members["manifest.json"] = json.dumps(manifest.data).encode()
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(tampered, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            import io

            tar.addfile(info, io.BytesIO(data))
    report = verify_archive(tampered)
    assert not report.ok
    assert "table records" in report.message and "digest" in report.message


def test_encrypted_backup_with_public_key(app, tmp_path, runner):
    from catalog.db import get_session

    with app.app_context():
        make_records(get_session(), 2)
    secret, public = crypto.generate_identity()
    identity = tmp_path / "identity.txt"
    identity.write_text(secret + "\n")
    app.config["BACKUP_AGE_RECIPIENTS"] = [public]
    info = run_backup(app, trigger="test")
    assert info.path.name.endswith(".tar.age")
    assert info.data["encrypted"] and info.data["verification"]["ok"]
    assert crypto.is_encrypted(info.path)
    assert not Path(str(info.path).removesuffix(".age")).exists()  # no plaintext left behind
    report = verify_archive(info.path)
    assert not report.ok and "identity" in report.message
    keys = crypto.Keys(identities=[secret])
    assert verify_archive(info.path, keys).ok
    result = runner.invoke(args=["backup", "verify", "--identity", str(identity), str(info.path)])
    assert result.exit_code == 0, result.output
    wrong = crypto.Keys(identities=[crypto.generate_identity()[0]])
    assert "cannot be decrypted" in verify_archive(info.path, wrong).message


@pytest.mark.slow
def test_encrypted_backup_with_passphrase(app, monkeypatch):
    """age's scrypt makes each passphrase operation take seconds: one encryption, one decryption."""
    from catalog.db import get_session

    with app.app_context():
        make_records(get_session(), 1)
    app.config["BACKUP_PASSPHRASE"] = "ґанок-на-світанку 2026"
    info = run_backup(app, trigger="test")
    assert crypto.is_encrypted(info.path)
    keys = crypto.keys_from_config(app.config)
    assert verify_archive(info.path, keys).ok
