"""CDSE's OData catalogue: the product query and its paging (docs/cdse.md, "Search").

Product type, orbit direction, relative orbit and polarisation are attribute filters
(`productType` `IW_SLC__1S`, `polarisationChannels` `VV&VH`). `$skip` stops at 10 000 and the
service then omits `@odata.nextLink`, so every date window is first counted (`$count=True`) and
split in two while it holds more products than paging can reach; each window's products must
add up to its count, or the search stops: a short list never passes for a full one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests

from insarproj.endpoints import redact_url
from insarproj.errors import NetworkError, ProviderError
from insarproj.scenes.model import SearchRequest

PAGE_SIZE = 1000  # the service's largest $top
SKIP_LIMIT = 10_000  # the service's largest $skip (since 2024-11-12)
ATTEMPTS = 3
_HINT = "check that the CDSE catalogue (INSARPROJ_CDSE_URL or [endpoints] cdse) is reachable and run again"


@dataclass(frozen=True)
class Paging:
    page_size: int = PAGE_SIZE
    skip_limit: int = SKIP_LIMIT
    pause: float = 1.0  # s before retrying a failed page (doubles each time)


def _attribute(kind: str, name: str, value: str | int) -> str:
    literal = f"'{value}'" if kind == "String" else str(value)
    return (
        f"Attributes/OData.CSC.{kind}Attribute/any(att:att/Name eq '{name}' and "
        f"att/OData.CSC.{kind}Attribute/Value eq {literal})"
    )


def _instant(day: date) -> str:
    return f"{day.isoformat()}T00:00:00.000Z"


def product_filter(
    request: SearchRequest, first: date, after: date, orbit: int | None, polarization: str
) -> str:
    """The `$filter` of one query: acquisitions starting on ``first`` .. the day before ``after``."""
    clauses = [
        "Collection/Name eq 'SENTINEL-1'",
        _attribute("String", "productType", f"{request.beam_mode}_SLC__1S"),
        f"ContentDate/Start ge {_instant(first)}",
        f"ContentDate/Start lt {_instant(after)}",
        f"OData.CSC.Intersects(area=geography'SRID=4326;{request.aoi_wkt}')",
        _attribute("String", "polarisationChannels", polarization.replace("+", "&")),
    ]
    if request.flight_direction:
        clauses.append(_attribute("String", "orbitDirection", request.flight_direction))
    if orbit is not None:
        clauses.append(_attribute("Integer", "relativeOrbitNumber", orbit))
    return " and ".join(clauses)


def burst_filter(
    request: SearchRequest, first: date, after: date, orbit: int | None, polarization: str
) -> str:
    """The `$filter` of one Bursts query: the burst catalogue's fields are top-level, not attributes."""
    clauses = [
        f"ContentDate/Start ge {_instant(first)}",
        f"ContentDate/Start lt {_instant(after)}",
        f"OData.CSC.Intersects(area=geography'SRID=4326;{request.aoi_wkt}')",
        "ParentProductType eq 'IW_SLC__1S'",
        f"OperationalMode eq '{request.beam_mode}'",
        f"PolarisationChannels eq '{polarization}'",
    ]
    if request.flight_direction:
        clauses.append(f"OrbitDirection eq '{request.flight_direction}'")
    if orbit is not None:
        clauses.append(f"RelativeOrbitNumber eq {orbit}")
    return " and ".join(clauses)


def year_windows(start: date, end: date) -> Iterator[tuple[date, date]]:
    """[first, after) windows of at most a calendar year (the service's advice for long ranges)."""
    first = start
    while first <= end:
        after = min(date(first.year + 1, 1, 1), end + timedelta(days=1))
        yield first, after
        first = after


@dataclass(frozen=True)
class _Query:
    """Which collection a request searches: Products (SLC, attributes expanded) or Bursts (flat)."""

    request: SearchRequest
    collection: str
    filter: Callable[[SearchRequest, date, date, int | None, str], str]
    extra: dict[str, str]

    @classmethod
    def of(cls, request: SearchRequest) -> _Query:
        if request.product == "BURST":
            return cls(request, "Bursts", burst_filter, {})
        return cls(request, "Products", product_filter, {"$expand": "Attributes"})


class Catalogue:
    """Reads products from one catalogue URL with one session (no credentials: search is public)."""

    def __init__(self, url: str, session: requests.Session, paging: Paging | None = None) -> None:
        self.url = url.rstrip("/")
        self.session = session
        self.paging = paging or Paging()
        self.requests_made = 0

    def products(self, request: SearchRequest) -> list[dict[str, Any]]:
        """Every product (SLC) or burst (BURST) matching the request, once each (by Id)."""
        found: dict[str, dict[str, Any]] = {}
        orbits: list[int | None] = (
            [*sorted(set(request.relative_orbits))] if request.relative_orbits else [None]
        )
        query = _Query.of(request)
        for orbit in orbits:
            for polarization in request.scene_polarizations():
                for first, after in year_windows(request.start, request.end):
                    for item in self._window(query, first, after, orbit, polarization):
                        found.setdefault(str(item["Id"]), item)
        return list(found.values())

    def _window(
        self, query: _Query, first: date, after: date, orbit: int | None, polarization: str
    ) -> list[dict[str, Any]]:
        page, count, reachable = self.first_page(
            query.collection,
            query.filter(query.request, first, after, orbit, polarization),
            "ContentDate/Start asc",  # without it paging may repeat or skip products
            query.extra,
        )
        if count > reachable:
            if (after - first).days <= 1:
                raise ProviderError(
                    f"the CDSE catalogue at {redact_url(self.url)} holds {count} products for one day "
                    f"({first}), more than its paging reaches ({reachable})",
                    service="cdse",
                    hint="narrow the AOI or add relative_orbits / flight_direction",
                )
            middle = first + timedelta(days=(after - first).days // 2)
            return self._window(query, first, middle, orbit, polarization) + self._window(
                query, middle, after, orbit, polarization
            )
        return self.every_page(page, count, f"products from {first}", "run the search again later")

    def first_page(
        self, collection: str, odata_filter: str, order_by: str, extra: dict[str, str] | None = None
    ) -> tuple[dict[str, Any], int, int]:
        """The first page of a counted query of ``collection``, in ``order_by`` order (a stable
        order, or paging may repeat or skip items); how many items it counts; how many the
        catalogue's paging can reach (beyond that a caller must narrow the query)."""
        params = {
            "$filter": odata_filter,
            "$orderby": order_by,
            "$top": str(self.paging.page_size),
            "$count": "True",
            **(extra or {}),
        }
        page = self._get(f"{self.url}/odata/v1/{collection}", params)
        return page, _count(page, self.url), self.paging.skip_limit + self.paging.page_size

    def every_page(self, page: dict[str, Any], count: int, what: str, hint: str) -> list[Any]:
        """Every item of a counted query from its first ``page`` on, following `@odata.nextLink`
        (kept on the catalogue's host); an error unless they add up to ``count`` (a short or
        repeated page would silently change what is pinned)."""
        items = list(page.get("value") or [])
        while page.get("@odata.nextLink"):
            page = self._get(self._same_host(str(page["@odata.nextLink"])), None)
            items += list(page.get("value") or [])
        if len({str(i.get("Id")) for i in items}) != count:
            raise ProviderError(
                f"the CDSE catalogue at {redact_url(self.url)} counted {count} {what} "
                f"but paging returned {len(items)}",
                service="cdse",
                hint=hint,
            )
        return items

    def _same_host(self, link: str) -> str:
        if urlsplit(link).netloc != urlsplit(self.url).netloc:
            raise ProviderError(
                f"the CDSE catalogue at {redact_url(self.url)} sent a next-page link to another host "
                f"({redact_url(link)})",
                service="cdse",
                hint="check that INSARPROJ_CDSE_URL names the catalogue itself",
            )
        return link

    def _get(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        where = redact_url(self.url)
        for attempt in range(ATTEMPTS):
            self.requests_made += 1
            try:
                response = self.session.get(url, params=params, timeout=120)
            except requests.RequestException as exc:
                if attempt + 1 == ATTEMPTS:
                    raise NetworkError(
                        f"The CDSE catalogue at {where} could not be reached: {exc}",
                        service="cdse",
                        hint=_HINT,
                    ) from None
                time.sleep(self.paging.pause * 2**attempt)
                continue
            if (response.status_code == 429 or response.status_code >= 500) and attempt + 1 < ATTEMPTS:
                time.sleep(self.paging.pause * 2**attempt)
                continue
            return _json_of(response, where)
        raise AssertionError("unreachable")  # the loop returns or raises


def _json_of(response: requests.Response, where: str) -> dict[str, Any]:
    status = response.status_code
    if status == 429 or status >= 500:
        raise NetworkError(
            f"The CDSE catalogue at {where} failed with HTTP {status} after {ATTEMPTS} attempts",
            service="cdse",
            hint=_HINT,
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    if status >= 400:
        detail = body.get("detail") if isinstance(body, dict) else response.text[:200]
        raise ProviderError(
            f"The CDSE catalogue at {where} refused the search (HTTP {status}): {detail}",
            service="cdse",
            hint="check the [search] settings and the CDSE endpoint",
        )
    if not isinstance(body, dict) or not isinstance(body.get("value"), list):
        raise ProviderError(
            f"The CDSE catalogue at {where} answered something that is not an OData product list",
            service="cdse",
            hint="check that INSARPROJ_CDSE_URL points at the CDSE catalogue",
        )
    return body


def _count(page: dict[str, Any], url: str) -> int:
    count = page.get("@odata.count")
    if not isinstance(count, int) or isinstance(count, bool):
        raise ProviderError(
            f"The CDSE catalogue at {redact_url(url)} did not count the products ($count=True)",
            service="cdse",
            hint="check that INSARPROJ_CDSE_URL points at the CDSE catalogue",
        )
    return count


def utc_text(value: str) -> str:
    """A catalogue timestamp (…Z, 3 or 6 fractional digits) as YYYY-MM-DDTHH:MM:SSZ."""
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
