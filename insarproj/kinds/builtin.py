"""The built-in components: which kinds a project uses, and the providers behind them.

Kinds come in dependency order: scenes (search pin) → orbits → pairs → HyP3 jobs → products →
MintPy hand-offs; the DEM (from the pin alone) comes last.
"""

from __future__ import annotations

from typing import Any

from insarproj.components import Components
from insarproj.endpoints import Endpoints
from insarproj.engine.model import Action, Desired, Outcome, ResourceKind
from insarproj.errors import InsarprojError
from insarproj.state.records import Record


def components(project: Any, endpoints: Endpoints) -> Components:
    from insarproj.kinds.pairs import PairKind
    from insarproj.kinds.scenes import SceneKind, scene_preflight
    from insarproj.kinds.search import SceneSearcher, SearchInput, cdse_session, max_bursts, scene_searcher
    from insarproj.kinds.services import earthdata_session
    from insarproj.kinds.show import pairs_section, scenes_section

    kind = project.config.processor.kind
    if kind == "aria":
        from insarproj.kinds.aria_components import aria_components

        return aria_components(project, endpoints)
    bursts = max_bursts(project)
    result = Components(
        kinds=[SceneKind()],
        resolvers=[SearchInput()],
        read_factories={
            "scenes": lambda: (
                scene_searcher(project, endpoints, bursts)
                or SceneSearcher(endpoints.url("cmr"), earthdata_session(endpoints), max_bursts=bursts)
            ),
        },
        write_factories={
            "earthdata": lambda: earthdata_session(endpoints),
            "cdse": lambda: cdse_session(endpoints),
        },
        preflight=[scene_preflight],
        show_sections=[scenes_section],
    )
    if project.config.orbits_enabled:
        result.extend(_orbits(endpoints, project.config.orbits_source))
    result.kinds.append(NotYetManaged())
    if kind in ("hyp3", "isce"):
        result.kinds.append(PairKind())
        result.show_sections.append(pairs_section)
    if kind == "hyp3":
        result.extend(_hyp3(endpoints))
        # Registered even when [mintpy] is off, so the records of an earlier hand-off are forgotten.
        result.extend(_mintpy())
    if project.config.dem_enabled:
        from insarproj.kinds.dem import DemKind, dem_section

        result.kinds.append(DemKind())
        result.show_sections.append(dem_section)
    if kind == "isce":
        # After the DEM: a stack's generation depends on its scenes, orbits and DEM.
        result.extend(_isce())
        # After the steps: the MintPy hand-off points at the stack's merged outputs (docs/mintpy.md).
        result.extend(_mintpy())
    return result


def _isce() -> Components:
    from insarproj.kinds.isce import IsceStackKind
    from insarproj.kinds.isce_show import isce_section
    from insarproj.kinds.isce_steps import IsceStepKind
    from insarproj.kinds.isce_work import IsceWorkKind, isce_disk_preflight

    # The work folder's kind after the steps: its disk check, and keep/--prune.
    return Components(
        kinds=[IsceStackKind(), IsceStepKind(), IsceWorkKind()],
        preflight=[isce_disk_preflight],
        show_sections=[isce_section],
    )


def _mintpy() -> Components:
    from insarproj.kinds.mintpy import MintpyKind, mintpy_section
    from insarproj.kinds.mintpy_run import MintpyRunKind, mintpy_run_section

    return Components(
        kinds=[MintpyKind(), MintpyRunKind()], show_sections=[mintpy_section, mintpy_run_section]
    )


def _orbits(endpoints: Endpoints, source: str = "asf") -> Components:
    from insarproj.kinds.orbits import OrbitKind
    from insarproj.kinds.orbits_show import orbits_section

    def session() -> Any:
        # The orbit bucket is public: its session never carries credentials.
        from insarproj.kinds.services import USER_AGENT
        from insarproj.transfer.session import make_session

        return make_session(endpoints, None, user_agent=USER_AGENT)

    def bucket() -> Any:
        from insarproj.orbits.listing import OrbitBucket

        if source == "cdse":  # the CDSE catalogue, listed as the bucket is (docs/orbits.md)
            from insarproj.cdse.orbits import CdseOrbitCatalogue
            from insarproj.cdse.session import catalogue_session
            from insarproj.kinds.services import USER_AGENT

            return CdseOrbitCatalogue(endpoints.url("cdse"), catalogue_session(user_agent=USER_AGENT))
        return OrbitBucket(endpoints.url("orbits"), session())

    from insarproj.kinds.orbit_baselines import BaselineKind
    from insarproj.kinds.orbits_fetch import orbit_preflight

    return Components(
        kinds=[OrbitKind(), BaselineKind()],
        preflight=[orbit_preflight],
        read_factories={"orbits": bucket},
        write_factories={"orbits": session},
        show_sections=[orbits_section],
    )


def _hyp3(endpoints: Endpoints) -> Components:
    from insarproj.kinds.hyp3 import Hyp3JobKind, hyp3_preflight
    from insarproj.kinds.products import ProductKind
    from insarproj.kinds.services import hyp3_session

    def reader() -> Any:
        from insarproj.hyp3 import Hyp3Reader

        return Hyp3Reader(endpoints.url("hyp3"), session=hyp3_session(endpoints))

    def writer() -> Any:
        import os

        from insarproj.hyp3 import Hyp3Writer

        # HyP3 validates every job of a POST before answering; a slow link may need longer.
        read_timeout = float(os.environ.get("INSARPROJ_HYP3_SUBMIT_TIMEOUT", "300"))
        return Hyp3Writer(
            endpoints.url("hyp3"), session=hyp3_session(endpoints), submit_timeout=(10.0, read_timeout)
        )

    return Components(
        kinds=[Hyp3JobKind(), ProductKind()],
        read_factories={"hyp3": reader},
        write_factories={"hyp3": writer},
        preflight=[hyp3_preflight],
    )


class NotYetManaged(ResourceKind):
    """Says in every plan which configured parts insarproj does not manage yet, instead of
    silently ignoring them. Plans no action."""

    kind = "notice"

    def desired(self, ctx: Any) -> list[Desired]:
        return []

    def assess(self, desired: Desired, record: Record | None, ctx: Any) -> Action | None:
        return None

    def execute(self, action: Action, ctx: Any) -> Outcome:
        raise InsarprojError(f"{action.address}: nothing to execute")

    def notes(self, ctx: Any) -> list[str]:
        # SLURM execution of ISCE2 steps is managed now (kinds/isce_slurm.py): nothing is listed.
        missing: list[str] = []
        if not missing:
            return []
        return ["not managed by this version of insarproj yet: " + "; ".join(missing)]
