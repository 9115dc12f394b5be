"""How the downloader reads a body off a real socket (docs/safety.md): one reused buffer, and a
body that ends before its Content-Length is never taken for the whole file, even when neither
size nor MD5 is known to catch it afterwards."""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from transfer_helpers import Sleeps

from insarproj.endpoints import resolve_endpoints
from insarproj.sandbox.blobs import blob
from insarproj.sandbox.server import Sandbox
from insarproj.transfer import Downloader, DownloadSpec, download, find_earthdata_credentials, make_session
from insarproj.transfer.disk import start_writeback
from insarproj.transfer.download import _body_chunks


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=0) as running:
        yield running


def session_for(sandbox: Sandbox) -> requests.Session:
    endpoints = resolve_endpoints({}, environ=sandbox.env())
    credentials = find_earthdata_credentials(endpoints, environ=sandbox.env())
    return make_session(endpoints, credentials, user_agent="insarproj-tests")


def test_a_real_connection_is_read_into_one_reused_buffer(sandbox: Sandbox) -> None:
    size = 10_000
    with session_for(sandbox).get(f"{sandbox.url}/_sandbox/blob/{size}/b.bin", stream=True) as response:
        chunks = _body_chunks(response, 4096)
        first = next(chunks)
        assert isinstance(first, memoryview) and len(first) == 4096
        total = len(first) + sum(len(chunk) for chunk in chunks)
    assert total == size


def test_a_cut_body_of_unknown_size_and_md5_is_resumed_not_accepted(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.set_faults("truncate:1@/_storage/*")
    sandbox.clear_requests()
    scene = sandbox.catalog.scenes[4]
    info = sandbox.catalog.payloads.info(scene)
    spec = DownloadSpec(
        url=f"{sandbox.url}/SLC/S{scene.platform.letter}/{scene.file_name}",
        dest=tmp_path / scene.file_name,
        size=None,
        md5=None,
        kind="any",  # no structural check either: only the Content-Length tells the cut
    )
    sleeps = Sleeps()
    downloader = Downloader(session_for(sandbox), sleep=sleeps, rng=random.Random(0), retries=2, timeout=10.0)
    result = downloader.fetch(spec)

    storage = [r for r in sandbox.requests() if r.path.startswith("/_storage/")]
    assert sorted(r.status for r in storage) == [200, 206]
    assert (result.size, result.md5) == (info.size, info.md5) and len(sleeps) == 1


def test_the_sandbox_hashes_a_blob_once_not_on_every_request(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A per-request ETag hash of a 128 MiB blob cost the server as much CPU as curl spends
    receiving it, which skewed the download benchmark's baselines."""
    from insarproj.sandbox import blobs

    hashed: list[int] = []
    real_md5 = blobs.hashlib.md5

    def counting_md5(data: bytes = b"", **kwargs: object) -> object:
        hashed.append(len(data))
        return real_md5(data)

    monkeypatch.setattr(blobs.hashlib, "md5", counting_md5)
    session = session_for(sandbox)
    etags = {session.get(f"{sandbox.url}/_sandbox/blob/12345/{n}.bin").headers["ETag"] for n in "abc"}
    assert len(etags) == 1 and hashed.count(12345) <= 1


class RecordingProgress:
    """Each attempt's `already` and the sizes it was advanced by."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.advances: list[list[int]] = []

    def start(self, label: str, total: int | None, already: int) -> None:
        self.starts.append(already)
        self.advances.append([])

    def advance(self, label: str, n: int) -> None:
        self.advances[-1].append(n)

    def finish(self, label: str, ok: bool) -> None:
        pass


def test_blocks_stay_small_while_progress_comes_once_per_chunk(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading, writing and hashing go in cache-sized blocks; the caller's progress sink still
    hears once per `chunk_size`, as before."""
    read_sizes: list[int] = []

    def spy(response: requests.Response, size: int) -> Iterator[bytes | memoryview]:
        read_sizes.append(size)
        return _body_chunks(response, size)

    monkeypatch.setattr(download, "_body_chunks", spy)
    size, chunk = 5 * download._BLOCK + 123, 2 * download._BLOCK
    data = blob(size)
    md5 = hashlib.md5(data).hexdigest()
    spec = DownloadSpec(
        url=f"{sandbox.url}/_sandbox/blob/{size}/p.bin", dest=tmp_path / "p.bin", size=size, md5=md5
    )
    progress = RecordingProgress()
    result = Downloader(session_for(sandbox), chunk_size=chunk, progress=progress).fetch(spec)
    assert read_sizes == [download._BLOCK]
    assert progress.advances == [[chunk, chunk, size - 2 * chunk]]
    assert result.md5 == md5 and (tmp_path / "p.bin").read_bytes() == data


def test_bytes_of_a_cut_attempt_are_reported_before_the_retry(sandbox: Sandbox, tmp_path: Path) -> None:
    """Progress is batched per chunk; a body cut mid-chunk still reports what it wrote, so the
    display's count agrees with the .part when the next attempt resumes."""
    sandbox.set_faults("truncate:1@/_storage/*")
    scene = sandbox.catalog.scenes[5]
    info = sandbox.catalog.payloads.info(scene)
    spec = DownloadSpec(
        url=f"{sandbox.url}/SLC/S{scene.platform.letter}/{scene.file_name}",
        dest=tmp_path / scene.file_name,
        size=info.size,
        md5=info.md5,
    )
    progress = RecordingProgress()
    downloader = Downloader(
        session_for(sandbox), chunk_size=1 << 30, progress=progress, sleep=Sleeps(), retries=2, timeout=10.0
    )
    result = downloader.fetch(spec)
    cut, resumed = progress.advances
    assert len(progress.starts) == 2 and 0 < sum(cut) == progress.starts[1] < info.size
    assert sum(cut) + sum(resumed) == result.bytes_transferred == info.size


def test_writeback_starts_while_the_body_arrives(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel is asked to start writing the .part every _WRITEBACK_STEP bytes, so the fsync
    before the rename does not wait for the whole file; the file still verifies and lands whole."""
    asked: list[int] = []

    def spy(fd: int) -> None:
        asked.append(os.fstat(fd).st_size)
        start_writeback(fd)

    monkeypatch.setattr(download, "_WRITEBACK_STEP", download._BLOCK)
    monkeypatch.setattr(download, "start_writeback", spy)
    size = 3 * download._BLOCK + 5
    data = blob(size)
    spec = DownloadSpec(
        url=f"{sandbox.url}/_sandbox/blob/{size}/w.bin",
        dest=tmp_path / "w.bin",
        size=size,
        md5=hashlib.md5(data).hexdigest(),
    )
    Downloader(session_for(sandbox)).fetch(spec)
    assert asked == [download._BLOCK, 2 * download._BLOCK, 3 * download._BLOCK]
    assert (tmp_path / "w.bin").read_bytes() == data


def test_a_resumed_file_is_hashed_from_its_part_once_and_never_read_again(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Resume: the bytes already in the .part are hashed once, the rest while it arrives; the
    verification after the download takes that MD5 instead of reading the whole file again."""
    from insarproj.transfer import verify

    def no_full_read(path: Path) -> str:
        raise AssertionError(f"{path} was read again after the download")

    monkeypatch.setattr(verify, "md5_of", no_full_read)
    size = 4 * download._BLOCK + 7
    data = blob(size)
    dest = tmp_path / "r.bin"
    Path(f"{dest}.part").write_bytes(data[: size // 3])
    spec = DownloadSpec(
        url=f"{sandbox.url}/_sandbox/blob/{size}/r.bin",
        dest=dest,
        size=size,
        md5=hashlib.md5(data).hexdigest(),
    )
    result = Downloader(session_for(sandbox)).fetch(spec)
    assert (result.resumed_from, result.bytes_transferred) == (size // 3, size - size // 3)
    assert dest.read_bytes() == data


def test_a_resumed_part_with_wrong_bytes_fails_its_md5_and_starts_again(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """The streaming hash covers the inherited prefix too: a .part whose bytes differ from the
    file (same length) is caught by the MD5 and downloaded again from the start."""
    size = 3 * download._BLOCK
    data = blob(size)
    dest = tmp_path / "bad.bin"
    Path(f"{dest}.part").write_bytes(b"\0" * (size // 2))
    spec = DownloadSpec(
        url=f"{sandbox.url}/_sandbox/blob/{size}/bad.bin",
        dest=dest,
        size=size,
        md5=hashlib.md5(data).hexdigest(),
    )
    result = Downloader(session_for(sandbox), sleep=Sleeps(), rng=random.Random(0)).fetch(spec)
    assert result.resumed_from == 0 and result.bytes_transferred == size // 2 + size
    assert dest.read_bytes() == data
