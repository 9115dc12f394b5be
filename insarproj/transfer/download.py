"""insarproj's own verified, resumable downloader (docs/safety.md: temp name, verify, rename).

Why not asf_search's ``ASFProduct.download`` or hyp3_sdk's ``Job.download_files``: both stream
straight into the final path, skip a file that exists by name alone, and never verify. A transfer
cut short, or an Earthdata login page served with status 200, is then left under the real name
and passes as a zip on every later run. Here every byte goes to ``<dest>.part``; a ``.part`` left by
a crash or a dropped connection is resumed with ``Range``; the result is checked (size, MD5 when the
catalog gives one, zip/TIFF structure) and only then renamed onto ``dest``. A file is therefore at
``dest`` if and only if it verified.

Concurrency is the caller's: several threads may call :meth:`Downloader.fetch` on one shared
session. Calls for the same destination are serialised (the second adopts what the first wrote).
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import requests

from insarproj.endpoints import is_presigned_url, redact_url
from insarproj.errors import (
    AuthError,
    InsarprojError,
    InsufficientSpaceError,
    NetworkError,
    ProviderError,
    VerificationError,
)
from insarproj.transfer.disk import check_free_space, part_path, place_copy, publish, start_writeback
from insarproj.transfer.progress import NullProgress, ProgressSink
from insarproj.transfer.retry import (
    TRANSIENT_ERRORS,
    RetryPolicy,
    describe,
    is_permanent,
    parse_retry_after,
)
from insarproj.transfer.verify import DEFAULT_LOGIN_HOST, check_file

log = logging.getLogger(__name__)

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
_UNSATISFIED_RANGE = re.compile(r"^\s*bytes\s+\*/(\d+)\s*$", re.IGNORECASE)
# Read, write and hash unit: small enough to stay in the CPU cache between the three steps (1 MiB
# blocks cost about a third more CPU per GiB), large enough that the per-block system calls and
# GIL hand-offs between the download threads stay few: 256 KiB took ~20 % less system CPU per GiB
# than 64 KiB (8 x 128 MiB from the sandbox, 4 threads; 512 KiB no better, 1 MiB far worse).
_BLOCK = 256 << 10
# Written bytes after which the kernel is asked to start putting them on disk (disk.start_writeback).
_WRITEBACK_STEP = 16 << 20


@dataclass(frozen=True)
class DownloadSpec:
    url: str
    dest: Path
    size: int | None
    md5: str | None
    kind: Literal["zip", "tiff", "any"] = "any"
    label: str = ""  # shown in progress and errors (e.g. the granule); defaults to the file name
    expected_shape: tuple[int, int] | None = None  # (rows, cols) of a TIFF, checked when rasterio is there
    method: Literal["GET", "POST"] = "GET"  # POST: CDSE's on-demand burst extraction (docs/cdse.md)

    @property
    def name(self) -> str:
        return self.label or Path(self.dest).name


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    size: int
    md5: str
    bytes_transferred: int  # bytes received by this call, including any it had to discard
    resumed_from: int  # bytes of the final file inherited from a .part left by an earlier run
    adopted: bool  # True when no transfer happened: an existing verified file was taken


class DownloadCancelled(InsarprojError):
    """The caller's cancel event was set; the ``.part`` is kept so the next run resumes."""

    def __init__(self, label: str, part: Path, kept: int) -> None:
        self.label = label
        self.part = part
        self.kept = kept
        super().__init__(f"{label}: download cancelled; {kept} bytes kept in {part} for the next run")


# --- control flow between one attempt and the retry loop -------------------------------------


class _Transient(Exception):
    """Worth another attempt; the bytes already in .part are kept."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Restart(Exception):
    """The .part cannot be continued: discard it and count an attempt. ``error`` is raised when
    the budget is spent."""

    def __init__(self, error: InsarprojError) -> None:
        super().__init__(str(error))
        self.error = error


class _Accepted(Exception):
    """HTTP 202: the server is preparing the file (ASF extracts bursts on demand)."""

    def __init__(self, retry_after: float | None) -> None:
        super().__init__("202 Accepted")
        self.retry_after = retry_after


@dataclass
class _Hash:
    """MD5 of the first ``length`` bytes of the .part, kept in step with what is written."""

    digest: Any = field(default_factory=lambda: hashlib.md5(usedforsecurity=False))
    length: int = 0


@dataclass
class _Run:
    """Book-keeping of one fetch call."""

    spec: DownloadSpec
    part: Path
    cancel: threading.Event | None
    transferred: int = 0
    inherited: int = 0  # bytes of the .part that came from an earlier run and are still in it
    high_water: int = 0
    failures: int = 0  # consecutive failed attempts without new bytes
    accepted_waits: int = 0
    hash: _Hash = field(default_factory=_Hash)
    progress_started: bool = False


_dest_locks: dict[Path, threading.Lock] = {}
_dest_locks_guard = threading.Lock()


def _lock_for(dest: Path) -> threading.Lock:
    key = Path(dest).absolute()
    with _dest_locks_guard:
        return _dest_locks.setdefault(key, threading.Lock())


class Downloader:
    """Fetches each :class:`DownloadSpec` into place with resume, retries and verification.

    ``retries`` bounds consecutive failed attempts that brought no new bytes (a dropped connection
    that still advanced the ``.part`` does not use up the budget, so a multi-gigabyte scene on a
    flaky link finishes); a verification failure always counts. ``accepted_retries`` is the
    separate, generous budget for HTTP 202 while a server prepares a file.
    """

    def __init__(
        self,
        session: requests.Session,
        *,
        retries: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        timeout: float = 60.0,
        chunk_size: int = 1 << 20,  # progress is reported once per chunk_size bytes; reads are <= _BLOCK
        progress: ProgressSink | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        accepted_retries: int = 60,
        login_host: str | None = None,
        auth_service: str = "urs",
        auth_hint: str | None = None,
    ) -> None:
        self._session = session
        # Who refused a download and what to check: Earthdata by default, CDSE for its session.
        self._auth_service = auth_service
        self._auth_hint = auth_hint
        self._retries = retries
        # Jittered: many parallel downloads hitting one throttled host must not retry in step.
        self._policy = RetryPolicy(
            first=backoff,
            ceiling=max_backoff,
            jitter=True,
            max_retry_after=max_backoff,
            rng=rng or random.Random(),
        )
        self._timeout = timeout
        self._chunk_size = chunk_size
        self._progress: ProgressSink = progress or NullProgress()
        self._sleep = sleep
        self._accepted_retries = accepted_retries
        self._login_host = login_host or getattr(session, "login_host", None) or DEFAULT_LOGIN_HOST

    # --- public ---------------------------------------------------------------------------

    def fetch(self, spec: DownloadSpec, *, cancel: threading.Event | None = None) -> DownloadResult:
        dest = Path(spec.dest)
        with _lock_for(dest):
            adopted = adopt_existing(spec, (), login_host=self._login_host)
            if adopted is not None:
                log.info("%s: %s already verified, not downloading", spec.name, dest)
                return adopted
            dest.parent.mkdir(parents=True, exist_ok=True)
            run = _Run(spec=spec, part=part_path(dest), cancel=cancel)
            ok = False
            try:
                result = self._download(run)
                ok = True
                return result
            finally:
                if run.progress_started:
                    self._progress.finish(spec.name, ok)

    # --- the retry loop -------------------------------------------------------------------

    def _download(self, run: _Run) -> DownloadResult:
        spec, part = run.spec, run.part
        offset = self._usable_offset(run)
        run.inherited = run.high_water = offset
        if spec.size is not None:
            check_free_space(part.parent, spec.size - offset)
        while True:
            self._check_cancel(run)
            offset = self._usable_offset(run)
            try:
                self._attempt(run, offset)
            except _Transient as exc:
                progressed = self._progressed(run)
                self._after_failure(run, exc.reason, retry_after=exc.retry_after, progressed=progressed)
                continue
            except _Restart as exc:
                self._discard(run)
                self._after_failure(run, exc.error.message, error=exc.error)
                continue
            except _Accepted as exc:
                self._after_accepted(run, exc.retry_after)
                continue
            except AuthError:
                self._discard(run)
                raise

            try:
                digest = check_file(
                    part,
                    size=spec.size,
                    md5=spec.md5,
                    kind=spec.kind,
                    expected_shape=spec.expected_shape,
                    login_host=self._login_host,
                    actual_md5=self._digest_if_current(run),
                    label=spec.name,
                )
            except AuthError:
                self._discard(run)
                raise
            except VerificationError as exc:
                self._discard(run)
                self._after_failure(run, exc.message, error=exc)
                continue

            size = part.stat().st_size
            publish(part, Path(spec.dest))
            return DownloadResult(
                path=Path(spec.dest),
                size=size,
                md5=digest,
                bytes_transferred=run.transferred,
                resumed_from=run.inherited,
                adopted=False,
            )

    def _after_failure(
        self,
        run: _Run,
        reason: str,
        *,
        retry_after: float | None = None,
        progressed: bool = False,
        error: InsarprojError | None = None,
    ) -> None:
        """Count the failure (unless it brought new bytes), give up past the budget, else wait."""
        run.failures = 1 if progressed else run.failures + 1
        if run.failures > self._retries:
            url = redact_url(run.spec.url)
            if error is not None:
                raise type(error)(
                    f"{error.message.rstrip('.')} (gave up after {run.failures} attempts at {url})",
                    hint=error.hint,
                )
            kept = run.part.stat().st_size if run.part.exists() else 0
            raise NetworkError(
                f"{run.spec.name}: downloading {url} failed {run.failures} times in a row; "
                f"last error: {reason}",
                hint=f"re-run to resume from the {kept} bytes kept in {run.part}" if kept else "re-run later",
            )
        delay = self._policy.delay(run.failures - 1, retry_after=retry_after)
        log.info(
            "%s: %s; retrying in %.1f s (failure %d in a row, at most %d)",
            run.spec.name,
            reason,
            delay,
            run.failures,
            self._retries,
        )
        self._wait(delay, run)

    def _after_accepted(self, run: _Run, retry_after: float | None) -> None:
        run.accepted_waits += 1
        if run.accepted_waits > self._accepted_retries:
            raise NetworkError(
                f"{run.spec.name}: {redact_url(run.spec.url)} kept answering 202 (file being prepared) "
                f"after {run.accepted_waits} polls",
                hint="re-run later",
            )
        delay = self._policy.delay(run.accepted_waits - 1, retry_after=retry_after)
        log.info("%s: the server is preparing the file; polling again in %.1f s", run.spec.name, delay)
        self._wait(delay, run)

    def _wait(self, delay: float, run: _Run) -> None:
        if delay > 0:
            if run.cancel is not None and self._sleep is time.sleep:
                run.cancel.wait(delay)  # wakes at once on Ctrl-C instead of sleeping out the backoff
            else:
                self._sleep(delay)
        self._check_cancel(run)

    # --- one attempt ----------------------------------------------------------------------

    def _attempt(self, run: _Run, offset: int) -> None:
        spec = run.spec
        url = redact_url(spec.url)
        headers = {"Accept-Encoding": "identity"}  # byte offsets and MD5 refer to the stored bytes
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            if spec.method == "GET":
                response = self._session.get(spec.url, headers=headers, stream=True, timeout=self._timeout)
            else:
                response = self._session.request(
                    spec.method, spec.url, headers=headers, stream=True, timeout=self._timeout
                )
        except requests.exceptions.TooManyRedirects:
            raise ProviderError(
                f"{spec.name}: {url} redirects in a loop", hint="report it to the data provider"
            ) from None
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ):
            raise ProviderError(f"{spec.name}: {url} is not a valid download URL") from None
        except TRANSIENT_ERRORS as exc:
            if is_permanent(exc):
                raise NetworkError(
                    f"{spec.name}: cannot connect to {url} ({describe(exc)})",
                    hint="check REQUESTS_CA_BUNDLE / the system CA certificates",
                ) from None
            raise _Transient(describe(exc)) from None
        except requests.exceptions.RequestException as exc:
            raise ProviderError(f"{spec.name}: requesting {url} failed ({describe(exc)})") from None
        with response:
            start, mode = self._body_start(run, response, offset)
            if mode is None:
                return
            self._receive(run, response, start, mode)

    def _body_start(self, run: _Run, response: requests.Response, offset: int) -> tuple[int, str | None]:
        """Decide from the status where the body goes: (offset, file mode), or mode None when the
        .part is already complete. Raises the control exceptions for everything else."""
        spec = run.spec
        url = redact_url(spec.url)
        status = response.status_code
        if status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if match is None or int(match.group(1)) != offset:
                got = response.headers.get("Content-Range", "none")
                raise _Restart(
                    VerificationError(
                        f"{spec.name}: {url} answered Range bytes={offset}- with Content-Range {got}"
                    )
                )
            total = None if match.group(3) == "*" else int(match.group(3))
            if spec.size is not None and total is not None and total != spec.size:
                raise _Restart(
                    VerificationError(
                        f"{spec.name}: {url} serves {total} bytes but {spec.size} were expected"
                    )
                )
            return offset, "ab"
        if status == 200:
            if offset:
                log.info("%s: %s ignored the Range request; downloading from the start", spec.name, url)
            return 0, "wb"
        if status == 416:
            match = _UNSATISFIED_RANGE.match(response.headers.get("Content-Range", ""))
            total = int(match.group(1)) if match else None
            if offset and (offset == spec.size or (spec.size is None and total == offset)):
                return offset, None
            raise _Restart(VerificationError(f"{spec.name}: {url} refused Range bytes={offset}- (HTTP 416)"))
        if status == 202:
            raise _Accepted(parse_retry_after(response.headers.get("Retry-After")))
        if status in (401, 403) and is_presigned_url(response.url):
            # No credentials go to storage hosts, so this is not about the user's login: an
            # expired link or a private object. The .part stays valid for a re-run.
            raise ProviderError(
                f"{spec.name}: the storage server {redact_url(response.url)} refused access (HTTP {status})",
                hint="a presigned link may have expired or the object is not public; re-run for a new link",
            )
        if status in (401, 403):
            raise self._auth_error(spec, status)
        if status in (404, 410):
            raise ProviderError(
                f"{spec.name}: {url} answered HTTP {status}: the file is not there",
                hint="the product may have expired or been removed; refresh the plan",
            )
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise _Transient(f"{url} answered HTTP {status}", retry_after=retry_after)
        raise ProviderError(f"{spec.name}: {url} answered HTTP {status} {response.reason or ''}".rstrip())

    def _auth_error(self, spec: DownloadSpec, status: int) -> AuthError:
        found = getattr(self._session, "credentials", "unknown")
        who = "CDSE" if self._auth_service == "cdse" else "Earthdata"
        missing = f"; no {who} credentials were found" if found is None else ""
        return AuthError(
            f"{spec.name}: {redact_url(spec.url)} refused access (HTTP {status}){missing}",
            service=self._auth_service,
            hint=self._auth_hint
            or (
                f"check your Earthdata credentials (~/.netrc machine {self._login_host} or EARTHDATA_TOKEN) "
                "and accept the ASF EULA"
            ),
        )

    def _receive(self, run: _Run, response: requests.Response, start: int, mode: str) -> None:
        spec = run.spec
        if mode == "wb":
            run.inherited = 0
            run.hash = _Hash()
        elif run.hash.length != start:
            run.hash = _rehash_prefix(run.part, start)
        self._progress.start(spec.name, spec.size, start)
        run.progress_started = True
        # Unbuffered: every block goes to the kernel in one write; nothing waits in a Python buffer.
        with open(run.part, mode, buffering=0) as handle:
            self._copy_body(run, response, handle)

    def _copy_body(self, run: _Run, response: requests.Response, handle: Any) -> None:
        """Read, write and hash the body block by block; report progress every ``chunk_size``.

        Blocks are small (``_BLOCK``) so that each one is still in the CPU cache when it is
        written and hashed: with 1 MiB blocks the copy into the page cache alone took about a third
        of the downloader's CPU (perf, 8 x 128 MiB from the sandbox), with 64 KiB about 4 %; 256 KiB
        keeps that and makes a quarter of 64 KiB's system calls.
        """
        spec = run.spec
        blocks = _body_chunks(response, min(self._chunk_size, _BLOCK))
        unreported = unsynced = 0
        try:
            while True:
                if run.cancel is not None and run.cancel.is_set():
                    raise DownloadCancelled(spec.name, run.part, handle.tell())
                try:
                    block = next(blocks)
                except StopIteration:
                    break
                except _BodyCut as exc:
                    raise _Transient(f"connection lost after {handle.tell()} bytes ({exc})") from None
                except TRANSIENT_ERRORS as exc:
                    reason = f"connection lost after {handle.tell()} bytes ({describe(exc)})"
                    raise _Transient(reason) from None
                try:
                    _write_all(handle, block)
                except OSError as exc:
                    raise _write_error(spec.name, run.part, exc) from None
                run.hash.digest.update(block)  # releases the GIL (blocks are over 2 KiB)
                run.hash.length += len(block)
                run.transferred += len(block)
                unreported += len(block)
                unsynced += len(block)
                if unsynced >= _WRITEBACK_STEP:
                    start_writeback(handle.fileno())
                    unsynced = 0
                if unreported >= self._chunk_size:
                    self._progress.advance(spec.name, unreported)
                    unreported = 0
        finally:
            if unreported:  # what was written and hashed is reported, however the loop ended
                self._progress.advance(spec.name, unreported)

    # --- helpers --------------------------------------------------------------------------

    def _usable_offset(self, run: _Run) -> int:
        """Bytes of the .part that can be continued (a .part longer than the file is discarded)."""
        try:
            have = run.part.stat().st_size
        except FileNotFoundError:
            return 0
        if run.spec.size is not None and have > run.spec.size:
            log.info("%s: %s is longer than the file; starting again", run.spec.name, run.part)
            self._discard(run)
            return 0
        return have

    def _progressed(self, run: _Run) -> bool:
        have = run.part.stat().st_size if run.part.exists() else 0
        if have > run.high_water:
            run.high_water = have
            return True
        return False

    def _digest_if_current(self, run: _Run) -> str | None:
        have = run.part.stat().st_size if run.part.exists() else -1
        return run.hash.digest.hexdigest() if run.hash.length == have else None

    def _discard(self, run: _Run) -> None:
        run.part.unlink(missing_ok=True)
        run.inherited = 0
        run.hash = _Hash()

    def _check_cancel(self, run: _Run) -> None:
        if run.cancel is not None and run.cancel.is_set():
            kept = run.part.stat().st_size if run.part.exists() else 0
            raise DownloadCancelled(run.spec.name, run.part, kept)


class _BodyCut(Exception):
    """The body ended before its Content-Length (or a read on the socket failed)."""


def _body_chunks(response: requests.Response, size: int) -> Iterator[bytes | memoryview]:
    """The body's bytes as they are stored (never decoded), ``size`` bytes at a time at most.

    A real connection is read with ``readinto`` into one reused buffer, below urllib3's per-read
    copy: each chunk is valid until the next one is asked for. Anything else (a test double's
    body, a response urllib3 has already read from) goes through urllib3's stream.
    """
    raw = response.raw
    fp = getattr(raw, "_fp", None)
    if not isinstance(fp, http.client.HTTPResponse) or raw.tell() != 0:
        yield from (chunk for chunk in raw.stream(size, decode_content=False) if chunk)
        return
    view = memoryview(bytearray(size))
    while True:
        try:
            n = fp.readinto(view)
        except (OSError, http.client.HTTPException) as exc:  # what urllib3 would wrap as ProtocolError
            raise _BodyCut(describe(exc)) from None
        if not n:
            break
        yield view[:n]
    if fp.length:  # http.client ends a body cut short without an error; urllib3 would raise
        raise _BodyCut(f"the body ended {fp.length} bytes before its Content-Length")


def _write_all(handle: Any, chunk: bytes | memoryview) -> None:
    view = memoryview(chunk)
    while view:
        written = handle.write(view)
        view = view[written:]


def _write_error(label: str, part: Path, exc: OSError) -> InsarprojError:
    """The .part stays: whatever was written is valid and the next run resumes from it."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return InsufficientSpaceError(
            f"{label}: the disk holding {part} filled up during the download ({exc.strerror})",
            hint="free some space and re-run; the transfer resumes where it stopped",
        )
    return InsarprojError(
        f"{label}: cannot write {part} ({exc.strerror})", hint="check the folder's permissions"
    )


def _rehash_prefix(part: Path, length: int) -> _Hash:
    """MD5 state for the first ``length`` bytes already in ``part`` (read once per resume)."""
    state = _Hash()
    with open(part, "rb") as handle:
        remaining = length
        while remaining:
            block = handle.read(min(1 << 20, remaining))
            if not block:
                break
            state.digest.update(block)
            state.length += len(block)
            remaining -= len(block)
    return state


def adopt_existing(
    spec: DownloadSpec, candidates: Iterable[Path], *, login_host: str = DEFAULT_LOGIN_HOST
) -> DownloadResult | None:
    """Take a verified file already at ``spec.dest``, or in one of ``candidates`` (files, or folders
    holding a file of the same name), instead of downloading it.

    A file is taken only when it passes every check the spec allows and at least one of size and
    MD5 is known (a name alone proves nothing). A candidate elsewhere is hard-linked, or copied,
    into ``dest`` through a temporary name.
    """
    if spec.md5 is None and spec.size is None:
        return None
    dest = Path(spec.dest)
    seen: set[Path] = set()
    for raw in (dest, *candidates):
        path = Path(raw)
        if path.is_dir():
            path = path / dest.name
        key = path.absolute()
        if key in seen or not path.is_file():
            continue
        seen.add(key)
        size = path.stat().st_size
        if spec.size is not None and size != spec.size:
            continue
        try:
            digest = check_file(
                path,
                size=spec.size,
                md5=spec.md5,
                kind=spec.kind,
                expected_shape=spec.expected_shape,
                login_host=login_host,
                label=spec.name,
            )
        except InsarprojError as exc:
            log.debug("%s: not adopting %s: %s", spec.name, path, exc)
            continue
        if not (dest.exists() and path.samefile(dest)):
            place_copy(path, dest)
            log.info("%s: adopted %s", spec.name, path)
        return DownloadResult(
            path=dest, size=size, md5=digest, bytes_transferred=0, resumed_from=0, adopted=True
        )
    return None
