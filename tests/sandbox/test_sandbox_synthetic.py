"""The sandbox's products carry rasters a time-series tool can digest: each pair its own window
inside the AOI, 64×64 pixels, look vectors of its pass direction, a 0/1 water mask, and an
unwrapped phase that is the known bowl with HyP3's sign (docs/sandbox.md)."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime

import numpy as np
import pytest
import rasterio
from test_sandbox_hyp3_helpers import slc_pairs

from insarproj.sandbox import hyp3_products, synthetic
from insarproj.sandbox.catalog import DEMO_BBOX
from insarproj.sandbox.server import shared_catalog

PROCESSED = datetime(2021, 6, 1, tzinfo=UTC)
LAYERS = {"include_dem": True, "include_look_vectors": True}


def product(ref: str, sec: str, job_id: str = "job-1") -> hyp3_products.Product:
    job = hyp3_products.ProductJob.from_parameters(
        job_id=job_id, job_type="INSAR_GAMMA", parameters={"granules": [ref, sec], "looks": "20x4", **LAYERS},
        catalog=shared_catalog(0), processed=PROCESSED,
    )  # fmt: skip
    return hyp3_products.build_product(job)


def raster(prod: hyp3_products.Product, layer: str):  # type: ignore[no-untyped-def]
    with rasterio.open(io.BytesIO(prod.files[f"{prod.name}_{layer}.tif"])) as src:
        return src.read(1), src.bounds, src.crs


def lonlat_bounds(bounds, crs) -> tuple[float, ...]:  # type: ignore[no-untyped-def]
    from rasterio.warp import transform_bounds

    return tuple(transform_bounds(crs, "EPSG:4326", *bounds))


def test_each_pair_has_its_own_window_inside_the_aoi() -> None:
    pairs = slc_pairs(3)
    windows = []
    for ref, sec in pairs:
        data, bounds, crs = raster(product(ref, sec), "unw_phase")
        assert data.shape == (64, 64) and crs.to_epsg() == 32611
        west, south, east, north = lonlat_bounds(bounds, crs)
        assert DEMO_BBOX[0] < west < east < DEMO_BBOX[2] and DEMO_BBOX[1] < south < north < DEMO_BBOX[3]
        windows.append(tuple(bounds))
    assert len(set(windows)) == len(windows)  # not identical
    overlap = (
        max(w[0] for w in windows),
        max(w[1] for w in windows),
        min(w[2] for w in windows),
        min(w[3] for w in windows),
    )
    assert overlap[2] - overlap[0] > 32 * 80 and overlap[3] - overlap[1] > 32 * 80  # overlapping


def test_look_vectors_match_the_pass_direction_and_the_mask_is_zero_or_one() -> None:
    catalog = shared_catalog(0)
    ascending = product(*slc_pairs(1, path=64)[0])
    descending = product(*slc_pairs(1, path=71)[0])
    assert catalog.get(slc_pairs(1, path=71)[0][0]).track.direction == "DESCENDING"  # type: ignore[union-attr]
    phi_a, _, _ = raster(ascending, "lv_phi")
    phi_d, _, _ = raster(descending, "lv_phi")
    # Ground-to-sensor direction, counter-clockwise from east: the sensor looks right, so it is
    # west of the ground when ascending (|φ| near π) and east of it when descending (φ near 0).
    assert np.all(np.abs(phi_a) > math.radians(150)) and np.all(np.abs(phi_d) < math.radians(30))
    theta, _, _ = raster(ascending, "lv_theta")
    assert np.all((theta > math.radians(40)) & (theta < math.radians(60)))  # 90° − incidence
    mask, _, _ = raster(ascending, "water_mask")
    assert set(np.unique(mask)) == {0, 1}


def test_unwrapped_phase_is_the_known_bowl_with_hyp3s_sign() -> None:
    ref, sec = slc_pairs(1)[0]
    prod = product(ref, sec)
    phase, _bounds, crs = raster(prod, "unw_phase")
    catalog = shared_catalog(0)
    days = (catalog.get(sec).start - catalog.get(ref).start).total_seconds() / 86400  # type: ignore[union-attr]
    # Subsidence moves the ground away from the sensor: the phase at the bowl is positive.
    expected = 4 * math.pi / synthetic.WAVELENGTH * -synthetic.BOWL_RATE * days / 365.25
    from rasterio.transform import rowcol
    from rasterio.warp import transform

    xs, ys = transform("EPSG:4326", crs, [synthetic.SITE[0]], [synthetic.SITE[1]])
    with rasterio.open(io.BytesIO(prod.files[f"{prod.name}_unw_phase.tif"])) as src:
        row, col = rowcol(src.transform, xs[0], ys[0])
    far = phase[0, :].mean() if row > 32 else phase[-1, :].mean()
    bowl = phase[row - 2 : row + 3, col - 2 : col + 3].mean()
    difference = bowl - far  # the per-date atmosphere is smooth: mostly cancels across a few km
    assert expected > 0 and difference == pytest.approx(expected, abs=2 * synthetic.ATMOSPHERE * 0.5 + 0.1)


def test_the_truth_is_recovered_from_the_stack_by_least_squares() -> None:
    """Phase noise and atmosphere are independent of the bowl: a velocity fit over pairs of a
    stack recovers −20 mm/yr at the site and about 0 far from it."""
    grid = synthetic.Grid(32611, *_site_origin(), spacing=80.0)
    dates = [
        datetime(2021, 1, 1, tzinfo=UTC) + (i * 12) * (datetime(2021, 1, 2) - datetime(2021, 1, 1))
        for i in range(30)
    ]
    pairs = [(dates[i], dates[i + k]) for i in range(len(dates)) for k in (1, 2, 3) if i + k < len(dates)]
    rows, phases = [], []
    for ref, sec in pairs:
        scene = synthetic.PairScene(ref, sec, True, -12.0, 80.0, None, f"{ref}|{sec}")
        rows.append((sec - ref).total_seconds() / (365.25 * 86400))
        phases.append(synthetic.unwrapped_phase(scene, grid))
    design = np.array(rows)[:, None]
    stack = np.array(phases).reshape(len(pairs), -1)
    rate = np.linalg.lstsq(design, stack, rcond=None)[0].reshape(64, 64)
    velocity = -rate * synthetic.WAVELENGTH / (4 * math.pi)  # MintPy's sign: positive toward the sensor
    assert velocity[32, 32] == pytest.approx(synthetic.BOWL_RATE, abs=0.003)
    assert abs(velocity[0, 0]) < 0.003


def _site_origin() -> tuple[float, float]:
    from rasterio.warp import transform

    xs, ys = transform("EPSG:4326", "EPSG:32611", [synthetic.SITE[0]], [synthetic.SITE[1]])
    return xs[0] - 32 * 80.0, ys[0] + 32 * 80.0


def test_products_stay_small() -> None:
    prod = product(*slc_pairs(1)[0])
    assert len(prod.zip_bytes) < 400_000
