"""The GUNW catalogue search as a pinned input of the plan (docs/aria.md), like the scene search:
reused from state while the search settings are unchanged, searched again on `--refresh-search`
or a change; a search that finds nothing while products are pinned stops the plan."""

from __future__ import annotations

from typing import Any

from insarproj.engine.context import InputResolver, OfflineError, PlanContext
from insarproj.engine.model import InputChange
from insarproj.errors import ProviderError

PIN_NAME = "aria_search"


def aria_request(project: Any) -> Any:
    from insarproj.aria.search import AriaSearchRequest

    search = project.config.search
    aria = project.config.processor.aria
    w, s, e, n = project.aoi.bounds
    return AriaSearchRequest(
        bbox=(w, s, e, n),
        start=search.start,
        end=search.end,
        flight_direction=search.flight_direction,
        tracks=tuple(sorted(set(search.relative_orbits or ()))),
        frames=tuple(sorted(set((aria.frames if aria else None) or ()))),
    )


def aria_fingerprint(project: Any) -> str:
    from dataclasses import asdict

    from insarproj.fingerprint import fingerprint

    request = asdict(aria_request(project))
    aria = project.config.processor.aria
    # With on_demand the pin also holds the SLC search of the stacks' tracks (aria/acquisitions.py).
    extra = {"on_demand": "true"} if aria is not None and aria.on_demand else {}
    return fingerprint({"aoi": project.aoi_wkt, **{k: str(v) for k, v in request.items()}, **extra})


class AriaCatalog:
    """Read side of the GUNW catalogue: the CMR search and the storage status (both change nothing)."""

    def __init__(self, cmr_url: str, session: Any) -> None:
        self.cmr_url = cmr_url
        self.session = session

    def search(self, project: Any) -> Any:
        from insarproj.aria.choose import build_pin
        from insarproj.aria.search import search_gunw
        from insarproj.endpoints import redact_url

        found, notes = search_gunw(aria_request(project), cmr_url=self.cmr_url, session=self.session)
        pin = build_pin(found, project.aoi_wkt, cmr_host=redact_url(self.cmr_url), notes=notes)
        aria = project.config.processor.aria
        if aria is None or not aria.on_demand:
            return pin
        from dataclasses import replace

        from insarproj.aria.acquisitions import search_acquisitions

        slcs = search_acquisitions(pin, project, cmr_url=self.cmr_url, session=self.session)
        return replace(pin, acquisitions=slcs)

    def status(self, status_url: str) -> Any:
        from insarproj.aria.storage import read_status

        return read_status(self.session, status_url)


def aria_pinned(ctx: Any) -> Any:
    return ctx.inputs.get(PIN_NAME)


def load_aria_pin(state_inputs: dict[str, Any]) -> Any:
    from insarproj.aria.model import AriaPin

    raw = state_inputs.get(PIN_NAME)
    return AriaPin.from_dict(raw["pin"]) if raw else None


class AriaSearchInput(InputResolver):
    name = PIN_NAME

    def resolve(self, ctx: PlanContext) -> tuple[Any, InputChange | None]:
        fingerprint = aria_fingerprint(ctx.project)
        pinned_fingerprint = (ctx.state.inputs.get(PIN_NAME) or {}).get("fingerprint")
        old = load_aria_pin(ctx.state.inputs)
        if old is not None and pinned_fingerprint == fingerprint and not ctx.options.refresh_search:
            return old, None
        if ctx.options.offline:
            why = "no GUNW search is pinned yet" if old is None else "[search] changed since the pin"
            raise OfflineError(
                f"--offline: {why}, so the plan needs a search", hint="run the plan without --offline"
            )
        ctx.notify(f"Searching {ctx.endpoints.url('cmr')} for ARIA GUNW products…")
        new = ctx.read.get("aria").search(ctx.project)
        if old is not None and old.products and not new.products and new.found == 0:
            raise ProviderError(
                f"the GUNW search returned no products although {len(old.products)} are pinned",
                service="cmr",
                hint="this looks like a service problem; the pin is kept: try again later, or check [search]",
            )
        joined = sorted(set(new.products) - set(old.products if old else ()))
        left = sorted(set(old.products if old else ()) - set(new.products))
        same = old is not None and (old.products, old.stacks, old.acquisitions) == (
            new.products,
            new.stacks,
            new.acquisitions,
        )
        if same and pinned_fingerprint == fingerprint:
            return old, None
        ctx.observations["aria.search.changed"] = True
        summary = (
            f"{len(new.products)} GUNW products in {len(new.stacks)} stacks (+{len(joined)} -{len(left)})"
        )
        if new.acquisitions:  # on demand: the SLC search of the stacks' tracks
            days = {d for frames in new.acquisitions.values() for by_day in frames.values() for d in by_day}
            summary += f"; SLCs of {len(days)} dates over their frames"
        value = {"fingerprint": fingerprint, "summary": summary, "pin": new.to_dict()}
        return new, InputChange(name=PIN_NAME, fingerprint=fingerprint, summary=summary, value=value)
