"""CDSE as the orbit source and baselines from orbit files, end to end: the real CLI against the
sandbox (docs/orbits.md "Source" and "Perpendicular baselines from orbit files")."""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cdse_helpers import state_of

from insarproj.sandbox.catalog import DEMO_BBOX

TOML = """\
[project]
name = "orbits-{source}"

[aoi]
bbox = [{w}, {s}, {e}, {n}]

[search]
start = {start}
end = {end}
source = "{source}"

[processor]
kind = "{kind}"

[orbits]
enabled = {orbits}

[dem]
enabled = false

[pairs]
method = "sbas"
neighbors = 2
max_perpendicular_baseline = 50
"""


def _project(root: Path, *, source: str, kind: str = "download", orbits: bool = True, **dates: str) -> Path:
    from insarproj.state import StateStore

    root.mkdir(parents=True)
    w, s, e, n = DEMO_BBOX
    start, end = dates.get("start", "2021-01-01"), dates.get("end", "2021-01-20")
    text = TOML.format(
        source=source, w=w, s=s, e=e, n=n, start=start, end=end, kind=kind, orbits=str(orbits).lower()
    )
    if kind == "download":
        text = text.split("[pairs]")[0]
    (root / "project.toml").write_text(text)
    StateStore(root / ".insarproj").create()
    return root


def _records(root: Path, kind: str) -> dict[str, Any]:
    return {a: r for a, r in state_of(root)["resources"].items() if r["kind"] == kind}


def _settle(sandbox: Any) -> None:
    count = -1
    while count != len(sandbox.requests()):
        count = len(sandbox.requests())
        time.sleep(0.15)


def test_cdse_project_takes_its_orbits_from_cdse_and_converges(
    tmp_path: Path, sandbox: Any, run_cli: Any
) -> None:
    root = _project(tmp_path / "p", source="cdse")  # [orbits] source unset: follows [search] source
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    orbits = _records(root, "orbit")
    assert orbits and len(orbits) == len(_records(root, "scene"))
    served = {e["Name"]: e for e in sandbox.cdse.entities() if "_eof" in e}
    for record in orbits.values():
        attrs = record["attributes"]
        assert attrs["origin"] == "cdse" and attrs["type"] == "precise" and attrs["state_vectors"]
        entity = served[attrs["file"]]
        assert attrs["product_id"] == entity["Id"]
        data = (root / "data" / attrs["path"]).read_bytes()
        assert hashlib.md5(data).hexdigest() == attrs["md5"] == entity["Checksum"][0]["Value"]
    requests = sandbox.requests()
    assert not [r for r in requests if r.path.startswith("/s1-orbits")]  # the ASF bucket is never asked
    assert any("PublicationDate" in str(r.query) for r in requests)
    download_host = sandbox.env()["INSARPROJ_CDSE_DOWNLOAD_URL"].split("//", 1)[1]
    assert all(r.host == download_host for r in requests if r.authorization)
    _settle(sandbox)
    sandbox.clear_requests()
    again = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert again.code == 0 and "No changes" in again.output, again.output
    assert sandbox.requests() == []  # precise orbits recorded: no listing at all


def test_a_cdse_resorb_is_upgraded_when_its_poeorb_is_published(
    tmp_path: Path, sandbox: Any, run_cli: Any
) -> None:
    root = _project(tmp_path / "p", source="cdse", start="2021-02-01", end="2021-02-15")
    sandbox.orbit_settings(clock="2021-02-20T00:00:00")  # the last dates have no POEORB yet
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    restituted = {a for a, r in _records(root, "orbit").items() if r["attributes"]["type"] == "restituted"}
    assert restituted
    sandbox.orbit_settings(advance_days=20)
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == 2 and "upgrade RESORB → POEORB" in plan.output, plan.output
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    after = _records(root, "orbit")
    assert all(
        after[a]["attributes"]["type"] == "precise" and after[a]["attributes"]["origin"] == "cdse"
        for a in restituted
    )


def test_max_perpendicular_baseline_applies_on_a_cdse_project_once_its_orbits_are_there(
    tmp_path: Path, sandbox: Any, run_cli: Any
) -> None:
    end = {"end": "2021-02-28"}
    asf = _project(tmp_path / "asf", source="asf", kind="hyp3", orbits=False, **end)
    assert run_cli(["-C", str(asf), "apply", "--yes"]).code == 0
    asf_pairs = {a: r["attributes"]["bperp"] for a, r in _records(asf, "pair").items()}

    root = _project(tmp_path / "cdse", source="cdse", kind="hyp3", **end)
    before = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    # Before the orbit files are on disk: no pair passes the limit unseen; plan names what waits.
    assert before.code == 2 and "wait for their perpendicular baseline" in before.output, before.output
    assert "baseline.A064." in before.output and "pairs waiting" in before.output
    assert "hyp3_job" not in before.output  # no interferogram is submitted before its baseline is known
    first = run_cli(["-C", str(root), "apply", "--yes"])
    assert first.code in (0, 2), first.output
    assert _records(root, "pair") == {}  # orbits fetched first, no pair recorded without its baseline
    second = run_cli(["-C", str(root), "apply", "--yes"])
    assert second.code in (0, 2) and "wait for their perpendicular baseline" not in second.output, (
        second.output
    )
    pairs = {a: r["attributes"]["bperp"] for a, r in _records(root, "pair").items()}
    assert pairs and all(abs(b) <= 50 for b in pairs.values())  # the limit applied
    # The same pairs as the ASF project, whose baselines asf_search computes from CMR's state
    # vectors: within 1.5 m (ASF rounds to whole metres; both interpolate the same orbit).
    assert set(pairs) == set(asf_pairs)
    for address, bperp in pairs.items():
        assert abs(bperp - asf_pairs[address]) <= 1.5, (address, bperp, asf_pairs[address])


def test_orbit_files_from_cdse_without_credentials_stop_before_any_download(
    tmp_path: Path, sandbox: Any, run_cli: Any, monkeypatch: Any
) -> None:
    monkeypatch.delenv("CDSE_USERNAME")
    monkeypatch.delenv("CDSE_PASSWORD")
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    root = _project(tmp_path / "p", source="cdse", kind="hyp3")  # HyP3 downloads no scene: orbits only
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert (
        result.code != 0
        and "orbit files are to be downloaded from CDSE but no CDSE credentials" in result.output
    )
    assert "Traceback" not in result.output
    assert not (root / "data" / "orbits").exists() or not any((root / "data" / "orbits").iterdir())
    assert _records(root, "orbit") == {}
