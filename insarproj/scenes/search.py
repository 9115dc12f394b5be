"""Sentinel-1 scene search through asf_search, against any CMR endpoint (real or stand-in).

asf_search talks to NASA CMR directly (``POST {host}/search/granules.umm_json``) and always uses
https, so a plain ``http://127.0.0.1:PORT`` stand-in is reached through an adapter that rewrites the
scheme (``insarproj.httpcompat``). The search is split by us into one asf_search call per
(relative orbit, polarization, frame): asf_search would split such lists into sub-queries itself,
but it reports completeness only for the last one, and a short scene list must never pass for a
full one. Every failure becomes a ProviderError/NetworkError naming the CMR host.

asf_search is imported inside the functions (the CLI imports this package at start-up).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from insarproj.endpoints import redact_url
from insarproj.errors import ConfigError, NetworkError, ProviderError
from insarproj.scenes.bursts import MULTI_BURST_LIMIT
from insarproj.scenes.geometry import load_geometry, to_wkt
from insarproj.scenes.model import PinnedScene, ScenePin, SearchRequest, coverage_rule
from insarproj.scenes.stacks import build_stacks, explain_empty

if TYPE_CHECKING:
    import requests

SENTINEL1_PLATFORMS = ("SENTINEL-1A", "SENTINEL-1B", "SENTINEL-1C", "SENTINEL-1D")
_CMR_HINT = "check that the CMR endpoint (INSARPROJ_CMR_URL or [endpoints] cmr) is reachable and run again"


def load_search_libraries() -> None:
    """Import what a search needs (asf_search, numpy, shapely) before the search is announced.

    A Ctrl-C that lands inside numpy's C-level import is printed as a traceback and turned into an
    ImportError by the extension importing it; loading them first keeps the long, interruptible
    part of a search in network I/O (docs/safety.md, "Ctrl-C")."""
    import asf_search  # noqa: F401
    import shapely.geometry  # noqa: F401  # type: ignore[import-untyped]


def search_scenes(
    request: SearchRequest,
    *,
    cmr_url: str,
    session: requests.Session | None = None,
    now: Callable[[], datetime] | None = None,
    max_bursts: int = MULTI_BURST_LIMIT,
    single_scene_processor: str | None = None,
) -> ScenePin:
    """Search CMR for the request's scenes and build the pin (stacks, dropped items, baselines).

    ``single_scene_processor`` names a processor taking one scene per date (INSAR_GAMMA): each
    date's coverage is then judged on the scene it will process (see ``build_stacks``).

    Raises:
        NetworkError: CMR unreachable, timed out or failing with 5xx past asf_search's retries.
        ProviderError: CMR refused the search, answered something else than UMM-JSON, or the
            result is incomplete.
        ConfigError: the AOI or the CMR URL cannot be used.
    """
    products = find_products(request, cmr_url=cmr_url, session=session)
    scenes = [scene_from_product(p, cmr_url=cmr_url) for p in products]
    return build_pin(
        scenes,
        request,
        host=cmr_url,
        now=now,
        max_bursts=max_bursts,
        single_scene_processor=single_scene_processor,
    )


def build_pin(
    scenes: list[PinnedScene],
    request: SearchRequest,
    *,
    host: str,
    now: Callable[[], datetime] | None = None,
    max_bursts: int = MULTI_BURST_LIMIT,
    single_scene_processor: str | None = None,
    source: str | None = None,
    source_notes: tuple[str, ...] = (),
) -> ScenePin:
    """The pin of a search's scenes, whichever source found them (stacks, dropped items, notes)."""
    aoi = load_geometry(request.aoi_wkt)
    single = single_scene_processor if request.product == "SLC" else None
    build = build_stacks(scenes, request, aoi, max_bursts=max_bursts, single_scene_processor=single)
    notes = [*source_notes, *build.notes]
    if not build.scenes:  # say which filter removed what, not just "0 scenes"
        notes.insert(0, explain_empty(len(scenes), build.dropped, request))
    if single and request.min_coverage is not None:
        notes.insert(0, f"min_coverage is {coverage_rule(single)}")
    if request.product == "BURST" and any("+" in p for p in request.polarizations):
        notes.insert(
            0, f"bursts hold one channel: searched {', '.join(request.scene_polarizations())} bursts"
        )
    stamp = (now or (lambda: datetime.now(UTC)))().astimezone(UTC)
    return ScenePin(
        fingerprint=request.fingerprint(),
        searched_at=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        cmr_host=redact_url(host),
        source=source,
        product=request.product,
        found=len(scenes),
        single_scene_processor=single,
        scenes=build.scenes,
        stacks=build.stacks,
        dropped_stacks=build.dropped_stacks,
        dropped_scenes=build.dropped,
        notes=notes,
    )


def find_products(
    request: SearchRequest, *, cmr_url: str, session: requests.Session | None = None
) -> list[Any]:
    """The asf_search products CMR returns for the request (deduplicated).

    Raises:
        ConfigError: more products match than ``max_results``; the message says how many. A cut
            list is never returned: the plan would price and pin part of the project as all of it.
    """
    import asf_search as asf

    host = cmr_host_option(cmr_url)
    session = prepare_session(cmr_url, session)
    opts = asf.ASFSearchOptions(host=host, session=session)
    found: dict[str, Any] = {}
    cap = request.max_results
    queries = list(_queries(request))
    previous = asf.REPORT_ERRORS
    # asf_search would otherwise POST every failed query to an ASF error-report host.
    asf.REPORT_ERRORS = False
    try:
        for query in queries:
            # One more than the cap allows is enough to know the cap is exceeded, and bounds the fetch.
            limit = None if cap is None else cap - len(found) + 1
            results = _run_query(
                asf, opts, query if limit is None else {**query, "maxResults": limit}, cmr_url
            )
            for product in results:
                found.setdefault(
                    str(product.properties.get("fileID") or product.properties.get("sceneName")), product
                )
            # The queries split by orbit, polarization and frame, so no product matches two of them.
            if limit is not None and len(results) >= limit:
                raise _too_many_scenes(_count_products(asf, opts, queries, cmr_url), cap)
    finally:
        asf.REPORT_ERRORS = previous
    return list(found.values())


def _count_products(asf: Any, opts: Any, queries: list[dict[str, Any]], cmr_url: str) -> int:
    """How many products all queries match (CMR's hit counts: one small POST each, no items)."""
    total = 0
    for query in queries:
        with _cmr_errors(cmr_url):
            total += int(asf.search_count(opts=opts, **query))
    return total


def _too_many_scenes(count: int, cap: int | None) -> ConfigError:
    return ConfigError(
        f"the search finds {count} scenes, more than max_results = {cap}",
        key="search.max_results",
        hint=f"raise max_results to at least {count} if the project should hold them all, or narrow [search] "
        "(start/end, relative_orbits, frames, flight_direction)",
    )


def _queries(request: SearchRequest) -> Iterator[dict[str, Any]]:
    base: dict[str, Any] = {
        "intersectsWith": request.aoi_wkt,
        # Dates are inclusive: asf_search would turn a bare end date into T00:00:00Z
        # (docs/service-quirks.md, asf_search bare end date).
        "start": datetime.combine(request.start, time(0, 0, 0), tzinfo=UTC),
        "end": datetime.combine(request.end, time(23, 59, 59), tzinfo=UTC),
        "platform": list(SENTINEL1_PLATFORMS),
        "processingLevel": request.product,
        "beamMode": request.beam_mode,
    }
    if request.flight_direction:
        base["flightDirection"] = request.flight_direction
    orbits: list[int | None] = [*sorted(set(request.relative_orbits))] if request.relative_orbits else [None]
    frames: list[int | None] = [*sorted(set(request.frames))] if request.frames else [None]
    for orbit, polarization, frame in itertools.product(orbits, request.scene_polarizations(), frames):
        query = dict(base, polarization=polarization)
        if orbit is not None:
            query["relativeOrbit"] = orbit
        if frame is not None:
            query["asfFrame"] = frame
        yield query


def _run_query(asf: Any, opts: Any, query: dict[str, Any], cmr_url: str) -> Any:
    with _cmr_errors(cmr_url):
        results = asf.geo_search(opts=opts, **query)
    if not results.searchComplete:
        raise ProviderError(
            f"The CMR search at {redact_url(cmr_url)} returned an incomplete result ({len(results)} scenes "
            "before it stopped), so the scene list would be short",
            service="cmr",
            hint="run the search again later",
        )
    return results


@contextmanager
def _cmr_errors(cmr_url: str) -> Iterator[None]:
    """Turn what asf_search and requests raise during a CMR call into a ConfigError or ProviderError."""
    import requests
    from asf_search.exceptions import (
        ASFError,
        ASFSearch4xxError,
        ASFSearch5xxError,
        ASFSearchError,
        ASFWKTError,
    )

    where = redact_url(cmr_url)
    try:
        yield
    except ASFWKTError as exc:
        raise ConfigError(
            f"the AOI cannot be searched by asf_search: {exc}",
            key="aoi",
            hint="give a simple polygon, line or point in lon/lat degrees",
        ) from exc
    except ASFSearch4xxError as exc:
        raise ProviderError(
            f"The CMR search at {where} was refused: {exc}",
            service="cmr",
            hint="check the [search] settings and the CMR endpoint",
        ) from exc
    except ASFSearch5xxError as exc:
        raise NetworkError(
            f"The CMR search at {where} failed with a server error after retries: {exc}",
            service="cmr",
            hint=_CMR_HINT,
        ) from exc
    except ASFSearchError as exc:  # timeouts and other transport failures asf_search reports itself
        raise NetworkError(f"The CMR search at {where} failed: {exc}", service="cmr", hint=_CMR_HINT) from exc
    except ASFError as exc:
        raise ProviderError(
            f"The CMR search at {where} failed in asf_search: {exc}", service="cmr", hint=_CMR_HINT
        ) from exc
    except requests.exceptions.JSONDecodeError as exc:
        raise _not_json(where, exc) from exc
    except requests.RequestException as exc:
        raise NetworkError(
            f"The CMR search at {where} could not be reached: {exc}", service="cmr", hint=_CMR_HINT
        ) from exc
    except (KeyError, ValueError, TypeError) as exc:
        # asf_search reads response.json()['errors'] / ['items'] / ['hits'] without checking.
        raise ProviderError(
            f"The CMR search at {where} answered something that is not a CMR UMM-JSON "
            f"search response ({type(exc).__name__}: {exc})",
            service="cmr",
            hint="check that the CMR endpoint URL points at a CMR",
        ) from exc


def _not_json(where: str, exc: BaseException) -> NetworkError | ProviderError:
    """asf_search reads the JSON error body of an HTTP error; a proxy's HTML page breaks that."""
    status = _http_status(exc)
    if status is not None and status >= 500:
        return NetworkError(
            f"The CMR search at {where} failed with HTTP {status} (an error page, not a CMR answer)",
            service="cmr",
            hint=_CMR_HINT,
        )
    answer = f"HTTP {status} with" if status is not None else "answered"
    return ProviderError(
        f"The CMR search at {where} {answer} something that is not CMR UMM-JSON ({exc})",
        service="cmr",
        hint="check that the CMR endpoint URL points at a CMR",
    )


def _http_status(exc: BaseException) -> int | None:
    """The HTTP status of the error asf_search was handling when ``exc`` was raised, if any."""
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None)
        if response is not None and getattr(response, "status_code", None) is not None:
            return int(response.status_code)
        seen = seen.__cause__ or seen.__context__
    return None


def cmr_host_option(cmr_url: str) -> str:
    """What asf_search's ``host`` option needs: host[:port][/path] (it adds https:// itself)."""
    parts = urlsplit(cmr_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"the CMR URL {redact_url(cmr_url)!r} is not an http(s) URL",
            key="endpoints.cmr",
            hint="use e.g. https://cmr.earthdata.nasa.gov or http://127.0.0.1:PORT",
        )
    return parts.netloc + parts.path.rstrip("/")


def prepare_session(cmr_url: str, session: requests.Session | None) -> requests.Session:
    """The session to search with; a plain-http CMR gets the https->http rewriting adapter."""
    if session is None:
        import asf_search as asf

        session = asf.ASFSession()
    if urlsplit(cmr_url).scheme == "http":
        # Owned by the httpcompat module (shared with every asf_search call of the project).
        from insarproj.httpcompat import mount_http_rewrite

        mount_http_rewrite(session, cmr_url)
    return session


def scene_from_product(product: Any, *, cmr_url: str = "") -> PinnedScene:
    """The pinned record of one asf_search S1Product / S1BurstProduct."""
    props: dict[str, Any] = product.properties
    name = props.get("sceneName") or props.get("fileID")
    missing = [
        k
        for k in (
            "fileID",
            "url",
            "startTime",
            "stopTime",
            "flightDirection",
            "pathNumber",
            "polarization",
            "platform",
        )
        if props.get(k) in (None, "")
    ]
    if not name or missing or not getattr(product, "geometry", None):
        what = ", ".join(missing) or "a footprint"
        raise ProviderError(
            f"The CMR search at {redact_url(cmr_url) or 'CMR'} returned granule {name or '?'} without "
            f"{what}, so it cannot be pinned",
            service="cmr",
            hint="check that the CMR endpoint serves Sentinel-1 UMM-JSON granules",
        )
    try:
        return _pinned(product, props, str(name))
    except (ValueError, TypeError, KeyError) as exc:  # pydantic's ValidationError is a ValueError
        raise ProviderError(
            f"The CMR search at {redact_url(cmr_url) or 'CMR'} returned granule {name} with a value that "
            f"cannot be read ({exc})",
            service="cmr",
            hint="check that the CMR endpoint serves Sentinel-1 UMM-JSON granules",
        ) from exc


def _pinned(product: Any, props: dict[str, Any], name: str) -> PinnedScene:
    from shapely.geometry import shape  # type: ignore[import-untyped]  # shapely ships no type hints

    burst = props.get("burst") or {}
    baseline = getattr(product, "baseline", None) or {}
    return PinnedScene(
        name=name,
        file_id=str(props["fileID"]),
        url=str(props["url"]),
        bytes=int(props.get("bytes") or 0),
        md5=props.get("md5sum") or None,
        footprint_wkt=to_wkt(shape(product.geometry)),
        flight_direction=str(props["flightDirection"]).upper(),
        relative_orbit=int(props["pathNumber"]),
        frame=_int_or_none(props.get("frameNumber")),
        start_time=_utc_text(props["startTime"]),
        stop_time=_utc_text(props["stopTime"]),
        platform=str(props["platform"]),
        polarization=str(props["polarization"]),
        processing_date=_processing_date(product),
        pge_version=props.get("pgeVersion"),
        beam_mode=str(props.get("beamModeType") or _umm_attribute(product, "BEAM_MODE") or ""),
        center_lat=_float_or_none(props.get("centerLat")),
        center_lon=_float_or_none(props.get("centerLon")),
        burst_id_full=burst.get("fullBurstID"),
        burst_index=_int_or_none(burst.get("burstIndex")),
        subswath=burst.get("subswath"),
        absolute_burst_id=_int_or_none(burst.get("absoluteBurstID")),
        state_vectors=_state_vectors(baseline),
        asc_node_time=_utc_text(baseline["ascendingNodeTime"]) if baseline.get("ascendingNodeTime") else None,
    )


def _state_vectors(baseline: dict[str, Any]) -> dict[str, str] | None:
    """asf_search's stateVectors block as four compact 'x,y,z,time' strings (see baselines.py)."""
    vectors = baseline.get("stateVectors")
    if not isinstance(vectors, dict):
        return None
    positions = vectors.get("positions") or {}
    velocities = vectors.get("velocities") or {}
    pairs = {
        "position_pre": (positions.get("prePosition"), positions.get("prePositionTime")),
        "position_post": (positions.get("postPosition"), positions.get("postPositionTime")),
        "velocity_pre": (velocities.get("preVelocity"), velocities.get("preVelocityTime")),
        "velocity_post": (velocities.get("postVelocity"), velocities.get("postVelocityTime")),
    }
    out: dict[str, str] = {}
    for key, (vector, when) in pairs.items():
        if vector is None or when is None or len(vector) != 3:
            return None
        out[key] = ",".join([*(repr(float(v)) for v in vector), _utc_text(when)])
    return out


def _processing_date(product: Any) -> str | None:
    # UMM ProductionDateTime (asf_search's processingDate) equals the acquisition start on original
    # granules (docs/service-quirks.md, CMR ProductionDateTime); the PROCESSING_DATE attribute,
    # when present, is the real processing time.
    value = _umm_attribute(product, "PROCESSING_DATE") or product.properties.get("processingDate")
    return _utc_text(value) if value else None


def _umm_attribute(product: Any, name: str) -> str | None:
    for attribute in (getattr(product, "umm", None) or {}).get("AdditionalAttributes", []) or []:
        if attribute.get("Name") == name and attribute.get("Values"):
            return str(attribute["Values"][0])
    return None


def _utc_text(value: Any) -> str:
    """Any ISO timestamp as YYYY-MM-DDTHH:MM:SSZ (naive values are UTC, as in CMR)."""
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        return None


def _float_or_none(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None
