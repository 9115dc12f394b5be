"""Error hierarchy and exit codes.

Library code raises these; only the CLI root turns them into messages and exit codes
(docs/cli.md). Messages are one sentence: what is wrong, where, and what to do.
Library modules never import click.
"""

from __future__ import annotations

import errno
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    PENDING = 2  # only with --detailed-exitcode
    LOCKED = 3
    FAILED = 4  # work failed for good: cannot converge without a change to project.toml or --retry-failed
    USAGE = 64  # click's default 2 is remapped so 2 always means "changes pending"
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it): what finished is recorded


class InsarprojError(Exception):
    """Root of every error a user can act on (never shown with a traceback unless --debug)."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message.rstrip('.')}: {self.hint}"
        return self.message


class ConfigError(InsarprojError):
    """project.toml (or a file it names) is malformed; names file, line and key path."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.key = key
        where = ""
        if file:
            where = file + (f":{line}" if line else "")
        prefix = ": ".join(p for p in (where, key) if p)
        super().__init__(f"{prefix}: {message}" if prefix else message, hint=hint)


class StateError(InsarprojError):
    """state.json / journal cannot be read or does not belong to this project."""


class DiskFullError(InsarprojError):
    """The disk (or quota) is full, or the file system is read-only, while writing a file."""


# Errors of the storage itself, not of insarproj: the user frees space, raises a quota or
# remounts, then re-runs; what was recorded before stays recorded.
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})
_STORAGE_WHAT = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
}


def storage_error(
    exc: BaseException, path: object | None = None, *, rerun: str = "insarproj apply"
) -> DiskFullError | None:
    """A DiskFullError naming ``path`` (or the exception's own file name) when ``exc`` is an
    OSError of the storage (full disk, quota, read-only); None for any other error."""
    if not isinstance(exc, OSError) or exc.errno not in STORAGE_ERRNOS:
        return None
    where = path if path is not None else exc.filename
    target = f" writing {where}" if where else ""
    fix = "remount it writable" if exc.errno == errno.EROFS else "free space"
    return DiskFullError(
        f"{_STORAGE_WHAT[exc.errno]}{target}",
        hint=f"nothing recorded was lost; {fix} and re-run `{rerun}`",
    )


class StalePlanError(InsarprojError):
    """A saved plan no longer matches state, config or version."""


class LockHeldError(InsarprojError):
    exit_code = ExitCode.LOCKED


class UnsafePathError(InsarprojError):
    """A path from a server, state or the journal that would leave the data folder (docs/safety.md)."""


class UsageError(InsarprojError):
    exit_code = ExitCode.USAGE


class ProviderError(InsarprojError):
    """A remote service failed; never means "absent" or "done" (docs/safety.md)."""

    def __init__(self, message: str, *, service: str = "", hint: str | None = None) -> None:
        self.service = service
        super().__init__(message, hint=hint)


class NetworkError(ProviderError):
    """Connection failed, timed out, or the server answered 5xx/429 past the retry budget."""


class AuthError(ProviderError):
    """Credentials missing or refused (401/403, login page instead of data, EULA)."""


class VerificationError(InsarprojError):
    """A file failed its size / checksum / archive check."""


class InsufficientSpaceError(InsarprojError):
    """Free disk space does not cover the bytes still to download."""
