"""The GUNW layout check, the UMM parsing of the real ARIA_S1_GUNW shape, and the long-term
storage protocol against `responses` mocks."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import responses

from insarproj.aria.netcdf import check_gunw_layout
from insarproj.aria.search import AriaSearchRequest, product_from_umm, search_gunw
from insarproj.aria.storage import probe_download, read_status
from insarproj.errors import AuthError, ProviderError, VerificationError
from insarproj.sandbox.aria import umm_item
from insarproj.sandbox.aria_catalog import gunw_products, netcdf_bytes

END = "2026-12-31T00:00:00Z"
URL = "https://grfn.example.invalid/door/download/S1-GUNW-X.nc"


def test_a_sandbox_gunw_file_passes_and_damaged_ones_are_refused(tmp_path: Path) -> None:
    import h5py

    good = tmp_path / "good.nc"
    good.write_bytes(netcdf_bytes(gunw_products()[0].name))
    check_gunw_layout(good)

    cut = tmp_path / "cut.nc"
    cut.write_bytes(good.read_bytes()[:2000])
    with pytest.raises(VerificationError, match="does not open as a netCDF-4"):
        check_gunw_layout(cut)

    partial = tmp_path / "partial.nc"
    with h5py.File(partial, "w") as handle:
        handle.create_dataset("science/grids/data/unwrappedPhase", data=[[1.0]])
    with pytest.raises(VerificationError, match=r"coherence.*connectedComponents"):
        check_gunw_layout(partial)


def test_umm_item_gives_frame_size_md5_url_and_footprint() -> None:
    sandbox_product = gunw_products()[0]
    item = umm_item(sandbox_product, "http://127.0.0.1:1")
    found, why = product_from_umm(item)
    assert found is not None, why
    assert found.frame == sandbox_product.frame and found.stack == "A064"
    assert found.size == len(netcdf_bytes(sandbox_product.name))
    assert found.url.endswith(f"/door/download/{sandbox_product.name}.nc")
    assert found.footprint.startswith("POLYGON ((")


def test_an_item_without_a_frame_is_skipped_with_a_reason() -> None:
    item = umm_item(gunw_products()[0], "http://127.0.0.1:1")
    item["umm"]["AdditionalAttributes"] = []
    found, why = product_from_umm(item)
    assert found is None and "frame number" in why


@responses.activate
def test_a_short_paged_search_is_an_error_not_a_short_list() -> None:
    item = umm_item(gunw_products()[0], "http://127.0.0.1:1")
    responses.post(
        "https://cmr.example.invalid/search/granules.umm_json",
        json={"hits": 5, "items": [item]},
        headers={"CMR-Hits": "5"},
    )
    import datetime as dt

    request = AriaSearchRequest(bbox=(-118, 35, -117, 36), start=dt.date(2021, 1, 1), end=dt.date(2021, 3, 1))
    with pytest.raises(ProviderError, match="stopped after 1 of 5"):
        search_gunw(request, cmr_url="https://cmr.example.invalid", session=requests.Session())


@responses.activate
def test_202_means_retrieval_and_names_the_status_url() -> None:
    responses.get(URL, status=202, json={"status": "retrieving"})
    probe = probe_download(requests.Session(), URL)
    assert not probe.ready
    assert probe.status_url == "https://grfn.example.invalid/door/status/S1-GUNW-X.nc"


@responses.activate
def test_a_login_page_instead_of_the_file_asks_for_the_application_approval() -> None:
    responses.get(URL, status=200, body="<html>Authorize GRFN Door</html>", content_type="text/html")
    with pytest.raises(AuthError) as caught:
        probe_download(requests.Session(), URL)
    assert "GRFN Door (PROD)" in (caught.value.hint or "")


@responses.activate
@pytest.mark.parametrize(
    ("body", "status", "available", "expiration"),
    [
        ({"status": "archived"}, "archived", False, None),
        ({"status": "Retrieving"}, "retrieving", False, None),
        (
            {"status": "available", "expiration_date": "2026-12-31T00:00:00Z"},
            "available",
            True,
            "2026-12-31T00:00:00Z",
        ),
        ({"status": "thawing"}, "thawing", False, None),  # unknown: shown verbatim, still waiting
    ],
)
def test_status_answers(body: dict, status: str, available: bool, expiration: str | None) -> None:
    status_url = URL.replace("/download/", "/status/")
    responses.get(status_url, json=body)
    answer = read_status(requests.Session(), status_url)
    assert (answer.status, answer.available, answer.expiration) == (status, available, expiration)


@responses.activate
def test_a_status_without_status_is_an_error() -> None:
    status_url = URL.replace("/download/", "/status/")
    responses.get(status_url, json={"state": "ok"})
    with pytest.raises(ProviderError):
        read_status(requests.Session(), status_url)
