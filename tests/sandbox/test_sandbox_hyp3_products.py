"""The HyP3 stand-in's products: the real INSAR_GAMMA layout, MintPy-readable parameter files,
GeoTIFFs that open, burst products, and determinism."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from test_sandbox_hyp3_helpers import (
    DATA,
    DONE,
    MINTPY_KEYS,
    burst_pair,
    load,
    mintpy_parse,
    multi_burst,
    slc_pairs,
    token,
    writer,
)

from insarproj.hyp3 import Hyp3Reader, build_job_request, expected_layers, parse_product_name, safe_extract
from insarproj.sandbox import hyp3_products
from insarproj.sandbox.server import Sandbox, shared_catalog

# the product names MintPy's prep_hyp3 recognises
MINTPY_NAME = re.compile(
    r"S1[ABCD]{2}(_\d{8}T\d{6}){2}_(VV|HH)[PRO]\d{3,4}_INT\d{2}_G_[uw][ec][123F]_[0-9A-F]{4}"
)
JOB_ID = "27836b79-e5b2-4d8f-932f-659724ea02c3"
PROCESSED = datetime(2025, 6, 10, 8, 30, tzinfo=UTC)
# the granules of the real README example (hyp3-gamma tests)
REAL_REFERENCE = "S1A_IW_SLC__1SSH_20210424T125204_20210424T125231_037592_046F17_3392"
REAL_SECONDARY = "S1B_IW_SLC__1SSH_20210430T125122_20210430T125149_026696_033052_6408"


def real_layout(parameters: dict[str, Any], name: str) -> set[str]:
    """The zip members the real INSAR_GAMMA layout (tests/sandbox/data/hyp3) gives these parameters."""
    layout = load("product_layout.INSAR_GAMMA.json")["zip"]
    members = {entry.replace("{product_name}", name) for entry in layout["always_included"]}
    for flags, suffixes in layout["optional_by_job_parameter"].items():
        if any(parameters.get(flag) is True for flag in flags.split(" OR ")):
            members |= {f"{name}/{name}{suffix}" for suffix in suffixes}
    return members


def product_of(job_type: str, parameters: dict[str, Any]) -> hyp3_products.Product:
    job = hyp3_products.ProductJob.from_parameters(
        job_id=JOB_ID,
        job_type=job_type,
        parameters=parameters,
        catalog=shared_catalog(0),
        processed=PROCESSED,
    )
    return hyp3_products.build_product(job)


def gamma_parameters(**flags: Any) -> dict[str, Any]:
    ref, sec = slc_pairs(1)[0]
    return {"granules": [sec, ref], "looks": "20x4", "apply_water_mask": False, **flags}


@pytest.mark.parametrize(
    "flags",
    [
        {},
        {"include_dem": True, "include_look_vectors": True},
        {"include_inc_map": True, "include_displacement_maps": True, "include_wrapped_phase": True},
        {"include_los_displacement": True, "looks": "10x2", "apply_water_mask": True},
    ],
)
def test_gamma_zip_has_the_real_layout_for_the_parameters(flags: dict[str, Any]) -> None:
    parameters = gamma_parameters(**flags)
    product = product_of("INSAR_GAMMA", parameters)
    members = zipfile.ZipFile(io.BytesIO(product.zip_bytes)).namelist()
    assert members[0] == f"{product.name}/"  # one top folder, as shutil.make_archive writes it
    assert set(members[1:]) == real_layout(parameters, product.name)
    suffixes = {m.split("/", 1)[1].removeprefix(product.name) for m in members[1:]}
    assert suffixes == set(expected_layers("INSAR_GAMMA", parameters))  # what the project's client expects
    assert MINTPY_NAME.fullmatch(product.name)
    parsed = parse_product_name(product.zip_name)
    assert parsed is not None and parsed.job_type == "INSAR_GAMMA"
    assert parsed.pixel_spacing == (40 if flags.get("looks") == "10x2" else 80)
    assert parsed.water_mask is bool(flags.get("apply_water_mask"))
    assert parsed.reference_date < parsed.secondary_date  # the earlier scene is the reference
    assert parsed.days == 12 and parsed.orbit_letter == "P"
    assert parsed.product_id == hyp3_products.product_id(JOB_ID)


def test_parameter_file_reads_as_mintpy_reads_it() -> None:
    parameters = gamma_parameters(include_dem=True, include_look_vectors=True)
    product = product_of("INSAR_GAMMA", parameters)
    text = product.files[f"{product.name}.txt"].decode()
    values = mintpy_parse(text)
    assert set(MINTPY_KEYS) <= set(values)
    real = (DATA / "INSAR_GAMMA.parameter_file.docs_values.txt").read_text()
    real_keys = [line.split(":")[0] for line in real.splitlines()]
    assert [line.split(":")[0] for line in text.splitlines()] == real_keys  # the real key order
    ref, sec = sorted(parameters["granules"])
    assert values["ReferenceGranule"] == ref and values["SecondaryGranule"] == sec
    catalog = shared_catalog(0)
    reference = catalog.scene(ref)
    assert reference is not None and int(values["ReferenceOrbitNumber"]) == reference.acquisition.orbit
    assert (values["Rangelooks"], values["Azimuthlooks"], values["Unwrappingtype"]) == ("20", "4", "mcf")
    assert abs(float(values["Baseline"])) < 300
    assert 0 <= float(values["UTCtime"]) < 86400 and -30 < float(values["Heading"]) < 0  # ascending
    assert 690_000 < float(values["Spacecraftheight"]) < 710_000
    assert 790_000 < float(values["Slantrangenear"]) < float(values["Slantrangefar"]) < 970_000


def test_rasters_open_with_rasterio_after_safe_extract(tmp_path: Path) -> None:
    import rasterio

    parameters = gamma_parameters(include_dem=True, include_look_vectors=True, include_inc_map=True)
    product = product_of("INSAR_GAMMA", parameters)
    archive = tmp_path / product.zip_name
    archive.write_bytes(product.zip_bytes)
    folder = tmp_path / "extracted"
    safe_extract(archive, folder)
    tifs = sorted(folder.rglob("*.tif"))
    assert len(tifs) == 9  # amp, corr, unw_phase, water_mask, dem, lv_theta, lv_phi, inc_map, inc_map_ell
    for tif in tifs:
        with rasterio.open(tif) as raster:
            assert raster.crs.to_epsg() == 32611 and raster.transform.a == 80.0
            assert raster.read(1).shape == (64, 64)  # synthetic rasters (sandbox/synthetic.py)


def test_readme_renderer_reproduces_the_real_readme(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendered with the values of the real README example, the template gives its exact bytes."""
    monkeypatch.setitem(hyp3_products.GAMMA_SOFTWARE, "plugin_name", "hyp3_insar_gamma")
    monkeypatch.setitem(hyp3_products.GAMMA_SOFTWARE, "plugin_version", "2.3.0")
    grid = {**hyp3_products.sample_grid(), "reference_point": {"lat": 64.8378, "lon": -147.7164}}
    monkeypatch.setattr(hyp3_products, "sample_grid", lambda: grid)
    job = SimpleNamespace(
        processed=datetime(2020, 1, 1, tzinfo=UTC),
        water_masked=False,
        reference=(SimpleNamespace(name=REAL_REFERENCE),),
        secondary=(SimpleNamespace(name=REAL_SECONDARY),),
        parameters={"phase_filter_parameter": 0.4},
        pixel_spacing=80,
    )
    real = (DATA / "S1AB_20210424T125204_20210430T125122_HHP006_INT80_G_ueF_B4A1.README.md.txt").read_text()
    assert hyp3_products.gamma_readme(job) == real  # type: ignore[arg-type]


def test_burst_products_are_named_and_filled_as_hyp3_isce2_does() -> None:
    ref, sec = burst_pair()
    parameters = {"granules": [sec, ref], "looks": "5x1", "apply_water_mask": True}
    single = product_of("INSAR_ISCE_BURST", parameters)
    parsed = parse_product_name(single.name)
    assert parsed is not None and parsed.job_type == "INSAR_ISCE_BURST" and parsed.pixel_spacing == 20
    burst_id, ref_date, sec_date = ref.split("_")[1], ref.split("_")[3][:8], sec.split("_")[3][:8]
    assert single.name.startswith(f"S1_{burst_id}_IW2_{ref_date}_{sec_date}_VV_INT20_")
    assert {f.removeprefix(single.name) for f in single.files} == set(
        expected_layers("INSAR_ISCE_BURST", {"looks": "5x1"})
    )
    assert mintpy_parse(single.files[f"{single.name}.txt"].decode())["Watermask"] == "yes"
    refs, secs = multi_burst(3)
    multi = product_of("INSAR_ISCE_MULTI_BURST", {"reference": refs, "secondary": secs, "looks": "20x4"})
    parsed = parse_product_name(multi.name)
    assert parsed is not None and parsed.job_type == "INSAR_ISCE_MULTI_BURST" and parsed.relative_orbit == 64
    assert parsed.swath_bursts == (("000000", 1, 0), (refs[0].split("_")[1], 2, 3), ("000000", 3, 0))
    multi_layers = {f.removeprefix(multi.name) for f in multi.files}
    assert multi_layers == set(expected_layers("INSAR_ISCE_MULTI_BURST", {}))
    text = multi.files[f"{multi.name}.txt"].decode()
    assert mintpy_parse(text)["ReferenceGranule"] == ",".join(refs)
    assert multi.browse_images == (f"{multi.name}_unw_phase.png",)


def test_products_are_deterministic() -> None:
    parameters = gamma_parameters(include_dem=True)
    assert product_of("INSAR_GAMMA", parameters).zip_bytes == product_of("INSAR_GAMMA", parameters).zip_bytes


def test_served_burst_product_matches_files_size_and_layout(hyp3box: Sandbox, tmp_path: Path) -> None:
    refs, secs = multi_burst(2)
    request = build_job_request(
        "INSAR_ISCE_MULTI_BURST", reference=refs, secondary=secs, parameters={"looks": "10x2"}, name="bursts"
    )
    [submitted] = writer(hyp3box).submit([request])
    hyp3box.hyp3_advance(DONE)
    record = Hyp3Reader(hyp3box.url, token=token(hyp3box)).get_job(submitted.job_id)
    product = record.product_zip()
    assert product is not None and product.filename.startswith("S1_064_")
    body = requests.get(product.url, timeout=10)
    assert len(body.content) == product.size == int(body.headers["Content-Length"])
    names = zipfile.ZipFile(io.BytesIO(body.content)).namelist()
    stem = product.filename.removesuffix(".zip")
    assert f"{stem}/{stem}_conncomp.tif" in names and f"{stem}/{stem}_lat_rdr.tif" not in names
