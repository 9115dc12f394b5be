"""Product manifests, server-supplied product names and the last gaps of safe extraction."""

from __future__ import annotations

import hashlib
import json
import unicodedata
import zipfile
from pathlib import Path

import pytest

import insarproj.hyp3.products as products_module
from insarproj.errors import UnsafePathError, VerificationError
from insarproj.hyp3.products import (
    MANIFEST_NAME,
    ProductManifest,
    extract_product,
    manifest_problem,
    product_zip_name,
    safe_extract,
)
from insarproj.kinds.scenes import scene_relpath

NAME = "S1AA_20210106T015101_20210118T015058_VVP012_INT80_G_ueF_4CEA"
FILES = {
    f"{NAME}_unw_phase.tif": b"phase" * 100,
    f"{NAME}_corr.tif": b"corr" * 50,
    f"{NAME}.txt": b"params\n",
}


def _product_zip(tmp_path: Path, files: dict[str, bytes] = FILES, top: str = NAME) -> Path:
    path = tmp_path / f"{NAME}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"{top}/{name}", data)
    return path


def _extracted(tmp_path: Path) -> tuple[Path, dict]:
    folder = tmp_path / "products" / "A064" / NAME
    manifest = extract_product(_product_zip(tmp_path), folder)
    return folder, manifest.summary()


def test_manifest_records_size_and_sha256_of_every_file(tmp_path: Path) -> None:
    folder, summary = _extracted(tmp_path)
    document = json.loads((folder / MANIFEST_NAME).read_text())
    assert document["algorithm"] == "sha256"
    assert document["files"] == {
        name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in FILES.items()
    }
    assert summary == {
        "sha256": hashlib.sha256((folder / MANIFEST_NAME).read_bytes()).hexdigest(),
        "files": len(FILES),
        "bytes": sum(len(d) for d in FILES.values()),
    }
    assert manifest_problem(folder, summary, checksums=True) is None
    assert sorted(p.name for p in folder.parent.iterdir()) == [NAME]  # no staging left beside it


def test_manifest_round_trips(tmp_path: Path) -> None:
    folder, summary = _extracted(tmp_path)
    manifest, digest = ProductManifest.read(folder)
    assert digest == summary["sha256"] and manifest.summary() == summary


def test_stat_finds_missing_and_resized_files_checksums_find_changed_bytes(tmp_path: Path) -> None:
    folder, summary = _extracted(tmp_path)
    unw = folder / f"{NAME}_unw_phase.tif"
    data = bytearray(unw.read_bytes())
    data[10:14] = b"\0\xff\0\xff"
    unw.write_bytes(bytes(data))
    assert manifest_problem(folder, summary, checksums=False) is None  # same size: stat cannot tell
    assert manifest_problem(folder, summary, checksums=True) == f"{unw.name}: checksum differs"
    corr = folder / f"{NAME}_corr.tif"
    corr.write_bytes(b"")
    assert (
        manifest_problem(folder, summary, checksums=False)
        == f"{corr.name}: size differs (0 bytes, 200 expected)"
    )
    corr.unlink()
    assert manifest_problem(folder, summary, checksums=False) == f"{corr.name}: missing"


def test_a_missing_edited_or_swapped_manifest_is_a_problem(tmp_path: Path) -> None:
    folder, summary = _extracted(tmp_path)
    manifest = folder / MANIFEST_NAME
    original = manifest.read_bytes()
    manifest.write_bytes(original.replace(b'"size": 7', b'"size": 8'))
    assert manifest.read_bytes() != original
    assert (
        manifest_problem(folder, summary, checksums=False)
        == f"{MANIFEST_NAME}: differs from the one recorded in state"
    )
    manifest.write_text("{not json")
    assert "unreadable" in (manifest_problem(folder, summary, checksums=False) or "")
    manifest.unlink()
    assert manifest_problem(folder, summary, checksums=False) == f"{MANIFEST_NAME}: missing"
    assert manifest_problem(tmp_path / "nowhere", summary, checksums=False) == "folder missing on disk"


def test_a_member_named_like_the_manifest_is_refused(tmp_path: Path) -> None:
    zip_path = _product_zip(tmp_path, {**FILES, MANIFEST_NAME: b"{}"})
    with pytest.raises(VerificationError, match="manifest"):
        extract_product(zip_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_keep_suffixes_apply_to_the_manifest_too(tmp_path: Path) -> None:
    manifest = extract_product(_product_zip(tmp_path), tmp_path / "out", keep_suffixes=["_unw_phase.tif"])
    assert sorted(manifest.files) == [f"{NAME}.txt", f"{NAME}_unw_phase.tif"]


@pytest.mark.parametrize("name", [f"{NAME}.zip", "S1_136231_IW1_20200604_20200616_VV_INT80_0BFE.zip"])
def test_real_product_file_names_pass(name: str) -> None:
    assert product_zip_name(name, job="hyp3_job.A064.x") == name


@pytest.mark.parametrize(
    "name",
    [
        "../../../../X.zip", "/tmp/X.zip", "C:\\X.zip", "C:X.zip", "sub/X.zip", "..\\X.zip", ".zip", "..zip",
        "X.tif", "X.zip/", "", "X\x00.zip", "X\n.zip", " X.zip",
    ],
)  # fmt: skip
def test_crafted_product_file_names_are_refused(name: str) -> None:
    with pytest.raises(UnsafePathError, match=r"hyp3_job\.A064\.x"):
        product_zip_name(name, job="hyp3_job.A064.x")


@pytest.mark.parametrize("name", ["../S1A_X", "/abs/S1A_X", "a/b", "..", ""])
def test_scene_names_from_the_search_are_refused_when_not_plain(name: str) -> None:
    with pytest.raises(UnsafePathError, match="scene search"):
        scene_relpath(name, "SLC")


def test_scene_relpath_of_a_real_name() -> None:
    name = "S1A_IW_SLC__1SDV_20210704T135937_20210704T140004_038634_048F0B_0F63"
    assert scene_relpath(name, "SLC") == f"slc/{name}.zip"


def test_unicode_normalisation_duplicates_are_refused(tmp_path: Path) -> None:
    composed = unicodedata.normalize("NFC", "p/caf\u00e9.tif")
    decomposed = unicodedata.normalize("NFD", composed)
    path = tmp_path / "u.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(composed, b"a")
        archive.writestr(decomposed, b"b")
    with pytest.raises(VerificationError, match="duplicates"):
        safe_extract(path, tmp_path / "out")


def test_too_many_entries_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(products_module, "MAX_MEMBERS", 3)
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(4):
            archive.writestr(f"p/{n}.tif", b"")
    with pytest.raises(VerificationError, match="4 entries"):
        safe_extract(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()
