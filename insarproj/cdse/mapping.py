"""One CDSE catalogue product as the pinned scene an ASF search makes (docs/cdse.md, "Mapping").

The scene name is the product's `Name` without `.SAFE` (the same granule name ASF uses), so stacks,
pairs, orbits, DEM and ISCE2 see the same scenes whichever source found them. What CDSE lacks:
ASF frame numbers (none) and orbit state vectors (so no perpendicular baselines). The download
URL, size and MD5 are CDSE's own: its zips are other bytes than ASF's.
"""

from __future__ import annotations

from typing import Any

from insarproj.cdse.catalogue import utc_text
from insarproj.endpoints import redact_url
from insarproj.errors import ProviderError
from insarproj.scenes.geometry import to_wkt
from insarproj.scenes.model import PinnedScene

SOURCE = "cdse"
_NEEDED = ("orbitDirection", "relativeOrbitNumber", "polarisationChannels", "platformSerialIdentifier")


def attributes(product: dict[str, Any]) -> dict[str, Any]:
    return {
        str(a.get("Name")): a.get("Value") for a in product.get("Attributes") or [] if isinstance(a, dict)
    }


def md5_of(product: dict[str, Any]) -> str | None:
    """The catalogue's MD5, or None (some old products list no checksum)."""
    for checksum in product.get("Checksum") or []:
        if isinstance(checksum, dict) and str(checksum.get("Algorithm", "")).upper() == "MD5":
            value = str(checksum.get("Value") or "").strip().lower()
            if len(value) == 32:
                return value
    return None


def download_url(catalogue_url: str, product_id: str) -> str:
    """The product's download as the catalogue names it; it redirects to the download host."""
    return f"{catalogue_url.rstrip('/')}/odata/v1/Products({product_id})/$value"


def scene_from_product(product: dict[str, Any], *, catalogue_url: str) -> PinnedScene:
    """The pinned record of one catalogue product; ProviderError when a needed field is missing."""
    name = str(product.get("Name") or "").removesuffix(".SAFE")
    attrs = attributes(product)
    missing = [k for k in _NEEDED if attrs.get(k) in (None, "")]
    missing += [k for k in ("Id", "ContentDate", "GeoFootprint") if not product.get(k)]
    if not name or missing:
        raise ProviderError(
            f"The CDSE catalogue at {redact_url(catalogue_url)} returned product {name or '?'} without "
            f"{', '.join(missing) or 'a name'}, so it cannot be pinned",
            service="cdse",
            hint="check that INSARPROJ_CDSE_URL points at the CDSE catalogue",
        )
    try:
        return _pinned(product, attrs, name, catalogue_url)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ProviderError(
            f"The CDSE catalogue at {redact_url(catalogue_url)} returned product {name} with a value "
            f"that cannot be read ({exc})",
            service="cdse",
            hint="check that INSARPROJ_CDSE_URL points at the CDSE catalogue",
        ) from exc


def _pinned(product: dict[str, Any], attrs: dict[str, Any], name: str, catalogue_url: str) -> PinnedScene:
    from shapely.geometry import shape  # type: ignore[import-untyped]  # shapely ships no type hints

    footprint: Any = shape(product["GeoFootprint"])
    if footprint.geom_type == "MultiPolygon" and len(footprint.geoms) == 1:
        footprint = footprint.geoms[0]  # one polygon wrapped as a MultiPolygon: the same footprint
    center = footprint.centroid
    processed = attrs.get("processingDate")
    return PinnedScene(
        name=name,
        file_id=str(product["Id"]),
        url=download_url(catalogue_url, str(product["Id"])),
        bytes=int(product.get("ContentLength") or 0),
        md5=md5_of(product),
        footprint_wkt=to_wkt(footprint),
        flight_direction=str(attrs["orbitDirection"]).upper(),
        relative_orbit=int(attrs["relativeOrbitNumber"]),
        start_time=utc_text(str(product["ContentDate"]["Start"])),
        stop_time=utc_text(str(product["ContentDate"]["End"])),
        platform=f"Sentinel-1{attrs['platformSerialIdentifier']}",
        polarization=str(attrs["polarisationChannels"]).replace("&", "+"),
        processing_date=utc_text(str(processed)) if processed else None,
        pge_version=str(attrs["processorVersion"]) if attrs.get("processorVersion") else None,
        beam_mode=str(attrs.get("operationalMode") or "IW"),
        center_lat=float(center.y),
        center_lon=float(center.x),
        source=SOURCE,
    )


_BURST_NEEDED = (
    "Id",
    "BurstId",
    "SwathIdentifier",
    "PolarisationChannels",
    "AzimuthTime",
    "ParentProductName",
    "RelativeOrbitNumber",
    "OrbitDirection",
    "ContentDate",
    "GeoFootprint",
)


def burst_name(item: dict[str, Any]) -> str:
    """ASF's name of the burst, from CDSE's fields: S1_<burst id>_<swath>_<azimuth time>_<pol>_<parent's
    unique id>-BURST (the same ESA burst-id map; docs/cdse.md, "Bursts")."""
    azimuth = utc_text(str(item["AzimuthTime"])).replace("-", "").replace(":", "").rstrip("Z")
    parent = str(item["ParentProductName"]).removesuffix(".SAFE")
    return (
        f"S1_{int(item['BurstId']):06d}_{item['SwathIdentifier']}_{azimuth}_{item['PolarisationChannels']}"
        f"_{parent[-4:]}-BURST"
    )


def burst_url(catalogue_url: str, burst_id: str) -> str:
    """The burst extraction (a POST), as the catalogue names it; it redirects to the download host."""
    return f"{catalogue_url.rstrip('/')}/odata/v1/Bursts({burst_id})/$value"


def scene_from_burst(item: dict[str, Any], *, catalogue_url: str) -> PinnedScene:
    """The pinned record of one burst of CDSE's burst catalogue (no size, no checksum: it is
    extracted on demand)."""
    missing = [k for k in _BURST_NEEDED if item.get(k) in (None, "")]
    if missing:
        raise ProviderError(
            f"The CDSE burst catalogue at {redact_url(catalogue_url)} returned burst {item.get('Id', '?')} "
            f"without {', '.join(missing)}, so it cannot be pinned",
            service="cdse",
            hint="check that INSARPROJ_CDSE_URL points at the CDSE catalogue",
        )
    try:
        return _pinned_burst(item, catalogue_url)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ProviderError(
            f"The CDSE burst catalogue at {redact_url(catalogue_url)} returned burst {item['Id']} with a "
            f"value that cannot be read ({exc})",
            service="cdse",
            hint="check that INSARPROJ_CDSE_URL points at the CDSE catalogue",
        ) from exc


def _pinned_burst(item: dict[str, Any], catalogue_url: str) -> PinnedScene:
    from shapely.geometry import shape

    footprint: Any = shape(item["GeoFootprint"])
    center = footprint.centroid
    track = int(item["RelativeOrbitNumber"])
    swath = str(item["SwathIdentifier"])
    return PinnedScene(
        name=burst_name(item),
        file_id=str(item["Id"]),
        url=burst_url(catalogue_url, str(item["Id"])),
        bytes=0,
        md5=None,
        footprint_wkt=to_wkt(footprint),
        flight_direction=str(item["OrbitDirection"]).upper(),
        relative_orbit=track,
        start_time=utc_text(str(item["ContentDate"]["Start"])),
        stop_time=utc_text(str(item["ContentDate"]["End"])),
        platform=f"Sentinel-1{item.get('PlatformSerialIdentifier') or ''}",
        polarization=str(item["PolarisationChannels"]),
        beam_mode=str(item.get("OperationalMode") or "IW"),
        center_lat=float(center.y),
        center_lon=float(center.x),
        burst_id_full=f"{track:03d}_{int(item['BurstId']):06d}_{swath}",
        subswath=swath,
        absolute_burst_id=int(item["AbsoluteBurstId"]) if item.get("AbsoluteBurstId") is not None else None,
        source=SOURCE,
    )
