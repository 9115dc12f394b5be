"""How the downloader reads a body off a real socket (docs/safety.md): one reused buffer, and a
body that ends before its Content-Length is never taken for the whole file, even when neither
size nor MD5 is known to catch it afterwards."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from transfer_helpers import Sleeps

from insarproj.endpoints import resolve_endpoints
from insarproj.sandbox.server import Sandbox
from insarproj.transfer import Downloader, DownloadSpec, find_earthdata_credentials, make_session
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
