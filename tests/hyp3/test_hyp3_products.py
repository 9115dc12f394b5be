"""Product names, expected layers, and safe extraction (good product zip and malicious ones)."""

from __future__ import annotations

import stat
import warnings
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hyp3_helpers import DATA, load

from insarproj.errors import VerificationError
from insarproj.hyp3 import MINTPY_LAYERS, expected_layers, parse_product_name, safe_extract
from insarproj.hyp3 import products as products_module

NAME = "S1AB_20210424T125204_20210430T125122_HHP006_INT80_G_ueF_B4A1"
RASTERS = DATA / "product" / "rasters"
ALL_OPTIONS = {
    "include_wrapped_phase": True,
    "include_dem": True,
    "include_displacement_maps": True,
    "include_inc_map": True,
    "include_look_vectors": True,
}

# -- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", load("product/product_layout.INSAR_GAMMA.json")["product_name"]["real_examples"]
)
def test_real_gamma_names_parse(name: str) -> None:
    parsed = parse_product_name(name.split(" ")[0])
    assert parsed is not None and parsed.job_type == "INSAR_GAMMA"
    assert parsed.orbit_quality == "precise" and parsed.pixel_spacing == 80 and parsed.water_mask is False


def test_gamma_name_fields() -> None:
    parsed = parse_product_name(f"{NAME}.zip")
    assert parsed is not None
    assert parsed.name == NAME and parsed.platforms == "AB" and parsed.polarization == "HH"
    assert parsed.reference_time == datetime(2021, 4, 24, 12, 52, 4, tzinfo=UTC)
    assert parsed.secondary_time == datetime(2021, 4, 30, 12, 51, 22, tzinfo=UTC)
    assert parsed.secondary_date == date(2021, 4, 30)
    assert (parsed.orbit_letter, parsed.days, parsed.product_id) == ("P", 6, "B4A1")
    restituted = parse_product_name("S1AA_20190610T015047_20190622T015048_VVR012_INT40_G_weF_48FE")
    assert restituted is not None and restituted.orbit_quality == "restituted"
    assert restituted.pixel_spacing == 40 and restituted.water_mask is True
    original = parse_product_name("S1AA_20190610T015047_20190622T015048_VVO012_INT80_G_ueF_48FE")
    assert original is not None and original.orbit_quality == "original"


def test_burst_names() -> None:
    single = parse_product_name("S1_136231_IW2_20200604_20200616_VV_INT80_12E3")
    assert single is not None and single.job_type == "INSAR_ISCE_BURST"
    assert (single.burst_id, single.swath, single.reference_date) == ("136231", 2, date(2020, 6, 4))
    assert single.orbit_quality is None and single.pixel_spacing == 80
    multi = parse_product_name(
        "S1_123_111111s1n02-111111s2n01-000000s3n00_IW_20240101_20240115_VV_INT80_AEB4"
    )
    assert multi is not None and multi.job_type == "INSAR_ISCE_MULTI_BURST"
    assert multi.relative_orbit == 123 and multi.secondary_date == date(2024, 1, 15)
    assert multi.swath_bursts == (("111111", 1, 2), ("111111", 2, 1), ("000000", 3, 0))


@pytest.mark.parametrize(
    "name",
    [
        "S1A_064_E053_1_N27_3_E054_1_N27_8_20200604_20200616_VV_INT80_7EB5",  # older multi-burst format
        "S1A_IW_20250420T135654_DVP_RTC30_G_gpuned_7959",  # an RTC product
        "S1AB_20211324T125204_20210430T125122_HHP006_INT80_G_ueF_B4A1",  # month 13
        "S1AB_20210424T125204_20210430T125122_HHP006_INT80_G_ueF_b4a1",  # lower-case id
        "",
    ],
)
def test_other_names_are_none(name: str) -> None:
    assert parse_product_name(name) is None


# -- layers ---------------------------------------------------------------------------------------


def _layout_suffixes(options: dict[str, bool]) -> set[str]:
    layout = load("product/product_layout.INSAR_GAMMA.json")["zip"]
    prefix = "{product_name}/{product_name}"
    found = {entry.removeprefix(prefix) for entry in layout["always_included"]}
    for flags, suffixes in layout["optional_by_job_parameter"].items():
        if any(options.get(flag) for flag in flags.split(" OR ")):
            found.update(suffixes)
    return found


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"include_dem": True, "include_look_vectors": True},
        {"include_los_displacement": True},
        ALL_OPTIONS,
    ],
)
def test_gamma_layers_match_the_real_layout(options: dict[str, bool]) -> None:
    layers = expected_layers("INSAR_GAMMA", options)
    assert len(layers) == len(set(layers))
    assert set(layers) == _layout_suffixes(options)


def test_burst_layers() -> None:
    single = expected_layers("INSAR_ISCE_BURST", {})
    multi = expected_layers("INSAR_ISCE_MULTI_BURST", {"looks": "5x1"})
    assert "_conncomp.tif" in multi and "_lat_rdr.tif" not in multi
    assert set(single) - set(multi) == {
        "_lat_rdr.tif",
        "_lon_rdr.tif",
        "_los_rdr.tif",
        "_wrapped_phase_rdr.tif",
    }


# -- extraction -----------------------------------------------------------------------------------


def _fake_product(tmp_path: Path, options: dict[str, bool] = ALL_OPTIONS) -> tuple[Path, dict[str, bytes]]:
    """A zip laid out like a real INSAR_GAMMA product, from hyp3-gamma's sample rasters."""
    contents: dict[str, bytes] = {}
    for suffix in expected_layers("INSAR_GAMMA", options):
        sample = RASTERS / f"insar{suffix}"
        if sample.exists():
            data = sample.read_bytes()
        elif suffix == ".txt":
            data = (DATA / "product" / "INSAR_GAMMA.parameter_file.docs_values.txt").read_bytes()
        else:  # .xml sidecars, .kmz and the README: small stand-ins
            data = f"stand-in for {NAME}{suffix}\n".encode()
        contents[f"{NAME}{suffix}"] = data
    zip_path = tmp_path / f"{NAME}.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(f"{NAME}/"), b"")
        for filename, data in contents.items():
            archive.writestr(f"{NAME}/{filename}", data)
    return zip_path, contents


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_extracts_a_real_shaped_product(tmp_path: Path) -> None:
    zip_path, contents = _fake_product(tmp_path)
    dest = tmp_path / "products" / NAME
    paths = safe_extract(zip_path, dest)
    assert paths == sorted(dest / name for name in contents)
    for name, data in contents.items():
        assert (dest / name).read_bytes() == data
    assert (dest / f"{NAME}_unw_phase.tif").read_bytes()[:4] in (b"II*\x00", b"MM\x00*")
    assert stat.S_IMODE(dest.stat().st_mode) == products_module._DIR_MODE  # not mkdtemp's 0700
    assert stat.S_IMODE((dest / f"{NAME}.txt").stat().st_mode) == products_module.FILE_MODE
    assert _leftovers(dest.parent) == []


def test_keep_suffixes_always_keeps_the_parameter_file(tmp_path: Path) -> None:
    zip_path, _ = _fake_product(tmp_path)
    dest = tmp_path / "p"
    kept = safe_extract(zip_path, dest, keep_suffixes=["_unw_phase.tif"])
    assert [p.name for p in kept] == [f"{NAME}.txt", f"{NAME}_unw_phase.tif"]
    mintpy = safe_extract(zip_path, dest, keep_suffixes=MINTPY_LAYERS)
    names = {p.name.removeprefix(NAME) for p in mintpy}
    assert names == {".txt", ".README.md.txt", "_unw_phase.tif", "_corr.tif", "_dem.tif", "_lv_theta.tif",
                     "_lv_phi.tif", "_water_mask.tif"}  # fmt: skip
    assert sorted(dest.iterdir()) == mintpy  # re-extraction replaced the folder


def _zip(tmp_path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]], name: str = "bad.zip") -> Path:
    path = tmp_path / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicates we make on purpose
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, data in entries:
                archive.writestr(info, data)
    return path


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    ("entries", "entry", "reason"),
    [
        ([("p/ok.tif", b"x"), ("../evil.txt", b"x")], "../evil.txt", "climbs out"),
        ([("p/ok.tif", b"x"), ("p/../../evil.txt", b"x")], "p/../../evil.txt", "climbs out"),
        ([("/etc/evil", b"x")], "/etc/evil", "absolute"),
        ([("C:/evil", b"x")], "C:/evil", "absolute"),
        ([("p\\..\\..\\evil", b"x")], "p\\..\\..\\evil", "backslash"),
        ([("p/ok.tif", b"x"), (_symlink("p/link"), b"/etc/passwd")], "p/link", "symbolic link"),
        ([("p/a.tif", b"x"), ("p/a.tif", b"y")], "p/a.tif", "duplicates"),
        ([("p/A.tif", b"x"), ("p/a.tif", b"y")], "p/a.tif", "duplicates"),
        ([("p/x", b"x"), ("p/x/y", b"y")], "p/x", "both a file and a folder"),
    ],
    ids=[
        "zip-slip",
        "nested-slip",
        "absolute",
        "drive",
        "backslash",
        "symlink",
        "duplicate",
        "case-duplicate",
        "file-vs-folder",
    ],
)
def test_malicious_zips_are_refused_naming_the_entry(
    tmp_path: Path, entries: list, entry: str, reason: str
) -> None:
    zip_path = _zip(tmp_path, entries)
    dest = tmp_path / "out" / "p"
    with pytest.raises(VerificationError) as info:
        safe_extract(zip_path, dest)
    assert repr(entry) in str(info.value) and reason in str(info.value)
    assert not dest.exists() and not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "out").exists() or _leftovers(tmp_path / "out") == []


def test_size_limit_and_ratio_stop_a_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    zip_path = _zip(tmp_path, [("p/zeros.tif", b"\0" * (4 * 1024 * 1024))])
    with pytest.raises(VerificationError, match="above the limit"):
        safe_extract(zip_path, tmp_path / "a", max_total_bytes=1024 * 1024)
    monkeypatch.setattr(products_module, "_RATIO_FLOOR", 0)
    with pytest.raises(VerificationError, match="zip bomb"):
        safe_extract(zip_path, tmp_path / "b", max_ratio=100)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert _leftovers(tmp_path) == []


def test_failed_extraction_leaves_the_previous_product(tmp_path: Path) -> None:
    zip_path, _ = _fake_product(tmp_path)
    dest = tmp_path / "p"
    first = safe_extract(zip_path, dest)
    bad = _zip(tmp_path, [(f"{NAME}/x.tif", b"x"), ("../evil", b"x")])
    with pytest.raises(VerificationError):
        safe_extract(bad, dest)
    assert sorted(p for p in dest.iterdir()) == first


def test_corrupt_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crc.zip"
    payload = b"GOOD-DATA-" * 100
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("p/a.tif", payload)
    raw = bytearray(path.read_bytes())
    at = raw.index(payload)
    raw[at + 5] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(VerificationError, match=r"'p/a\.tif' cannot be read"):
        safe_extract(path, tmp_path / "out")
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


def test_not_a_zip_and_no_top_folder(tmp_path: Path) -> None:
    truncated = tmp_path / "t.zip"
    good, _ = _fake_product(tmp_path)
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(VerificationError, match="not a readable zip"):
        safe_extract(truncated, tmp_path / "out")
    flat = _zip(tmp_path, [("a.tif", b"x"), ("b.tif", b"y")])
    with pytest.raises(VerificationError, match="one top folder"):
        safe_extract(flat, tmp_path / "out")
    assert [p.name for p in safe_extract(flat, tmp_path / "out", strip_top_folder=False)] == [
        "a.tif",
        "b.tif",
    ]


def test_hyp3_sdk_fixture_product_extracts(tmp_path: Path) -> None:
    paths = safe_extract(DATA / "sdk" / "product.zip", tmp_path / "product")
    assert [p.name for p in paths] == ["fizzbuzz.txt", "foobar.txt"]
