"""Where `suggest` gets scenes from: a source is anything that turns a search request into pinned
scenes. ASF (CMR through asf_search, the project's own search path) is the one source today; a
second one (CDSE, insarproj/cdse/) plugs in by adding a class with the same ``scenes`` method and an entry
in ``source_for``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from insarproj.errors import ConfigError

if TYPE_CHECKING:
    from insarproj.endpoints import Endpoints
    from insarproj.scenes.model import PinnedScene, SearchRequest

SOURCES = ("asf", "cdse")


class SceneSource(Protocol):
    @property
    def name(self) -> str:
        """The source as `--source` and `[search] source` spell it."""
        ...

    def scenes(self, request: SearchRequest) -> list[PinnedScene]:
        """Every scene or burst the source holds for the request (no local filtering)."""
        ...


@dataclass(frozen=True)
class AsfSource:
    """ASF's archive through NASA CMR (or the sandbox's stand-in), as `plan` searches it."""

    cmr_url: str
    name: str = "asf"

    def scenes(self, request: SearchRequest) -> list[PinnedScene]:
        from insarproj.scenes.search import find_products, load_search_libraries, scene_from_product

        load_search_libraries()
        products = find_products(request, cmr_url=self.cmr_url)
        return [scene_from_product(p, cmr_url=self.cmr_url) for p in products]


@dataclass(frozen=True)
class CdseSource:
    """The Copernicus Data Space catalogue (docs/cdse.md): its products, or its bursts for BURST."""

    catalogue_url: str
    name: str = "cdse"

    def scenes(self, request: SearchRequest) -> list[PinnedScene]:
        from insarproj import __version__
        from insarproj.cdse.catalogue import Catalogue
        from insarproj.cdse.search import pinned
        from insarproj.cdse.session import catalogue_session

        session = catalogue_session(user_agent=f"insarproj/{__version__}")
        products = Catalogue(self.catalogue_url, session).products(request)
        return [pinned(p, request, self.catalogue_url) for p in products if p.get("Online") is not False]


def source_for(name: str, endpoints: Endpoints) -> SceneSource:
    """The source called ``name`` at the resolved endpoints."""
    if name == "asf":
        return AsfSource(endpoints.url("cmr"))
    if name == "cdse":
        return CdseSource(endpoints.url("cdse"))
    raise ConfigError(f"unknown scene source {name!r}", hint=f"use one of: {', '.join(SOURCES)}")
