"""The scene search as a pinned input of the plan (docs/cli.md).

While the search part of project.toml (its fingerprint) is unchanged, plan and apply reuse the
pin in state and make no search at all. `--refresh-search` (or a changed search config) searches
again — a read-only CMR POST — and the plan shows which scenes join and which leave; apply pins
the new result before any other action. A failed, partial or suspiciously empty search stops the
plan: it never shrinks the project.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from insarproj.engine.context import InputResolver, OfflineError, PlanContext
from insarproj.engine.model import InputChange
from insarproj.errors import ConfigError, ProviderError

if TYPE_CHECKING:
    from insarproj.scenes.model import SearchRequest

PIN_NAME = "search"


def search_request(project: Any) -> SearchRequest:
    """The search of a loaded project: its [search] table (checked when it loaded) and its AOI."""
    from insarproj.scenes.model import SearchRequest

    return SearchRequest.from_config(project.aoi_wkt, project.config.search)


def max_bursts(project: Any) -> int:
    """Bursts one job takes: a burst group is split accordingly (docs/addresses.md)."""
    from insarproj.scenes.bursts import MULTI_BURST_LIMIT

    processor = project.config.processor
    if (
        processor.kind == "hyp3"
        and processor.hyp3 is not None
        and processor.hyp3.job_type == "INSAR_ISCE_BURST"
    ):
        return 1
    return MULTI_BURST_LIMIT


def single_scene_processor(project: Any) -> str | None:
    """The processor of the project when it takes one SLC per date (INSAR_GAMMA), else None.

    Such a processor uses each date's scene covering the most of the AOI and nothing else, so
    that scene alone decides whether the date covers min_coverage (docs/addresses.md).
    """
    processor = project.config.processor
    if processor.kind == "hyp3" and processor.hyp3 is not None and processor.hyp3.job_type == "INSAR_GAMMA":
        return str(processor.hyp3.job_type)
    return None


def search_fingerprint(project: Any) -> str:
    """What the pin depends on: the request, the burst group size and the coverage rule.

    The rule is part of it only for a single-scene processor, so pins of other projects keep their
    fingerprint; a pin made before the rule existed is searched again and its dates re-judged.
    """
    from insarproj.fingerprint import fingerprint

    parts: dict[str, Any] = {
        "request": search_request(project).fingerprint(),
        "max_bursts": max_bursts(project),
    }
    single = single_scene_processor(project)
    if single is not None:
        parts["coverage_judged_on"] = f"one scene per date ({single})"
    return fingerprint(parts)


class SceneSearcher:
    """Read side of ASF search: one method, a CMR search (a POST that changes nothing)."""

    def __init__(self, cmr_url: str, session: Any, *, max_bursts: int) -> None:
        self._cmr_url = cmr_url
        self._session = session
        self._max_bursts = max_bursts

    def search(self, request: Any, *, single_scene_processor: str | None = None) -> Any:
        from insarproj.scenes.search import search_scenes

        return search_scenes(
            request,
            cmr_url=self._cmr_url,
            session=self._session,
            max_bursts=self._max_bursts,
            single_scene_processor=single_scene_processor,
        )


def scene_searcher(project: Any, endpoints: Any, bursts: int) -> Any:
    """The CDSE searcher for `[search] source = "cdse"`, else None (ASF's is the default)."""
    if project.config.search.source != "cdse":
        return None
    from insarproj.cdse.search import CdseSearcher
    from insarproj.cdse.session import catalogue_session
    from insarproj.kinds.services import USER_AGENT

    return CdseSearcher(endpoints.url("cdse"), catalogue_session(user_agent=USER_AGENT), max_bursts=bursts)


def cdse_session(endpoints: Any) -> Any:
    """The session of CDSE downloads (token only to the configured download host)."""
    from insarproj.cdse.session import make_cdse_session
    from insarproj.kinds.services import USER_AGENT

    return make_cdse_session(endpoints, user_agent=USER_AGENT)


def pinned(ctx: PlanContext) -> Any:
    """The scene pin the plan works with (fresh or from state); None before the first search."""
    return ctx.inputs.get(PIN_NAME)


def load_pin(state_inputs: dict[str, Any]) -> Any:
    """The ScenePin recorded in state, or None."""
    from insarproj.scenes.model import ScenePin

    raw = state_inputs.get(PIN_NAME)
    return ScenePin.from_dict(raw["pin"]) if raw else None


def _pin_outdated(old: Any, single: str | None) -> str:
    """Why a pin no longer fits: its coverage rule, or else the [search] settings."""
    from insarproj.scenes.model import coverage_rule

    if old.single_scene_processor != single and old.product == "SLC":
        return f"the AOI coverage of a date is now {coverage_rule(single)}"
    return "[search] changed"


class SearchInput(InputResolver):
    name = PIN_NAME

    def resolve(self, ctx: PlanContext) -> tuple[Any, InputChange | None]:
        fingerprint = search_fingerprint(ctx.project)
        raw = ctx.state.inputs.get(PIN_NAME)
        pinned_fingerprint = raw["fingerprint"] if raw else None
        old = load_pin(ctx.state.inputs)
        if old is not None and pinned_fingerprint == fingerprint and not ctx.options.refresh_search:
            return old, None
        single = single_scene_processor(ctx.project)
        if ctx.options.offline:
            why = (
                "no scene search is pinned yet"
                if old is None
                else f"{_pin_outdated(old, single)} since the pin"
            )
            raise OfflineError(
                f"--offline: {why}, so the plan needs a search", hint="run the plan without --offline"
            )
        why = (
            "refresh asked"
            if ctx.options.refresh_search
            else "first search"
            if old is None
            else _pin_outdated(old, single)
        )
        from insarproj.scenes.pin import diff_pins
        from insarproj.scenes.search import load_search_libraries

        load_search_libraries()
        where = "cdse" if ctx.project.config.search.source == "cdse" else "cmr"
        ctx.notify(f"Searching {ctx.endpoints.url(where)} for Sentinel-1 scenes ({why})…")
        try:
            new = ctx.read.get("scenes").search(search_request(ctx.project), single_scene_processor=single)
        except ConfigError as exc:  # e.g. more scenes than max_results: point at the key in project.toml
            raise ctx.project.locate(exc) from None
        if old is not None and old.scenes and not new.scenes:
            emptied = _emptied(old, new, search_request(ctx.project))
            raise ctx.project.locate(emptied) if isinstance(emptied, ConfigError) else emptied
        diff = diff_pins(old, new)
        if old is not None and not diff.changed and pinned_fingerprint == fingerprint:
            return old, None
        ctx.observations["search.changed"] = True
        value = {"fingerprint": fingerprint, "summary": diff.summary, "pin": new.to_dict()}
        return new, InputChange(name=PIN_NAME, fingerprint=fingerprint, summary=diff.summary, value=value)


def _emptied(old: Any, new: Any, request: Any) -> ProviderError | ConfigError:
    """The error for a search that keeps no scene while scenes are pinned (the pin is kept): a
    service problem when CMR found nothing, the [search] filters when they removed everything."""
    from insarproj.scenes.stacks import explain_empty

    why = explain_empty(new.found, new.dropped_scenes, request)
    if new.found == 0:
        return ProviderError(
            f"the search returned no scenes although {len(old.scenes)} are pinned ({why})",
            service="cmr",
            hint="this looks like a service problem, not a change of the archive; the pin is kept — "
            "try again later, or check [search]",
        )
    return ConfigError(
        f"[search] now keeps no scene although {len(old.scenes)} are pinned: {why}",
        key="search",
        hint="check those [search] settings; the pin is kept until a search keeps scenes",
    )
