"""Is this file the data we asked for? Size, MD5, and a structural check per kind (docs/safety.md)."""

from __future__ import annotations

import hashlib
import warnings
import zipfile
from pathlib import Path

from insarproj.errors import AuthError, VerificationError

DEFAULT_LOGIN_HOST = "urs.earthdata.nasa.gov"
TIFF_MAGICS: tuple[bytes, ...] = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # classic, BigTIFF
_HASH_BLOCK = 1 << 20


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def looks_like_html(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype", b"<html"))


def login_page_error(label: str, login_host: str) -> AuthError:
    return AuthError(
        f"{label}: the server answered with a login page instead of data",
        service="urs",
        hint=(
            f"check your Earthdata credentials (~/.netrc machine {login_host} or EARTHDATA_TOKEN) "
            "and accept the ASF EULA"
        ),
    )


def verify_file(
    path: Path,
    *,
    size: int | None,
    md5: str | None,
    kind: str,
    expected_shape: tuple[int, int] | None = None,
    login_host: str = DEFAULT_LOGIN_HOST,
) -> str:
    """Check ``path`` and return its MD5 (hex). Raises VerificationError, or AuthError when a
    login page sits where a zip or tiff was expected."""
    return check_file(
        path, size=size, md5=md5, kind=kind, expected_shape=expected_shape, login_host=login_host
    )


def check_file(
    path: Path,
    *,
    size: int | None,
    md5: str | None,
    kind: str,
    expected_shape: tuple[int, int] | None = None,
    login_host: str = DEFAULT_LOGIN_HOST,
    actual_md5: str | None = None,
    label: str = "",
) -> str:
    """:func:`verify_file` for callers that hashed the bytes while writing them (``actual_md5``),
    which saves reading a multi-gigabyte file a second time."""
    path = Path(path)
    name = label or str(path)
    if kind not in ("zip", "tiff", "any"):
        raise ValueError(f"unknown file kind {kind!r}")
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
        actual_size = path.stat().st_size
    except FileNotFoundError:
        raise VerificationError(f"{name}: the file {path} does not exist") from None

    # Before the size check: a login page is also the wrong size, but the fix is credentials.
    if kind in ("zip", "tiff") and looks_like_html(head):
        raise login_page_error(name, login_host)

    if size is not None and actual_size != size:
        raise VerificationError(
            f"{name}: {path} has {actual_size} bytes but {size} were expected",
            hint="the transfer was cut short or the server sent another file; download it again",
        )

    digest = actual_md5 or md5_of(path)
    if md5 is not None and digest.lower() != md5.strip().lower():
        raise VerificationError(
            f"{name}: MD5 of {path} is {digest} but {md5.strip().lower()} was expected",
            hint="the bytes were corrupted in transfer or the catalog is stale; download it again",
        )

    if kind == "zip":
        _check_zip(path, name, full=md5 is None)
    elif kind == "tiff":
        _check_tiff(path, name, head, expected_shape)
    return digest


def _check_zip(path: Path, name: str, *, full: bool) -> None:
    """Always parse the central directory; read every member (CRC) only when no MD5 vouched for
    the bytes, since a matching MD5 already proves them and testzip costs a full decompression."""
    try:
        with zipfile.ZipFile(path) as archive:
            if not archive.infolist():
                raise VerificationError(f"{name}: the zip archive {path} is empty")
            bad = archive.testzip() if full else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise VerificationError(
            f"{name}: {path} is not a readable zip archive ({exc})", hint="download it again"
        ) from None
    if bad is not None:
        raise VerificationError(
            f"{name}: member {bad!r} of the zip archive {path} fails its CRC check", hint="download it again"
        )


def _check_tiff(path: Path, name: str, head: bytes, expected_shape: tuple[int, int] | None) -> None:
    if not head.startswith(TIFF_MAGICS):
        raise VerificationError(
            f"{name}: {path} is not a TIFF file (it starts with {head[:4]!r})", hint="download it again"
        )
    if expected_shape is None:
        return
    try:
        import rasterio
    except ImportError:  # pragma: no cover - rasterio is a hard dependency, but keep this usable without it
        return
    try:
        with warnings.catch_warnings():
            # Plain tiles and test rasters often lack a geotransform; only the shape matters here.
            warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
            with rasterio.open(path) as dataset:
                shape = (int(dataset.height), int(dataset.width))
    except rasterio.errors.RasterioIOError as exc:
        raise VerificationError(f"{name}: {path} cannot be read as a raster ({exc})") from None
    if shape != tuple(expected_shape):
        raise VerificationError(
            f"{name}: {path} is {shape[0]}x{shape[1]} pixels but {expected_shape[0]}x{expected_shape[1]} "
            "were expected",
            hint="download it again",
        )
