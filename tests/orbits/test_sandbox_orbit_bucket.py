"""The sandbox's orbit bucket: the real S3 listing shape, paging, the clock that turns RESORB-only
scenes into POEORB ones, reprocessed duplicates, and EOFs that pass the client's checks."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from insarproj.sandbox.server import Sandbox

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


@pytest.fixture(scope="module")
def box():  # type: ignore[no-untyped-def]
    with Sandbox(seed=0) as sandbox:
        yield sandbox


def listing(box, **params: str) -> ET.Element:  # type: ignore[no-untyped-def]
    response = requests.get(box.env()["INSARPROJ_ORBITS_URL"] + "/", params=params, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/xml"
    return ET.fromstring(response.content)


def keys(root: ET.Element) -> list[str]:
    return [k.text or "" for k in root.iter(f"{NS}Key")]


def test_listing_has_the_real_shape_and_pages_by_marker(box) -> None:  # type: ignore[no-untyped-def]
    root = listing(box, prefix="AUX_POEORB/S1A_OPER_AUX_POEORB_OPOD_2021", **{"max-keys": "3"})
    assert root.tag == f"{NS}ListBucketResult" and root.findtext(f"{NS}Name") == "s1-orbits"
    assert root.findtext(f"{NS}IsTruncated") == "true" and root.find(f"{NS}NextMarker") is None
    first = root.find(f"{NS}Contents")
    assert first is not None
    assert {c.tag.removeprefix(NS) for c in first} == {"Key", "LastModified", "ETag", "Size", "StorageClass"}
    page1 = keys(root)
    page2 = keys(
        listing(box, prefix="AUX_POEORB/S1A_OPER_AUX_POEORB_OPOD_2021", marker=page1[-1], **{"max-keys": "3"})
    )
    assert page1 == sorted(page1) and page2[0] > page1[-1]
    v2 = listing(box, prefix="AUX_POEORB/S1A", **{"list-type": "2", "max-keys": "2"})
    token = v2.findtext(f"{NS}NextContinuationToken")
    assert v2.findtext(f"{NS}KeyCount") == "2" and token
    nxt = listing(
        box, prefix="AUX_POEORB/S1A", **{"list-type": "2", "continuation-token": token, "max-keys": "2"}
    )
    assert keys(nxt)[0] > token


def test_both_satellites_and_reprocessed_duplicates(box) -> None:  # type: ignore[no-untyped-def]
    windows: dict[tuple[str, str], int] = {}
    for key in keys(listing(box, prefix="AUX_POEORB/")):
        mission, validity = key.split("/")[1][:3], key.split("_V", 1)[1]
        windows[(mission, validity)] = windows.get((mission, validity), 0) + 1
    assert {m for m, _ in windows} >= {"S1A", "S1B"}
    assert any(count > 1 for count in windows.values())  # reprocessed POEORBs for some days


def test_recent_scenes_have_resorb_until_the_clock_passes_the_delay(tmp_path: Path) -> None:
    from insarproj.orbits.select import OrbitIndex, parse_key
    from insarproj.orbits.verify import verify_eof

    with Sandbox(seed=0) as sandbox:
        scene = next(s for s in sandbox.catalog.scenes if s.start.date().isoformat() == "2021-02-11")
        t0, t1 = scene.start.replace(tzinfo=None), scene.stop.replace(tzinfo=None)
        mission = scene.platform.code
        sandbox.orbit_settings(clock=(t0 + timedelta(days=5)).isoformat())

        def best(kind: str):  # type: ignore[no-untyped-def]
            files = [parse_key(k) for k in keys(listing(sandbox, prefix=f"{kind}/{mission}"))]
            return OrbitIndex(f for f in files if f).select(t0, t1)

        assert best("AUX_POEORB") is None
        resorb = best("AUX_RESORB")
        assert resorb is not None
        sandbox.orbit_settings(advance_days=20)
        poeorb = best("AUX_POEORB")
        assert poeorb is not None and poeorb.created > datetime(2021, 2, 26)
        for file in (resorb, poeorb):
            body = requests.get(f"{sandbox.env()['INSARPROJ_ORBITS_URL']}/{file.key}", timeout=10)
            assert body.headers["Content-Type"] == "binary/octet-stream"
            path = tmp_path / file.name
            path.write_bytes(body.content)
            verify_eof(path, file, t0, t1)  # the client's checks accept the sandbox's files
        missing = requests.get(
            f"{sandbox.env()['INSARPROJ_ORBITS_URL']}/AUX_POEORB/S1A_nothing.EOF", timeout=10
        )
        assert missing.status_code == 404 and re.search(r"<Code>NoSuchKey</Code>", missing.text)
