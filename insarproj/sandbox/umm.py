"""CMR UMM-G items for sandbox granules, laid out like the real ASF items shipped as package data.

Constant attributes (descriptions, look direction, …) are read from those real items, so the
sandbox and ASF agree on everything the catalog does not decide. URLs point at the sandbox, which
is why items are rendered per response: the port is known only once the server listens.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from insarproj.sandbox.catalog import Burst, Granule, Scene

# real CMR collection concept ids of the Sentinel-1 collections the sandbox serves
COLLECTION_IDS = {
    "SENTINEL-1A_SLC": "C1214470488-ASF",
    "SENTINEL-1B_SLC": "C1327985661-ASF",
    "SENTINEL-1C_SLC": "C3470873558-ASF",
    "SENTINEL-1D_SLC": "C4175278193-ASF",
    "SENTINEL-1_BURSTS": "C2709161906-ASF",
}
S3_BUCKET = "asf-ngap2w-p-s1-slc-7b420b89"  # the real bucket named by ASF's SLC items


@cache
def reference_item(kind: str) -> dict[str, Any]:
    """The real CMR item (meta + umm) the sandbox copies its layout from: "SLC" or "BURST"."""
    name = {"SLC": "cmr_item_slc.json", "BURST": "cmr_item_burst.json"}[kind]
    text = resources.files("insarproj.data").joinpath("sandbox", name).read_text("utf-8")
    item: dict[str, Any] = json.loads(text)
    return item


@cache
def _constants(kind: str) -> dict[str, str]:
    return {a["Name"]: a["Values"][0] for a in reference_item(kind)["umm"]["AdditionalAttributes"]}


def iso(moment: datetime) -> str:
    """CMR's timestamp form: microseconds and a Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _points(outline: list[tuple[float, float]]) -> dict[str, Any]:
    return {
        "HorizontalSpatialDomain": {
            "Geometry": {
                "GPolygons": [
                    {
                        "Boundary": {
                            "Points": [
                                {"Longitude": round(lon, 6), "Latitude": round(lat, 6)}
                                for lon, lat in outline
                            ]
                        }
                    }
                ]
            }
        }
    }


def _revision_date(g: Granule) -> datetime:
    return (g.scene.processing_date or g.scene.start) + timedelta(hours=2)


def _meta(g: Granule, fmt: str) -> dict[str, Any]:
    return {
        "concept-type": "granule",
        "concept-id": g.concept_id,
        "revision-id": 1,
        "native-id": g.granule_ur,
        "collection-concept-id": COLLECTION_IDS[g.short_name],
        "provider-id": "ASF",
        "format": fmt,
        "revision-date": _revision_date(g).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
    }


def slc_attributes(scene: Scene, *, size: int, md5: str) -> dict[str, str]:
    acq = scene.acquisition
    attrs = dict(_constants("SLC"))
    attrs.update(scene.search_attributes)
    lon, lat = scene.center
    attrs.update(
        {
            "ACQUISITION_DATE": iso(scene.stop),
            "ASC_NODE_TIME": iso(acq.anx),
            "BYTES": str(size),
            "CENTER_LAT": f"{lat:.4f}",
            "CENTER_LON": f"{lon:.4f}",
            "MD5SUM": md5,
            "PROCESSING_DATE": iso(scene.processing_date or scene.start),
            "PROCESSING_DESCRIPTION": f"{scene.platform.name} Single Look Complex product",
        }
    )
    for corner, (c_lon, c_lat) in scene.corners.items():
        attrs[f"{corner}_LAT"] = f"{c_lat:.6f}"
        attrs[f"{corner}_LON"] = f"{c_lon:.6f}"
    attrs.update(acq.state_vectors(scene.tau_center))
    return {name: attrs[name] for name in sorted(attrs)}


def burst_attributes(burst: Burst, *, size: int) -> dict[str, str]:
    acq = burst.acquisition
    attrs = dict(_constants("BURST"))
    attrs.update(burst.search_attributes)
    lon, lat = burst.center
    attrs.update(
        {
            "ASC_NODE_TIME": iso(acq.anx),
            "AZIMUTH_ANX_TIME": f"{burst.azimuth_tau:.9f}",
            "AZIMUTH_TIME": acq.time(burst.azimuth_tau).strftime("%Y-%m-%dT%H:%M:%S.%f"),
            "BYTE_LENGTH": str(size),
            "BYTE_OFFSET": str(109_000 + burst.index * 147_215_404),  # where it sits in the SLC tiff
            "CENTER_LAT": repr(lat),
            "CENTER_LON": repr(lon),
            "LINES_PER_BURST": "1519",
            "SAMPLES_PER_BURST": {"IW1": "21584", "IW2": "25664", "IW3": "24229"}[burst.swath],
        }
    )
    attrs.update(acq.state_vectors((burst.tau_start + burst.tau_stop) / 2))
    order = [a["Name"] for a in reference_item("BURST")["umm"]["AdditionalAttributes"]]
    return {name: attrs[name] for name in order}


def render(g: Granule, *, data_url: str, size: int, md5: str | None) -> dict[str, Any]:
    """The CMR `items[]` entry of `g` with download URLs under `data_url` (http://host:port)."""
    if isinstance(g, Scene):
        assert md5 is not None
        return _render_scene(g, data_url, size, md5)
    assert isinstance(g, Burst)
    return _render_burst(g, data_url, size)


def _attribute_list(attrs: dict[str, str]) -> list[dict[str, Any]]:
    return [{"Name": name, "Values": [value]} for name, value in attrs.items()]


def _render_scene(scene: Scene, data_url: str, size: int, md5: str) -> dict[str, Any]:
    reference = reference_item("SLC")["umm"]
    revision = _revision_date(scene).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    platform = f"SENTINEL-1{scene.platform.letter}"
    related = [
        {
            "Format": "Not provided",
            "Description": "This link provides direct download access to the granule.",
            "Type": "GET DATA",
            "URL": f"{data_url}/SLC/S{scene.platform.letter}/{scene.file_name}",
        },
        {
            "Format": "Not provided",
            "Description": "This link provides direct download access to the granule.",
            "Type": "GET DATA",
            "URL": f"s3://{S3_BUCKET}/{scene.file_name}",
        },
        *[u for u in reference["RelatedUrls"] if u["Type"] == "VIEW RELATED INFORMATION"],
    ]
    umm = {
        "TemporalExtent": {
            "RangeDateTime": {"BeginningDateTime": iso(scene.start), "EndingDateTime": iso(scene.stop)}
        },
        "OrbitCalculatedSpatialDomains": [{"OrbitNumber": scene.acquisition.orbit}],
        "GranuleUR": scene.granule_ur,
        "AdditionalAttributes": _attribute_list(slc_attributes(scene, size=size, md5=md5)),
        "SpatialExtent": _points(scene.outline),
        "ProviderDates": [{"Date": revision, "Type": "Insert"}, {"Date": revision, "Type": "Update"}],
        "CollectionReference": {"ShortName": scene.short_name, "Version": "1"},
        "PGEVersionClass": {"PGEName": "Sentinel-1 IPF", "PGEVersion": scene.pge_version},
        "RelatedUrls": related,
        "DataGranule": {
            "DayNightFlag": "Unspecified",
            "Identifiers": [{"Identifier": scene.name, "IdentifierType": "ProducerGranuleId"}],
            "ProductionDateTime": iso(scene.production or scene.start),
            "ArchiveAndDistributionInformation": [
                {"Name": "Not provided", "Size": size / 2**20, "SizeUnit": "MB", "Format": "Not provided"}
            ],
        },
        "Platforms": [{"ShortName": platform, "Instruments": [{"ShortName": "C-SAR"}]}],
    }
    return {"meta": _meta(scene, "application/echo10+xml"), "umm": umm}


def _render_burst(burst: Burst, data_url: str, size: int) -> dict[str, Any]:
    reference = reference_item("BURST")["umm"]
    assert burst.parent is not None
    revision = _revision_date(burst).strftime("%Y-%m-%dT%H:%M:%SZ")
    base = f"{data_url}{burst.url_path}"
    related = [
        {**reference["RelatedUrls"][0], "URL": f"{base}.tiff"},
        {**reference["RelatedUrls"][1], "URL": f"{base}.xml"},
        reference["RelatedUrls"][2],
    ]
    umm = {
        "TemporalExtent": {
            "RangeDateTime": {"BeginningDateTime": iso(burst.start), "EndingDateTime": iso(burst.stop)}
        },
        "OrbitCalculatedSpatialDomains": [{"OrbitNumber": burst.acquisition.orbit}],
        "GranuleUR": burst.granule_ur,
        "AdditionalAttributes": _attribute_list(burst_attributes(burst, size=size)),
        "SpatialExtent": _points(burst.outline),
        "ProviderDates": [{"Type": "Insert", "Date": revision}, {"Type": "Update", "Date": revision}],
        "CollectionReference": {"ShortName": burst.short_name, "Version": "1"},
        "PGEVersionClass": {"PGEName": "Sentinel-1 IPF", "PGEVersion": burst.parent.pge_version},
        "RelatedUrls": related,
        "InputGranules": [burst.parent.granule_ur],
        "Platforms": [{**reference["Platforms"][0], "ShortName": f"SENTINEL-1{burst.platform.letter}"}],
        "MetadataSpecification": reference["MetadataSpecification"],
    }
    return {"meta": _meta(burst, "application/vnd.nasa.cmr.umm+json"), "umm": umm}
