"""The server core: routing, request log, robustness, shutdown, `serve_forever` and the https rewrite."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests
from sandbox_helpers import bearer_session, md5, scene_url

from insarproj.httpcompat import mount_http_rewrite
from insarproj.sandbox.routing import LOGIN, Request, Response
from insarproj.sandbox.server import Sandbox

DESIGN_VARIABLES = {
    "INSARPROJ_CMR_URL",
    "INSARPROJ_URS_URL",
    "INSARPROJ_HYP3_URL",
    "INSARPROJ_ORBITS_URL",
    "INSARPROJ_CDSE_URL",
    "INSARPROJ_CDSE_IDENTITY_URL",
    "INSARPROJ_CDSE_DOWNLOAD_URL",
    "INSARPROJ_DEM_URL",
    "INSARPROJ_DEM90_URL",
    "INSARPROJ_GEOID_URL",
}


def raw(sandbox: Sandbox, payload: bytes) -> bytes:
    """Send bytes on a fresh connection and return everything the server answers."""
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_env_names_every_endpoint_on_loopback(sandbox: Sandbox) -> None:
    env = sandbox.env()
    assert set(env) == DESIGN_VARIABLES | {"EARTHDATA_TOKEN"}
    for name in DESIGN_VARIABLES:
        parts = urlsplit(env[name])
        assert parts.scheme == "http" and parts.port == sandbox.port
        login_host = name in ("INSARPROJ_URS_URL", "INSARPROJ_CDSE_DOWNLOAD_URL")
        assert parts.hostname == ("localhost" if login_host else "127.0.0.1")
    assert env["EARTHDATA_TOKEN"].count(".") == 2  # a JWT, like real EDL tokens
    assert Sandbox(seed=0).auth.token == env["EARTHDATA_TOKEN"] != Sandbox(seed=1).auth.token


def test_request_log_records_what_was_asked_and_answered(sandbox: Sandbox) -> None:
    scene = sandbox.catalog.scenes[0]
    bearer_session(sandbox).get(scene_url(sandbox, scene), timeout=10)
    requests.get(f"{sandbox.url}/nothing/here?x=1&x=2", timeout=10)
    first, storage, missing = sandbox.requests()
    assert (first.method, first.status, first.authorization, first.bytes_sent) == ("GET", 307, "Bearer", 0)
    assert first.host == f"127.0.0.1:{sandbox.port}" and first.path.endswith(scene.file_name)
    assert (
        storage.host == f"127.1:{sandbox.port}"
        and storage.bytes_sent == sandbox.catalog.payloads.info(scene).size
    )
    assert set(storage.query) >= {"X-Amz-Signature", "X-Amz-Expires", "X-Amz-Date"}
    assert (missing.status, missing.query) == (404, {"x": ["1", "2"]})
    assert first.time <= storage.time <= missing.time and storage.duration is not None
    token = sandbox.env()["EARTHDATA_TOKEN"]
    over_http = requests.get(f"{sandbox.url}/_sandbox/log", timeout=10).json()
    assert [e["path"] for e in over_http] == [first.path, storage.path, missing.path]  # hooks not logged
    assert token not in str(over_http)
    assert requests.post(f"{sandbox.url}/_sandbox/log/clear", timeout=10).json() == {"cleared": 3}
    assert sandbox.requests() == []


def test_malformed_requests_get_400s_and_the_server_lives_on(sandbox: Sandbox) -> None:
    assert b"Error code: 400" in raw(sandbox, b"THIS IS NOT HTTP\r\n\r\n")  # the stdlib's 400 page
    bad_length = b"POST /search/granules.umm_json HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"
    assert raw(sandbox, bad_length).startswith(b"HTTP/1.1 400")
    short_body = b"POST /search/granules.umm_json HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"
    assert raw(sandbox, short_body).startswith(b"HTTP/1.1 400")
    chunked = (
        b"POST /search/granules.umm_json HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        b"9\r\npage_size\r\n2\r\n=0\r\n0\r\n\r\n"
    )
    assert raw(sandbox, chunked).startswith(b"HTTP/1.1 200")
    assert raw(sandbox, b"GET /%ZZ/../x HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 404")
    assert raw(sandbox, b"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n").startswith(b"HTTP/1.1 400")
    assert raw(sandbox, bytes(range(256)) * 4).count(b"400") >= 1
    wrong_method = requests.delete(f"{sandbox.url}/search/granules.umm_json", timeout=10)
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["Allow"]
    assert (
        requests.post(f"{sandbox.url}/search/granules.umm_json", data=b"\xff\xfe", timeout=10).status_code
        == 400
    )
    assert requests.get(f"{sandbox.url}/search/granules.umm_json", timeout=10).status_code == 200


def test_concurrent_clients(sandbox: Sandbox) -> None:
    scenes = sandbox.catalog.scenes[:12]

    def fetch(index: int) -> str:
        return md5(
            bearer_session(sandbox).get(scene_url(sandbox, scenes[index % len(scenes)]), timeout=20).content
        )

    with ThreadPoolExecutor(max_workers=12) as pool:
        digests = list(pool.map(fetch, range(36)))
    assert digests == [sandbox.catalog.payloads.info(scenes[i % 12]).md5 for i in range(36)]
    assert len(sandbox.requests()) == 72


def test_routes_can_be_added_with_json_helpers_and_host_rules(sandbox: Sandbox) -> None:
    def hello(req: Request) -> Response:
        if req.arg("fail"):
            return Response.problem(409, "Not today.")
        return Response.json({"name": req.params["name"], "body": req.json()})

    sandbox.router.add("POST", r"/hello/(?P<name>\w+)", hello)
    sandbox.router.add("GET", r"/only-on-login", lambda req: Response.text("login"), host=LOGIN)
    answer = requests.post(f"{sandbox.url}/hello/world", json={"a": 1}, timeout=10)
    assert answer.json() == {"name": "world", "body": {"a": 1}}
    problem = requests.post(f"{sandbox.url}/hello/world?fail=1", json={}, timeout=10)
    assert problem.status_code == 409 and problem.headers["Content-Type"] == "application/problem+json"
    assert problem.json() == {
        "detail": "Not today.",
        "status": 409,
        "title": "Conflict",
        "type": "about:blank",
    }
    not_json = requests.post(f"{sandbox.url}/hello/world", data="{", timeout=10)
    assert not_json.status_code == 400 and "JSON" in not_json.json()["detail"]
    assert requests.get(f"{sandbox.env()['INSARPROJ_URS_URL']}/only-on-login", timeout=10).text == "login"
    assert requests.get(f"{sandbox.url}/only-on-login", timeout=10).status_code == 404
    with pytest.raises(ValueError):
        sandbox.router.add("GET", "/x", hello, host="example.com")


def test_start_is_quick_stop_is_clean_and_restart_works() -> None:
    before = set(threading.enumerate())
    sandbox = Sandbox(seed=3).start()
    port = sandbox.port
    idle = requests.Session()  # keeps a keep-alive connection open across stop()
    assert idle.get(f"{sandbox.url}/search/granules.umm_json", timeout=10).status_code == 200
    sandbox.stop()
    assert set(threading.enumerate()) <= before
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    sandbox.stop()  # twice is fine
    with sandbox:  # and it starts again
        assert requests.get(f"{sandbox.url}/_sandbox/faults", timeout=10).status_code == 200
        with pytest.raises(RuntimeError):
            sandbox.start()
    assert set(threading.enumerate()) <= before
    with pytest.raises(RuntimeError):
        _ = Sandbox().url  # not listening yet


def test_serve_forever_prints_exports_and_exits_cleanly_on_sigterm(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys\n"
        "from insarproj.sandbox import serve_forever\n"
        "serve_forever(port=0, faults='5xx:0.5', seed=2, out=sys.stdout)\n"
    )
    env = {**os.environ, "HOME": str(tmp_path)}
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        try:
            assert process.stdout is not None and process.stderr is not None
            lines = [process.stdout.readline().strip() for _ in range(len(DESIGN_VARIABLES) + 1)]
            exports = dict(line.removeprefix("export ").split("=", 1) for line in lines)
            assert set(exports) == DESIGN_VARIABLES | {"EARTHDATA_TOKEN"}
            assert all(line.startswith("export ") for line in lines)
            cmr_url = exports["INSARPROJ_CMR_URL"]
            faults = requests.get(f"{cmr_url}/_sandbox/faults", timeout=10).json()
            assert faults["faults"] == "5xx:0.5"
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
            assert "Traceback" not in process.stderr.read()
        finally:
            if process.poll() is None:
                process.kill()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{cmr_url}/_sandbox/faults", timeout=2)


def test_https_rewrite_reaches_plain_http_for_that_host_only(sandbox: Sandbox) -> None:
    session = requests.Session()
    mount_http_rewrite(session, sandbox.url)
    https = sandbox.url.replace("http://", "https://")
    assert session.get(f"{https}/_sandbox/faults", timeout=10).status_code == 200
    login_https = sandbox.env()["INSARPROJ_URS_URL"].replace("http://", "https://")
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"{login_https}/oauth/authorize", timeout=10)  # not mounted for that host
    untouched = requests.Session()
    mount_http_rewrite(untouched, "https://cmr.earthdata.nasa.gov")
    assert untouched.adapters.keys() == requests.Session().adapters.keys()
