"""The components of a `[processor] kind = "aria"` project: the GUNW search pin and the products
(docs/aria.md). No scene search: GUNW products are found in their own collection."""

from __future__ import annotations

from typing import Any

from insarproj.components import Components
from insarproj.endpoints import Endpoints
from insarproj.engine.model import Op, Plan


def aria_components(project: Any, endpoints: Endpoints) -> Components:
    from insarproj.kinds.aria import AriaProductKind
    from insarproj.kinds.aria_search import AriaCatalog, AriaSearchInput
    from insarproj.kinds.aria_show import aria_section
    from insarproj.kinds.services import earthdata_session

    def catalog() -> AriaCatalog:
        return AriaCatalog(endpoints.url("cmr"), earthdata_session(endpoints))

    result = Components(
        kinds=[AriaProductKind()],
        resolvers=[AriaSearchInput()],
        read_factories={"aria": catalog},
        write_factories={"earthdata": lambda: earthdata_session(endpoints)},
        preflight=[aria_preflight],
        show_sections=[aria_section],
    )
    return _with_on_demand_jobs(result, endpoints)


def _with_on_demand_jobs(result: Components, endpoints: Endpoints) -> Components:
    """The HyP3 job kind for on-demand ARIA_S1_GUNW jobs (before the products, which depend on
    them), with the HyP3 reader, writer and preflight every HyP3 project uses (docs/aria.md).
    Registered with on_demand = false too, so the records of earlier jobs are forgotten (the jobs
    stay on HyP3); it then wants nothing and asks HyP3 nothing."""
    from insarproj.kinds.aria_jobs import AriaJobKind
    from insarproj.kinds.builtin import _hyp3

    hyp3 = _hyp3(endpoints)
    return Components(
        kinds=[AriaJobKind(), *result.kinds],
        resolvers=result.resolvers,
        read_factories={**result.read_factories, **hyp3.read_factories},
        write_factories={**result.write_factories, **hyp3.write_factories},
        preflight=[*hyp3.preflight, *result.preflight],
        show_sections=result.show_sections,
    )


def aria_preflight(plan: Plan, ctx: Any) -> None:
    """Before the first download: credentials exist, the disk has room, and the account may
    download ARIA products (one ranged GET through the login chain; docs/aria.md, "Preflight")."""
    from insarproj.errors import AuthError
    from insarproj.transfer.credentials import find_earthdata_credentials, urs_host
    from insarproj.transfer.disk import check_free_space

    downloads = [a for a in plan.actions if a.kind == "aria_product" and a.op in (Op.CREATE, Op.REPLACE)]
    if not downloads:
        return
    ctx.project.data_dir.mkdir(parents=True, exist_ok=True)
    check_free_space(ctx.project.data_dir, sum(a.bytes or 0 for a in downloads))
    if find_earthdata_credentials(ctx.endpoints) is None:
        raise AuthError(
            f"{len(downloads)} GUNW products are to be downloaded but no Earthdata credentials were found",
            service="urs",
            hint="set EARTHDATA_TOKEN, or EARTHDATA_USERNAME and EARTHDATA_PASSWORD, or add "
            f"'machine {urs_host(ctx.endpoints)} login USER password PASS' to ~/.netrc",
        )
    from insarproj.aria.storage import probe_download

    # Only a product with no retrieval on record is probed: a lapsed retrieval is requested again
    # by its own action alone. A 202 here is recorded by the product's own probe right after.
    fresh = [a for a in downloads if ctx.state.get(a.address) is None and a.payload.get("source") != "hyp3"]
    if fresh:
        probe_download(ctx.write.get("earthdata"), fresh[0].payload["url"])
