"""The ARIA GUNW stand-in: the ARIA_S1_GUNW collection in the CMR search, downloads at
`/door/download/<name>.nc` behind the Earthdata login, and long-term storage.

Long-term storage, as ASF's page for these products describes it: an archived product's download
URL answers 202 and starts a retrieval; `/door/status/<name>.nc` answers
`{"status": "archived"|"retrieving"|"available", "expiration_date": …}`. The retrieval takes
`retrieval_delay` seconds, the file then stays available for `expiry` seconds (both settable with
`Sandbox.aria_settings`). Every request that starts a retrieval is counted (`retrievals`).
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

from insarproj.sandbox.aria_catalog import FRAMES, TRACK, GunwProduct, gunw_products, netcdf_bytes
from insarproj.sandbox.routing import Origins

SHORT_NAME = "ARIA_S1_GUNW"
COLLECTION = "C2859376221-ASF"  # the real ARIA_S1_GUNW concept id


class AriaArchive:
    def __init__(self, origins: Origins, *, retrieval_delay: float = 2.0, expiry: float = 3600.0) -> None:
        self.origins = origins
        self.products = {p.name: p for p in gunw_products()}
        self.retrieval_delay = retrieval_delay
        self.expiry = expiry
        self.requested: dict[str, float] = {}  # name → when its retrieval started
        self.retrievals: dict[str, int] = {}  # name → retrievals started
        # Products the search does not list (yet): published after a project's pinned search, still
        # downloadable, and found by HyP3's search-archive step of an ARIA_S1_GUNW job.
        self.unlisted: set[str] = set()
        self._lock = threading.Lock()

    def settings(self, **values: Any) -> dict[str, Any]:
        for key in ("retrieval_delay", "expiry"):
            if key in values:
                setattr(self, key, float(values[key]))
        if "unlisted" in values:
            self.unlisted = set(values["unlisted"])
        return {
            "retrieval_delay": self.retrieval_delay,
            "expiry": self.expiry,
            "unlisted": sorted(self.unlisted),
        }

    def status(self, name: str) -> tuple[str, float | None]:
        """(status, expiration as epoch seconds or None) of a product now."""
        product = self.products[name]
        if not product.archived:
            return "available", None
        with self._lock:
            started = self.requested.get(name)
        now = time.time()
        if started is None or now >= started + self.retrieval_delay + self.expiry:
            return "archived", None
        if now < started + self.retrieval_delay:
            return "retrieving", None
        return "available", started + self.retrieval_delay + self.expiry

    def request_retrieval(self, name: str) -> None:
        with self._lock:
            self.requested[name] = time.time()
            self.retrievals[name] = self.retrievals.get(name, 0) + 1


def umm_item(product: GunwProduct, data_url: str) -> dict[str, Any]:
    """A UMM-G item in the shape of the real ARIA_S1_GUNW granules (asf_search's recorded fixture)."""
    w, s, e, n = FRAMES[product.frame]
    data = netcdf_bytes(product.name)
    ring = [(w, s), (e, s), (e, n), (w, n), (w, s)]
    version = ".".join(map(str, product.version))
    attributes = {
        "ASCENDING_DESCENDING": "ascending",
        "BEAM_MODE": "IW",
        "POLARIZATION": "VV",
        "VERSION": version,
        "FRAME_NUMBER": str(product.frame),
        "PATH_NUMBER": str(TRACK),
        "TEMPORAL_BASELINE_DAYS": str((product.reference - product.secondary).days),
        "PERPENDICULAR_BASELINE": f"{product.bperp:.4f}",
    }
    stamp = product.start.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    return {
        "meta": {
            "concept-type": "granule",
            "concept-id": f"G{int(hashlib.md5(product.name.encode()).hexdigest()[:8], 16)}-ASF",
            "native-id": product.name,
            "collection-concept-id": COLLECTION,
            "provider-id": "ASF",
        },
        "umm": {
            "GranuleUR": product.name,
            "TemporalExtent": {"RangeDateTime": {"BeginningDateTime": stamp, "EndingDateTime": stamp}},
            "AdditionalAttributes": [{"Name": k, "Values": [v]} for k, v in attributes.items()],
            "SpatialExtent": {
                "HorizontalSpatialDomain": {
                    "Geometry": {
                        "GPolygons": [
                            {"Boundary": {"Points": [{"Longitude": x, "Latitude": y} for x, y in ring]}}
                        ]
                    }
                }
            },
            "CollectionReference": {"ShortName": SHORT_NAME, "Version": "1"},
            "RelatedUrls": [{"Type": "GET DATA", "URL": f"{data_url}/door/download/{product.file_name}"}],
            "DataGranule": {
                "ArchiveAndDistributionInformation": [
                    {
                        "Name": product.file_name,
                        "SizeInBytes": len(data),
                        "Format": "netCDF-4",
                        "Checksum": {"Value": hashlib.md5(data).hexdigest(), "Algorithm": "MD5"},
                    }
                ]
            },
            "Platforms": [{"ShortName": "Sentinel-1A"}],
        },
    }
