"""Downloader.fetch against `responses` callbacks that honour Range and inject faults."""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import responses
from transfer_helpers import DATA_URL, LOGIN_PAGE, TOKEN, FileServer, Sleeps, make_tiff, make_zip, md5_hex

from insarproj.endpoints import Endpoints, resolve_endpoints
from insarproj.errors import AuthError, InsufficientSpaceError, NetworkError, ProviderError, VerificationError
from insarproj.transfer import (
    DownloadCancelled,
    Downloader,
    DownloadSpec,
    EarthdataCredentials,
    NullProgress,
    adopt_existing,
    make_session,
)
from insarproj.transfer.session import EarthdataSession

ZIP = make_zip(10_000)

# Fixtures live here rather than in a conftest.py: tests/ modules import the root conftest by
# name, and a second module called conftest would shadow it.


@pytest.fixture
def endpoints() -> Endpoints:
    return resolve_endpoints({}, environ={})


@pytest.fixture
def credentials() -> EarthdataCredentials:
    return EarthdataCredentials.from_token(TOKEN)


@pytest.fixture
def session(endpoints: Endpoints, credentials: EarthdataCredentials) -> Iterator[EarthdataSession]:
    s = make_session(endpoints, credentials, user_agent="insarproj-tests")
    yield s
    s.close()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    # assert_all_requests_are_fired=False: several tests register hops that a fault short-cuts.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_downloader(session: EarthdataSession, sleeps: Sleeps) -> Callable[..., Downloader]:
    def build(**kwargs: object) -> Downloader:
        options: dict[str, object] = {
            "sleep": sleeps,
            "rng": random.Random(1),
            "chunk_size": 1000,
            "retries": 3,
        }
        options.update(kwargs)
        return Downloader(options.pop("session", session), **options)  # type: ignore[arg-type]

    return build


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "data" / "S1A_TEST.zip"


def serve(mocked: responses.RequestsMock, server: FileServer, url: str = DATA_URL) -> FileServer:
    mocked.add_callback(responses.GET, url, callback=server)
    return server


def spec_for(dest: Path, data: bytes = ZIP, **kw: object) -> DownloadSpec:
    options: dict[str, object] = {"size": len(data), "md5": md5_hex(data), "kind": "zip", "label": "S1A_TEST"}
    options.update(kw)
    return DownloadSpec(url=str(options.pop("url", DATA_URL)), dest=dest, **options)  # type: ignore[arg-type]


def part_of(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def test_happy_path_verifies_and_renames(mocked, make_downloader, dest: Path) -> None:
    server = serve(mocked, FileServer(ZIP))
    result = make_downloader().fetch(spec_for(dest))

    assert dest.read_bytes() == ZIP
    assert not part_of(dest).exists()
    assert (result.path, result.size, result.md5) == (dest, len(ZIP), md5_hex(ZIP))
    assert (result.bytes_transferred, result.resumed_from, result.adopted) == (len(ZIP), 0, False)
    (request,) = server.requests
    assert "Range" not in request.headers
    assert request.headers["Accept-Encoding"] == "identity"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_resume_after_mid_body_failure_transfers_only_the_rest(mocked, make_downloader, dest, sleeps) -> None:
    server = serve(mocked, FileServer(ZIP, faults=[("drop", 4000)]))
    result = make_downloader().fetch(spec_for(dest))

    assert server.ranges == [None, "bytes=4000-"]
    assert server.body_bytes_sent == len(ZIP)
    assert result.bytes_transferred == len(ZIP)
    assert dest.read_bytes() == ZIP
    assert len(sleeps) == 1


def test_truncated_body_is_resumed(mocked, make_downloader, dest) -> None:
    class Truncating(FileServer):
        def __call__(self, request):  # type: ignore[no-untyped-def]
            status, headers, body = super().__call__(request)
            if len(self.requests) == 1:  # first answer: full Content-Length, half the body
                return status, headers, body[:3000]
            return status, headers, body

    server = serve(mocked, Truncating(ZIP))
    result = make_downloader().fetch(spec_for(dest))
    assert server.ranges == [None, "bytes=3000-"]
    assert result.bytes_transferred == len(ZIP)
    assert dest.read_bytes() == ZIP


def test_part_left_by_an_earlier_run_is_resumed(mocked, make_downloader, dest) -> None:
    dest.parent.mkdir(parents=True)
    part_of(dest).write_bytes(ZIP[:2500])
    server = serve(mocked, FileServer(ZIP))
    result = make_downloader().fetch(spec_for(dest))

    assert server.ranges == ["bytes=2500-"]
    assert (result.resumed_from, result.bytes_transferred) == (2500, len(ZIP) - 2500)
    assert result.md5 == md5_hex(ZIP)
    assert dest.read_bytes() == ZIP


def test_part_longer_than_the_file_is_discarded(mocked, make_downloader, dest) -> None:
    dest.parent.mkdir(parents=True)
    part_of(dest).write_bytes(ZIP + b"extra")
    server = serve(mocked, FileServer(ZIP))
    make_downloader().fetch(spec_for(dest))
    assert server.ranges == [None]
    assert dest.read_bytes() == ZIP


def test_complete_part_answered_416_goes_to_verification(mocked, make_downloader, dest) -> None:
    dest.parent.mkdir(parents=True)
    part_of(dest).write_bytes(ZIP)
    server = serve(mocked, FileServer(ZIP))
    result = make_downloader().fetch(spec_for(dest))
    assert server.ranges == [f"bytes={len(ZIP)}-"]
    assert (result.bytes_transferred, result.resumed_from) == (0, len(ZIP))
    assert dest.read_bytes() == ZIP


def test_server_ignoring_range_restarts_from_zero(mocked, make_downloader, dest) -> None:
    server = serve(mocked, FileServer(ZIP, honour_range=False, faults=[("drop", 4000)]))
    result = make_downloader().fetch(spec_for(dest))
    assert server.ranges == [None, "bytes=4000-"]
    assert result.bytes_transferred == 4000 + len(ZIP)
    assert dest.read_bytes() == ZIP


def test_wrong_md5_is_redownloaded_then_refused(mocked, make_downloader, dest, sleeps) -> None:
    server = serve(mocked, FileServer(ZIP))
    wanted = "0" * 32
    with pytest.raises(VerificationError) as caught:
        make_downloader(retries=2).fetch(spec_for(dest, md5=wanted))

    assert server.ranges == [None, None, None]  # each retry starts from 0
    message = str(caught.value)
    assert wanted in message and md5_hex(ZIP) in message
    assert not dest.exists() and not part_of(dest).exists()
    assert len(sleeps) == 2


def test_login_page_is_an_auth_error_and_leaves_nothing(mocked, make_downloader, dest) -> None:
    server = serve(mocked, FileServer(LOGIN_PAGE, content_type="text/html"))
    with pytest.raises(AuthError) as caught:
        make_downloader().fetch(spec_for(dest, size=len(ZIP), md5=md5_hex(ZIP)))
    message = str(caught.value)
    assert "login page instead of data" in message
    assert "~/.netrc machine urs.earthdata.nasa.gov" in message and "EARTHDATA_TOKEN" in message
    assert "EULA" in message
    assert len(server.requests) == 1
    assert not dest.exists() and not part_of(dest).exists()
    assert not list(dest.parent.iterdir())


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_fail_at_once(mocked, make_downloader, dest, status, sleeps) -> None:
    dest.parent.mkdir(parents=True)
    part_of(dest).write_bytes(ZIP[:1000])
    server = serve(mocked, FileServer(ZIP, faults=[("status", status, {}, b"denied")]))
    with pytest.raises(AuthError, match=f"HTTP {status}"):
        make_downloader().fetch(spec_for(dest))
    assert len(server.requests) == 1
    assert sleeps == []
    assert not part_of(dest).exists() and not dest.exists()


def test_403_from_presigned_storage_is_not_blamed_on_credentials(mocked, make_downloader, dest) -> None:
    presigned = "https://bucket.s3.amazonaws.com/S1A_TEST.zip?X-Amz-Signature=sigsecret"
    mocked.add(responses.GET, DATA_URL, status=307, headers={"Location": presigned})
    mocked.add(responses.GET, presigned.split("?")[0], status=403, body=b"<Error>AccessDenied</Error>")
    with pytest.raises(ProviderError) as caught:
        make_downloader().fetch(spec_for(dest))
    assert not isinstance(caught.value, AuthError)
    assert "storage server https://bucket.s3.amazonaws.com/S1A_TEST.zip refused" in str(caught.value)
    assert "sigsecret" not in str(caught.value)


def test_429_honours_retry_after_seconds(mocked, make_downloader, dest, sleeps) -> None:
    serve(mocked, FileServer(ZIP, faults=[("status", 429, {"Retry-After": "7"})]))
    make_downloader().fetch(spec_for(dest))
    assert sleeps == [7.0]


def test_429_retry_after_date_is_capped(mocked, make_downloader, dest, sleeps) -> None:
    later = email.utils.formatdate(time.time() + 3600, usegmt=True)
    serve(mocked, FileServer(ZIP, faults=[("status", 429, {"Retry-After": later})]))
    make_downloader(max_backoff=12.0).fetch(spec_for(dest))
    assert sleeps == [12.0]


def test_5xx_is_retried_with_jittered_backoff(mocked, make_downloader, dest, sleeps) -> None:
    server = serve(mocked, FileServer(ZIP, faults=[("status", 503), ("status", 500), ("status", 502)]))
    result = make_downloader(backoff=2.0, max_backoff=5.0).fetch(spec_for(dest))
    assert len(server.requests) == 4 and result.size == len(ZIP)
    assert len(sleeps) == 3
    for attempt, slept in enumerate(sleeps):
        assert 0.0 <= slept <= min(5.0, 2.0 * 2**attempt)


def test_5xx_past_the_budget_is_a_network_error(mocked, make_downloader, dest) -> None:
    url = DATA_URL + "?X-Amz-Signature=sigsecret"
    server = serve(mocked, FileServer(ZIP, faults=[("status", 503)] * 10), url=url)
    with pytest.raises(NetworkError) as caught:
        make_downloader(retries=2).fetch(spec_for(dest, url=url))
    assert len(server.requests) == 3
    assert "HTTP 503" in str(caught.value) and "sigsecret" not in str(caught.value)


def test_404_names_the_url_without_its_query(mocked, make_downloader, dest) -> None:
    url = "https://bucket.s3.amazonaws.com/S1A_TEST.zip?X-Amz-Signature=sigsecret&X-Amz-Credential=cred"
    serve(mocked, FileServer(ZIP, faults=[("status", 404)]), url=url)
    with pytest.raises(ProviderError) as caught:
        make_downloader().fetch(spec_for(dest, url=url))
    message = str(caught.value)
    assert "https://bucket.s3.amazonaws.com/S1A_TEST.zip" in message and "HTTP 404" in message
    assert "sigsecret" not in message and "cred" not in message


def test_202_waits_on_its_own_budget(mocked, make_downloader, dest, sleeps) -> None:
    accepted = [("status", 202, {"Retry-After": "3"})] * 6
    server = serve(mocked, FileServer(ZIP, faults=accepted))
    make_downloader(retries=1).fetch(spec_for(dest))  # 6 waits > retries: a separate budget
    assert len(server.requests) == 7
    assert sleeps == [3.0] * 6


def test_202_forever_gives_up(mocked, make_downloader, dest) -> None:
    serve(mocked, FileServer(ZIP, faults=[("status", 202)] * 10))
    with pytest.raises(NetworkError, match="202"):
        make_downloader(accepted_retries=3).fetch(spec_for(dest))


def test_connect_errors_are_retried(mocked, make_downloader, dest, sleeps) -> None:
    import requests

    server = FileServer(ZIP)
    mocked.add(responses.GET, DATA_URL, body=requests.exceptions.ConnectTimeout("timed out"))
    mocked.add_callback(responses.GET, DATA_URL, callback=server)
    make_downloader().fetch(spec_for(dest))
    assert len(sleeps) == 1 and dest.read_bytes() == ZIP


def test_progress_through_failures_does_not_use_up_the_budget(mocked, make_downloader, dest) -> None:
    # Every attempt gets 1000 bytes further before the connection drops: 7 attempts, budget of 1.
    server = serve(mocked, FileServer(ZIP, faults=[("drop", 1000)] * 6))
    result = make_downloader(retries=1).fetch(spec_for(dest))
    assert len(server.requests) == 7 and result.bytes_transferred == len(ZIP)


def test_no_progress_failures_use_up_the_budget(mocked, make_downloader, dest) -> None:
    server = serve(mocked, FileServer(ZIP, honour_range=False, faults=[("drop", 1000)] * 6))
    with pytest.raises(NetworkError, match="connection lost"):
        make_downloader(retries=2).fetch(spec_for(dest))
    # Restarting from 0 never gets past the first 1000 bytes: three failures in a row, then give up.
    assert len(server.requests) == 3


def test_corrupt_zip_without_md5_fails_verification(mocked, make_downloader, dest) -> None:
    broken = bytearray(ZIP)
    broken[len(broken) // 2] ^= 0xFF  # inside the stored member: CRC mismatch
    serve(mocked, FileServer(bytes(broken)))
    with pytest.raises(VerificationError, match="CRC"):
        make_downloader(retries=0).fetch(spec_for(dest, data=bytes(broken), md5=None))
    assert not dest.exists() and not part_of(dest).exists()


def test_not_a_zip_fails_verification(mocked, make_downloader, dest) -> None:
    junk = b"PK\x03\x04" + b"\x00" * 500
    serve(mocked, FileServer(junk))
    with pytest.raises(VerificationError, match="not a readable zip"):
        make_downloader(retries=0).fetch(spec_for(dest, data=junk, md5=None))


def test_tiff_download_checks_magic_and_shape(mocked, make_downloader, tmp_path) -> None:
    tiff = make_tiff(4, 5)
    url = "https://copernicus-dem-30m.s3.amazonaws.com/tile/tile.tif"
    serve(mocked, FileServer(tiff, content_type="image/tiff"), url=url)
    dest = tmp_path / "tile.tif"
    result = make_downloader().fetch(
        DownloadSpec(url=url, dest=dest, size=None, md5=None, kind="tiff", expected_shape=(4, 5))
    )
    assert result.md5 == md5_hex(tiff)
    assert "Authorization" not in mocked.calls[0].request.headers  # storage host: never credentials


def test_tiff_that_is_not_a_tiff_fails(mocked, make_downloader, tmp_path) -> None:
    url = "https://copernicus-dem-30m.s3.amazonaws.com/tile/tile.tif"
    serve(mocked, FileServer(b"<?xml version='1.0'?><Error><Code>NoSuchKey</Code></Error>"), url=url)
    with pytest.raises(VerificationError, match="not a TIFF"):
        make_downloader(retries=0).fetch(
            DownloadSpec(url=url, dest=tmp_path / "t.tif", size=None, md5=None, kind="tiff")
        )


def test_adopt_hand_copied_file_without_request(mocked, dest, tmp_path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / dest.name).write_bytes(ZIP)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / dest.name).write_bytes(ZIP[:-1] + b"X")  # same size, wrong MD5: skipped

    result = adopt_existing(spec_for(dest), [tmp_path / "elsewhere", cache])
    assert result is not None and result.adopted and result.bytes_transferred == 0
    assert dest.read_bytes() == ZIP
    assert (cache / dest.name).read_bytes() == ZIP
    assert not [p for p in dest.parent.iterdir() if p.name != dest.name]  # no temp names left
    assert len(mocked.calls) == 0


def test_adopt_refuses_without_size_or_md5(dest, tmp_path) -> None:
    (tmp_path / dest.name).write_bytes(ZIP)
    assert adopt_existing(spec_for(dest, size=None, md5=None), [tmp_path]) is None


def test_fetch_adopts_a_verified_file_at_dest(mocked, make_downloader, dest) -> None:
    dest.parent.mkdir(parents=True)
    dest.write_bytes(ZIP)
    result = make_downloader().fetch(spec_for(dest))
    assert result.adopted and len(mocked.calls) == 0


def test_fetch_replaces_a_bad_file_at_dest(mocked, make_downloader, dest) -> None:
    dest.parent.mkdir(parents=True)
    dest.write_bytes(ZIP[:100])  # e.g. a truncated file left by asf_search
    serve(mocked, FileServer(ZIP))
    result = make_downloader().fetch(spec_for(dest))
    assert not result.adopted and dest.read_bytes() == ZIP


def test_free_space_refusal_happens_before_any_request(mocked, make_downloader, dest, monkeypatch) -> None:
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 500, 500))
    with pytest.raises(InsufficientSpaceError) as caught:
        make_downloader().fetch(spec_for(dest))
    message = str(caught.value)
    assert str(dest.parent) in message and f"{len(ZIP)} bytes" in message and "500 bytes" in message
    assert len(mocked.calls) == 0


def test_cancel_keeps_the_part_and_the_next_run_resumes(mocked, make_downloader, dest) -> None:
    cancel = threading.Event()

    class CancelAfterFirstChunk(NullProgress):
        def advance(self, label: str, n: int) -> None:
            super().advance(label, n)
            cancel.set()

    server = serve(mocked, FileServer(ZIP))
    with pytest.raises(DownloadCancelled) as caught:
        make_downloader(progress=CancelAfterFirstChunk()).fetch(spec_for(dest), cancel=cancel)
    assert not isinstance(caught.value, KeyboardInterrupt)
    kept = part_of(dest).stat().st_size
    assert kept == 1000 == caught.value.kept and not dest.exists()

    result = make_downloader().fetch(spec_for(dest))
    assert server.ranges[-1] == "bytes=1000-"
    assert result.resumed_from == 1000 and dest.read_bytes() == ZIP


def test_secrets_never_reach_errors_or_logs(mocked, make_downloader, dest, caplog, credentials) -> None:
    caplog.set_level(logging.DEBUG)
    url = DATA_URL + "?X-Amz-Signature=sigsecret"
    serve(mocked, FileServer(ZIP, faults=[("status", 503), ("drop", 1000), ("status", 401)]), url=url)
    with pytest.raises(ProviderError) as caught:
        make_downloader().fetch(spec_for(dest, url=url))
    texts = [str(caught.value), repr(caught.value), caplog.text, repr(credentials), str(credentials)]
    for text in texts:
        assert TOKEN not in text
        assert "sigsecret" not in text


def test_concurrent_fetches_share_one_session(mocked, make_downloader, tmp_path) -> None:
    payloads = {f"https://datapool.asf.alaska.edu/SLC/f{i}.zip": make_zip(5000, seed=i) for i in range(6)}
    servers = {url: serve(mocked, FileServer(data), url=url) for url, data in payloads.items()}
    sink = RecordingProgress()
    downloader = make_downloader(progress=sink)
    errors: list[BaseException] = []

    def run(url: str, data: bytes) -> None:
        try:
            downloader.fetch(spec_for(tmp_path / Path(url).name, data=data, url=url))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=item) for item in payloads.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for url, data in payloads.items():
        assert (tmp_path / Path(url).name).read_bytes() == data
        assert len(servers[url].requests) == 1
    assert [e for e in sink.events if e[0] == "finish"] == [("finish", "S1A_TEST", True)] * 6


def test_same_destination_twice_downloads_once(mocked, make_downloader, dest) -> None:
    gate = threading.Event()
    server = FileServer(ZIP)

    def slow(request):  # type: ignore[no-untyped-def]
        gate.wait(2)
        return server(request)

    mocked.add_callback(responses.GET, DATA_URL, callback=slow)
    downloader = make_downloader()
    results = []

    def run() -> None:
        results.append(downloader.fetch(spec_for(dest)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert len(server.requests) == 1
    assert sorted(r.adopted for r in results) == [False, True]


class RecordingProgress:
    """A progress sink that keeps what the downloader reported (the interface of transfer/progress.py)."""

    def __init__(self) -> None:
        self.events: list[tuple] = []
        self._lock = threading.Lock()

    def start(self, label: str, total: int | None, already: int) -> None:
        with self._lock:
            self.events.append(("start", label, total, already))

    def advance(self, label: str, n: int) -> None:
        with self._lock:
            self.events.append(("advance", label, n))

    def finish(self, label: str, ok: bool) -> None:
        with self._lock:
            self.events.append(("finish", label, ok))


def test_progress_reports_start_resume_and_finish(mocked, make_downloader, dest) -> None:
    serve(mocked, FileServer(ZIP, faults=[("drop", 4000)]))
    sink = RecordingProgress()
    make_downloader(progress=sink).fetch(spec_for(dest))
    starts = [e for e in sink.events if e[0] == "start"]
    assert starts == [("start", "S1A_TEST", len(ZIP), 0), ("start", "S1A_TEST", len(ZIP), 4000)]
    assert sum(e[2] for e in sink.events if e[0] == "advance") == len(ZIP)
    assert sink.events[-1] == ("finish", "S1A_TEST", True)


def test_disk_full_mid_download_keeps_the_part(mocked, make_downloader, dest, monkeypatch) -> None:
    import builtins
    import errno

    from insarproj.transfer import download as download_module

    class FillsUp:
        def __init__(self, handle):  # type: ignore[no-untyped-def]
            self._handle = handle

        def __enter__(self):  # type: ignore[no-untyped-def]
            return self

        def __exit__(self, *exc):  # type: ignore[no-untyped-def]
            self._handle.close()

        def write(self, chunk: bytes) -> int:
            if self._handle.tell() >= 2000:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self._handle.write(chunk)

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(self._handle, name)

    def fake_open(*args, **kwargs):  # type: ignore[no-untyped-def]
        return FillsUp(builtins.open(*args, **kwargs))

    monkeypatch.setattr(download_module, "open", fake_open, raising=False)
    serve(mocked, FileServer(ZIP))
    with pytest.raises(InsufficientSpaceError, match="filled up"):
        make_downloader().fetch(spec_for(dest))
    assert part_of(dest).stat().st_size == 2000 and not dest.exists()
