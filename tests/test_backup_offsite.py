"""Off-site copies: a real directory target; SFTP and S3 through in-process fakes; an
unreachable target is retried, reported, and leaves the local backup intact."""

import hashlib
import shutil
from pathlib import Path

from catalog.backup.offsite import DirectoryTarget, OffsiteError, S3Target, SftpTarget, copy_to_targets
from catalog.backup.services import backup_status, copy_offsite, run_backup
from catalog.backup.verify import verify_archive
from tests.test_backup_helpers import make_records


def _records(app, n=2):
    from catalog.db import get_session

    with app.app_context():
        make_records(get_session(), n)


def test_directory_target_gets_the_archive_and_its_checksum(app, tmp_path):
    _records(app)
    mount = tmp_path / "nas"
    mount.mkdir()
    app.config["BACKUP_OFFSITE"] = [{"type": "directory", "path": str(mount)}]
    info = run_backup(app, trigger="test")
    copy = mount / info.name
    assert copy.read_bytes() == info.path.read_bytes()
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    assert (mount / f"{info.name}.sha256").read_text() == f"{digest}  {info.name}\n"
    assert info.data["offsite"] == [{**info.data["offsite"][0], "target": f"directory:{mount}", "ok": True,
                                     "error": "", "attempts": 1}]
    assert verify_archive(copy).ok
    assert not list(mount.glob(".*partial"))


def test_unreachable_target_is_retried_reported_and_local_backup_intact(app, tmp_path, runner):
    _records(app)
    good = tmp_path / "nas"
    good.mkdir()
    app.config["BACKUP_OFFSITE"] = [{"type": "directory", "path": str(tmp_path / "unmounted")},
                                    {"type": "directory", "path": str(good)}]
    app.config["BACKUP_OFFSITE_RETRIES"] = 2
    sleeps = []
    info = run_backup(app, trigger="test", sleep=sleeps.append)
    failed, copied = info.data["offsite"]
    assert not failed["ok"] and failed["attempts"] == 3 and "is the disk mounted" in failed["error"]
    assert copied["ok"]
    assert sleeps == [60.0, 120.0]
    assert not (tmp_path / "unmounted").exists()  # never created in place of a missing mount
    assert info.path.exists() and verify_archive(info.path).ok
    status = backup_status(app)
    assert status["last"]["offsite"][0]["ok"] is False
    result = runner.invoke(args=["backup", "status"])
    assert "FAILED" in result.output and "unmounted" in result.output
    # once the disk is back, the copy can be made again
    (tmp_path / "unmounted").mkdir()
    app.config["BACKUP_OFFSITE_RETRY_SECONDS"] = 0
    info = copy_offsite(app, info.name)
    assert all(r["ok"] for r in info.data["offsite"])
    assert (tmp_path / "unmounted" / info.name).exists()


class FakeSftp:
    """The few paramiko SFTPClient methods the target uses, over a local folder."""

    def __init__(self, root: Path):
        self.root = root
        self.closed = False

    def _p(self, remote: str) -> Path:
        return self.root / remote.lstrip("/")

    def put(self, local, remote):
        self._p(remote).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local, self._p(remote))

    def stat(self, remote):
        return self._p(remote).stat()

    def posix_rename(self, old, new):
        self._p(old).rename(self._p(new))

    def open(self, remote, mode="r"):
        return open(self._p(remote), mode)

    def listdir(self, remote):
        return [p.name for p in self._p(remote).iterdir()]

    def remove(self, remote):
        self._p(remote).unlink()

    def close(self):
        self.closed = True


def test_sftp_target_with_a_fake_server(tmp_path):
    archive = tmp_path / "kataloh-20261126-023000.tar"
    archive.write_bytes(b"backup bytes" * 1000)
    server_root = tmp_path / "server"
    sessions = []

    def connect(config):
        sessions.append(FakeSftp(server_root))
        return sessions[-1]

    target = SftpTarget({"type": "sftp", "host": "backup.example.org", "username": "kataloh",
                         "path": "/srv/kataloh"}, connect=connect)
    results = copy_to_targets(archive, [target], sleep=lambda s: None)
    assert results[0]["ok"], results
    assert (server_root / "srv/kataloh" / archive.name).read_bytes() == archive.read_bytes()
    assert target.names() == [archive.name]
    assert all(s.closed for s in sessions)
    assert results[0]["target"] == "sftp:kataloh@backup.example.org:/srv/kataloh"


def test_sftp_connection_refused_is_reported(tmp_path):
    archive = tmp_path / "kataloh-20261126-023000.tar"
    archive.write_bytes(b"x")

    def connect(config):
        raise ConnectionRefusedError(111, "Connection refused")

    target = SftpTarget({"type": "sftp", "host": "127.0.0.1", "port": 1, "path": "/b"}, connect=connect)
    results = copy_to_targets(archive, [target], retries=1, delay=0, sleep=lambda s: None)
    assert not results[0]["ok"] and "cannot connect" in results[0]["error"] and results[0]["attempts"] == 2
    assert archive.read_bytes() == b"x"


class FakeS3:
    def __init__(self, fail_times: int = 0):
        self.objects = {}
        self.fail_times = fail_times

    def upload_file(self, filename, bucket, key):
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionError("Could not connect to the endpoint URL")
        self.objects[(bucket, key)] = Path(filename).read_bytes()

    def head_object(self, Bucket, Key):
        return {"ContentLength": len(self.objects[(Bucket, Key)])}

    def put_object(self, Bucket, Key, Body):
        self.objects[(Bucket, Key)] = Body

    def list_objects_v2(self, Bucket, Prefix):
        return {"Contents": [{"Key": k} for b, k in self.objects if b == Bucket and k.startswith(Prefix)]}

    def delete_object(self, Bucket, Key):
        self.objects.pop((Bucket, Key), None)


def test_s3_target_retries_then_copies(tmp_path):
    archive = tmp_path / "kataloh-20261126-023000.tar.age"
    archive.write_bytes(b"age-encryption.org/v1\n..." * 10)
    client = FakeS3(fail_times=1)
    target = S3Target({"type": "s3", "bucket": "kataloh", "prefix": "luhansk/"}, client=client)
    sleeps = []
    results = copy_to_targets(archive, [target], retries=3, delay=5, sleep=sleeps.append)
    assert results[0]["ok"] and results[0]["attempts"] == 2 and sleeps == [5]
    assert client.objects[("kataloh", f"luhansk/{archive.name}")] == archive.read_bytes()
    assert target.names() == [archive.name]
    target.delete(archive.name)
    assert target.names() == []


def test_directory_target_refuses_a_missing_mount(tmp_path):
    target = DirectoryTarget({"path": str(tmp_path / "nope")})
    try:
        target.names()
    except OffsiteError as exc:
        assert "mounted" in str(exc)
    else:
        raise AssertionError("a missing directory must be an error")
