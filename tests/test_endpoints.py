"""Endpoint resolution and where credentials may go (docs/endpoints.md, docs/safety.md)."""

from __future__ import annotations

import pytest
import responses

from insarproj.endpoints import DEFAULT_URLS, redact_url, resolve_endpoints
from insarproj.hyp3.client import Hyp3Reader
from insarproj.transfer import EarthdataCredentials, make_session

TOKEN = "tok-SECRET"
PROJECT = {"cmr": "https://pr-cmr.example", "hyp3": "https://pr-hyp3.example"}
ENV = {"INSARPROJ_HYP3_URL": "https://hyp3-env.example", "INSARPROJ_URS_URL": "http://127.0.0.1:9000"}

# (url, allowed without --trust-endpoints, allowed with it), for PROJECT and ENV resolved together.
CREDENTIAL_TABLE = [
    ("https://urs.earthdata.nasa.gov/oauth/authorize", True, True),  # default domain
    ("https://cmr.earthdata.nasa.gov/search", True, True),
    ("https://datapool.asf.alaska.edu/SLC/SA/x.zip", True, True),  # ASF data host (default domain)
    ("https://hyp3-api.asf.alaska.edu/jobs", True, True),
    ("http://127.0.0.1:8123/jobs", True, True),  # loopback, any port
    ("http://localhost:1/", True, True),
    ("http://[::1]:8080/x", True, True),
    ("https://hyp3-env.example/jobs", True, True),  # set by INSARPROJ_HYP3_URL
    ("https://pr-cmr.example/search/granules.umm_json", False, True),  # project.toml only
    ("https://pr-hyp3.example/jobs", False, False),  # project value overridden by env: never
    ("https://evil.example/steal", False, False),  # named nowhere
    ("https://bucket.s3.amazonaws.com/x.zip", False, False),  # storage host
    ("https://copernicus-dem-30m.s3.amazonaws.com/x.tif", False, False),  # a default URL, but storage
    ("http://127.0.0.1:8123/storage/x.zip?X-Amz-Signature=abc", False, False),  # presigned, even on loopback
    ("https://datapool.asf.alaska.edu/x.zip?Signature=abc&Expires=1", False, False),
    ("not a url", False, False),
]


def test_defaults_env_and_project_precedence() -> None:
    eps = resolve_endpoints({"hyp3": "https://hyp3-test-api.asf.alaska.edu"}, environ={})
    assert eps.url("cmr") == DEFAULT_URLS["cmr"] and eps.sources["cmr"] == "default"
    assert eps.url("hyp3") == "https://hyp3-test-api.asf.alaska.edu" and eps.sources["hyp3"] == "project"
    eps = resolve_endpoints(
        {"hyp3": "https://a.example"}, environ={"INSARPROJ_HYP3_URL": "http://127.0.0.1:9/"}
    )
    assert eps.url("hyp3") == "http://127.0.0.1:9" and eps.sources["hyp3"] == "env"


def test_token_not_sent_to_a_host_named_only_in_project_toml() -> None:
    eps = resolve_endpoints({"cmr": "https://evil.example.com"}, environ={})
    assert not eps.may_send_credentials("https://evil.example.com/search/granules.umm_json")
    assert eps.untrusted_overrides() == ["cmr"]
    trusted = resolve_endpoints({"cmr": "https://evil.example.com"}, environ={}, trust_project=True)
    assert trusted.may_send_credentials("https://evil.example.com/x")


def test_credentials_allowed_for_defaults_loopback_and_env_hosts() -> None:
    eps = resolve_endpoints({}, environ={"INSARPROJ_HYP3_URL": "https://hyp3.mylab.org"})
    assert eps.may_send_credentials("https://urs.earthdata.nasa.gov/oauth/authorize")
    assert eps.may_send_credentials("https://datapool.asf.alaska.edu/SLC/SA/x.zip")
    assert eps.may_send_credentials("http://127.0.0.1:8080/x") and eps.may_send_credentials(
        "http://localhost:1/"
    )
    assert eps.may_send_credentials("https://hyp3.mylab.org/jobs")
    assert not eps.may_send_credentials("https://bucket.s3.amazonaws.com/x.zip")


def test_redact_url_drops_presigned_query_and_userinfo() -> None:
    url = "https://user:pw@bucket.s3.amazonaws.com/S1A.zip?X-Amz-Signature=abc&X-Amz-Credential=k"
    assert redact_url(url) == "https://bucket.s3.amazonaws.com/S1A.zip"


@pytest.mark.parametrize(("url", "untrusted", "trusted"), CREDENTIAL_TABLE)
def test_the_one_credential_decision(url: str, untrusted: bool, trusted: bool) -> None:
    assert resolve_endpoints(PROJECT, environ=ENV).may_send_credentials(url) is untrusted
    assert resolve_endpoints(PROJECT, environ=ENV, trust_project=True).may_send_credentials(url) is trusted


REDIRECT_TARGETS = [url for url, _, _ in CREDENTIAL_TABLE if url.startswith("http") and "[" not in url]


@pytest.mark.parametrize("target", REDIRECT_TARGETS)
@pytest.mark.parametrize("trust_project", [False, True])
def test_every_session_asks_the_same_decision_on_a_redirect(target: str, trust_project: bool) -> None:
    """The Earthdata session and a bare-token HyP3 reader both follow ``may_send_credentials``
    on the first request and after a redirect to another host."""
    endpoints = resolve_endpoints(PROJECT, environ=ENV, trust_project=trust_project)
    start = "https://hyp3-api.asf.alaska.edu/costs"
    expected = f"Bearer {TOKEN}" if endpoints.may_send_credentials(target) else None
    session = make_session(endpoints, EarthdataCredentials.from_token(TOKEN), user_agent="t")
    with responses.RequestsMock() as mocked:
        mocked.add(responses.GET, start, status=302, headers={"Location": target})
        mocked.add(responses.GET, target.split("?")[0], json={})
        session.get(start)
        assert [c.request.headers.get("Authorization") for c in mocked.calls] == [f"Bearer {TOKEN}", expected]


def test_a_bare_token_reader_sends_its_token_only_where_the_decision_allows() -> None:
    reader = Hyp3Reader("https://hyp3.mylab.example", token=TOKEN)  # trusted: the caller chose it
    with responses.RequestsMock() as mocked:
        mocked.add(
            responses.GET,
            "https://hyp3.mylab.example/costs",
            status=302,
            headers={"Location": "https://x.example/c"},
        )
        mocked.add(responses.GET, "https://x.example/c", json={})
        reader.costs()
        assert [c.request.headers.get("Authorization") for c in mocked.calls] == [f"Bearer {TOKEN}", None]
