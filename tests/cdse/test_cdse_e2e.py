"""CDSE end to end: the real CLI against the sandbox's CDSE stand-in (docs/cdse.md)."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cdse_helpers import pin_of, scene_records, write_project


def _cdse_checksums(sandbox) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    from insarproj.cdse.mapping import md5_of
    from insarproj.sandbox.cdse import complete_sizes

    return {
        e["Name"].removesuffix(".SAFE"): md5_of(complete_sizes(e, sandbox.cdse))
        for e in sandbox.cdse.entities()
        if e["_start"].year == 2021 and e["_start"].month == 1
    }


def test_cdse_project_downloads_the_scenes_an_asf_project_pins(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    asf = write_project(tmp_path / "asf", source="asf")
    assert run_cli(["-C", str(asf), "apply", "--yes"]).code == 0
    asf_names = set(pin_of(asf)["scenes"])

    cdse = write_project(tmp_path / "cdse", source="cdse")
    sandbox.clear_requests()
    result = run_cli(["-C", str(cdse), "apply", "--yes"])
    assert result.code == 0, result.output
    pin = pin_of(cdse)
    assert pin["source"] == "cdse" and "/cdse" in pin["cmr_host"]
    assert set(pin["scenes"]) == asf_names  # the same scenes, matched by name
    assert any("perpendicular baselines are unknown" in n for n in pin["notes"])
    records = scene_records(cdse)
    assert {a.split(".", 1)[1] for a in records} == asf_names
    checksums = _cdse_checksums(sandbox)
    for address, record in records.items():
        attrs = record["attributes"]
        data = (cdse / "data" / attrs["path"]).read_bytes()
        assert record["status"] == "present" and attrs["origin"] == "cdse"
        assert hashlib.md5(data).hexdigest() == attrs["md5"] == checksums[address.split(".", 1)[1]]
        asf_md5 = scene_records(asf)[address]["attributes"]["md5"]
        assert asf_md5 != attrs["md5"]  # CDSE's zips are other bytes than ASF's
    # The token went to the configured download host only, never to the catalogue it redirects from.
    download_host = sandbox.env()["INSARPROJ_CDSE_DOWNLOAD_URL"].split("//", 1)[1]
    authorized = [r for r in sandbox.requests() if r.authorization]
    assert authorized and all(r.host == download_host for r in authorized)
    assert any("$value" in r.path and r.status == 301 and not r.authorization for r in sandbox.requests())
    assert sandbox.cdse.counters.password_grants == 1  # one login per run
    written = result.output + "".join(p.read_text() for p in (cdse / ".insarproj").rglob("*") if p.is_file())
    assert "sandbox-password" not in written and "eyJ" not in written  # no password, no token (JWT)
    again = run_cli(["-C", str(cdse), "plan", "--detailed-exitcode"])
    assert again.code == 0 and "No changes" in again.output, again.output


def test_expired_token_mid_download_is_refreshed_not_relogged(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    # Tokens die on the server after 0.2 s although they advertise 600 s; each download takes
    # longer, and 8 scenes go 4 at a time: later ones meet an expired token.
    sandbox.cdse.configure(token_valid=0.2, chunk_delay=0.15)
    root = write_project(tmp_path / "p", source="cdse")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    counters = sandbox.cdse.counters
    assert counters.refresh_grants >= 1 and counters.password_grants == 1
    refused = [r for r in sandbox.requests() if r.status == 401]
    assert refused  # the expired token was really refused, then replaced
    assert all(r["status"] == "present" for r in scene_records(root).values())


def test_concurrent_downloads_never_pass_the_limit(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    sandbox.cdse.configure(chunk_delay=0.05)
    root = write_project(tmp_path / "p", source="cdse", concurrency=8)
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    counters = sandbox.cdse.counters
    assert counters.downloads >= 8
    assert 2 <= counters.max_active <= 4 and counters.throttled == 0


def test_switching_source_keeps_files_verified_against_their_own_source(
    tmp_path: Path, sandbox, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", source="asf", end="2021-01-10")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    before = scene_records(root)
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace('source = "asf"', 'source = "cdse"'))
    sandbox.clear_requests()
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == 2, plan.output  # the search is pinned again (from CDSE) ...
    assert "to download" not in plan.output  # ... and no scene is fetched again
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    assert pin_of(root)["source"] == "cdse"
    assert scene_records(root) == before  # ASF's checksums stay with ASF's files
    verify = run_cli(["-C", str(root), "plan", "--verify", "--detailed-exitcode"])
    assert verify.code == 0 and "No changes" in verify.output, verify.output
    assert not [r for r in sandbox.requests() if "$value" in r.path]


@pytest.mark.parametrize(
    ("extra", "needle", "hyp3"),
    [
        ("frames = [111]", "frames are ASF frame numbers", False),
        ('product = "BURST"', "HyP3 burst jobs read ASF's burst archive", True),
    ],
)
def test_validate_refuses_what_cdse_cannot_do(
    tmp_path: Path, run_cli, extra: str, needle: str, hyp3: bool
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", source="cdse", search_extra=extra)
    if hyp3:
        toml = root / "project.toml"
        toml.write_text(
            toml.read_text().replace(
                'kind = "download"', 'kind = "hyp3"\n\n[processor.hyp3]\njob_type = "INSAR_ISCE_BURST"'
            )
        )
    result = run_cli(["-C", str(root), "validate"])
    assert result.code == 1 and needle in result.output and "project.toml" in result.output, result.output


def test_wrong_credentials_and_two_factor_stop_before_any_download(
    tmp_path: Path, sandbox, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", source="cdse", end="2021-01-06")
    monkeypatch.setenv("CDSE_PASSWORD", "wrong-password")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 1 and "CDSE login of sandbox" in result.output and "Traceback" not in result.output
    assert "wrong-password" not in result.output and "CDSE_TOTP" in result.output
    monkeypatch.setenv("CDSE_PASSWORD", "sandbox-password")
    sandbox.cdse.configure(totp_required=True)
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 1
    assert not [r for r in sandbox.requests() if "$value" in r.path]
    monkeypatch.setenv("CDSE_TOTP", "123456")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output


def test_old_product_without_checksum_is_verified_by_its_zip(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    # 2020-10-02 on A064: a product with ContentLength 0 and no checksum, as some real old ones.
    root = write_project(tmp_path / "p", source="cdse", end="2020-10-03")
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("start = 2021-01-01", "start = 2020-10-01"))
    old = "S1A_IW_SLC__1SDV_20201002T015057_20201002T015124_034611_0407CB_DFE2"
    sandbox.set_faults(f"badmd5:1@/odata/v1/Products({_id_of(sandbox, old)})/*")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    assert "no checksum or size in the catalogue" in result.output
    record = scene_records(root)[f"scene.{old}"]
    data = (root / "data" / record["attributes"]["path"]).read_bytes()
    assert hashlib.md5(data).hexdigest() == record["attributes"]["md5"]
    served = [r for r in sandbox.requests() if r.fault == "badmd5"]
    assert served, "the corrupted body was served once and refused by the zip check"
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0


def _id_of(sandbox, name: str) -> str:  # type: ignore[no-untyped-def]
    return next(e["Id"] for e in sandbox.cdse.entities() if e["Name"] == f"{name}.SAFE")


@pytest.mark.parametrize("ranges", [True, False])
def test_cut_download_resumes_or_restarts(tmp_path: Path, sandbox, run_cli, ranges: bool) -> None:  # type: ignore[no-untyped-def]
    sandbox.cdse.configure(ranges=ranges)
    sandbox.set_faults("truncate:1@/odata/v1/Products(*")  # half the body, then the connection closes
    root = write_project(tmp_path / "p", source="cdse", end="2021-01-02")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    statuses = [
        r.status for r in sandbox.requests() if r.path.endswith("$value") and r.host.startswith("localhost")
    ]
    assert (206 in statuses) is ranges  # resumed with Range, or restarted from the first byte
    assert all(r["status"] == "present" for r in scene_records(root).values())


def test_suggest_ranks_the_same_tracks_from_cdse(sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    import json

    args = ["suggest", "--bbox", "-117.9", "35.5", "-117.6", "35.9", "--start", "2021-01-01"]
    args += ["--end", "2021-06-30", "--json"]
    by_source = {}
    for source in ("asf", "cdse"):
        result = run_cli([*args, "--source", source])
        assert result.code == 0, result.output
        by_source[source] = [(t["track"], t["dates"]) for t in json.loads(result.stdout)["tracks"]]
    assert by_source["cdse"] == by_source["asf"] and by_source["cdse"]


def test_saved_plan_applies_cdse_downloads(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", source="cdse", end="2021-01-02")
    planfile = tmp_path / "plan.json"
    assert run_cli(["-C", str(root), "plan", "--out", str(planfile)]).code == 0
    assert "eyJ" not in planfile.read_text()
    result = run_cli(["-C", str(root), "apply", str(planfile)])
    assert result.code == 0, result.output
    records = scene_records(root)
    assert records and all(r["attributes"]["origin"] == "cdse" for r in records.values())


def test_cdse_bursts_are_the_bursts_asf_names_extracted_on_demand(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    extra = 'product = "BURST"\nrelative_orbits = [64]'
    asf = write_project(tmp_path / "asf", source="asf", end="2021-01-10", search_extra=extra)
    assert run_cli(["-C", str(asf), "apply", "--yes"]).code == 0
    cdse = write_project(tmp_path / "cdse", source="cdse", end="2021-01-10", search_extra=extra)
    result = run_cli(["-C", str(cdse), "apply", "--yes"])
    assert result.code == 0, result.output
    assert set(pin_of(cdse)["scenes"]) == set(pin_of(asf)["scenes"])
    assert [s["id"] for s in pin_of(cdse)["stacks"]] == [s["id"] for s in pin_of(asf)["stacks"]]
    import zipfile

    for record in scene_records(cdse).values():
        path = cdse / "data" / record["attributes"]["path"]
        assert path.suffix == ".zip" and zipfile.ZipFile(path).testzip() is None
    posts = [r for r in sandbox.requests() if r.method == "POST" and "Bursts(" in r.path]
    assert posts and all(r.authorization is None for r in posts if r.path.startswith("/cdse/"))
    assert run_cli(["-C", str(cdse), "plan", "--detailed-exitcode"]).code == 0
