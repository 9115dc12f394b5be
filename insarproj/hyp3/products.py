"""HyP3 InSAR products: their names, the layers a job's parameters produce, and safe unzipping.

Product names end in a random 4-hex id, so a product cannot be predicted from its job; it is
found through the job's ``files`` and only then parsed (the burst guide itself shows an older
multi-burst format: an unparseable name is ``None``, never an error).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from insarproj.errors import VerificationError
from insarproj.fsutil import FILE_MODE, atomic_write_bytes, fsync_dir
from insarproj.hyp3spec import load_job_spec

__all__ = [
    "DEFAULT_MAX_RATIO",
    "DEFAULT_MAX_TOTAL_BYTES",
    "MANIFEST_NAME",
    "MINTPY_LAYERS",
    "ProductManifest",
    "ProductName",
    "expected_layers",
    "extract_product",
    "layer_filter",
    "layer_suffixes",
    "manifest_problem",
    "parse_product_name",
    "product_zip_name",
    "quick_check",
    "quick_intact",
    "safe_extract",
    "sha256_of",
]

ORBIT_QUALITY = {"P": "precise", "R": "restituted", "O": "original"}

_GAMMA = re.compile(
    r"^S1(?P<ref_platform>[ABCD])(?P<sec_platform>[ABCD])_(?P<ref>\d{8}T\d{6})_(?P<sec>\d{8}T\d{6})_"
    r"(?P<pol>VV|HH)(?P<orbit>[PRO])(?P<days>\d{3,4})_INT(?P<spacing>\d{2})_G_(?P<mask>[uw])(?P<area>[ec])"
    r"(?P<swath>[123F])_(?P<id>[0-9A-F]{4})$"
)
_BURST = re.compile(
    r"^S1_(?P<burst>\d{6})_IW(?P<swath>[123])_(?P<ref>\d{8})_(?P<sec>\d{8})_(?P<pol>VV|HH)_INT(?P<spacing>\d{2})_"
    r"(?P<id>[0-9A-F]{4})$"
)
_MULTI_BURST = re.compile(
    r"^S1_(?P<path>\d{3})_(?P<swaths>\d{6}s1n\d{2}-\d{6}s2n\d{2}-\d{6}s3n\d{2})_IW_(?P<ref>\d{8})_(?P<sec>\d{8})_"
    r"(?P<pol>VV|HH)_INT(?P<spacing>\d{2})_(?P<id>[0-9A-F]{4})$"
)
_SWATH_GROUP = re.compile(r"^(?P<burst>\d{6})s(?P<swath>[123])n(?P<count>\d{2})$")


@dataclass(frozen=True)
class ProductName:
    """What a HyP3 InSAR product name says.

    ``reference_time``/``secondary_time`` are the scenes' start times for INSAR_GAMMA; burst
    products carry dates only (``reference_date``/``secondary_date`` are set for all kinds).
    """

    name: str
    job_type: str
    reference_date: date
    secondary_date: date
    polarization: str
    pixel_spacing: int
    product_id: str
    reference_time: datetime | None = None
    secondary_time: datetime | None = None
    platforms: str = ""  # INSAR_GAMMA: reference and secondary platform letters, e.g. "AB"
    orbit_letter: str | None = None  # INSAR_GAMMA: the least precise orbit of the two scenes
    days: int | None = None  # INSAR_GAMMA: temporal baseline
    water_mask: bool | None = None  # INSAR_GAMMA: "w" (masked before unwrapping) or "u"
    burst_id: str | None = None  # INSAR_ISCE_BURST
    swath: int | None = None  # INSAR_ISCE_BURST
    relative_orbit: int | None = None  # INSAR_ISCE_MULTI_BURST
    swath_bursts: tuple[tuple[str, int, int], ...] = ()  # multi-burst: (first burst id, swath, count)

    @property
    def orbit_quality(self) -> str | None:
        """``"precise"``, ``"restituted"`` or ``"original"`` for INSAR_GAMMA; None for burst products."""
        return ORBIT_QUALITY.get(self.orbit_letter or "")


def _utc_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)


def _day(text: str) -> date:
    return datetime.strptime(text, "%Y%m%d").date()


def parse_product_name(name: str) -> ProductName | None:
    """Parse an INSAR_GAMMA, INSAR_ISCE_BURST or INSAR_ISCE_MULTI_BURST product name (a file name
    or a ``.zip`` name works too); None when ``name`` is none of these."""
    stem = PurePosixPath(name).name.removesuffix(".zip")
    try:
        return _parse(stem)
    except ValueError:  # digits in the right places, but not a calendar date
        return None


def _parse(stem: str) -> ProductName | None:
    if match := _GAMMA.match(stem):
        ref, sec = _utc_time(match["ref"]), _utc_time(match["sec"])
        return ProductName(
            name=stem,
            job_type="INSAR_GAMMA",
            reference_date=ref.date(),
            secondary_date=sec.date(),
            reference_time=ref,
            secondary_time=sec,
            platforms=match["ref_platform"] + match["sec_platform"],
            polarization=match["pol"],
            orbit_letter=match["orbit"],
            days=int(match["days"]),
            pixel_spacing=int(match["spacing"]),
            water_mask=match["mask"] == "w",
            product_id=match["id"],
        )
    if match := _BURST.match(stem):
        return ProductName(
            name=stem,
            job_type="INSAR_ISCE_BURST",
            reference_date=_day(match["ref"]),
            secondary_date=_day(match["sec"]),
            polarization=match["pol"],
            pixel_spacing=int(match["spacing"]),
            product_id=match["id"],
            burst_id=match["burst"],
            swath=int(match["swath"]),
        )
    if match := _MULTI_BURST.match(stem):
        groups = []
        for part in match["swaths"].split("-"):
            group = _SWATH_GROUP.match(part)
            assert group is not None  # guaranteed by _MULTI_BURST
            groups.append((group["burst"], int(group["swath"]), int(group["count"])))
        return ProductName(
            name=stem,
            job_type="INSAR_ISCE_MULTI_BURST",
            reference_date=_day(match["ref"]),
            secondary_date=_day(match["sec"]),
            polarization=match["pol"],
            pixel_spacing=int(match["spacing"]),
            product_id=match["id"],
            relative_orbit=int(match["path"]),
            swath_bursts=tuple(groups),
        )
    return None


# Layers by job type, from hyp3-gamma ifm_sentinel.py (move_output_files) and hyp3-docs' product
# guides (INSAR_GAMMA: insar_product_guide.md; bursts: burst_insar_product_guide.md, tables 2-3).
_GAMMA_ALWAYS: tuple[str, ...] = (
    "_amp.tif", "_amp.tif.xml", "_corr.tif", "_corr.tif.xml", "_unw_phase.tif", "_unw_phase.tif.xml",
    "_water_mask.tif", "_water_mask.tif.xml", "_color_phase.png", "_color_phase.png.aux.xml",
    "_color_phase.png.xml", "_color_phase.kmz", "_unw_phase.png", "_unw_phase.png.aux.xml",
    "_unw_phase.png.xml", "_unw_phase.kmz", ".txt", ".README.md.txt",
)  # fmt: skip
_GAMMA_OPTIONAL: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("include_wrapped_phase",), ("_wrapped_phase.tif", "_wrapped_phase.tif.xml")),
    (("include_dem",), ("_dem.tif", "_dem.tif.xml")),
    (
        ("include_displacement_maps", "include_los_displacement"),
        ("_los_disp.tif", "_los_disp.tif.xml", "_vert_disp.tif", "_vert_disp.tif.xml"),
    ),
    (("include_inc_map",), ("_inc_map.tif", "_inc_map.tif.xml", "_inc_map_ell.tif", "_inc_map_ell.tif.xml")),
    (("include_look_vectors",), ("_lv_theta.tif", "_lv_theta.tif.xml", "_lv_phi.tif", "_lv_phi.tif.xml")),
)
_MULTI_BURST_LAYERS: tuple[str, ...] = (
    "_conncomp.tif", "_corr.tif", "_unw_phase.tif", "_wrapped_phase.tif", "_lv_phi.tif", "_lv_theta.tif",
    "_dem.tif", "_water_mask.tif", "_unw_phase.png", ".README.md.txt", ".txt",
)  # fmt: skip
_BURST_RDR_LAYERS: tuple[str, ...] = (
    "_lat_rdr.tif",
    "_lon_rdr.tif",
    "_los_rdr.tif",
    "_wrapped_phase_rdr.tif",
)

# What MintPy's prep_hyp3 reads (plus the parameter file, which safe_extract always keeps).
MINTPY_LAYERS: tuple[str, ...] = (
    "_unw_phase.tif", "_corr.tif", "_dem.tif", "_lv_theta.tif", "_lv_phi.tif", "_water_mask.tif", ".txt",
)  # fmt: skip


def expected_layers(job_type: str, parameters: Mapping[str, Any]) -> list[str]:
    """The file-name suffixes (after the product name) of a product of these job parameters.

    Parameters left out take their job-spec defaults. Raises hyp3spec's ParameterError for a job
    type insarproj has no spec of.
    """
    values = {**load_job_spec(job_type).defaults(), **parameters}
    if job_type == "INSAR_GAMMA":
        layers = list(_GAMMA_ALWAYS)
        for flags, suffixes in _GAMMA_OPTIONAL:
            if any(values.get(flag) is True for flag in flags):
                layers.extend(suffixes)
        return layers
    if job_type == "INSAR_ISCE_BURST":
        return [*_MULTI_BURST_LAYERS, *_BURST_RDR_LAYERS]
    if job_type == "INSAR_ISCE_MULTI_BURST":
        return list(_MULTI_BURST_LAYERS)
    raise ValueError(f"insarproj does not know the product layout of {job_type} jobs")


# -- safe extraction ----------------------------------------------------------------------------

DEFAULT_MAX_TOTAL_BYTES = 64 * 1024**3  # far above any InSAR product; a bomb goes far above it
DEFAULT_MAX_RATIO = 1000.0  # uncompressed / compressed; real GeoTIFF products are near 1-20
MAX_MEMBERS = 10_000  # real products hold a few dozen files; millions of empty ones exhaust inodes
_RATIO_FLOOR = 256 * 1024**2  # small archives (tests, thumbnails) are never called bombs
_CHUNK = 1024 * 1024
# mkdtemp makes 0700 folders; a product folder gets the usual umask-based mode (0755 under 022).
_DIR_MODE = FILE_MODE | ((FILE_MODE & 0o444) >> 2)


@dataclass(frozen=True)
class _Member:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]


def _refuse(zip_path: Path, entry: str | None, reason: str) -> VerificationError:
    what = f"{zip_path}: entry {entry!r}" if entry is not None else str(zip_path)
    return VerificationError(
        f"{what} {reason}; nothing was extracted",
        hint="the archive is damaged or unsafe: delete it and download it again",
    )


def _member_parts(zip_path: Path, info: zipfile.ZipInfo) -> tuple[tuple[str, ...], bool]:
    raw = info.filename
    if "\x00" in raw or "\\" in raw:
        raise _refuse(zip_path, raw, "has a backslash or NUL in its name")
    if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw):
        raise _refuse(zip_path, raw, "has an absolute path")
    parts = tuple(part for part in raw.split("/") if part not in ("", "."))
    if ".." in parts:
        raise _refuse(zip_path, raw, "climbs out of the destination with '..'")
    if not parts:
        raise _refuse(zip_path, raw, "has an empty name")
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        raise _refuse(zip_path, raw, "is a symbolic link")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise _refuse(zip_path, raw, "is a special file (device, pipe or socket)")
    if info.flag_bits & 0x1:
        raise _refuse(zip_path, raw, "is encrypted")
    return parts, info.is_dir() or kind == stat.S_IFDIR


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _inspect(
    zip_path: Path, archive: zipfile.ZipFile, *, max_total_bytes: int, max_ratio: float
) -> list[_Member]:
    files: list[_Member] = []
    file_keys: dict[str, str] = {}
    dir_keys: set[str] = set()
    total = 0
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _refuse(zip_path, None, f"holds {len(infos)} entries, above the limit of {MAX_MEMBERS}")
    for info in infos:
        parts, is_dir = _member_parts(zip_path, info)
        # Case-folded and NFC-normalised: on a case- or normalisation-insensitive file system
        # (macOS, Windows) "A.tif" and "a.tif", or "é" composed and decomposed, are one file.
        key = _fold("/".join(parts))
        for depth in range(1, len(parts)):
            dir_keys.add(_fold("/".join(parts[:depth])))
        if is_dir:
            dir_keys.add(key)
            continue
        if key in file_keys:
            raise _refuse(zip_path, info.filename, f"duplicates entry {file_keys[key]!r}")
        file_keys[key] = info.filename
        total += info.file_size
        files.append(_Member(info, parts))
    clash = sorted(set(file_keys) & dir_keys)
    if clash:
        raise _refuse(zip_path, file_keys[clash[0]], "is both a file and a folder")
    if total > max_total_bytes:
        raise _refuse(zip_path, None, f"would unpack to {total} bytes, above the limit of {max_total_bytes}")
    compressed = max(1, zip_path.stat().st_size)
    if total > _RATIO_FLOOR and total > max_ratio * compressed:
        raise _refuse(
            zip_path, None, f"would unpack to {total / compressed:.0f} times its size (a zip bomb?)"
        )
    return files


def safe_extract(
    zip_path: Path,
    dest_dir: Path,
    *,
    keep_suffixes: Sequence[str] | None = None,
    strip_top_folder: bool = True,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
    max_ratio: float = DEFAULT_MAX_RATIO,
) -> list[Path]:
    """Unpack a product zip into ``dest_dir`` (the product's own folder), all or nothing.

    Members are written under a temporary folder beside ``dest_dir`` (same file system), synced,
    and the folder is renamed to ``dest_dir``; an existing ``dest_dir`` is replaced. HyP3 zips hold
    one top folder ``<product name>/``; with ``strip_top_folder`` its content lands directly in
    ``dest_dir``. With ``keep_suffixes`` only members whose file name ends with one of them are
    written, plus ``<product name>.txt`` (the parameter file MintPy needs).

    Every member is checked before anything is written: no absolute paths, ``..``, backslashes,
    symbolic links or special files, no duplicates (ignoring case and Unicode normalisation), no
    encryption, at most ``MAX_MEMBERS`` entries, and the total size within ``max_total_bytes`` and
    ``max_ratio`` times the zip's size.

    Returns:
        The extracted files (paths under ``dest_dir``), sorted.

    Raises:
        VerificationError: naming the zip and the offending entry (also for a corrupt archive or a
            CRC mismatch); ``dest_dir`` is then left as it was.
    """
    files, _digests = _extract(
        Path(zip_path),
        Path(dest_dir),
        keep_suffixes=keep_suffixes,
        strip_top_folder=strip_top_folder,
        max_total_bytes=max_total_bytes,
        max_ratio=max_ratio,
        with_manifest=False,
    )
    return files


def extract_product(
    zip_path: Path, dest_dir: Path, *, keep_suffixes: Sequence[str] | None = None
) -> ProductManifest:
    """:func:`safe_extract` for a HyP3 product zip, plus its manifest: the size and SHA-256 of
    every file written, hashed while writing and saved as ``MANIFEST_NAME`` inside ``dest_dir``
    before the folder appears (so a product folder never exists without its manifest)."""
    _files, manifest = _extract(
        Path(zip_path),
        Path(dest_dir),
        keep_suffixes=keep_suffixes,
        strip_top_folder=True,
        max_total_bytes=DEFAULT_MAX_TOTAL_BYTES,
        max_ratio=DEFAULT_MAX_RATIO,
        with_manifest=True,
    )
    assert manifest is not None
    return manifest


def _extract(
    zip_path: Path,
    dest_dir: Path,
    *,
    keep_suffixes: Sequence[str] | None,
    strip_top_folder: bool,
    max_total_bytes: int,
    max_ratio: float,
    with_manifest: bool,
) -> tuple[list[Path], ProductManifest | None]:
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise VerificationError(
            f"{zip_path} is not a readable zip archive ({exc})", hint="delete it and download it again"
        ) from exc
    with archive:
        members = _inspect(zip_path, archive, max_total_bytes=max_total_bytes, max_ratio=max_ratio)
        product = zip_path.name.removesuffix(".zip")
        if strip_top_folder:
            members, product = _strip_top(zip_path, members)
        if keep_suffixes is not None:
            always = f"{product}.txt"
            members = [
                m
                for m in members
                if m.parts[-1] == always or any(m.parts[-1].endswith(s) for s in keep_suffixes)
            ]
        if with_manifest and any(m.parts == (MANIFEST_NAME,) for m in members):
            raise _refuse(zip_path, MANIFEST_NAME, "has the name insarproj keeps for its manifest")
        dest_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{dest_dir.name}.", suffix=".extracting", dir=dest_dir.parent)
        )
        try:
            os.chmod(staging, _DIR_MODE)
            digests = _write_members(zip_path, archive, members, staging, max_total_bytes)
            manifest = ProductManifest(digests) if with_manifest else None
            if manifest is not None:
                atomic_write_bytes(staging / MANIFEST_NAME, manifest.to_bytes())
            _replace_dir(staging, dest_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return sorted(dest_dir.joinpath(*m.parts) for m in members), manifest


def _strip_top(zip_path: Path, members: list[_Member]) -> tuple[list[_Member], str]:
    tops = {m.parts[0] for m in members}
    if len(tops) != 1 or any(len(m.parts) < 2 for m in members):
        found = ", ".join(sorted(tops)[:3]) or "nothing"
        raise VerificationError(
            f"{zip_path} does not hold exactly one top folder with the product in it (found {found})",
            hint="this is not a HyP3 product zip; delete it and download it again",
        )
    (top,) = tops
    return [_Member(m.info, m.parts[1:]) for m in members], top


def _write_members(
    zip_path: Path, archive: zipfile.ZipFile, members: list[_Member], staging: Path, max_total_bytes: int
) -> dict[str, tuple[int, str]]:
    """Write ``members`` under ``staging``; returns relative name -> (size, SHA-256) of each."""
    root = staging.resolve()
    written_total = 0
    digests: dict[str, tuple[int, str]] = {}
    folders: set[Path] = {staging}
    for member in members:
        target = staging.joinpath(*member.parts)
        # Redundant with the name checks, kept so no future edit of them can open an escape.
        if not target.resolve().is_relative_to(root):
            raise _refuse(zip_path, member.info.filename, "would land outside the destination")
        target.parent.mkdir(parents=True, exist_ok=True)
        folders.update(p for p in target.parents if p.is_relative_to(staging))
        digest = hashlib.sha256()
        size = 0
        try:
            with archive.open(member.info) as source, open(target, "xb") as out:
                while chunk := source.read(_CHUNK):
                    written_total += len(chunk)
                    if written_total > max_total_bytes:
                        raise _refuse(zip_path, member.info.filename, "unpacks beyond the size limit")
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
            raise _refuse(zip_path, member.info.filename, f"cannot be read ({exc})") from exc
        os.chmod(target, FILE_MODE)
        digests["/".join(member.parts)] = (size, digest.hexdigest())
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        fsync_dir(folder)
    return digests


def _replace_dir(staging: Path, dest_dir: Path) -> None:
    # os.replace cannot put a folder over a non-empty one: move the old one aside first, so a
    # crash leaves either the old product, or none (re-extracted next time), never a mix.
    old: Path | None = None
    if dest_dir.exists() or dest_dir.is_symlink():
        old = dest_dir.with_name(f".{dest_dir.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(dest_dir, old)
    os.replace(staging, dest_dir)
    fsync_dir(dest_dir.parent)
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


# -- product manifests ---------------------------------------------------------------------------
# Written into each product folder when it is unzipped; state keeps only its SHA-256, file count
# and bytes, so a project of thousands of products keeps a small state.json. SHA-256 rather than
# MD5: HyP3 publishes no per-file checksum to match, so nothing ties us to MD5, and SHA-256 is
# collision-resistant and (with the SHA extensions of current CPUs) no slower to compute.

MANIFEST_NAME = ".insarproj-manifest.json"
MANIFEST_VERSION = 1
_HASH_BLOCK = 4 * 1024 * 1024


@dataclass(frozen=True)
class ProductManifest:
    """Relative file name (POSIX) -> (size in bytes, SHA-256 hex) of every file of a product."""

    files: Mapping[str, tuple[int, str]]

    def to_bytes(self) -> bytes:
        entries = {name: {"size": size, "sha256": sha} for name, (size, sha) in sorted(self.files.items())}
        document = {"format_version": MANIFEST_VERSION, "algorithm": "sha256", "files": entries}
        return (json.dumps(document, indent=1, sort_keys=True) + "\n").encode("utf-8")

    def summary(self) -> dict[str, Any]:
        """What the product's state record keeps: the manifest's own hash, file count and bytes."""
        return {
            "sha256": hashlib.sha256(self.to_bytes()).hexdigest(),
            "files": len(self.files),
            "bytes": sum(size for size, _sha in self.files.values()),
        }

    @classmethod
    def read(cls, folder: str | os.PathLike[str]) -> tuple[ProductManifest, str]:
        """The manifest of ``folder`` and the SHA-256 of its bytes; VerificationError when it is
        missing or unreadable."""
        path = os.path.join(folder, MANIFEST_NAME)  # per product per plan: no pathlib objects
        try:
            raw = _read_small_file(path)
            document = orjson.loads(raw)  # per product per plan: orjson is ~5x faster
            files = {
                str(name): (int(entry["size"]), str(entry["sha256"]))
                for name, entry in document["files"].items()
            }
        except FileNotFoundError as exc:
            raise VerificationError(f"{MANIFEST_NAME}: missing") from exc
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise VerificationError(f"{MANIFEST_NAME}: unreadable ({exc})") from exc
        return cls(files), hashlib.sha256(raw).hexdigest()


def _read_small_file(path: str) -> bytes:
    """The bytes of ``path`` through the plain system calls: a plan reads one manifest per product
    (60,000 at 20,000 scenes), and a buffered file object per read costs more than the read."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _is_folder(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def manifest_problem(
    folder: str | os.PathLike[str],
    summary: Mapping[str, Any],
    *,
    checksums: bool,
    kept: Callable[[str], bool] | None = None,
) -> str | None:
    """What is wrong with the product in ``folder`` against its recorded manifest ``summary``
    (None when it is intact): the first bad file as "NAME: missing", "NAME: size differs (…)" or,
    with ``checksums``, "NAME: checksum differs". Without ``checksums`` only stat is used. With
    ``kept`` (see :func:`layer_filter`) only the files it keeps are looked at: the manifest lists
    what was unzipped, and a later, narrower ``keep_layers`` deleted the others."""
    base = os.fspath(folder)  # strings and os.stat: this runs per product on every plan
    try:
        manifest, digest = ProductManifest.read(base)
    except VerificationError as exc:
        # The folder is looked at only when its manifest cannot be read (one stat less per product).
        return "folder missing on disk" if not _is_folder(base) else exc.message
    if digest != summary.get("sha256"):
        return f"{MANIFEST_NAME}: differs from the one recorded in state"
    for name, (size, sha) in sorted(manifest.files.items()):
        if kept is not None and not kept(name):
            continue
        path = os.path.join(base, name)
        try:
            actual = os.stat(path).st_size
        except (OSError, ValueError):
            return f"{name}: missing"
        if actual != size:
            return f"{name}: size differs ({actual} bytes, {size} expected)"
        if checksums and sha256_of(Path(path)) != sha:
            return f"{name}: checksum differs"
    return None


# HyP3 documents its product files as `<product name>.zip`; any other name from a job record
# (a path, `..`, an absolute name) is refused, never used as a path.


def product_zip_name(filename: str, *, job: str) -> str:
    """``filename`` from a job record if it is a plain ``*.zip`` file name; UnsafePathError
    naming ``job`` otherwise."""
    from insarproj.errors import UnsafePathError
    from insarproj.fsutil import plain_basename

    what = f"HyP3's record of {job}"
    if not isinstance(filename, str) or not filename.endswith(".zip"):
        raise UnsafePathError(
            f"{what} gives the product file name {filename!r}, which is not a '<product name>.zip' name",
            hint="refused so nothing is written outside the data folder; report it to the service",
        )
    return plain_basename(filename, what=what)


# -- kept layers ---------------------------------------------------------------------------------
# `[processor.hyp3] keep_layers` names layers by file suffix: `unw_phase` keeps `<product>_unw_phase.tif`;
# the product's parameter file `<product>.txt` is always kept (MintPy reads it). One rule for
# unzipping, checking and trimming (docs/safety.md, "Kept layers").


def layer_suffixes(keep_layers: Sequence[str] | None) -> list[str] | None:
    """The file-name endings ``keep_layers`` keeps (None: every file)."""
    return None if keep_layers is None else [f"_{layer}.tif" for layer in keep_layers]


def layer_filter(product: str, keep_layers: Sequence[str] | None) -> Callable[[str], bool] | None:
    """Whether ``keep_layers`` keeps a product file (its name relative to the product folder), as
    unzipping keeps it; None when every file is kept."""
    suffixes = layer_suffixes(keep_layers)
    if suffixes is None:
        return None
    endings, always = tuple(suffixes), f"{product}.txt"

    def kept(name: str) -> bool:
        last = name.rsplit("/", 1)[-1]
        return last == always or last.endswith(endings)

    return kept


# -- the plan's quick check ----------------------------------------------------------------------
# A plain plan checks every kept file of every product by size (stat). Reading and parsing each
# product's manifest for the names cost a file read per product per plan; instead the
# product's record keeps the file names (`layout`: suffixes after the product name, a value every
# product of the same job parameters shares, so state.json writes it once) and a digest of the
# sizes (`sizes`, the manifest's own size included): stat and compare. Any difference falls back
# to reading the manifest, which names the file; `--verify` always reads it (docs/safety.md).

_LAYOUT_SEPARATOR = "|"


def _sizes_digest(sizes: Iterable[int]) -> str:
    return hashlib.sha256(",".join(map(str, sizes)).encode()).hexdigest()[:20]


def quick_check(
    folder: str | os.PathLike[str],
    product: str,
    manifest: ProductManifest,
    kept: Callable[[str], bool] | None,
) -> dict[str, str] | None:
    """The ``layout`` and ``sizes`` a product record keeps for :func:`quick_intact`, from the
    verified manifest (the files ``kept`` keeps) and the manifest file's size; None when a file
    name does not start with the product name (the plan then reads the manifest, as before)."""
    names = sorted(name for name in manifest.files if kept is None or kept(name))
    if not all(n.startswith(product) and _LAYOUT_SEPARATOR not in n for n in names):
        return None
    sizes = [manifest.files[n][0] for n in names]
    sizes.append(os.stat(os.path.join(folder, MANIFEST_NAME)).st_size)
    layout = _LAYOUT_SEPARATOR.join(n[len(product) :] for n in names)
    return {"layout": layout, "sizes": _sizes_digest(sizes)}


@functools.lru_cache(maxsize=256)
def _suffixes(layout: str) -> tuple[str, ...]:
    # One layout is shared by every product of the same job parameters: split once per plan.
    return tuple(layout.split(_LAYOUT_SEPARATOR)) if layout else ()


def quick_intact(folder: str, product: str, layout: str, sizes: str) -> bool:
    """Whether every file of ``layout`` and the manifest have the recorded sizes (stat only)."""
    stat_of, prefix = os.stat, folder + os.sep
    named = prefix + product  # each file is the product's name and a suffix
    try:
        found = [stat_of(named + suffix).st_size for suffix in _suffixes(layout)]
        found.append(stat_of(prefix + MANIFEST_NAME).st_size)
    except (OSError, ValueError):
        return False
    return _sizes_digest(found) == sizes
