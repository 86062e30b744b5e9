"""The signed audit checkpoint: the chain head (seq, hash), kept in a file outside the database.

``mac = HMAC-SHA256(audit key, "controldeck-checkpoint|{seq}|{hash}|{ts_ns}")``. The file is
replaced atomically (write a temporary file, fsync, rename, fsync the directory) after every
append, so a deleted tail or a chain rewritten by someone holding the key shows up against it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from core.security.chain import Anchor

log = logging.getLogger(__name__)

VERSION = 1


class CheckpointError(RuntimeError):
    """The checkpoint file is unreadable, malformed or its signature does not verify."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed chain head."""

    seq: int
    hash: str
    ts_ns: int
    mac: str

    @staticmethod
    def compute_mac(key: bytes, seq: int, head_hash: str, ts_ns: int) -> str:
        """The signature of a checkpoint's content."""
        message = f"controldeck-checkpoint|{seq}|{head_hash}|{ts_ns}".encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    @classmethod
    def sign(cls, key: bytes, seq: int, head_hash: str, ts_ns: int) -> Checkpoint:
        """A new checkpoint signed with ``key``."""
        return cls(seq, head_hash, ts_ns, cls.compute_mac(key, seq, head_hash, ts_ns))

    def authentic(self, key: bytes) -> bool:
        """True when the signature verifies with ``key``."""
        expected = self.compute_mac(key, self.seq, self.hash, self.ts_ns)
        return hmac.compare_digest(expected, self.mac)

    @property
    def anchor(self) -> Anchor:
        """The (seq, hash) pair the chain must pass through."""
        return Anchor(self.seq, self.hash)


class CheckpointFile:
    """Reads and atomically replaces one checkpoint file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        """True when the file is there."""
        return self.path.exists()

    def read(self) -> Checkpoint | None:
        """The stored checkpoint, None when there is no file; raises :class:`CheckpointError`."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CheckpointError(f"checkpoint {self.path} unreadable: {exc}") from exc
        try:
            if data["version"] != VERSION:
                raise CheckpointError(
                    f"checkpoint {self.path}: unknown version {data['version']!r}"
                )
            return Checkpoint(
                int(data["seq"]), str(data["hash"]), int(data["ts_ns"]), str(data["mac"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"checkpoint {self.path} malformed: {exc!r}") from exc

    def write(self, checkpoint: Checkpoint) -> None:
        """Replace the file atomically and durably."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "version": VERSION,
            "seq": checkpoint.seq,
            "hash": checkpoint.hash,
            "ts_ns": checkpoint.ts_ns,
            "mac": checkpoint.mac,
        }
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)

    def set_aside(self) -> Path:
        """Rename an unreadable checkpoint out of the way (kept as evidence); returns the new path."""
        target = self.path.with_name(f"{self.path.name}.bad-{os.getpid()}")
        os.replace(self.path, target)
        log.error("audit checkpoint %s was unreadable; kept as %s", self.path, target)
        return target


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
