"""Is a stack processable by topsStack? Checked before anything is generated, each failure naming
the scene or date and why (docs/isce-network.md, "Inputs").

* every scene has its verified file, and an orbit file of its own satellite covering it with
  topsStack's 60 s margin on both ends (else topsStack downloads one itself, or fails to unpack);
* the DEM covers the bbox;
* every date's slices span the bbox's latitude range. stackSentinel keeps a date only when the
  union of its slices' KML footprints reaches from the bbox's south to its north edge, and drops
  the others silently, so insarproj checks the same rule on the same KML (`preview/map-overlay.kml`
  of each verified zip; the pinned footprint when the zip is not there yet);
* a date's slices leave no latitude gap between them (topsStack's "missing frames" warning), come
  from one IPF version (ISCE refuses to combine slices of different versions) and all carry the
  polarization processed (else ISCE finds no annotation for it in the zip).
"""

from __future__ import annotations

import itertools
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from insarproj.isce.inputs import InputError, SceneLike, verified_file
from insarproj.state.records import Record

ORBIT_MARGIN = timedelta(seconds=60)  # topsStack's margin around a scene (its SentinelWrapper)
Bbox = tuple[float, float, float, float]  # S N W E, topsStack's order
Span = tuple[float, float]  # south, north


@dataclass(frozen=True)
class Problem:
    subject: str  # the scene, date or resource address at fault
    reason: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.reason}"


def check_stack(
    stack: str,
    dates: Mapping[str, Sequence[SceneLike]],
    records: Mapping[str, Record],
    data_dir: Path,
    bbox: Bbox,
    polarization: str = "vv",
) -> list[Problem]:
    """Every reason the stack cannot be processed as planned (empty: processable).

    `dates` maps each date (YYYYMMDD) to its scenes, `bbox` is what stackSentinel gets as -b and
    `polarization` as -p."""
    problems: list[Problem] = []
    for scenes in dates.values():
        for scene in scenes:
            problems += scene_problems(scene, records, data_dir)
    problems += dem_problems(stack, records, bbox)
    for date, scenes in sorted(dates.items()):
        problems += date_problems(date, [slice_span(s, records, data_dir) for s in scenes], bbox)
        problems += metadata_problems(date, scenes, polarization)
    return problems


def metadata_problems(date: str, scenes: Sequence[SceneLike], polarization: str) -> list[Problem]:
    """What the pinned metadata tells of a date's slices: one IPF version, the polarization there."""
    problems = []
    versions = sorted({s.pge_version for s in scenes if s.pge_version})
    if len(versions) > 1:
        problems.append(
            Problem(
                date,
                f"its slices come from IPF versions {' and '.join(versions)}, which ISCE refuses to "
                "combine; exclude one of them ([search] exclude_scenes)",
            )
        )
    wanted = polarization.upper()
    for scene in scenes:
        if wanted not in scene.polarization.upper().split("+"):
            problems.append(Problem(scene.name, f"it has polarization {scene.polarization}, not {wanted}"))
    return problems


def covering_dates(
    dates: Mapping[str, Sequence[SceneLike]], records: Mapping[str, Record], data_dir: Path, bbox: Bbox
) -> list[str]:
    """The dates stackSentinel keeps: those whose slices span the bbox's latitude range."""
    kept = []
    for date, scenes in sorted(dates.items()):
        spans = [slice_span(s, records, data_dir) for s in scenes]
        if spans and min(s for s, _ in spans) <= bbox[0] and max(n for _, n in spans) >= bbox[1]:
            kept.append(date)
    return kept


def scene_problems(scene: SceneLike, records: Mapping[str, Record], data_dir: Path) -> list[Problem]:
    problems = []
    for address in (f"scene.{scene.name}", f"orbit.{scene.name}"):
        try:
            verified_file(records, address, data_dir)
        except InputError as exc:
            problems.append(Problem(scene.name, exc.message))
    if problems:
        return problems
    attrs = records[f"orbit.{scene.name}"]["attributes"]
    file = str(attrs.get("file", ""))
    if not file.startswith(scene.name[:3]):
        return [Problem(scene.name, f"its orbit file {file} is not of satellite {scene.name[:3]}")]
    begin, end = _utc(attrs.get("validity_start")), _utc(attrs.get("validity_stop"))
    start, stop = _utc(scene.start_time), _utc(scene.stop_time)
    if begin is None or end is None or start is None or stop is None:
        return [Problem(scene.name, f"the record of its orbit file {file} has no validity window")]
    if begin + ORBIT_MARGIN > start or end - ORBIT_MARGIN < stop:
        return [
            Problem(
                scene.name,
                f"its orbit file {file} does not cover {scene.start_time}..{scene.stop_time} with 60 s to "
                "spare; topsStack would download another",
            )
        ]
    return []


def dem_problems(stack: str, records: Mapping[str, Record], bbox: Bbox) -> list[Problem]:
    record = records.get(f"dem.{stack}")
    if record is None or record["status"] != "present":
        return [Problem(f"dem.{stack}", "the DEM is not made yet")]
    west, south, east, north = record["attributes"].get("bounds") or (0.0, 0.0, 0.0, 0.0)
    if south > bbox[0] or north < bbox[1] or west > bbox[2] or east < bbox[3]:
        return [
            Problem(
                f"dem.{stack}",
                f"the DEM covers W S E N {west} {south} {east} {north}, not the whole bbox "
                f"S N W E {' '.join(str(v) for v in bbox)}",
            )
        ]
    return []


def date_problems(date: str, spans: Sequence[Span], bbox: Bbox) -> list[Problem]:
    if not spans:
        return [Problem(date, "the date has no scene")]
    problems = []
    south, north = min(s for s, _ in spans), max(n for _, n in spans)
    if south > bbox[0] or north < bbox[1]:
        problems.append(
            Problem(
                date,
                f"its scenes span latitudes {south:.3f}..{north:.3f}, not the bbox's {bbox[0]}..{bbox[1]}; "
                "stackSentinel would drop the date silently",
            )
        )
    ordered = sorted(spans)
    for (_, top), (bottom, _) in itertools.pairwise(ordered):
        if bottom > top:
            problems.append(
                Problem(date, f"its slices leave a gap between latitudes {top:.3f} and {bottom:.3f}")
            )
    return problems


def slice_span(scene: SceneLike, records: Mapping[str, Record], data_dir: Path) -> Span:
    """The scene's latitude range as topsStack reads it: its zip's KML, else the pinned footprint."""
    try:
        path = verified_file(records, f"scene.{scene.name}", data_dir)
        return kml_span(path)
    except (InputError, KeyError, ValueError, StopIteration, zipfile.BadZipFile):
        return _wkt_span(scene.footprint_wkt)


def kml_span(zip_path: Path) -> Span:
    """South and north of `<SAFE>/preview/map-overlay.kml` in a scene zip (as stackSentinel reads it)."""
    with zipfile.ZipFile(zip_path) as archive:
        inner = next(n for n in archive.namelist() if n.endswith(".SAFE/preview/map-overlay.kml"))
        text = archive.read(inner).decode("utf-8")
    match = re.search(r"<coordinates>(.*?)</coordinates>", text, re.S)
    if match is None:
        raise ValueError(f"{zip_path}: its map-overlay.kml has no coordinates")
    lats = [float(point.split(",")[1]) for point in match.group(1).split()]
    return min(lats), max(lats)


def _wkt_span(wkt: str) -> Span:
    from shapely import wkt as shapely_wkt

    _, south, _, north = shapely_wkt.loads(wkt).bounds
    return south, north


def _utc(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    return datetime.fromisoformat(text.rstrip("Z").replace("Z", ""))
