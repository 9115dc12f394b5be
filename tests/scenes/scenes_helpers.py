"""Helpers for the scene-search tests: UMM items made from copies of real CMR records, and a fake
CMR (for ``responses``) that honours the form filters asf_search sends, with paging.

Every item is a deep copy of a real UMM-G record (the Fairbanks SLC and the SLC_BURST burst in
``tests/data/scenes``) with only the fields that identify an acquisition changed, so asf_search
parses them exactly as it parses CMR's answers.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

DATA = Path(__file__).resolve().parents[1] / "data" / "scenes"
CMR_URL = "https://cmr.test"
GRANULES_URL = f"{CMR_URL}/search/granules.umm_json"

_ORBIT_OFFSET = {"A": 73, "B": 27, "C": 99, "D": 42}  # relative = ((absolute - offset) % 175) + 1


def load_items(name: str) -> list[dict[str, Any]]:
    return json.loads((DATA / name).read_text())["items"]


FAIRBANKS = load_items("cmr_granules_umm_json.SLC_Fairbanks_stack.DERIVED.json")
BURST = load_items("cmr_granules_umm_json.SLC_BURST.DERIVED.json")[0]


def box(west: float, south: float, east: float, north: float) -> list[tuple[float, float]]:
    """A counter-clockwise lon/lat ring (closed)."""
    return [(west, south), (east, south), (east, north), (west, north), (west, south)]


def box_wkt(west: float, south: float, east: float, north: float) -> str:
    ring = ", ".join(f"{x} {y}" for x, y in box(west, south, east, north))
    return f"POLYGON(({ring}))"


def _iso(moment: dt.datetime, fraction: bool = True) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if fraction else "%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _set_attr(umm: dict[str, Any], name: str, value: Any) -> None:
    for attribute in umm["AdditionalAttributes"]:
        if attribute["Name"] == name:
            attribute["Values"] = [str(value)]
            return
    umm["AdditionalAttributes"].append({"Name": name, "Values": [str(value)]})


def _get_attr(umm: dict[str, Any], name: str) -> str | None:
    for attribute in umm["AdditionalAttributes"]:
        if attribute["Name"] == name:
            return attribute["Values"][0]
    return None


def _drop_attr(umm: dict[str, Any], name: str) -> None:
    umm["AdditionalAttributes"] = [a for a in umm["AdditionalAttributes"] if a["Name"] != name]


def _shift_state_vectors(umm: dict[str, Any], delta: dt.timedelta, keep: bool) -> None:
    for name in ("SV_POSITION_PRE", "SV_POSITION_POST", "SV_VELOCITY_PRE", "SV_VELOCITY_POST"):
        value = _get_attr(umm, name)
        if value is None:
            continue
        if not keep:
            _drop_attr(umm, name)
            continue
        *xyz, when = value.split(",")
        moved = _parse(when) + delta
        _set_attr(umm, name, ",".join([*xyz, moved.strftime("%Y-%m-%dT%H:%M:%S.%f")]))
    node = _get_attr(umm, "ASC_NODE_TIME")
    if node is not None:
        _set_attr(umm, "ASC_NODE_TIME", _iso(_parse(node) + delta))


def _set_footprint(umm: dict[str, Any], ring: Sequence[tuple[float, float]]) -> None:
    umm["SpatialExtent"]["HorizontalSpatialDomain"]["Geometry"]["GPolygons"] = [
        {"Boundary": {"Points": [{"Longitude": x, "Latitude": y} for x, y in ring]}}
    ]
    xs = [x for x, _ in ring[:-1]]
    ys = [y for _, y in ring[:-1]]
    _set_attr(umm, "CENTER_LON", sum(xs) / len(xs))
    _set_attr(umm, "CENTER_LAT", sum(ys) / len(ys))


def make_slc(
    start: dt.datetime,
    *,
    platform: str = "A",
    path: int = 94,
    direction: str = "ASCENDING",
    frame: int = 210,
    footprint: Sequence[tuple[float, float]] | None = None,
    polarization: str = "VV+VH",
    beam_mode: str = "IW",
    uid: str = "AB12",
    processed: dt.datetime | None = None,
    state_vectors: bool = True,
    base: int = 0,
) -> dict[str, Any]:
    """A UMM item of one SLC, made from the real Fairbanks record ``FAIRBANKS[base]``."""
    item = copy.deepcopy(FAIRBANKS[base])
    umm = item["umm"]
    original = _parse(umm["TemporalExtent"]["RangeDateTime"]["BeginningDateTime"])
    duration = _parse(umm["TemporalExtent"]["RangeDateTime"]["EndingDateTime"]) - original
    stop = start + duration
    absolute = 10000 + ((path - 1 + _ORBIT_OFFSET[platform]) - 10000) % 175
    channels = {"VV+VH": "DV", "VV": "SV", "HH+HV": "DH", "HH": "SH"}[polarization]
    name = (
        f"S1{platform}_{beam_mode}_SLC__1S{channels}_{start:%Y%m%dT%H%M%S}_{stop:%Y%m%dT%H%M%S}_"
        f"{absolute:06d}_{absolute % 0xFFFFFF:06X}_{uid}"
    )
    umm["TemporalExtent"]["RangeDateTime"] = {"BeginningDateTime": _iso(start), "EndingDateTime": _iso(stop)}
    umm["GranuleUR"] = f"{name}-SLC"
    item["meta"]["native-id"] = f"{name}-SLC"
    item["meta"]["concept-id"] = f"G{int(_md5(name)[:8], 16)}-ASF"
    umm["DataGranule"]["Identifiers"][0]["Identifier"] = name
    umm["DataGranule"]["ProductionDateTime"] = _iso(
        start
    )  # as on original granules (docs/service-quirks.md, ASF processingDate)
    umm["OrbitCalculatedSpatialDomains"] = [{"OrbitNumber": absolute}]
    umm["CollectionReference"]["ShortName"] = f"SENTINEL-1{platform}_SLC"
    umm["Platforms"][0]["ShortName"] = f"SENTINEL-1{platform}"
    for related in umm["RelatedUrls"]:
        if related["Type"] == "GET DATA":
            related["URL"] = (
                f"https://datapool.asf.alaska.edu/SLC/S{platform}/{name}.zip"
                if related["URL"].startswith("https")
                else f"s3://bucket/{name}.zip"
            )
    _set_attr(umm, "ASF_PLATFORM", f"Sentinel-1{platform}")
    _set_attr(umm, "ACQUISITION_DATE", _iso(stop))
    _set_attr(umm, "ASCENDING_DESCENDING", direction)
    _set_attr(umm, "PATH_NUMBER", path)
    _set_attr(umm, "FRAME_NUMBER", frame)
    _set_attr(umm, "POLARIZATION", polarization)
    _set_attr(umm, "BEAM_MODE", beam_mode)
    _set_attr(umm, "BEAM_MODE_TYPE", beam_mode)
    _set_attr(umm, "MD5SUM", _md5(name))
    _set_attr(umm, "GROUP_ID", f"S1{platform}_IWDV_{frame:04d}_{absolute:06d}_{path:03d}")
    _set_attr(umm, "PROCESSING_DATE", _iso(processed or start + dt.timedelta(hours=9)))
    _shift_state_vectors(umm, start - original, state_vectors)
    if footprint is not None:
        _set_footprint(umm, footprint)
    return item


def make_burst(
    start: dt.datetime,
    *,
    burst: int,
    subswath: str = "IW1",
    path: int = 174,
    direction: str = "DESCENDING",
    platform: str = "A",
    polarization: str = "VV",
    footprint: Sequence[tuple[float, float]] | None = None,
    uid: str = "6BD3",
    processed: dt.datetime | None = None,
) -> dict[str, Any]:
    """A UMM item of one burst, made from the real SLC_BURST record."""
    item = copy.deepcopy(BURST)
    umm = item["umm"]
    original = _parse(umm["TemporalExtent"]["RangeDateTime"]["BeginningDateTime"])
    stop = start + (_parse(umm["TemporalExtent"]["RangeDateTime"]["EndingDateTime"]) - original)
    name = f"S1_{burst:06d}_{subswath}_{start:%Y%m%dT%H%M%S}_{polarization}_{uid}-BURST"
    umm["TemporalExtent"]["RangeDateTime"] = {"BeginningDateTime": _iso(start), "EndingDateTime": _iso(stop)}
    umm["GranuleUR"] = name
    item["meta"]["native-id"] = name
    umm["Platforms"][0]["ShortName"] = f"SENTINEL-1{platform}"
    parent = f"S1{platform}_IW_SLC__1SDV_{start:%Y%m%dT%H%M%S}_{stop:%Y%m%dT%H%M%S}_012275_0169E6_{uid}"
    umm["InputGranules"] = [f"{parent}-SLC"]
    index = int(_get_attr(umm, "BURST_INDEX") or 5)
    umm["RelatedUrls"][0]["URL"] = (
        f"https://sentinel1-burst.asf.alaska.edu/{parent}/{subswath}/{polarization}/{index}.tiff"
    )
    umm["RelatedUrls"][1]["URL"] = (
        f"https://sentinel1-burst.asf.alaska.edu/{parent}/{subswath}/{polarization}/{index}.xml"
    )
    _set_attr(umm, "BURST_ID_FULL", f"{path:03d}_{burst:06d}_{subswath}")
    _set_attr(umm, "BURST_ID_RELATIVE", burst)
    _set_attr(umm, "BURST_ID_ABSOLUTE", burst * 10 + int(subswath[-1]))
    _set_attr(umm, "SUBSWATH_NAME", subswath)
    _set_attr(umm, "PATH_NUMBER", path)
    _set_attr(umm, "ASCENDING_DESCENDING", direction)
    _set_attr(umm, "POLARIZATION", polarization)
    if processed is not None:
        umm.setdefault("DataGranule", {})["ProductionDateTime"] = _iso(processed)
    _shift_state_vectors(umm, start - original, True)
    if footprint is not None:
        _set_footprint(umm, footprint)
    return item


def item_name(item: dict[str, Any]) -> str:
    return item["umm"]["GranuleUR"].removesuffix("-SLC")


# --- fake CMR ------------------------------------------------------------------------------------


class FakeCmr:
    """``POST /search/granules.umm_json`` over a list of items, honouring asf_search's form filters.

    Filters: ``attribute[]`` (any attribute, ``type,NAME,value``), ``shortName``, ``platform[]``,
    ``temporal``, ``bounding_box`` / ``polygon`` / ``point``; paging with ``CMR-Search-After``
    (``page_size`` from the form, or ``self.page_size`` when set smaller, as CMR may do).
    ``ignore`` names form keys to ignore (a stand-in that does not honour a filter).
    """

    def __init__(
        self, items: Sequence[dict[str, Any]], *, page_size: int | None = None, ignore: Sequence[str] = ()
    ) -> None:
        self.items = list(items)
        self.page_size = page_size
        self.ignore = set(ignore)
        self.forms: list[list[tuple[str, str]]] = []

    def register(self, rsps: Any, url: str = GRANULES_URL) -> None:
        import responses

        rsps.add_callback(responses.POST, url, callback=self.callback)

    def callback(self, request: Any) -> tuple[int, dict[str, str], str]:
        body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
        form = parse_qsl(body, keep_blank_values=True)
        self.forms.append(form)
        matches = [i for i in self.items if self._matches(i, form)]
        matches.sort(key=lambda i: i["umm"]["GranuleUR"])
        matches.sort(
            key=lambda i: i["umm"]["TemporalExtent"]["RangeDateTime"]["EndingDateTime"], reverse=True
        )
        size = int(dict(form).get("page_size", 250))
        if self.page_size is not None:
            size = min(size, self.page_size)
        offset = int(request.headers.get("CMR-Search-After") or 0)
        page = matches[offset : offset + size]
        headers = {"Content-Type": "application/json", "CMR-Hits": str(len(matches))}
        if offset + size < len(matches):
            headers["CMR-Search-After"] = str(offset + size)
        return 200, headers, json.dumps({"hits": len(matches), "took": 3, "items": page})

    def _matches(self, item: dict[str, Any], form: list[tuple[str, str]]) -> bool:
        from shapely.geometry import Point, Polygon
        from shapely.geometry import box as shapely_box

        umm = item["umm"]
        ring = [
            (p["Longitude"], p["Latitude"])
            for p in umm["SpatialExtent"]["HorizontalSpatialDomain"]["Geometry"]["GPolygons"][0]["Boundary"][
                "Points"
            ]
        ]
        footprint = Polygon(ring)
        short_names = {v.upper() for k, v in form if k == "shortName"}
        platforms = {v.upper() for k, v in form if k == "platform[]"}
        checked = "shortName" not in self.ignore
        if short_names and checked and umm["CollectionReference"]["ShortName"].upper() not in short_names:
            return False
        checked = "platform[]" not in self.ignore
        if platforms and checked and umm["Platforms"][0]["ShortName"].upper() not in platforms:
            return False
        for key, value in form:
            if key in self.ignore:
                continue
            if key == "attribute[]":
                kind, name, wanted = value.split(",", 2)
                if name in self.ignore:
                    continue
                have = _get_attr(umm, name)
                if have is None:
                    return False
                if kind == "int" and int(float(have)) != int(wanted):
                    return False
                if kind != "int" and have.upper() != wanted.upper():
                    return False
            elif key == "temporal":
                begin, end = [*value.split(","), "", ""][:2]
                rng = umm["TemporalExtent"]["RangeDateTime"]
                if begin and _parse(rng["EndingDateTime"]) < _parse(begin):
                    return False
                if end and _parse(rng["BeginningDateTime"]) > _parse(end):
                    return False
            elif key == "bounding_box":
                w, s, e, n = (float(v) for v in value.split(","))
                if not footprint.intersects(shapely_box(w, s, e, n)):
                    return False
            elif key == "polygon":
                numbers = [float(v) for v in value.split(",")]
                if not footprint.intersects(Polygon(list(zip(numbers[::2], numbers[1::2], strict=True)))):
                    return False
            elif key == "point":
                x, y = (float(v) for v in value.split(","))
                if not footprint.intersects(Point(x, y)):
                    return False
        return True


def form_values(form: list[tuple[str, str]], key: str) -> list[str]:
    return [v for k, v in form if k == key]


# --- pinned scenes without HTTP ------------------------------------------------------------------


def pinned(item: dict[str, Any]) -> Any:
    """The PinnedScene asf_search + insarproj make of one UMM item (no network involved)."""
    import asf_search as asf
    from asf_search.search.search_generator import as_ASFProduct

    from insarproj.scenes.search import scene_from_product

    return scene_from_product(as_ASFProduct(item, session=asf.ASFSession()), cmr_url=CMR_URL)


def pinned_all(items: Sequence[dict[str, Any]]) -> list[Any]:
    return [pinned(i) for i in items]


# The AOI most tests use, and slices that cover its south half, its north half, or a strip.
AOI = (-147.5, 64.6, -146.5, 65.4)
AOI_WKT = box_wkt(*AOI)
SOUTH = box(-148.0, 64.5, -146.0, 65.0)
NORTH = box(-148.0, 64.9, -146.0, 65.5)
WHOLE = box(-148.0, 64.5, -146.0, 65.5)
OUTSIDE = box(-140.0, 60.0, -139.0, 61.0)


def at(day: str, clock: str = "03:20:31") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}")


def pass_items(
    day: str,
    *,
    clock: str = "03:20:31",
    slices: Sequence[Sequence[tuple[float, float]]] = (SOUTH, NORTH),
    frame: int = 210,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """The slices of one pass, 25 s apart (as along a real S1 pass), frames counting up."""
    start = at(day, clock)
    return [
        make_slc(
            start + dt.timedelta(seconds=25 * i),
            footprint=ring,
            frame=frame + i,
            uid=f"{i:X}{day[-2:]}A",
            **kwargs,
        )
        for i, ring in enumerate(slices)
    ]
