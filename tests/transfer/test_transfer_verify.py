"""verify_file and check_free_space on their own."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from transfer_helpers import LOGIN_PAGE, make_tiff, make_zip, md5_hex

from insarproj.errors import AuthError, InsufficientSpaceError, VerificationError
from insarproj.transfer import check_free_space, verify_file


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_returns_md5_when_everything_matches(tmp_path: Path) -> None:
    data = make_zip(3000)
    path = write(tmp_path, "a.zip", data)
    assert verify_file(path, size=len(data), md5=md5_hex(data).upper(), kind="zip") == md5_hex(data)


def test_size_mismatch_names_both_sizes(tmp_path: Path) -> None:
    path = write(tmp_path, "a.bin", b"x" * 10)
    with pytest.raises(VerificationError, match="has 10 bytes but 11 were expected"):
        verify_file(path, size=11, md5=None, kind="any")


def test_md5_mismatch_names_expected_and_got(tmp_path: Path) -> None:
    path = write(tmp_path, "a.bin", b"abc")
    with pytest.raises(VerificationError) as caught:
        verify_file(path, size=3, md5="f" * 32, kind="any")
    assert md5_hex(b"abc") in str(caught.value) and "f" * 32 in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(VerificationError, match="does not exist"):
        verify_file(tmp_path / "nope.zip", size=None, md5=None, kind="zip")


@pytest.mark.parametrize("kind", ["zip", "tiff"])
def test_html_where_data_was_expected_is_an_auth_error(tmp_path: Path, kind: str) -> None:
    path = write(tmp_path, "a", b"\n  " + LOGIN_PAGE)
    with pytest.raises(AuthError, match="login page"):
        verify_file(path, size=12345, md5=None, kind=kind, login_host="localhost")


def test_html_is_fine_when_any_file_will_do(tmp_path: Path) -> None:
    path = write(tmp_path, "index.html", LOGIN_PAGE)
    assert verify_file(path, size=None, md5=None, kind="any") == md5_hex(LOGIN_PAGE)


def test_bad_crc_is_found_when_no_md5_vouches(tmp_path: Path) -> None:
    data = bytearray(make_zip(3000))
    data[len(data) // 2] ^= 0x01
    path = write(tmp_path, "a.zip", bytes(data))
    with pytest.raises(VerificationError, match="CRC"):
        verify_file(path, size=None, md5=None, kind="zip")


def test_truncated_zip_has_no_central_directory(tmp_path: Path) -> None:
    data = make_zip(3000)
    path = write(tmp_path, "a.zip", data[: len(data) - 40])
    with pytest.raises(VerificationError, match="not a readable zip"):
        verify_file(path, size=None, md5=md5_hex(data[: len(data) - 40]), kind="zip")


def test_empty_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.zip"
    with zipfile.ZipFile(path, "w"):
        pass
    with pytest.raises(VerificationError, match="empty"):
        verify_file(path, size=None, md5=None, kind="zip")


def test_tiff_magic_and_shape(tmp_path: Path) -> None:
    path = write(tmp_path, "t.tif", make_tiff(4, 5))
    verify_file(path, size=None, md5=None, kind="tiff", expected_shape=(4, 5))
    with pytest.raises(VerificationError, match="4x5 pixels but 3x3"):
        verify_file(path, size=None, md5=None, kind="tiff", expected_shape=(3, 3))
    big_endian_bigtiff = write(tmp_path, "b.tif", b"MM\x00+" + b"\x00" * 20)
    verify_file(big_endian_bigtiff, size=None, md5=None, kind="tiff")
    with pytest.raises(VerificationError, match="not a TIFF"):
        verify_file(write(tmp_path, "n.tif", b"GIF89a"), size=None, md5=None, kind="tiff")


def test_free_space_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[Path] = []

    def usage(path: Path) -> shutil._ntuple_diskusage:  # type: ignore[name-defined]
        seen.append(Path(path))
        return shutil._ntuple_diskusage(10_000, 9_000, 1_000)

    monkeypatch.setattr(shutil, "disk_usage", usage)
    target = tmp_path / "not" / "yet" / "there"
    check_free_space(target, 900)  # 945 with the margin: fits
    with pytest.raises(InsufficientSpaceError) as caught:
        check_free_space(target, 990)
    message = str(caught.value)
    assert str(target) in message and "990 bytes" in message and "1000 bytes" in message
    assert seen[-1] == tmp_path  # the nearest existing ancestor was measured
