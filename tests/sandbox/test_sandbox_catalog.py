"""The sandbox catalog: real naming and orbit conventions, tracks over the demo AOI, payloads."""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sandbox_helpers import DATA, by_stack_and_date, md5

from insarproj.sandbox.catalog import DEMO_BBOX, PLATFORMS, Catalog, aoi_coverage, relative_burst_id
from insarproj.sandbox.server import shared_catalog
from insarproj.sandbox.umm import render

SLC_NAME = re.compile(
    r"^(?P<mission>S1[ABCD])_IW_SLC__1S(?P<pol>DV|SV)_(?P<start>\d{8}T\d{6})_(?P<stop>\d{8}T\d{6})"
    r"_(?P<orbit>\d{6})_(?P<dtid>[0-9A-F]{6})_(?P<uid>[0-9A-F]{4})$"
)
BURST_NAME = re.compile(
    r"^S1_(?P<relburst>\d{6})_(?P<swath>IW[123])_(?P<start>\d{8}T\d{6})_(?P<pol>VV|VH)_(?P<uid>[0-9A-F]{4})-BURST$"
)
OFFSETS = {"S1A": 73, "S1B": 27}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return shared_catalog(0)


def test_same_seed_same_catalog_other_seed_other_ids(catalog: Catalog) -> None:
    again = Catalog(0)
    assert [s.name for s in again.scenes] == [s.name for s in catalog.scenes]
    assert [b.name for b in again.bursts] == [b.name for b in catalog.bursts]
    other = Catalog(1)
    assert {s.name for s in other.scenes}.isdisjoint({s.name for s in catalog.scenes})


def test_tracks_ascending_and_descending_over_the_aoi(catalog: Catalog) -> None:
    groups = by_stack_and_date(catalog)
    coverage: dict[str, list[float]] = {}
    for (stack, _), scenes in groups.items():
        coverage.setdefault(stack, []).append(aoi_coverage(scenes))
    assert set(coverage) == {"A064", "D071", "A166", "D144"}
    assert min(coverage["A064"]) > 0.99 and min(coverage["D071"]) > 0.99
    partial = coverage["A166"]  # AOI at the near edge, datatakes ending over it
    low = sum(c < 0.5 for c in partial)
    assert 0 < low < len(partial) / 2 and max(partial) > 0.7
    assert max(coverage["D144"]) < 0.5 and min(coverage["D144"]) > 0.0  # touches, never half


def test_twelve_day_repeat_over_at_least_two_years(catalog: Catalog) -> None:
    groups = by_stack_and_date(catalog)
    for stack in ("A064", "D071", "A166"):
        days = sorted(d for s, d in groups if s == stack)
        assert days[0] <= date(2021, 1, 12) and days[-1] >= date(2022, 12, 20)
        assert all((b - a).days % 12 == 0 for a, b in itertools.pairwise(days))
        assert len(days) >= 2 * 365 // 12 - 4  # a few planned acquisitions are missing, as in reality


def test_platform_eras_are_real(catalog: Catalog) -> None:
    platforms = Counter(s.platform.code for s in catalog.scenes)
    assert set(platforms) == {"S1A", "S1B"}  # no S1C before 2025
    assert max(s.start.date() for s in catalog.scenes if s.platform.code == "S1B") <= date(2021, 12, 23)
    a_days = [s.start.date() for s in catalog.scenes if s.platform.code == "S1A"]
    assert min(a_days) <= date(2020, 10, 12) and max(a_days) >= date(2023, 3, 1)


def test_scene_names_follow_the_real_convention(catalog: Catalog) -> None:
    for scene in catalog.scenes:
        m = SLC_NAME.match(scene.name)
        assert m, scene.name
        orbit = int(m["orbit"])
        assert (orbit - OFFSETS[m["mission"]]) % 175 + 1 == scene.track.path
        assert m["start"] == f"{scene.start:%Y%m%dT%H%M%S}" and m["stop"] == f"{scene.stop:%Y%m%dT%H%M%S}"
        assert int(m["dtid"], 16) == scene.acquisition.datatake
        assert m["pol"] == ("DV" if scene.polarization == "VV+VH" else "SV")
        assert scene.granule_ur == scene.name + "-SLC"
    assert {s.polarization for s in catalog.scenes if s.track.path == 144} == {"VV"}


def test_anchors_reproduce_real_granules() -> None:
    # the real S1B Fairbanks granule: orbit 24970 is path 94 with that ascending-node time
    s1b = PLATFORMS["S1B"]
    assert s1b.relative_orbit(24970) == 94
    assert s1b.anx(24970 + 350) == datetime(2021, 1, 26, 3, 2, 58, 934857, tzinfo=UTC)
    # interpolated between real datatake ids: close to the real 20210114 scene's 02FE61
    assert abs(s1b.datatake(25145) - 0x02FE61) <= 10
    assert PLATFORMS["S1A"].relative_orbit(58630) == 108  # the real SAFE manifest
    # the real burst S1_372326_IW3 (path 174, AZIMUTH_ANX_TIME 2026.218343215)
    assert relative_burst_id(174, 2026.218343215) == 372326


def test_passes_are_at_the_real_local_times(catalog: Catalog) -> None:
    ascending = {s.start.hour for s in catalog.scenes if s.track.path == 64}
    descending = {s.start.hour for s in catalog.scenes if s.track.path == 71}
    assert ascending == {1} and descending == {13}  # Ridgecrest: ~01:50 and ~13:50 UTC


def test_frame_numbers_drift_between_dates(catalog: Catalog) -> None:
    groups = by_stack_and_date(catalog)
    center_lat = (DEMO_BBOX[1] + DEMO_BBOX[3]) / 2
    frames = []
    for (stack, _), scenes in sorted(groups.items()):
        if stack == "A064":
            hit = [
                s
                for s in scenes
                if min(p[1] for p in s.outline) <= center_lat <= max(p[1] for p in s.outline)
            ]
            frames.append(min(s.frame for s in hit))
    assert 2 <= len(set(frames)) <= 5
    assert max(frames) - min(frames) <= 4
    assert any(a != b for a, b in itertools.pairwise(frames))


def test_reprocessed_duplicates_share_the_acquisition(catalog: Catalog) -> None:
    reprocessed = [s for s in catalog.scenes if s.reprocessed]
    assert 5 <= len(reprocessed) <= 60
    for dup in reprocessed:
        twins = [s for s in catalog.scenes if s.start == dup.start and s.track is dup.track and s is not dup]
        assert len(twins) == 1
        original = twins[0]
        assert dup.uid != original.uid and dup.name[:-4] == original.name[:-4]
        assert dup.production is not None and original.production == original.start < dup.production


def test_bursts_cover_each_pass_and_one_date_misses_one(catalog: Catalog) -> None:
    per_pass = Counter((b.track.path, b.acquisition.orbit, b.polarization) for b in catalog.bursts)
    full = 3 * 6
    a064 = [n for (path, _, pol), n in per_pass.items() if path == 64 and pol == "VV"]
    assert sorted(a064)[0] == full - 1 and sorted(a064)[1] == full  # exactly one date lacks a burst
    assert {n for (path, _, _), n in per_pass.items() if path == 71} == {full}
    for burst in catalog.bursts[:500]:
        m = BURST_NAME.match(burst.name)
        assert m, burst.name
        assert burst.parent is not None and burst.parent.uid == m["uid"]
        assert burst.parent.tau_start <= burst.azimuth_tau < burst.parent.tau_stop
        assert burst.full_burst_id == f"{burst.track.path:03d}_{m['relburst']}_{m['swath']}"
        assert relative_burst_id(burst.track.path, burst.azimuth_tau) == burst.burst_id
    # the same burst id recurs at every date of a track, as real burst ids do
    ids_per_date = Counter(
        b.full_burst_id for b in catalog.bursts if b.track.path == 64 and b.polarization == "VV"
    )
    assert len(ids_per_date) == full


def test_scene_zip_is_valid_and_matches_its_advertised_md5(catalog: Catalog) -> None:
    scene = catalog.scenes[3]
    data = catalog.payloads.data(scene)
    info = catalog.payloads.info(scene)
    assert (info.size, info.md5) == (len(data), md5(data))
    assert info.etag.strip('"').split("-")[0] != info.md5 and re.fullmatch(r'"[0-9a-f]{32}-\d+"', info.etag)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        manifest = archive.read(f"{scene.name}.SAFE/manifest.safe").decode()
    assert any(n.startswith(f"{scene.name}.SAFE/measurement/s1a-iw2-slc-vv-") for n in names)
    assert f'<safe:orbitNumber type="start">{scene.acquisition.orbit}</safe:orbitNumber>' in manifest
    assert f"<s1sarl1:missionDataTakeID>{scene.acquisition.datatake}</s1sarl1:missionDataTakeID>" in manifest
    assert catalog.payloads.data(scene) == data  # deterministic and cached
    sizes = {catalog.payloads.info(s).size for s in catalog.scenes[:20]}
    assert len(sizes) > 10 and max(sizes) <= 64 * 1024


def test_burst_tiff_is_a_complex_int16_geotiff_gdal_reads(catalog: Catalog) -> None:
    from rasterio.io import MemoryFile
    from shapely.geometry import Point

    burst = catalog.bursts[0]
    data = catalog.payloads.data(burst)
    with MemoryFile(data) as memfile, memfile.open() as dataset:
        assert (dataset.width, dataset.height, dataset.count) == (96, 16, 1)
        assert dataset.dtypes[0] == "complex_int16"
        assert dataset.read(1).any()
        gcps, crs = dataset.gcps
    assert crs.to_epsg() == 4326 and len(gcps) == 4
    assert burst.footprint.buffer(1e-6).contains(Point(gcps[0].x, gcps[0].y))


def test_orbit_model_is_calibrated_on_the_real_granule() -> None:
    from insarproj.sandbox.catalog import reference_orbit_model

    model = reference_orbit_model()
    assert 370_000 < model.near_range < 385_000 and 620_000 < model.far_range < 635_000  # 250 km IW swath
    assert abs(model.radius - 7_066_724) < 1


def _real_item(name: str) -> dict:
    return json.loads((DATA / name).read_text())["items"][0]


def test_items_have_the_layout_of_real_asf_items(catalog: Catalog) -> None:
    import asf_search as asf

    scene = catalog.scenes[0]
    info = catalog.payloads.info(scene)
    item = render(scene, data_url="http://127.0.0.1:1234", size=info.size, md5=info.md5)
    real = _real_item("cmr_granules_umm_json.SLC_Fairbanks_stack.DERIVED.json")
    assert set(item["umm"]) == set(real["umm"])
    assert set(real["meta"]) <= set(item["meta"])
    real_attrs = [a["Name"] for a in real["umm"]["AdditionalAttributes"]]
    assert [a["Name"] for a in item["umm"]["AdditionalAttributes"]] == real_attrs

    product = asf.S1Product(item)
    props = product.properties
    assert props["sceneName"] == scene.name and props["fileID"] == scene.granule_ur
    assert props["url"] == f"http://127.0.0.1:1234/SLC/SA/{scene.name}.zip"
    assert (props["md5sum"], props["bytes"]) == (info.md5, info.size)
    assert (props["pathNumber"], props["frameNumber"]) == (scene.track.path, scene.frame)
    assert props["processingLevel"] == "SLC" and props["polarization"] == "VV+VH"
    assert product.has_baseline() and product.is_valid_reference()

    burst = catalog.bursts[0]
    b_item = render(burst, data_url="http://127.0.0.1:1234", size=catalog.payloads.info(burst).size, md5=None)
    b_real = _real_item("cmr_granules_umm_json.SLC_BURST.DERIVED.json")
    assert set(b_item["umm"]) == set(b_real["umm"])
    assert [a["Name"] for a in b_item["umm"]["AdditionalAttributes"]] == [
        a["Name"] for a in b_real["umm"]["AdditionalAttributes"]
    ]
    b_product = asf.S1BurstProduct(b_item)
    assert b_product.properties["burst"]["fullBurstID"] == burst.full_burst_id
    assert b_product.properties["url"].endswith(f"/{burst.swath}/{burst.polarization}/{burst.index}.tiff")
    assert b_product.properties["bytes"] == str(catalog.payloads.info(burst).size)
