"""Shared helpers of the HyP3 stand-in tests (imported by test_sandbox_hyp3_*.py), and
the checks that the catalog pairs they pick are what the tests assume."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import requests

from insarproj.hyp3 import Hyp3Writer
from insarproj.hyp3.openapi import api_errors
from insarproj.sandbox.catalog import Burst, Scene
from insarproj.sandbox.server import Sandbox, shared_catalog

DATA = Path(__file__).resolve().parent / "data" / "hyp3"
SPEED = 50.0  # lifecycle in about 0.1 s
DONE = 10.0  # clock seconds after which every job of a SPEED sandbox has finished
# what MintPy's prep_hyp3 reads from {name}.txt (see mintpy_parse below)
MINTPY_KEYS = (
    "UTCtime", "Azimuthlooks", "Rangelooks", "Earthradiusatnadir", "Spacecraftheight", "Slantrangenear",
    "Heading", "Unwrappingtype", "Baseline", "ReferenceGranule", "ReferenceOrbitNumber",
)  # fmt: skip


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def token(sandbox: Sandbox) -> str:
    return sandbox.env()["EARTHDATA_TOKEN"]


def api(sandbox: Sandbox) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token(sandbox)}"
    return session


def sdk(sandbox: Sandbox):  # type: ignore[no-untyped-def]
    import hyp3_sdk

    return hyp3_sdk.HyP3(api_url=sandbox.url, token=token(sandbox))


def writer(sandbox: Sandbox, **options: Any) -> Hyp3Writer:
    return Hyp3Writer(sandbox.url, token=token(sandbox), sleep=lambda _: None, **options)


def spec_ok(schema: str, instance: Any) -> None:
    problems = api_errors(schema, instance)
    assert problems == [], f"{schema}: {problems[:3]}"


def post(sandbox: Sandbox, jobs: list[dict[str, Any]], **body: Any) -> requests.Response:
    return api(sandbox).post(f"{sandbox.url}/jobs", json={"jobs": jobs, **body}, timeout=30)


def _middle_slices(path: int) -> list[Scene]:
    by_date: dict[Any, list[Scene]] = defaultdict(list)
    for scene in shared_catalog(0).scenes:
        if scene.track.path == path and not scene.reprocessed:
            by_date[scene.start.date()].append(scene)
    return [sorted(by_date[day], key=lambda s: s.start)[1] for day in sorted(by_date)]


def slc_pairs(count: int, path: int = 64) -> list[tuple[str, str]]:
    """`count` pairs of consecutive dates, same slice, same track."""
    scenes = _middle_slices(path)
    return [(scenes[i].name, scenes[i + 1].name) for i in range(count)]


def cross_track_pair() -> tuple[str, str]:
    """Two SLCs of different tracks (A064, D071): HyP3 accepts such a job and fails it."""
    return _middle_slices(64)[0].name, _middle_slices(71)[2].name


def _bursts(swath: str = "IW2") -> dict[int, list[Burst]]:
    by_id: dict[int, list[Burst]] = defaultdict(list)
    for burst in shared_catalog(0).bursts:
        if burst.track.path == 64 and burst.swath == swath and burst.polarization == "VV":
            by_id[burst.burst_id].append(burst)
    return {k: sorted(v, key=lambda b: b.start) for k, v in sorted(by_id.items())}


def burst_pair() -> tuple[str, str]:
    first = next(iter(_bursts().values()))
    return first[0].name, first[1].name


def multi_burst(count: int) -> tuple[list[str], list[str]]:
    """`count` neighbouring IW2 bursts on two consecutive dates."""
    ids = list(_bursts().values())[:count]
    return [b[0].name for b in ids], [b[1].name for b in ids]


def gamma_job(pair: tuple[str, str], name: str, **parameters: Any) -> dict[str, Any]:
    return {"job_type": "INSAR_GAMMA", "name": name, "job_parameters": {"granules": list(pair), **parameters}}


def burst_job(name: str) -> dict[str, Any]:
    return {"job_type": "INSAR_ISCE_BURST", "name": name, "job_parameters": {"granules": list(burst_pair())}}


def mintpy_parse(text: str) -> dict[str, str]:
    """How MintPy's prep_hyp3 reads `{name}.txt`."""
    values = {}
    for line in text.splitlines(keepends=True):
        key, value = line.strip().replace(" ", "").split(":")[:2]
        values[key] = value
    return values


def test_the_picked_pairs_are_what_the_tests_assume() -> None:
    catalog = shared_catalog(0)
    for ref, sec in slc_pairs(3):
        a, b = catalog.scene(ref), catalog.scene(sec)
        assert a and b and a.track.path == b.track.path == 64 and 11 <= (b.start - a.start).days <= 13
    ref, sec = cross_track_pair()
    assert catalog.scene(ref).track.path != catalog.scene(sec).track.path  # type: ignore[union-attr]
    refs, secs = multi_burst(3)
    assert len({r.split("_")[1] for r in refs}) == 3
    assert all(r.split("_")[1:3] == s.split("_")[1:3] for r, s in zip(refs, secs, strict=True))
