"""Endpoint resolution and where credentials may go (DESIGN §4, §5)."""

from __future__ import annotations

from insarproj.endpoints import DEFAULT_URLS, redact_url, resolve_endpoints


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
