"""Downloads behind ASF's redirect chain: real clients, real sockets, three hostnames."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import requests
from sandbox_helpers import bearer_session, md5, scene_url, storage_url

from insarproj.sandbox.server import Sandbox


def hops(sandbox: Sandbox) -> list[tuple[str, str, int, str | None]]:
    return [
        (r.host.split(":")[0], r.path.split("/")[1], r.status, r.authorization) for r in sandbox.requests()
    ]


def test_bearer_token_download_crosses_to_storage_without_the_token(sandbox: Sandbox) -> None:
    scene = sandbox.catalog.scenes[0]
    info = sandbox.catalog.payloads.info(scene)
    response = bearer_session(sandbox).get(scene_url(sandbox, scene), timeout=10)
    assert response.status_code == 200
    assert (len(response.content), md5(response.content)) == (info.size, info.md5)
    assert (
        response.headers["Content-Length"] == str(info.size) and response.headers["Accept-Ranges"] == "bytes"
    )
    assert response.headers["ETag"] == info.etag and info.md5 not in response.headers["ETag"]
    assert hops(sandbox) == [("127.0.0.1", "SLC", 307, "Bearer"), ("127.1", "_storage", 200, None)]


def test_netrc_for_the_login_host_drives_the_whole_chain(
    sandbox: Sandbox, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    netrc = tmp_path / "netrc"
    netrc.write_text("machine localhost login sandbox password sandbox-password\n")
    monkeypatch.setenv("NETRC", str(netrc))
    scene = sandbox.catalog.scenes[1]
    session = requests.Session()
    response = session.get(scene_url(sandbox, scene), timeout=10)
    assert response.status_code == 200 and md5(response.content) == sandbox.catalog.payloads.info(scene).md5
    assert hops(sandbox) == [
        ("127.0.0.1", "SLC", 307, None),  # no cookie: off to Earthdata login
        ("localhost", "oauth", 302, "Basic"),  # netrc applies to the login host only
        ("127.0.0.1", "login", 302, None),  # the code becomes the asf-urs cookie
        ("127.0.0.1", "SLC", 307, None),  # with the cookie: to presigned storage
        ("127.1", "_storage", 200, None),
    ]
    assert "asf-urs" in session.cookies.get_dict(domain="127.0.0.1")
    sandbox.clear_requests()
    again = session.get(scene_url(sandbox, sandbox.catalog.scenes[2]), timeout=10)
    assert again.status_code == 200 and [h[1] for h in hops(sandbox)] == ["SLC", "_storage"]  # cookie reused


def test_asf_search_session_token_and_credentials_work(sandbox: Sandbox, tmp_path: Path) -> None:
    import asf_search as asf

    from insarproj.httpcompat import mount_http_rewrite

    port = sandbox.port
    token_session = asf.ASFSession(edl_host=f"localhost:{port}", asf_auth_host=f"127.0.0.1:{port}")
    mount_http_rewrite(token_session, sandbox.env()["INSARPROJ_URS_URL"])
    token_session.auth_with_token(sandbox.env()["EARTHDATA_TOKEN"])
    scene = sandbox.catalog.scenes[3]
    info = sandbox.catalog.payloads.info(scene)
    products = asf.product_search(scene.granule_ur, opts=_opts(sandbox))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        products[0].download(str(tmp_path), session=token_session)
    assert md5((tmp_path / scene.file_name).read_bytes()) == info.md5
    assert [r.authorization for r in sandbox.requests() if r.path.startswith("/_storage/")] == [None]

    creds_session = asf.ASFSession(edl_host=f"localhost:{port}", asf_auth_host=f"127.0.0.1:{port}")
    mount_http_rewrite(creds_session, sandbox.env()["INSARPROJ_URS_URL"])
    mount_http_rewrite(creds_session, sandbox.url)
    creds_session.auth_with_creds("sandbox", "sandbox-password")
    assert "asf-urs" in creds_session.cookies.get_dict()
    refused = asf.ASFSession(edl_host=f"localhost:{port}")
    mount_http_rewrite(refused, sandbox.env()["INSARPROJ_URS_URL"])
    with pytest.raises(asf.ASFAuthenticationError):
        refused.auth_with_creds("sandbox", "wrong")
    wrong = asf.ASFSession(edl_host=f"localhost:{port}")
    mount_http_rewrite(wrong, sandbox.env()["INSARPROJ_URS_URL"])
    with pytest.raises(asf.ASFAuthenticationError):
        wrong.auth_with_token("not-a-token")


def _opts(sandbox: Sandbox):  # type: ignore[no-untyped-def]
    import asf_search as asf

    from insarproj.httpcompat import mount_http_rewrite

    session = asf.ASFSession()
    mount_http_rewrite(session, sandbox.url)
    return asf.ASFSearchOptions(host=f"127.0.0.1:{sandbox.port}", session=session)


def test_range_requests_return_exactly_the_asked_bytes(sandbox: Sandbox) -> None:
    scene = sandbox.catalog.scenes[4]
    data = sandbox.catalog.payloads.data(scene)
    url = storage_url(sandbox, scene)
    size = len(data)
    for header, first, last in (
        (f"bytes={size - 1000}-", size - 1000, size - 1),
        ("bytes=100-199", 100, 199),
        ("bytes=-10", size - 10, size - 1),
        (f"bytes=10-{size + 50}", 10, size - 1),
    ):
        part = requests.get(url, headers={"Range": header}, timeout=10)
        assert part.status_code == 206, header
        assert part.content == data[first : last + 1]
        assert part.headers["Content-Range"] == f"bytes {first}-{last}/{size}"
    beyond = requests.get(url, headers={"Range": f"bytes={size}-"}, timeout=10)
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{size}"
    ignored = requests.get(url, headers={"Range": "bytes=5-2"}, timeout=10)  # invalid: served whole
    assert ignored.status_code == 200 and ignored.content == data


def test_head_on_storage_gives_length_without_a_body(sandbox: Sandbox) -> None:
    scene = sandbox.catalog.scenes[5]
    info = sandbox.catalog.payloads.info(scene)
    head = requests.head(storage_url(sandbox, scene), timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(info.size) and head.headers["ETag"] == info.etag


def test_authorization_reaching_storage_is_refused_like_s3(sandbox: Sandbox) -> None:
    url = storage_url(sandbox, sandbox.catalog.scenes[6])
    token = {"Authorization": f"Bearer {sandbox.env()['EARTHDATA_TOKEN']}"}
    refused = requests.get(url, headers=token, timeout=10)
    assert refused.status_code == 400
    assert (
        "Only one auth mechanism allowed" in refused.text and "<Code>InvalidArgument</Code>" in refused.text
    )
    assert requests.head(url, headers=token, timeout=10).status_code == 403
    # a client that keeps its token across the redirect (as ASFSession does within its domains) fails too
    same_origin = url.replace("://127.1:", "://127.0.0.1:")
    assert requests.get(same_origin, headers=token, timeout=10).status_code == 400


def test_storage_urls_are_signed_and_expire(sandbox: Sandbox) -> None:
    url = storage_url(sandbox, sandbox.catalog.scenes[7])
    assert requests.get(url, timeout=10).status_code == 200
    tampered = requests.get(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"), timeout=10)
    assert tampered.status_code == 403 and "SignatureDoesNotMatch" in tampered.text
    unsigned = requests.get(url.split("?")[0], timeout=10)
    assert unsigned.status_code == 403 and "AccessDenied" in unsigned.text
    other = url.replace(sandbox.catalog.scenes[7].name, sandbox.catalog.scenes[8].name)
    assert requests.get(other, timeout=10).status_code == 403  # a signature is for one object


def test_bad_or_missing_credentials_get_the_401_login_page(sandbox: Sandbox) -> None:
    url = scene_url(sandbox, sandbox.catalog.scenes[9])
    anonymous = requests.get(url, timeout=10)
    assert anonymous.status_code == 401 and anonymous.headers["Content-Type"].startswith("text/html")
    assert '<form id="login"' in anonymous.text
    assert [r.status_code for r in anonymous.history] == [307]
    session = requests.Session()
    session.auth = ("sandbox", "sandbox-password")  # requests drops it on the hop to another host
    dropped = session.get(url, timeout=10)
    assert dropped.status_code == 401 and "Please log in." in dropped.text
    login = f"{sandbox.env()['INSARPROJ_URS_URL']}/oauth/authorize"
    params = {"response_type": "code", "redirect_uri": f"{sandbox.url}/login"}
    refused = requests.get(login, params=params, auth=("sandbox", "wrong-password"), timeout=10)
    assert refused.status_code == 401 and "Invalid username or password" in refused.text
    assert refused.headers["WWW-Authenticate"].startswith("Basic")
    bad_token = requests.get(url, headers={"Authorization": "Bearer nonsense"}, timeout=10)
    assert bad_token.status_code == 401  # ignored by the data host, stripped before the login host


def test_unknown_scenes_are_404_after_login(sandbox: Sandbox) -> None:
    missing = f"{sandbox.url}/SLC/SA/S1A_IW_SLC__1SDV_20210101T000000_20210101T000027_036000_043000_ABCD.zip"
    assert bearer_session(sandbox).get(missing, timeout=10).status_code == 404
    wrong_folder = scene_url(sandbox, sandbox.catalog.scenes[0]).replace("/SLC/SA/", "/SLC/SB/")
    assert bearer_session(sandbox).get(wrong_folder, timeout=10).status_code == 404


def test_login_refuses_foreign_redirects_and_bogus_codes(sandbox: Sandbox) -> None:
    login = sandbox.env()["INSARPROJ_URS_URL"]
    evil = requests.get(
        f"{login}/oauth/authorize",
        params={"client_id": "x", "response_type": "code", "redirect_uri": "http://evil.example/login"},
        auth=("sandbox", "sandbox-password"),
        allow_redirects=False,
        timeout=10,
    )
    assert evil.status_code == 400
    bogus = requests.get(f"{sandbox.url}/login", params={"code": "forged", "state": "/x"}, timeout=10)
    assert bogus.status_code == 401
    ok = requests.get(
        f"{login}/oauth/authorize",
        params={"response_type": "code", "redirect_uri": f"{sandbox.url}/login", "state": "//evil.example/"},
        auth=("sandbox", "sandbox-password"),
        allow_redirects=False,
        timeout=10,
    )
    callback = requests.get(ok.headers["Location"], allow_redirects=False, timeout=10)
    assert callback.status_code == 200 and "asf-urs" in callback.cookies  # no redirect off-site
    reused = requests.get(ok.headers["Location"], allow_redirects=False, timeout=10)
    assert reused.status_code == 401  # codes are single-use
    assert requests.get(f"{sandbox.url}/oauth/authorize", timeout=10).status_code == 404  # login host only


def test_bursts_and_their_metadata(sandbox: Sandbox) -> None:
    burst = sandbox.catalog.bursts[10]
    info = sandbox.catalog.payloads.info(burst)
    url = f"{sandbox.url}{burst.url_path}.tiff"
    session = bearer_session(sandbox)
    tiff = session.get(url, timeout=10)
    assert tiff.status_code == 200 and tiff.headers["Content-Type"] == "image/tiff"
    assert (len(tiff.content), md5(tiff.content)) == (info.size, info.md5)
    xml = session.get(f"{sandbox.url}{burst.url_path}.xml", timeout=10)
    assert xml.status_code == 200 and f"<burstId>{burst.full_burst_id}</burstId>" in xml.text
    assert session.get(url.replace(f"/{burst.index}.tiff", "/99.tiff"), timeout=10).status_code == 404
    assert requests.get(url, allow_redirects=False, timeout=10).status_code == 307  # login needed
