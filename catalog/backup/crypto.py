"""Encryption of backup archives with age (https://age-encryption.org/v1) through ``pyrage``.

age is a small, well-reviewed file format: X25519 public keys ("age1...") or a passphrase
(scrypt). An encrypted backup is ``<name>.tar.age`` and the standard ``age`` tool can
decrypt it without Kataloh: ``age -d -i key.txt kataloh-....tar.age > backup.tar``.

Public keys are the recommended setting: the server can encrypt but not read its own
backups, so a stolen backup or a compromised off-site store reveals nothing. Verifying an
encrypted backup later needs the identity (private key) or the passphrase; the nightly run
verifies the archive before it is encrypted.
"""

from dataclasses import dataclass, field
from pathlib import Path

from catalog.backup.manifest import BackupError

SUFFIX = ".age"
MAGIC = b"age-encryption.org/v1\n"


@dataclass
class Keys:
    """What encrypts (recipients or passphrase) and what decrypts (identities or passphrase)."""

    recipients: list[str] = field(default_factory=list)
    passphrase: str | None = None
    identities: list[str] = field(default_factory=list)

    @property
    def encrypts(self) -> bool:
        return bool(self.recipients or self.passphrase)


def _read_secret_file(path: str) -> str:
    try:
        return Path(path).expanduser().read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc}") from exc


def identities_from_file(path: str) -> list[str]:
    """AGE-SECRET-KEY lines of an age identity file (comments skipped)."""
    lines = _read_secret_file(path).splitlines()
    keys = [line.strip() for line in lines if line.strip().startswith("AGE-SECRET-KEY-")]
    if not keys:
        raise BackupError(f"{path} holds no age identity (a line starting AGE-SECRET-KEY-)")
    return keys


def keys_from_config(config, identity_file: str | None = None, passphrase: str | None = None) -> Keys:
    """Keys from BACKUP_AGE_RECIPIENTS, BACKUP_PASSPHRASE(_FILE) and BACKUP_AGE_IDENTITY_FILE."""
    import os

    recipients = list(config.get("BACKUP_AGE_RECIPIENTS") or [])
    if isinstance(config.get("BACKUP_AGE_RECIPIENTS"), str):
        recipients = [config["BACKUP_AGE_RECIPIENTS"]]
    secret = passphrase or config.get("BACKUP_PASSPHRASE") or os.environ.get("KATALOH_BACKUP_PASSPHRASE")
    if not secret and config.get("BACKUP_PASSPHRASE_FILE"):
        secret = _read_secret_file(config["BACKUP_PASSPHRASE_FILE"])
    if recipients and secret and not passphrase:
        raise BackupError("Configure either BACKUP_AGE_RECIPIENTS or a backup passphrase, not both")
    identities = []
    for path in filter(None, [identity_file, config.get("BACKUP_AGE_IDENTITY_FILE")]):
        identities += identities_from_file(path)
    return Keys(recipients=recipients, passphrase=secret, identities=identities)


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def generate_identity() -> tuple[str, str]:
    """A new X25519 identity: (secret key text, public key "age1...")."""
    from pyrage import x25519

    identity = x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def encrypt_file(src: Path, dst: Path, keys: Keys) -> None:
    """Encrypt ``src`` into ``dst`` for the configured recipients (streamed) or passphrase."""
    import pyrage
    from pyrage import passphrase, x25519

    try:
        if keys.recipients:
            recipients = [x25519.Recipient.from_str(r.strip()) for r in keys.recipients]
            with open(src, "rb") as reader, open(dst, "wb") as writer:
                pyrage.encrypt_io(reader, writer, recipients)
        elif keys.passphrase:
            # pyrage encrypts with a passphrase in memory only: fine for a catalogue's archive.
            dst.write_bytes(passphrase.encrypt(src.read_bytes(), keys.passphrase))
        else:
            raise BackupError("no encryption key is configured")
    except (pyrage.RecipientError, pyrage.EncryptError, ValueError) as exc:
        raise BackupError(f"encryption failed (check BACKUP_AGE_RECIPIENTS): {exc}") from exc


def decrypt_file(src: Path, dst: Path, keys: Keys | None) -> None:
    """Decrypt an age file with the given identities or passphrase; a clear error without them."""
    import pyrage
    from pyrage import passphrase, x25519

    keys = keys or Keys()
    if not keys.identities and not keys.passphrase:
        raise BackupError(f"{src.name} is encrypted: give the age identity (--identity FILE, or "
                          "BACKUP_AGE_IDENTITY_FILE) or the passphrase (KATALOH_BACKUP_PASSPHRASE)")
    with open(src, "rb") as f:
        header = f.read(4096)
    try:
        if b"\n-> scrypt " in header:
            if not keys.passphrase:
                raise BackupError(f"{src.name} was encrypted with a passphrase: give it (KATALOH_BACKUP_PASSPHRASE)")
            dst.write_bytes(passphrase.decrypt(src.read_bytes(), keys.passphrase))
        else:
            if not keys.identities:
                raise BackupError(f"{src.name} was encrypted to a public key: give its identity (--identity FILE)")
            identities = [x25519.Identity.from_str(i) for i in keys.identities]
            with open(src, "rb") as reader, open(dst, "wb") as writer:
                pyrage.decrypt_io(reader, writer, identities)
    except (pyrage.DecryptError, pyrage.IdentityError, ValueError) as exc:
        raise BackupError(f"{src.name} cannot be decrypted: wrong key or passphrase, or the file is damaged ({exc})") from exc
