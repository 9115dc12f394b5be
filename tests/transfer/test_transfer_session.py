"""Where the Earthdata session sends credentials: allowed hosts only, re-decided on every hop."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import responses
from transfer_helpers import TOKEN

from insarproj.endpoints import resolve_endpoints
from insarproj.transfer import EarthdataCredentials, is_presigned_url, make_session

DATA = "https://datapool.asf.alaska.edu/SLC/SA/S1A_TEST.zip"
LOGIN = "https://urs.earthdata.nasa.gov/oauth/authorize?client_id=abc&response_type=code"
CALLBACK = "https://sentinel1.asf.alaska.edu/login?code=xyz&state=" + DATA
S3 = (
    "https://asf-ngap2w-p-s1-slc.s3.us-west-2.amazonaws.com/S1A_TEST.zip"
    "?X-Amz-Signature=sig&X-Amz-Expires=3600"
)


def token_session(endpoints=None):  # type: ignore[no-untyped-def]
    endpoints = endpoints or resolve_endpoints({}, environ={})
    return make_session(endpoints, EarthdataCredentials.from_token(TOKEN), user_agent="insarproj-tests")


def auth_of(call: responses.Call) -> str | None:
    return call.request.headers.get("Authorization")


@pytest.mark.parametrize(
    ("url", "presigned"),
    [
        (S3, True),
        ("http://127.0.0.1:8080/storage/x.zip?X-Amz-Signature=abc", True),
        ("https://d1.cloudfront.net/x.zip", True),
        ("https://cdn.example/x.zip?Expires=1&Signature=abc&Key-Pair-Id=K", True),
        ("https://s1-orbits.s3.amazonaws.com/AUX_POEORB/x.EOF", True),
        (DATA, False),
        ("http://127.0.0.1:8080/data/x.zip", False),
    ],
)
def test_presigned_url_recognition(url: str, presigned: bool) -> None:
    assert is_presigned_url(url) is presigned


def test_token_goes_to_default_hosts_loopback_and_env_hosts_only() -> None:
    endpoints = resolve_endpoints(
        {"cmr": "https://evil.example", "hyp3": "https://pr-hyp3.example"},
        environ={"INSARPROJ_HYP3_URL": "https://hyp3-test.example"},
    )
    session = token_session(endpoints)
    urls = {
        "https://evil.example/search/granules.umm_json": None,  # named only in project.toml
        "https://hyp3-test.example/jobs": f"Bearer {TOKEN}",  # set by an environment variable
        "https://pr-hyp3.example/jobs": None,  # overridden by env: the project value gets nothing
        "http://127.0.0.1:8123/jobs": f"Bearer {TOKEN}",
        "http://localhost:8123/jobs": f"Bearer {TOKEN}",
        DATA: f"Bearer {TOKEN}",
        "https://urs.earthdata.nasa.gov/profile": f"Bearer {TOKEN}",
        S3: None,
    }
    with responses.RequestsMock() as mocked:
        for url in urls:
            mocked.add(responses.GET, url.split("?")[0], body=b"ok")
        for url, expected in urls.items():
            session.get(url)
            assert auth_of(mocked.calls[-1]) == expected, url


def test_trusted_project_endpoint_gets_the_token() -> None:
    endpoints = resolve_endpoints({"cmr": "https://mirror.example"}, environ={}, trust_project=True)
    with responses.RequestsMock() as mocked:
        mocked.add(responses.GET, "https://mirror.example/x", body=b"ok")
        token_session(endpoints).get("https://mirror.example/x")
        assert auth_of(mocked.calls[0]) == f"Bearer {TOKEN}"


def test_asf_redirect_chain_keeps_token_and_cookie_and_drops_it_for_s3() -> None:
    session = token_session()

    def data_host(request):  # type: ignore[no-untyped-def]
        if "asf-urs=" in (request.headers.get("Cookie") or ""):
            return 307, {"Location": S3}, b""
        return 307, {"Location": LOGIN}, b""

    with responses.RequestsMock() as mocked:
        mocked.add_callback(responses.GET, DATA, callback=data_host)
        mocked.add(responses.GET, LOGIN.split("?")[0], status=302, headers={"Location": CALLBACK})
        mocked.add(
            responses.GET,
            CALLBACK.split("?")[0],
            status=307,
            headers={"Location": DATA, "Set-Cookie": "asf-urs=cookie-value; Domain=.asf.alaska.edu; Path=/"},
        )
        mocked.add(responses.GET, S3.split("?")[0], body=b"zipbytes")
        response = session.get(DATA)

        assert response.content == b"zipbytes"
        hops = [(c.request.url.split("?")[0], auth_of(c)) for c in mocked.calls]
        assert hops == [
            (DATA, f"Bearer {TOKEN}"),
            (LOGIN.split("?")[0], f"Bearer {TOKEN}"),  # another host, still allowed: kept
            (CALLBACK.split("?")[0], f"Bearer {TOKEN}"),
            (DATA, f"Bearer {TOKEN}"),
            (S3.split("?")[0], None),  # presigned storage: dropped
        ]
        assert "asf-urs=cookie-value" in mocked.calls[3].request.headers["Cookie"]


def test_redirect_to_a_project_only_host_drops_the_token() -> None:
    endpoints = resolve_endpoints({"cmr": "https://evil.example"}, environ={})
    session = token_session(endpoints)
    with responses.RequestsMock() as mocked:
        mocked.add(responses.GET, DATA, status=302, headers={"Location": "https://evil.example/steal"})
        mocked.add(responses.GET, "https://evil.example/steal", body=b"ha")
        session.get(DATA)
        assert [auth_of(c) for c in mocked.calls] == [f"Bearer {TOKEN}", None]


def test_same_host_redirect_to_presigned_loopback_url_drops_the_token() -> None:
    session = token_session()
    first = "http://127.0.0.1:8123/data/x.zip"
    second = "http://127.0.0.1:8123/storage/x.zip?X-Amz-Signature=abc"
    with responses.RequestsMock() as mocked:
        mocked.add(responses.GET, first, status=307, headers={"Location": second})
        mocked.add(responses.GET, second.split("?")[0], body=b"ok")
        session.get(first)
        assert [auth_of(c) for c in mocked.calls] == [f"Bearer {TOKEN}", None]


def test_basic_credentials_follow_the_same_policy() -> None:
    creds = EarthdataCredentials.from_password("alice", "pw-SECRET", source="test")
    session = make_session(resolve_endpoints({}, environ={}), creds, user_agent="t")
    with responses.RequestsMock() as mocked:
        mocked.add(responses.GET, DATA, status=307, headers={"Location": LOGIN})
        mocked.add(responses.GET, LOGIN.split("?")[0], status=302, headers={"Location": S3})
        mocked.add(responses.GET, S3.split("?")[0], body=b"ok")
        session.get(DATA)
        auths = [auth_of(c) for c in mocked.calls]
    assert auths[0] == auths[1] == creds.authorization_header() and auths[0].startswith("Basic ")
    assert auths[2] is None


def _write_netrc(home: Path, text: str) -> Path:
    path = home / ".netrc"
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_netrc_is_never_applied_to_other_hosts(isolated_env: Path) -> None:
    _write_netrc(
        isolated_env,
        "machine evil.example login victim password hunter2\n"
        "machine urs.earthdata.nasa.gov login victim password hunter2\n",
    )
    endpoints = resolve_endpoints({"cmr": "https://evil.example"}, environ={})
    session = make_session(endpoints, None, user_agent="t")
    plain = requests.Session()
    with responses.RequestsMock() as mocked:
        mocked.add(responses.GET, "https://evil.example/a", body=b"ok")
        mocked.add(responses.GET, DATA, status=302, headers={"Location": "https://evil.example/a"})
        mocked.add(responses.GET, LOGIN.split("?")[0], body=b"ok")

        plain.get("https://evil.example/a")
        assert auth_of(mocked.calls[-1]) is not None  # proves requests alone would leak it

        session.get("https://evil.example/a")
        session.get(DATA)
        session.get(LOGIN)
        assert [auth_of(c) for c in list(mocked.calls)[1:]] == [None, None, None, None]


def test_a_stray_authorization_header_is_stripped_for_untrusted_hosts() -> None:
    endpoints = resolve_endpoints({"cmr": "https://evil.example"}, environ={})
    session = make_session(endpoints, None, user_agent="t")
    session.headers["Authorization"] = "Bearer set-by-someone-else"  # e.g. a library's auth_with_token
    with responses.RequestsMock() as mocked:
        mocked.add(responses.GET, "https://evil.example/a", body=b"ok")
        session.get("https://evil.example/a")
        assert auth_of(mocked.calls[0]) is None


def test_environment_still_configures_ca_bundle_and_proxies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = token_session()
    settings = session.merge_environment_settings(DATA, {}, None, None, None)
    assert settings["verify"] == str(bundle)
    assert settings["proxies"]["https"] == "http://proxy.internal:3128"


def test_user_agent_and_repr_hide_the_token() -> None:
    session = token_session()
    assert session.headers["User-Agent"] == "insarproj-tests"
    assert session.login_host == "urs.earthdata.nasa.gov"
    assert TOKEN not in repr(session) and TOKEN not in repr(session.auth)
