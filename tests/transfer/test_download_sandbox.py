"""Downloader.fetch end to end against the loopback sandbox: ASF's redirect chain over real
sockets (data host 127.0.0.1 -> login host localhost -> cookie -> presigned storage on 127.1),
Range, and the sandbox's injected faults."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from transfer_helpers import Sleeps

from insarproj.endpoints import resolve_endpoints
from insarproj.errors import AuthError, VerificationError
from insarproj.sandbox.requestlog import LoggedRequest
from insarproj.sandbox.server import Sandbox
from insarproj.transfer import Downloader, DownloadSpec, find_earthdata_credentials, make_session


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=0) as running:
        yield running


@pytest.fixture
def fresh(sandbox: Sandbox) -> Sandbox:
    sandbox.set_faults("none")
    sandbox.clear_requests()
    return sandbox


def scene_spec(sandbox: Sandbox, dest_dir: Path, index: int = 0) -> DownloadSpec:
    scene = sandbox.catalog.scenes[index]
    info = sandbox.catalog.payloads.info(scene)
    return DownloadSpec(
        url=f"{sandbox.url}/SLC/S{scene.platform.letter}/{scene.file_name}",
        dest=dest_dir / scene.file_name,
        size=info.size,
        md5=info.md5,
        kind="zip",
        label=scene.name,
    )


def downloader(environ: dict[str, str], sleeps: Sleeps, **kwargs: object) -> Downloader:
    endpoints = resolve_endpoints({}, environ=environ)
    credentials = find_earthdata_credentials(endpoints, environ=environ)
    session = make_session(endpoints, credentials, user_agent="insarproj-tests")
    options: dict[str, object] = {"sleep": sleeps, "rng": random.Random(0), "retries": 2, "timeout": 10.0}
    options.update(kwargs)
    return Downloader(session, **options)  # type: ignore[arg-type]


def logged(sandbox: Sandbox) -> list[LoggedRequest]:
    """The request log in arrival order (entries are appended when a response ends, and a
    connection's log entry can land after the client's next request)."""
    return sorted(sandbox.requests(), key=lambda entry: entry.time)


def part_of(path: Path) -> Path:
    return path.with_name(path.name + ".part")


def test_token_happy_path(fresh: Sandbox, tmp_path: Path) -> None:
    spec = scene_spec(fresh, tmp_path)
    result = downloader(fresh.env(), Sleeps()).fetch(spec)

    assert (result.size, result.md5, result.adopted) == (spec.size, spec.md5, False)
    assert spec.dest.stat().st_size == spec.size and not part_of(spec.dest).exists()
    hops = [(r.path.split("/")[1], r.host.split(":")[0], r.status, r.authorization) for r in logged(fresh)]
    assert hops == [("SLC", "127.0.0.1", 307, "Bearer"), ("_storage", "127.1", 200, None)]


def test_netrc_login_chain_with_cookie(fresh: Sandbox, tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine localhost login sandbox password sandbox-password\n")
    environ = {k: v for k, v in fresh.env().items() if k != "EARTHDATA_TOKEN"}
    environ["NETRC"] = str(netrc)
    spec = scene_spec(fresh, tmp_path / "data", index=1)
    downloader(environ, Sleeps()).fetch(spec)

    hops = [(r.path, r.host.split(":")[0], r.status, r.authorization) for r in logged(fresh)]
    assert [(h[1], h[2]) for h in hops] == [
        ("127.0.0.1", 307),  # no cookie yet: to the login host
        ("localhost", 302),  # Basic credentials accepted: back with a code
        ("127.0.0.1", 302),  # /login sets asf-urs
        ("127.0.0.1", 307),  # with the cookie: to presigned storage
        ("127.1", 200),
    ]
    assert hops[1][3] == "Basic" and hops[4][3] is None


def test_dropped_connection_is_resumed(fresh: Sandbox, tmp_path: Path) -> None:
    # A reset discards whatever the client had not read yet, so the body trickles (`slow`) and
    # the client reads small chunks: the bytes before the reset are surely on disk.
    fresh.set_faults("slow:1@/_storage/*,drop:1@/_storage/*")
    spec = scene_spec(fresh, tmp_path, index=2)
    sleeps = Sleeps()
    result = downloader(fresh.env(), sleeps, chunk_size=1024).fetch(spec)

    storage = [r for r in logged(fresh) if r.path.startswith("/_storage/")]
    assert [r.status for r in storage] == [200, 206]  # the second asked for the rest only
    assert "drop" in (storage[0].fault or "") and storage[1].fault is None
    assert 0 < storage[1].bytes_sent < spec.size
    assert result.bytes_transferred == spec.size  # nothing the client kept was sent twice
    assert result.md5 == spec.md5 and len(sleeps) == 1


def test_truncated_body_is_resumed(fresh: Sandbox, tmp_path: Path) -> None:
    fresh.set_faults("truncate:1@/_storage/*")
    spec = scene_spec(fresh, tmp_path, index=3)
    result = downloader(fresh.env(), Sleeps()).fetch(spec)
    storage = [r for r in logged(fresh) if r.path.startswith("/_storage/")]
    assert [r.status for r in storage] == [200, 206]
    assert result.md5 == spec.md5


def test_5xx_and_429_are_retried(fresh: Sandbox, tmp_path: Path) -> None:
    fresh.set_faults("5xx:1@/SLC/*,429:1@/_storage/*")
    spec = scene_spec(fresh, tmp_path, index=4)
    sleeps = Sleeps()
    result = downloader(fresh.env(), sleeps).fetch(spec)
    assert result.md5 == spec.md5
    assert [r.status for r in logged(fresh)] == [503, 307, 429, 307, 200]
    assert sleeps[1] == 1.0  # the sandbox's Retry-After: 1


def test_bad_md5_is_an_error_and_leaves_nothing(fresh: Sandbox, tmp_path: Path) -> None:
    fresh.set_faults("badmd5")
    spec = scene_spec(fresh, tmp_path, index=5)
    with pytest.raises(VerificationError) as caught:
        downloader(fresh.env(), Sleeps(), retries=1).fetch(spec)
    assert spec.md5 is not None and spec.md5 in str(caught.value)
    assert len([r for r in logged(fresh) if r.path.startswith("/_storage/")]) == 2
    assert not spec.dest.exists() and not part_of(spec.dest).exists()


@pytest.mark.parametrize("fault", ["auth", "auth-html"])
def test_refused_credentials_are_an_auth_error_with_no_file(
    fresh: Sandbox, tmp_path: Path, fault: str
) -> None:
    fresh.set_faults(fault)
    spec = scene_spec(fresh, tmp_path, index=6)
    sleeps = Sleeps()
    with pytest.raises(AuthError) as caught:
        downloader(fresh.env(), sleeps).fetch(spec)
    assert "machine localhost" in str(caught.value)  # the sandbox's login host
    assert fresh.env()["EARTHDATA_TOKEN"] not in str(caught.value)
    assert sleeps == []  # not retried
    assert not spec.dest.exists() and not part_of(spec.dest).exists()
    assert not list(tmp_path.iterdir())
