"""CMR granule search over the sandbox catalog: `POST|GET /search/granules.umm_json`.

Honours the form fields asf_search sends, with CMR's semantics:
`short_name`/`shortName`, `attribute[]=type,NAME,value` (or `type,NAME,min,max`; escaped commas),
`bounding_box`, `polygon`, `point`, `line`, `circle` (footprint intersection),
`temporal=start,end[,day1,day2]` (inclusive overlap; an empty side is open), `granule_ur[]`,
`readable_granule_name[]`, `platform[]`, `instrument[]`, `orbit_number`, `provider`,
`echo_collection_id[]`/`collection_concept_id`, `concept_id[]`, `updated_since`, `options[...]`
(`ignore_case`, `pattern`, `[temporal][and]`, `[attribute][or]`, `[spatial][or]`), `page_size`
(default 10, at most 2000), `page_num`, `sort_key[]`. Unknown fields are ignored and noted in the
request log.

Paging: at most `page_size` items per response; while more remain the response carries a
`CMR-Search-After` header, and a request repeating the query with that header gets the next page.
`CMR-Hits` gives the total. Errors are `{"errors": [...]}` with status 400, as CMR answers.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from insarproj.sandbox.catalog import Burst, Catalog, Granule, Scene
from insarproj.sandbox.routing import Origins, Request, Response, Router
from insarproj.sandbox.umm import COLLECTION_IDS, burst_attributes, iso, render, slc_attributes

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

log = logging.getLogger(__name__)

UMM_JSON = "application/vnd.nasa.cmr.umm_results+json;version=1.6.5; charset=utf-8"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 2000


class CMRError(Exception):
    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


def _snake(key: str) -> str:
    """`shortName[]` → `short_name`: CMR accepts both spellings of its parameters."""
    key = key.removesuffix("[]")
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()


def _parse_time(text: str, field_name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise CMRError(
            f"{field_name} datetime is invalid: [{text}] is not a valid ISO 8601 datetime."
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _floats(text: str, field_name: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",")]
    except ValueError as exc:
        raise CMRError(f"[{text}] is not a valid {field_name}: it must be comma-separated numbers.") from exc


def _range(text: str, field_name: str) -> tuple[float | None, float | None]:
    parts = text.split(",")
    try:
        if len(parts) == 1:
            return float(parts[0]), float(parts[0])
        if len(parts) == 2:
            return (float(parts[0]) if parts[0] else None, float(parts[1]) if parts[1] else None)
    except ValueError:
        pass
    raise CMRError(f"[{text}] is not a valid {field_name}: give a number or min,max.")


@dataclass(frozen=True)
class Temporal:
    start: datetime | None
    end: datetime | None
    days: tuple[int, int] | None  # day-of-year window (CMR reads only the first two numbers)

    @classmethod
    def parse(cls, text: str) -> Temporal:
        parts = [p.strip() for p in text.split(",")]
        if len(parts) < 2 and not parts[0]:
            raise CMRError(f"Temporal [{text}] must be start,end.")
        start = _parse_time(parts[0], "temporal start") if parts[0] else None
        end = _parse_time(parts[1], "temporal end") if len(parts) > 1 and parts[1] else None
        if start and end and start > end:
            raise CMRError(f"Temporal start [{parts[0]}] must be no later than end [{parts[1]}].")
        days = None
        extra = [p for p in parts[2:4] if p]
        if extra:
            try:
                days = (int(extra[0]), int(extra[1]) if len(extra) > 1 else 366)
            except ValueError as exc:
                raise CMRError(f"Temporal [{text}]: the periodic days must be integers.") from exc
        return cls(start, end, days)

    def matches(self, g: Granule) -> bool:
        if self.start and g.stop < self.start:
            return False
        if self.end and g.start > self.end:
            return False
        if self.days:
            day = g.start.timetuple().tm_yday
            lo, hi = self.days
            return lo <= day <= hi if lo <= hi else (day >= lo or day <= hi)
        return True


@dataclass(frozen=True)
class AttributeFilter:
    kind: str  # string | int | float | date | time | datetime
    name: str
    low: str | None
    high: str | None
    exact: bool

    @classmethod
    def parse(cls, text: str) -> AttributeFilter:
        parts = [p.replace("\\,", ",") for p in re.split(r"(?<!\\),", text)]
        if len(parts) < 3 or parts[0] not in ("string", "int", "float", "date", "time", "datetime"):
            raise CMRError(
                f"Invalid format for attribute[] parameter [{text}]: expected type,NAME,value "
                "or type,NAME,min,max with type one of string, int, float, date, time, datetime."
            )
        kind, name, *values = parts
        if len(values) == 1:
            flt = cls(kind, name, values[0], values[0], True)
        elif len(values) == 2:
            flt = cls(kind, name, values[0] or None, values[1] or None, False)
        else:
            raise CMRError(f"Invalid format for attribute[] parameter [{text}]: too many values.")
        for value in (flt.low, flt.high):
            if value is not None:
                flt._convert(value)
        return flt

    def _convert(self, value: str) -> Any:
        try:
            if self.kind == "int":
                return int(float(value))
            if self.kind == "float":
                return float(value)
            if self.kind in ("date", "datetime"):
                return _parse_time(value, f"attribute {self.name}")
        except (ValueError, CMRError) as exc:
            raise CMRError(f"Invalid {self.kind} value [{value}] for attribute {self.name}.") from exc
        return value

    def matches(self, value: str | None, *, pattern: bool) -> bool:
        if value is None:
            return False
        if self.kind in ("string", "time"):
            if self.exact:
                assert self.low is not None
                if pattern:
                    return fnmatch.fnmatchcase(value.upper(), self.low.upper())
                return value.upper() == self.low.upper()
            return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)
        try:
            actual = self._convert(value)
        except CMRError:
            return False
        low = self._convert(self.low) if self.low is not None else None
        high = self._convert(self.high) if self.high is not None else None
        return (low is None or actual >= low) and (high is None or actual <= high)


def _spatial(key: str, text: str) -> BaseGeometry:
    from shapely.geometry import LineString, Point, Polygon, box

    numbers = _floats(text, key)
    if key == "bounding_box":
        if len(numbers) != 4:
            raise CMRError(f"[{text}] is not a valid bounding_box: give W,S,E,N.")
        west, south, east, north = numbers
        if south > north:
            raise CMRError(f"[{text}] is not a valid bounding_box: south is north of north.")
        if west > east:  # crosses the antimeridian
            return box(west, south, 180, north).union(box(-180, south, east, north))
        return box(west, south, east, north)
    pairs = list(zip(numbers[::2], numbers[1::2], strict=True))
    if key == "point":
        if len(numbers) != 2:
            raise CMRError(f"[{text}] is not a valid point: give lon,lat.")
        return Point(pairs[0])
    if key == "line":
        if len(numbers) < 4 or len(numbers) % 2:
            raise CMRError(f"[{text}] is not a valid line: give at least two lon,lat points.")
        return LineString(pairs)
    if key == "circle":
        if len(numbers) != 3 or numbers[2] <= 0:
            raise CMRError(f"[{text}] is not a valid circle: give lon,lat,radius in metres.")
        return Point(numbers[:2]).buffer(numbers[2] / 111_320)
    if len(numbers) < 8 or len(numbers) % 2 or pairs[0] != pairs[-1]:
        raise CMRError(
            f"[{text}] is not a valid polygon: give a closed ring of at least four lon,lat points."
        )
    polygon = Polygon(pairs)
    if not polygon.is_valid:
        raise CMRError(f"[{text}] is not a valid polygon: its boundary crosses itself.")
    return polygon


def _matcher(values: list[str], *, ignore_case: bool, pattern: bool) -> Callable[[str], bool]:
    wanted = [v.upper() for v in values] if ignore_case else values

    def match(actual: str) -> bool:
        actual = actual.upper() if ignore_case else actual
        if pattern:
            return any(fnmatch.fnmatchcase(actual, w) for w in wanted)
        return actual in wanted

    return match


SORT_KEYS: dict[str, Callable[[Granule], str]] = {
    "start_date": lambda g: iso(g.start),
    "end_date": lambda g: iso(g.stop),
    "granule_ur": lambda g: g.granule_ur,
    "producer_granule_id": lambda g: g.name,
    "readable_granule_name": lambda g: g.name,
    "platform": lambda g: g.platform.code,
    "short_name": lambda g: g.short_name,
    "concept_id": lambda g: g.concept_id,
}

IGNORED_QUIETLY = {"provider", "pretty", "echo_compatible", "include_facets", "include_granule_counts"}


@dataclass
class GranuleQuery:
    checks: list[Callable[[Granule], bool]] = field(default_factory=list)
    geometries: list[BaseGeometry] = field(default_factory=list)
    spatial_or: bool = False
    page_size: int = DEFAULT_PAGE_SIZE
    page_num: int = 1
    sort_keys: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def parse(
        cls, pairs: Iterable[tuple[str, str]], attribute: Callable[[Granule, str], str | None]
    ) -> GranuleQuery:
        """The query a CMR form describes; `attribute` looks up a granule's AdditionalAttribute."""
        fields: dict[str, list[str]] = {}
        options: dict[str, str] = {}
        ignored: list[str] = []
        for raw_key, value in pairs:
            if raw_key.startswith("options["):
                options[raw_key.lower()] = value.strip().lower()
            else:
                fields.setdefault(_snake(raw_key), []).append(value)

        def option(name: str, which: str) -> bool:
            return options.get(f"options[{name}][{which}]") == "true"

        query = cls(ignored=ignored)
        checks = query.checks

        def text_field(name: str, get: Callable[[Granule], str]) -> None:
            if name in fields:
                match = _matcher(
                    fields.pop(name), ignore_case=option(name, "ignore_case"), pattern=option(name, "pattern")
                )
                checks.append(lambda g: match(get(g)))

        text_field("short_name", lambda g: g.short_name)
        text_field("granule_ur", lambda g: g.granule_ur)
        text_field("readable_granule_name", lambda g: g.name)
        text_field("producer_granule_id", lambda g: g.name)
        text_field("platform", lambda g: f"SENTINEL-1{g.platform.letter}")
        text_field("instrument", lambda g: "C-SAR")
        text_field("concept_id", lambda g: g.concept_id)
        for name in ("echo_collection_id", "collection_concept_id"):
            text_field(name, lambda g: COLLECTION_IDS[g.short_name])
        if "provider" in fields:
            providers = {p.upper() for p in fields.pop("provider")}
            if "ASF" not in providers:
                checks.append(lambda g: False)

        if "attribute" in fields:
            filters = [AttributeFilter.parse(text) for text in fields.pop("attribute")]
            pattern = option("attribute", "pattern")
            combine = any if option("attribute", "or") else all
            checks.append(
                lambda g: combine(f.matches(attribute(g, f.name), pattern=pattern) for f in filters)
            )

        if "temporal" in fields:
            windows = [Temporal.parse(text) for text in fields.pop("temporal")]
            combine = all if option("temporal", "and") else any
            checks.append(lambda g: combine(w.matches(g) for w in windows))

        if "orbit_number" in fields:
            ranges = [_range(text, "orbit_number") for text in fields.pop("orbit_number")]
            checks.append(
                lambda g: any(
                    (lo is None or g.acquisition.orbit >= lo) and (hi is None or g.acquisition.orbit <= hi)
                    for lo, hi in ranges
                )
            )

        if "updated_since" in fields:
            since = _parse_time(fields.pop("updated_since")[-1], "updated_since")
            checks.append(lambda g: _revision(g.scene) >= since)

        for key in ("bounding_box", "polygon", "point", "line", "circle"):
            query.geometries += [_spatial(key, text) for text in fields.pop(key, [])]
        query.spatial_or = option("spatial", "or")

        if "page_size" in fields:
            text = fields.pop("page_size")[-1]
            if not text.isdigit() or int(text) > MAX_PAGE_SIZE:
                raise CMRError(f"page_size must be a number between 0 and {MAX_PAGE_SIZE}")
            query.page_size = int(text)
        if "page_num" in fields:
            text = fields.pop("page_num")[-1]
            if not text.isdigit() or int(text) < 1:
                raise CMRError("page_num must be a number greater than or equal to 1")
            query.page_num = int(text)
        for key in fields.pop("sort_key", []):
            if key.lstrip("-+") not in SORT_KEYS:
                raise CMRError(f"The sort key [{key}] is not a valid field for sorting granules.")
            query.sort_keys.append(key)

        for name in fields:
            if name not in IGNORED_QUIETLY:
                ignored.append(name)
        return query

    def run(self, catalog: Catalog) -> list[Granule]:
        """Every matching granule, in the requested order (granule_ur breaks ties)."""
        if self.geometries and not self.spatial_or:
            candidates = catalog.intersecting(self.geometries[0])
            rest = self.geometries[1:]
            found = [g for g in candidates if all(g.footprint.intersects(geom) for geom in rest)]
        elif self.geometries:
            seen: dict[int, Granule] = {}
            for geom in self.geometries:
                seen.update((id(g), g) for g in catalog.intersecting(geom))
            found = list(seen.values())
        else:
            found = list(catalog.granules())
        found = [g for g in found if all(check(g) for check in self.checks)]
        keys = self.sort_keys or ["start_date"]
        found.sort(key=lambda g: g.granule_ur)
        for key in reversed(keys):
            found.sort(key=SORT_KEYS[key.lstrip("-+")], reverse=key.startswith("-"))
        return found

    def search_after_values(self, g: Granule) -> list[str]:
        """The sort values of `g`, ending with its granule UR (what `_offset_after` resumes from)."""
        keys = self.sort_keys or ["start_date"]
        values = [SORT_KEYS[k.lstrip("-+")](g) for k in keys]
        return values if keys[-1].lstrip("-+") == "granule_ur" else [*values, g.granule_ur]


def _revision(scene: Scene) -> datetime:
    return scene.processing_date or scene.start


def cmr_error(status: int, messages: list[str]) -> Response:
    return Response.json({"errors": messages}, status)


def register(
    router: Router,
    catalog: Catalog,
    origins: Origins,
    collections: Callable[[Request], Response | None] | None = None,
) -> None:
    """``collections`` answers searches of collections kept outside the catalog (ARIA GUNW), or None."""

    def attribute(g: Granule, name: str) -> str | None:
        value = g.attribute(name)
        if value is None:  # not a cheap one: render the item's attributes (needs the file's MD5)
            info = catalog.payloads.info(g)
            if isinstance(g, Scene):
                value = slc_attributes(g, size=info.size, md5=info.md5).get(name)
            elif isinstance(g, Burst):
                value = burst_attributes(g, size=info.size).get(name)
        return value

    def search(req: Request) -> Response:
        answer = collections(req) if collections is not None else None
        if answer is not None:
            return answer
        started = time.perf_counter()
        try:
            query = GranuleQuery.parse(req.form(), attribute)
            results = query.run(catalog)
            offset = (query.page_num - 1) * query.page_size
            after = req.header("cmr-search-after")
            if after:
                if query.page_num > 1:
                    raise CMRError("The CMR-Search-After header cannot be used with the page_num parameter.")
                offset = _offset_after(after, results)
        except CMRError as exc:
            return cmr_error(400, exc.messages)
        for name in query.ignored:
            req.note(f"ignored CMR field {name}")
            log.info("sandbox CMR ignored the unknown field %s", name)
        page = results[offset : offset + query.page_size]
        items = []
        for g in page:
            info = catalog.payloads.info(g)
            items.append(render(g, data_url=origins.data, size=info.size, md5=info.md5))
        took = round((time.perf_counter() - started) * 1000)
        response = Response.json({"hits": len(results), "took": took, "items": items}, content_type=UMM_JSON)
        response.header("CMR-Hits", str(len(results))).header("CMR-Took", str(took))
        response.header("CMR-Request-Id", str(uuid.uuid4()))
        if page and offset + len(page) < len(results):
            response.header("CMR-Search-After", json.dumps(query.search_after_values(page[-1])))
        return response

    router.add("POST", r"/search/granules\.umm_json", search)
    router.add("GET", r"/search/granules\.umm_json", search)


def _offset_after(header: str, results: list[Granule]) -> int:
    """The index after the granule a CMR-Search-After value (JSON list ending in its UR) names."""
    try:
        values = json.loads(header)
    except json.JSONDecodeError:
        values = None
    if not isinstance(values, list) or not values or not isinstance(values[-1], str):
        raise CMRError("search-after header value is invalid, must be in the form of a JSON array.")
    for index, g in enumerate(results):
        if g.granule_ur == values[-1]:
            return index + 1
    raise CMRError("search-after header value does not match this query; repeat the query without it.")
