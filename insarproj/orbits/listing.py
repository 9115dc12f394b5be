"""Listing the orbit bucket (`INSARPROJ_ORBITS_URL`, ASF's public `s1-orbits` S3 bucket): only
what the scenes need, and only what was not listed before (docs/orbits.md).

The bucket holds tens of thousands of keys named `AUX_POEORB/S1A_OPER_AUX_POEORB_OPOD_<created>_V…`.
S3 lists keys in order, so one mission's files of one type form one run of keys sorted by
creation time. A listing is therefore asked for with `prefix=<type>/<mission>_OPER_<type>_OPOD_`
and `marker=` the key of the oldest creation time that could serve the scenes (`created_lower_bound`),
paged with `marker` as S3's ListObjects (version 1, what the real bucket and sentineleof use) wants.

What was listed is kept in the volatile observations with its time. New files are created after
the ones listed before, so a later plan lists only the tail: from a little before the last key it
saw (`RELIST_OVERLAP` covers files the bucket received late), never trusting an old cache past
`CACHE_LIFETIME`. An empty or missing cache simply means listing in full.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from insarproj.errors import NetworkError, ProviderError
from insarproj.orbits.select import PREFIX_OF_TYPE, OrbitFile, OrbitType, parse_key

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
RELIST_OVERLAP = timedelta(days=3)  # creation time re-listed before the last key seen
CACHE_LIFETIME = timedelta(days=30)  # an older cached listing is dropped and listed anew
MAX_PAGES = 1000  # a bucket that never stops paging is a broken bucket, not a long listing
TIME_FORMAT = "%Y%m%dT%H%M%S"


def key_prefix(orbit_type: OrbitType, mission: str) -> str:
    kind = PREFIX_OF_TYPE[orbit_type]
    return f"{kind}/{mission}_OPER_{kind}_OPOD_"


def marker_for(orbit_type: OrbitType, mission: str, created: datetime) -> str:
    """The key just before every file of that mission and type created at ``created`` or later."""
    return key_prefix(orbit_type, mission) + created.strftime(TIME_FORMAT)


@dataclass
class Listing:
    """What is known of one prefix: its files from ``marker`` on, and when they were listed."""

    prefix: str
    marker: str
    listed_at: datetime
    files: list[OrbitFile] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "marker": self.marker,
            "listed_at": self.listed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "keys": [f.to_json() for f in self.files],
        }

    @classmethod
    def from_json(cls, prefix: str, data: Any) -> Listing | None:
        """A cached listing, or None when the cache is damaged (it is then listed anew)."""
        try:
            files = [
                parse_key(str(k), s if isinstance(s, int) else None, e, *[str(i) for i in rest[:1]])
                for k, s, e, *rest in data["keys"]
            ]
            listed_at = datetime.strptime(data["listed_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            return cls(prefix, str(data["marker"]), listed_at, [f for f in files if f is not None])
        except (KeyError, TypeError, ValueError):
            return None


class OrbitBucket:
    """The read side of the orbit bucket: ListObjects pages (no credentials are ever sent)."""

    def __init__(self, url: str, session: Any, *, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.session = session
        self.timeout = timeout
        self.requests = 0  # listing requests made (benchmarks and tests read it)

    def list_from(self, prefix: str, marker: str) -> list[OrbitFile]:
        """Every orbit file under ``prefix`` whose key sorts after ``marker``."""
        files: list[OrbitFile] = []
        for _ in range(MAX_PAGES):
            root = self._page(prefix, marker)
            keys = root.findall(f"{S3_NS}Contents")
            for contents in keys:
                parsed = _contents(contents)
                if parsed is not None:
                    files.append(parsed)
            if (root.findtext(f"{S3_NS}IsTruncated") or "").strip().lower() != "true" or not keys:
                return files
            marker = root.findtext(f"{S3_NS}NextMarker") or keys[-1].findtext(f"{S3_NS}Key") or ""
        raise ProviderError(
            f"the orbit bucket {self.url} kept paging past {MAX_PAGES} pages for {prefix}",
            service="orbits",
            hint="check INSARPROJ_ORBITS_URL points at an S3 bucket of orbit files",
        )

    def _page(self, prefix: str, marker: str) -> ET.Element:
        import requests

        self.requests += 1
        params = {"prefix": prefix, "marker": marker}
        try:
            response = self.session.get(self.url + "/", params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise NetworkError(
                f"listing the orbit bucket {self.url} failed ({type(exc).__name__})", service="orbits"
            ) from exc
        if response.status_code != 200:
            raise ProviderError(
                f"listing the orbit bucket {self.url} answered HTTP {response.status_code}",
                service="orbits",
                hint="try again later; INSARPROJ_ORBITS_URL sets the bucket",
            )
        try:
            root = ET.fromstring(response.content)
        except ET.ParseError as exc:
            raise ProviderError(
                f"the orbit bucket {self.url} answered a listing that is not S3 XML ({exc})", service="orbits"
            ) from exc
        if root.tag != f"{S3_NS}ListBucketResult":
            raise ProviderError(
                f"the orbit bucket {self.url} answered {root.tag!r}, not an S3 ListBucketResult",
                service="orbits",
            )
        return root


def _contents(element: ET.Element) -> OrbitFile | None:
    key = element.findtext(f"{S3_NS}Key") or ""
    size_text = element.findtext(f"{S3_NS}Size")
    size = int(size_text) if size_text and size_text.isdigit() else None
    return parse_key(key, size, element.findtext(f"{S3_NS}ETag"))


def refresh(bucket: OrbitBucket, prefix: str, marker: str, cached: Listing | None, now: datetime) -> Listing:
    """The files under ``prefix`` after ``marker``: the cached listing's older part kept, the rest
    listed. The cache is used only when it reaches back to ``marker`` and is recent."""
    usable = (
        cached is not None
        and cached.marker <= marker
        and now - cached.listed_at <= CACHE_LIFETIME
        and cached.files
    )
    if not usable or cached is None:
        return Listing(prefix, marker, now, bucket.list_from(prefix, marker))
    newest = max(f.created for f in cached.files)
    resume = max(marker, prefix + (newest - RELIST_OVERLAP).strftime(TIME_FORMAT))
    kept = {f.key: f for f in cached.files if f.key <= resume}
    for file in bucket.list_from(prefix, resume):
        kept[file.key] = file
    return Listing(prefix, cached.marker, now, sorted(kept.values(), key=lambda f: f.key))
