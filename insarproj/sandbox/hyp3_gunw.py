"""ARIA_S1_GUNW jobs of the HyP3 stand-in: HyP3's date validator (check_aria_s1_gunw_dates), a
job that fails like dockerizedTopsApp when the frame is not covered, and the product — one GUNW
netCDF-4 file in the real name pattern, written by the sandbox's GUNW writer (aria_catalog.py).

Real HyP3 lists the `.nc` as the job's one file (hyp3 job_spec/ARIA_S1_GUNW.yml; its
search-archive step answers with the archived product's `.nc`). Stands alone: no client imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from insarproj.sandbox.aria_catalog import FRAMES, GunwProduct, gunw_products, netcdf_bytes

ARIA = "ARIA_S1_GUNW"
S1_START = date(2014, 6, 15)  # hyp3_api.validation._validate_date_during_s1
MADE_VERSION = (3, 0, 1)  # the GUNW version the stand-in's topsApp writes


def date_problem(parameters: Mapping[str, Any], today: date) -> str | None:
    """HyP3's check_aria_s1_gunw_dates, in its words; None when the dates pass."""
    reference = date.fromisoformat(str(parameters["reference_date"]))
    secondary = date.fromisoformat(str(parameters["secondary_date"]))
    for key, value in (("reference_date", reference), ("secondary_date", secondary)):
        if value > today:
            return f'"{key}" is {value} which is a date in the future.'
        if value < S1_START:
            return f'"{key}" is {value} which is before the start of the sentinel 1 mission ({S1_START}).'
    if secondary >= reference:
        return "secondary date must be earlier than reference date."
    return None


def processing_problem(parameters: Mapping[str, Any]) -> str | None:
    """Why the job fails although HyP3 accepted it: a frame the sandbox's track does not cover
    (real jobs fail below 90 % frame coverage, `--min-frame-coverage 0.9`)."""
    frame = int(parameters["frame_id"])
    if frame not in FRAMES:
        return f"the SLCs of both dates cover less than 90 % of ARIA frame {frame} (--min-frame-coverage 0.9)"
    return None


@dataclass(frozen=True)
class GunwJobProduct:
    """The product of an ARIA_S1_GUNW job, with the interface of the stand-in's INSAR products
    (`zip_bytes` holds the one listed file: the `.nc`)."""

    name: str
    zip_bytes: bytes
    browse_images: tuple[str, ...] = ()
    thumbnail_images: tuple[str, ...] = ()

    @property
    def zip_name(self) -> str:
        return f"{self.name}.nc"

    def object(self, filename: str) -> bytes | None:
        return self.zip_bytes if filename == self.zip_name else None


def build_gunw_product(parameters: Mapping[str, Any], processed: datetime) -> GunwJobProduct:
    """The GUNW of a successful job (deterministic: same parameters, same bytes)."""
    product = GunwProduct(
        frame=int(parameters["frame_id"]),
        reference=date.fromisoformat(str(parameters["reference_date"])),
        secondary=date.fromisoformat(str(parameters["secondary_date"])),
        version=MADE_VERSION,
    )
    return GunwJobProduct(name=product.name, zip_bytes=netcdf_bytes(product.name))


def published(parameters: Mapping[str, Any]) -> GunwProduct | None:
    """The catalogue's product of these parameters (newest version), if any: HyP3's search-archive
    step then makes the job SUCCEEDED at once with that product and refunds its credits."""
    frame = int(parameters["frame_id"])
    reference = date.fromisoformat(str(parameters["reference_date"]))
    secondary = date.fromisoformat(str(parameters["secondary_date"]))
    found = [
        p for p in gunw_products() if (p.frame, p.reference, p.secondary) == (frame, reference, secondary)
    ]
    return max(found, key=lambda p: p.version) if found else None


def archived_file(product: GunwProduct, data_url: str) -> dict[str, Any]:
    """The job's `files` entry for an archived product, as search_archive._update_job writes it."""
    return {
        "filename": product.file_name,
        "size": len(netcdf_bytes(product.name)),
        "url": f"{data_url}/door/download/{product.file_name}",
    }
