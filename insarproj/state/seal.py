"""The seal of state.json: proof that this machine's insarproj wrote its bytes (docs/project-folder.md,
"Sealed state").

Why: reading state.json proves the file is exactly what `render_state` writes by writing every
record line again and comparing (state/fileformat.py): that refuses a duplicate key and any byte
insarproj did not write, and costs about a third of the reading. A file this machine's insarproj
wrote itself needs no such proof, and a seal says so: an HMAC-SHA256 of the file's bytes, written
beside it whenever insarproj writes state.json, under a random key that never leaves this machine.

- The key and the seal live in `.insarproj/local/`, which ignores itself (its own `.gitignore`
  holds `*`), so they are never committed and nothing else of the folder changes.
- A plain digest would prove nothing (anyone editing a committed state can compute it again); the
  key does. The key is also bound to its own file (device, inode, change time): a key and a seal
  forced into a commit (`git add -f`) arrive in a clone as a new file, so they seal nothing there.
- A state is sealed only when its records passed the load's checks as they were written (shape and
  paths, state/checks.py), so a sealed file needs none of them again.

Any other file (no seal, another machine's key, an edit, a merge, a crash between the state and its
seal) is read as before, byte for byte. The seal is a shortcut, never the only record: losing it
costs time, not data, so a failure to write it is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from insarproj.errors import DiskFullError
from insarproj.fsutil import atomic_write_bytes

LOCAL_DIR = "local"
KEY_NAME = "state.key"
SEAL_NAME = "state.json.seal"
KEY_BYTES = 32
# The seal file: this tag and the hex digest (a different tag is a different scheme: not trusted).
_TAG = b"hmac-sha256 "
_GITIGNORE = b"# Written by insarproj: this machine's own files (never committed).\n*\n"


def local_dir(state_dir: Path) -> Path:
    return Path(state_dir) / LOCAL_DIR


def read_key(state_dir: Path) -> bytes | None:
    """The key of this machine's seals (with its file's identity), or None when there is none."""
    path = local_dir(state_dir) / KEY_NAME
    try:
        # Never through a link: a committed symlink could point at a file of known content.
        with open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NOFOLLOW)) as handle:
            text = handle.read(2 * KEY_BYTES + 2)
            identity = os.fstat(handle.fileno())
        secret = bytes.fromhex(text.decode("ascii"))  # hex: a text file, as all of .insarproj/
    except (OSError, ValueError):
        return None
    if len(secret) != KEY_BYTES or not text.endswith(b"\n") or not stat.S_ISREG(identity.st_mode):
        return None
    bound = f"{identity.st_dev}:{identity.st_ino}:{identity.st_ctime_ns}".encode()
    return secret + bound


def make_key(state_dir: Path) -> bytes | None:
    """The key, created first when there is none (best effort: None when it cannot be written)."""
    key = read_key(state_dir)
    if key is not None:
        return key
    folder = local_dir(state_dir)
    tmp = folder / f".{KEY_NAME}.{os.getpid()}.tmp"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        if not (folder / ".gitignore").exists():
            atomic_write_bytes(folder / ".gitignore", _GITIGNORE)
        with open(tmp, "wb", opener=lambda name, flags: os.open(name, flags, 0o600)) as handle:
            handle.write(secrets.token_hex(KEY_BYTES).encode("ascii") + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            # A link never replaces: of two writers making a key at once, the first one's stays.
            os.link(tmp, folder / KEY_NAME)
        except FileExistsError:
            if read_key(state_dir) is None:  # not a key (cut short, edited): replaced
                os.replace(tmp, folder / KEY_NAME)
    except (OSError, DiskFullError):
        return None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return read_key(state_dir)


def new_mac(key: bytes) -> hmac.HMAC:
    """The running seal of bytes read or written (`update` it chunk by chunk)."""
    return hmac.new(key, digestmod=hashlib.sha256)


def hashed_lines(handle: BinaryIO, mac: hmac.HMAC, block_bytes: int = 1 << 20) -> Iterator[bytes]:
    """The lines of ``handle`` (each with its newline), every byte read fed to ``mac`` a block at
    a time (an update per line would cost more than the hashing)."""
    carry = b""
    while block := handle.read(block_bytes):
        mac.update(block)
        lines = (carry + block).split(b"\n")
        carry = lines.pop()
        for line in lines:
            yield line + b"\n"
    if carry:
        yield carry


def seal_of(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def read_seal(state_dir: Path) -> bytes | None:
    """The digest the seal file holds, or None when there is no valid seal file."""
    try:
        text = (local_dir(state_dir) / SEAL_NAME).read_bytes()
    except OSError:
        return None
    if not (text.startswith(_TAG) and text.endswith(b"\n")):
        return None
    try:
        return bytes.fromhex(text[len(_TAG) : -1].decode("ascii"))
    except ValueError:
        return None


def write_seal(state_dir: Path, digest: bytes | None) -> None:
    """Seal the state just written with ``digest``; with None, remove any seal (the state just
    written is not to be trusted without its checks). Best effort: an error leaves at worst a seal
    that matches no state, which only costs the next read its time."""
    path = local_dir(state_dir) / SEAL_NAME
    try:
        if digest is None:
            path.unlink(missing_ok=True)
            return
        # Replaced whole, but not fsync'd: after a crash a seal cut short matches nothing.
        tmp = path.with_name(f".{SEAL_NAME}.{os.getpid()}.tmp")
        tmp.write_bytes(_TAG + digest.hex().encode("ascii") + b"\n")
        os.replace(tmp, path)
    except OSError:
        pass


def matches(mac: hmac.HMAC, expected: bytes) -> bool:
    return hmac.compare_digest(mac.digest(), expected)
