"""The CDSE client pieces against the sandbox stand-in and `responses`: paging, tokens, the session."""

from __future__ import annotations

from datetime import date

import pytest
import requests
import responses

from insarproj.cdse.auth import CdseCredentials, TokenManager, find_cdse_credentials, token_url
from insarproj.cdse.catalogue import Catalogue, Paging, product_filter
from insarproj.cdse.mapping import scene_from_product
from insarproj.cdse.session import CdseSession
from insarproj.endpoints import resolve_endpoints
from insarproj.errors import AuthError, ProviderError
from insarproj.sandbox.catalog import DEMO_BBOX
from insarproj.scenes.model import SearchRequest

W, S, E, N = DEMO_BBOX
AOI = f"POLYGON(({W} {S}, {E} {S}, {E} {N}, {W} {N}, {W} {S}))"


def _request(**changes) -> SearchRequest:  # type: ignore[no-untyped-def]
    return SearchRequest(**{"aoi_wkt": AOI, "start": date(2021, 1, 1), "end": date(2021, 12, 31), **changes})


def test_windows_split_under_the_skip_limit_lose_nothing(sandbox) -> None:  # type: ignore[no-untyped-def]
    url = sandbox.env()["INSARPROJ_CDSE_URL"]
    whole = Catalogue(url, requests.Session()).products(_request(end=date(2021, 4, 30)))
    sandbox.cdse.configure(max_skip=6, max_top=3)  # a tiny skip limit: many windows, many pages
    small = Catalogue(url, requests.Session(), Paging(page_size=3, skip_limit=6, pause=0))
    split = small.products(_request(end=date(2021, 4, 30)))
    assert len(whole) > 20 and sorted(p["Id"] for p in split) == sorted(p["Id"] for p in whole)
    assert small.requests_made > len(whole) // 3
    skipped = requests.get(f"{url}/odata/v1/Products", params={"$skip": "7", "$top": "3"})
    assert skipped.status_code == 422 and skipped.json()["detail"][0]["ctx"] == {"le": 6}


def test_filter_uses_attribute_clauses_and_the_real_polarisation_value() -> None:
    text = product_filter(
        _request(relative_orbits=[64], flight_direction="ASCENDING"),
        date(2021, 1, 1),
        date(2021, 2, 1),
        64,
        "VV+VH",
    )
    assert "att/OData.CSC.StringAttribute/Value eq 'IW_SLC__1S'" in text
    assert "att/OData.CSC.StringAttribute/Value eq 'VV&VH'" in text
    assert "att/Name eq 'relativeOrbitNumber' and att/OData.CSC.IntegerAttribute/Value eq 64)" in text
    assert "ContentDate/Start lt 2021-02-01T00:00:00.000Z" in text


@responses.activate
def test_a_short_page_count_or_a_foreign_next_link_stops_the_search() -> None:
    url = "https://catalogue.example/odata/v1/Products"
    responses.get(url, json={"@odata.count": 3, "value": [{"Id": "a"}, {"Id": "b"}]})
    with pytest.raises(ProviderError, match="counted 3 products"):
        Catalogue("https://catalogue.example", requests.Session(), Paging(pause=0)).products(_request())
    responses.replace(
        responses.GET, url, json={"@odata.count": 3, "value": [], "@odata.nextLink": "https://evil.example/x"}
    )
    with pytest.raises(ProviderError, match="another host"):
        Catalogue("https://catalogue.example", requests.Session(), Paging(pause=0)).products(_request())


def test_old_product_maps_without_size_or_checksum(sandbox) -> None:  # type: ignore[no-untyped-def]
    from insarproj.sandbox.cdse import complete_sizes, is_old_product, public

    entity = next(
        e
        for e in sandbox.cdse.entities()
        if is_old_product(e["_scene"]) and e["GeoFootprint"]["type"] == "MultiPolygon"
    )
    scene = scene_from_product(
        public(complete_sizes(entity, sandbox.cdse), expand=True), catalogue_url="http://x/cdse"
    )
    assert scene.bytes == 0 and scene.md5 is None and scene.source == "cdse"
    assert scene.footprint_wkt.startswith("POLYGON") and scene.frame is None
    assert scene.url == f"http://x/cdse/odata/v1/Products({entity['Id']})/$value"


def test_token_is_refreshed_before_it_expires_and_logs_in_again_only_when_the_session_ended(sandbox) -> None:  # type: ignore[no-untyped-def]
    endpoints = resolve_endpoints()
    now = [1000.0]
    tokens = TokenManager(
        token_url(endpoints),
        CdseCredentials("sandbox", "test", "sandbox-password"),
        requests.Session(),
        clock=lambda: now[0],
    )
    first = tokens.token()
    now[0] += 500  # within the advertised 600 s, less the margin
    assert tokens.token() == first
    now[0] += 50  # inside the last minute: refreshed, not a new login
    second = tokens.token()
    assert second != first and (tokens.logins, tokens.refreshes) == (1, 1)
    now[0] += 4000  # the refresh token has expired too: log in again
    tokens.token()
    assert (sandbox.cdse.counters.password_grants, sandbox.cdse.counters.refresh_grants) == (2, 1)


def test_wrong_password_is_one_clear_error_without_the_password(sandbox) -> None:  # type: ignore[no-untyped-def]
    tokens = TokenManager(
        token_url(resolve_endpoints()),
        CdseCredentials("sandbox", "CDSE_USERNAME/CDSE_PASSWORD", "nope"),
        requests.Session(),
    )
    with pytest.raises(AuthError) as caught:
        tokens.token()
    assert "two-factor" in str(caught.value) and "nope" not in str(caught.value) + str(caught.value.hint)


def test_credentials_come_from_env_or_netrc_host(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine dataspace.copernicus.eu login alice password s3cret\n")
    found = find_cdse_credentials({"NETRC": str(netrc)})
    assert found is not None and found.username == "alice" and "s3cret" not in repr(found)
    assert find_cdse_credentials({"CDSE_USERNAME": "bob", "CDSE_PASSWORD": "pw"}).username == "bob"  # type: ignore[union-attr]
    with pytest.raises(AuthError, match="CDSE_USERNAME is set but CDSE_PASSWORD is not"):
        find_cdse_credentials({"CDSE_USERNAME": "bob"})


class _FixedTokens:
    def __init__(self) -> None:
        self.expired_calls = 0

    def token(self) -> str:
        return "T0KEN"

    def expired(self, token: str) -> None:
        self.expired_calls += 1


@responses.activate
def test_token_goes_only_to_the_configured_download_host_also_after_a_redirect() -> None:
    env = {
        "INSARPROJ_CDSE_URL": "https://catalogue.example",
        "INSARPROJ_CDSE_DOWNLOAD_URL": "https://zipper.example",
    }
    session = CdseSession(resolve_endpoints(environ=env), _FixedTokens(), user_agent="t")  # type: ignore[arg-type]
    responses.get(
        "https://catalogue.example/odata/v1/Products(1)/$value",
        status=307,
        headers={"Location": "https://zipper.example/odata/v1/Products(1)/$value"},
    )
    responses.get("https://zipper.example/odata/v1/Products(1)/$value", body=b"zip")
    assert session.get("https://catalogue.example/odata/v1/Products(1)/$value").content == b"zip"
    first, second = (c.request for c in responses.calls)
    assert "Authorization" not in first.headers and second.headers["Authorization"] == "Bearer T0KEN"


@responses.activate
def test_a_download_host_named_only_in_project_toml_gets_no_token() -> None:
    endpoints = resolve_endpoints({"cdse_download": "https://stranger.example"}, environ={})
    session = CdseSession(endpoints, _FixedTokens(), user_agent="t")  # type: ignore[arg-type]
    responses.get("https://stranger.example/odata/v1/Products(1)/$value", body=b"zip")
    session.get("https://stranger.example/odata/v1/Products(1)/$value")
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_a_refused_token_is_replaced_once() -> None:
    endpoints = resolve_endpoints(environ={"INSARPROJ_CDSE_DOWNLOAD_URL": "https://zipper.example"})
    tokens = _FixedTokens()
    session = CdseSession(endpoints, tokens, user_agent="t")  # type: ignore[arg-type]
    url = "https://zipper.example/odata/v1/Products(1)/$value"
    responses.get(url, status=401)
    responses.get(url, status=401)
    assert session.get(url).status_code == 401 and tokens.expired_calls == 1 and len(responses.calls) == 2
