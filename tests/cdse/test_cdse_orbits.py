"""CDSE as the orbit source, against `responses` mocks (insarproj.cdse.orbits)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from insarproj.cdse.catalogue import Paging
from insarproj.cdse.orbits import CdseOrbitCatalogue, orbit_filter, orbit_of
from insarproj.errors import ProviderError

URL = "https://catalogue.example.test"
PREFIX = "AUX_POEORB/S1A_OPER_AUX_POEORB_OPOD_"
NAMES = "startswith(Name,'S1A_OPER_AUX_POEORB_OPOD_')"
REAL = Path(__file__).resolve().parent.parent / "data" / "orbits" / "cdse_products_POEORB.json"


def _real_item() -> dict[str, Any]:
    item: dict[str, Any] = json.loads(REAL.read_text())["value"][0]
    return item


def _item(name: str, ident: str) -> dict[str, Any]:
    return {**_real_item(), "Name": name, "Id": ident}


def _name(created: str, start: str = "20191230T225942", stop: str = "20200101T005942") -> str:
    return f"S1A_OPER_AUX_POEORB_OPOD_{created}_V{start}_{stop}.EOF"


def _catalogue() -> CdseOrbitCatalogue:
    return CdseOrbitCatalogue(URL, requests.Session(), Paging(page_size=2, pause=0.0))


def test_a_real_catalogue_product_becomes_the_bucket_key_with_its_id_size_and_md5() -> None:
    item = _real_item()
    file = orbit_of(item, PREFIX)
    assert file is not None
    assert file.key == "AUX_POEORB/" + item["Name"] and file.type == "precise" and file.mission == "S1A"
    assert file.product_id == item["Id"] and file.size == item["ContentLength"]
    assert file.md5 == "e0345368421e1b65127adc6ea103ab53"  # the MD5 entry of Checksum
    assert file.to_json()[-1] == item["Id"]  # the cached listing keeps the id


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        (
            PREFIX + "20210101T000000",
            "startswith(Name,'S1A_OPER_AUX_POEORB_OPOD_') and PublicationDate ge 2021-01-01T00:00:00.000Z",
        ),
        (
            PREFIX + "20210314T120000_V2019",
            "startswith(Name,'S1A_OPER_AUX_POEORB_OPOD_') and PublicationDate ge 2021-03-14T12:00:00.000Z",
        ),
        ("", "startswith(Name,'S1A_OPER_AUX_POEORB_OPOD_')"),
    ],
)
def test_the_filter_of_a_listing(marker: str, expected: str) -> None:
    assert orbit_filter(PREFIX, marker) == expected


@responses.activate
def test_pages_are_followed_counted_and_cut_at_the_marker_in_key_order() -> None:
    names = [_name("20210316T000000"), _name("20210315T155112"), _name("20210101T000000")]
    second = f"{URL}/odata/v1/Products?page=2"
    page_two = responses.matchers.query_param_matcher({"page": "2"})
    responses.get(f"{URL}/odata/v1/Products", json={"value": [_item(names[2], "c")]}, match=[page_two])
    responses.get(
        f"{URL}/odata/v1/Products",
        json={
            "@odata.count": 3,
            "value": [_item(names[0], "a"), _item(names[1], "b")],
            "@odata.nextLink": second,
        },
    )
    catalogue = _catalogue()
    files = catalogue.list_from(PREFIX, PREFIX + "20210201T000000")
    # The one created before the marker (republished later) is dropped, as the bucket would.
    assert [f.name for f in files] == [names[1], names[0]]
    assert [f.product_id for f in files] == ["b", "a"]
    first = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert first["$orderby"] == ["PublicationDate asc"] and first["$count"] == ["True"]
    assert "PublicationDate ge 2021-02-01T00:00:00.000Z" in first["$filter"][0]
    assert catalogue.requests == 2
    assert all("Authorization" not in c.request.headers for c in responses.calls)  # public catalogue


@responses.activate
def test_a_short_listing_stops_the_plan() -> None:
    responses.get(
        f"{URL}/odata/v1/Products", json={"@odata.count": 5, "value": [_item(_name("20210316T000000"), "a")]}
    )
    with pytest.raises(ProviderError, match="counted 5 orbit files"):
        _catalogue().list_from(PREFIX, PREFIX + "20210101T000000")


@responses.activate
def test_a_next_link_to_another_host_is_refused() -> None:
    responses.get(
        f"{URL}/odata/v1/Products",
        json={
            "@odata.count": 3,
            "value": [_item(_name("20210316T000000"), "a")],
            "@odata.nextLink": "https://elsewhere.example.test/odata/v1/Products?x=1",
        },
    )
    with pytest.raises(ProviderError, match="another host"):
        _catalogue().list_from(PREFIX, PREFIX + "20210101T000000")


def test_a_cached_cdse_listing_keeps_the_product_ids() -> None:
    from datetime import UTC, datetime

    from insarproj.orbits.listing import Listing

    file = orbit_of(_real_item(), PREFIX)
    assert file is not None
    listing = Listing(PREFIX, PREFIX + "20210101T000000", datetime(2021, 4, 1, tzinfo=UTC), [file])
    again = Listing.from_json(PREFIX, listing.to_json())
    assert again is not None and again.files == [file] and again.files[0].product_id == file.product_id
