"""Off-site copies: a mounted directory, an SSH/SFTP host (paramiko) or an S3-compatible
bucket (boto3). Each copy is written under a temporary name and renamed when complete,
with a ``.sha256`` file beside it (``sha256sum -c`` format). A target that cannot be
reached is retried; its failure is reported and the local backup stays as it is.

Configure in instance/config.py, e.g.::

    BACKUP_OFFSITE = [
        {"type": "directory", "path": "/mnt/nas/kataloh"},
        {"type": "sftp", "host": "backup.example.org", "username": "kataloh",
         "key_file": "/etc/kataloh/backup_ed25519", "path": "/srv/backups/kataloh"},
        {"type": "s3", "bucket": "kataloh-backups", "prefix": "luhansk/",
         "endpoint_url": "https://s3.example.org", "region": "eu-central-1"},
    ]
"""

import os
import shutil
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path, PurePosixPath

from catalog.backup.manifest import BackupError, sha256_file


class OffsiteError(BackupError):
    """A target could not take a copy (unreachable, full, refused)."""


class DirectoryTarget:
    """A mounted directory (NAS, USB disk). It must exist: a missing mount is an error, never
    silently replaced by a local folder of the same name."""

    def __init__(self, config: dict):
        self.path = Path(config["path"])
        self.rotate = bool(config.get("rotate", False))

    @property
    def label(self) -> str:
        return f"directory:{self.path}"

    def _check(self) -> None:
        if not self.path.is_dir():
            raise OffsiteError(f"{self.label}: the directory does not exist (is the disk mounted?)")

    def upload(self, path: Path, digest: str) -> None:
        self._check()
        partial = self.path / f".{path.name}.partial"
        try:
            shutil.copyfile(path, partial)
            if os.path.getsize(partial) != path.stat().st_size:
                raise OffsiteError(f"{self.label}: the copy of {path.name} is incomplete")
            os.replace(partial, self.path / path.name)
            (self.path / f"{path.name}.sha256").write_text(f"{digest}  {path.name}\n")
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise OffsiteError(f"{self.label}: {exc.strerror or exc}") from exc

    def names(self) -> list[str]:
        self._check()
        return sorted(p.name for p in self.path.iterdir() if p.name.startswith("kataloh-") and not p.name.endswith(".sha256"))

    def delete(self, name: str) -> None:
        (self.path / name).unlink(missing_ok=True)
        (self.path / f"{name}.sha256").unlink(missing_ok=True)


def paramiko_connect(config: dict):
    """An SFTP client to the configured host; the host key must be known (never auto-accepted)."""
    try:
        import paramiko
    except ImportError as exc:
        raise OffsiteError("SFTP targets need paramiko: pip install 'kataloh[offsite]'") from exc
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    if config.get("known_hosts"):
        client.load_host_keys(os.path.expanduser(config["known_hosts"]))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(config["host"], port=int(config.get("port", 22)), username=config.get("username"),
                   key_filename=config.get("key_file"), password=config.get("password"),
                   timeout=float(config.get("timeout", 30)))
    sftp = client.open_sftp()
    sftp.ssh_client = client  # closed with the SFTP session
    return sftp


class SftpTarget:
    def __init__(self, config: dict, connect: Callable[[dict], object] | None = None):
        self.config = config
        self.path = PurePosixPath(config.get("path", "."))
        self.rotate = bool(config.get("rotate", False))
        self._connect = connect or paramiko_connect

    @property
    def label(self) -> str:
        user = f"{self.config['username']}@" if self.config.get("username") else ""
        return f"sftp:{user}{self.config['host']}:{self.path}"

    def _session(self):
        try:
            return self._connect(self.config)
        except OffsiteError:
            raise
        except Exception as exc:  # socket errors, auth failures, unknown host keys
            raise OffsiteError(f"{self.label}: cannot connect ({type(exc).__name__}: {exc})") from exc

    @staticmethod
    def _close(sftp) -> None:
        sftp.close()
        client = getattr(sftp, "ssh_client", None)
        if client is not None:
            client.close()

    def upload(self, path: Path, digest: str) -> None:
        sftp = self._session()
        try:
            partial = str(self.path / f".{path.name}.partial")
            sftp.put(str(path), partial)
            if sftp.stat(partial).st_size != path.stat().st_size:
                raise OffsiteError(f"{self.label}: the copy of {path.name} is incomplete")
            sftp.posix_rename(partial, str(self.path / path.name))
            with sftp.open(str(self.path / f"{path.name}.sha256"), "w") as f:
                f.write(f"{digest}  {path.name}\n")
        except OffsiteError:
            raise
        except Exception as exc:
            raise OffsiteError(f"{self.label}: copying {path.name} failed ({type(exc).__name__}: {exc})") from exc
        finally:
            self._close(sftp)

    def names(self) -> list[str]:
        sftp = self._session()
        try:
            return sorted(n for n in sftp.listdir(str(self.path)) if n.startswith("kataloh-") and not n.endswith(".sha256"))
        finally:
            self._close(sftp)

    def delete(self, name: str) -> None:
        sftp = self._session()
        try:
            for n in (name, f"{name}.sha256"):
                try:
                    sftp.remove(str(self.path / n))
                except OSError:
                    pass
        finally:
            self._close(sftp)


def boto3_client(config: dict):
    try:
        import boto3
    except ImportError as exc:
        raise OffsiteError("S3 targets need boto3: pip install 'kataloh[offsite]'") from exc
    return boto3.client(
        "s3", endpoint_url=config.get("endpoint_url"), region_name=config.get("region"),
        aws_access_key_id=config.get("access_key_id"), aws_secret_access_key=config.get("secret_access_key"),
    )


class S3Target:
    """An S3-compatible bucket; credentials from the target config or the usual AWS_* variables."""

    def __init__(self, config: dict, client=None):
        self.config = config
        self.bucket = config["bucket"]
        self.prefix = config.get("prefix", "")
        self.rotate = bool(config.get("rotate", False))
        self._client = client

    @property
    def label(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def client(self):
        if self._client is None:
            self._client = boto3_client(self.config)
        return self._client

    def upload(self, path: Path, digest: str) -> None:
        key = f"{self.prefix}{path.name}"
        try:
            client = self.client()
            client.upload_file(str(path), self.bucket, key)
            head = client.head_object(Bucket=self.bucket, Key=key)
            if int(head["ContentLength"]) != path.stat().st_size:
                raise OffsiteError(f"{self.label}: the copy of {path.name} is incomplete")
            client.put_object(Bucket=self.bucket, Key=f"{key}.sha256", Body=f"{digest}  {path.name}\n".encode())
        except OffsiteError:
            raise
        except Exception as exc:  # botocore errors: endpoint unreachable, access denied, no bucket
            raise OffsiteError(f"{self.label}: copying {path.name} failed ({type(exc).__name__}: {exc})") from exc

    def names(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket, Prefix=f"{self.prefix}kataloh-")
        keys = [o["Key"][len(self.prefix):] for o in listing.get("Contents", [])]
        return sorted(k for k in keys if not k.endswith(".sha256"))

    def delete(self, name: str) -> None:
        for key in (name, f"{name}.sha256"):
            self.client().delete_object(Bucket=self.bucket, Key=f"{self.prefix}{key}")


TARGET_TYPES = {"directory": DirectoryTarget, "sftp": SftpTarget, "s3": S3Target}


def make_targets(configs: list[dict]) -> list:
    targets = []
    for config in configs or []:
        kind = config.get("type")
        if kind not in TARGET_TYPES:
            raise BackupError(f"BACKUP_OFFSITE: unknown target type '{kind}': use {', '.join(TARGET_TYPES)}")
        targets.append(TARGET_TYPES[kind](config))
    return targets


def copy_to_targets(path: Path, targets: list, *, retries: int = 3, delay: float = 60.0,
                    sleep: Callable[[float], None] = time.sleep, digest: str | None = None) -> list[dict]:
    """Copy ``path`` to each target, retrying ``retries`` times; one result dict per target."""
    digest = digest or sha256_file(path)
    results = []
    for target in targets:
        attempts = 0
        error = ""
        while True:
            attempts += 1
            try:
                target.upload(path, digest)
                error = ""
                break
            except OffsiteError as exc:
                error = str(exc)
            except OSError as exc:
                error = f"{target.label}: {exc}"
            if attempts > retries:
                break
            sleep(delay * attempts)
        results.append({"target": target.label, "ok": not error, "error": error, "attempts": attempts,
                        "at": datetime.now().isoformat(timespec="seconds")})
    return results
