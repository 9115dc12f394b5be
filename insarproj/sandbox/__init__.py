"""The sandbox: one local server standing in for every service insarproj talks to (docs/sandbox.md).

Importing this package is cheap; the catalog and server are built when a `Sandbox` is created.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "DEMO_BBOX",
    "Catalog",
    "FaultPlan",
    "LoggedRequest",
    "Request",
    "Response",
    "Router",
    "Sandbox",
    "serve_forever",
]

if TYPE_CHECKING:
    from insarproj.sandbox.catalog import DEMO_BBOX, Catalog
    from insarproj.sandbox.faults import FaultPlan
    from insarproj.sandbox.requestlog import LoggedRequest
    from insarproj.sandbox.routing import Request, Response, Router
    from insarproj.sandbox.server import Sandbox, serve_forever

_HOMES = {
    "DEMO_BBOX": "catalog",
    "Catalog": "catalog",
    "FaultPlan": "faults",
    "LoggedRequest": "requestlog",
    "Request": "routing",
    "Response": "routing",
    "Router": "routing",
    "Sandbox": "server",
    "serve_forever": "server",
}


def __getattr__(name: str) -> Any:
    # lazy, so `insarproj sandbox --help` does not import shapely and friends
    if name in _HOMES:
        from importlib import import_module

        return getattr(import_module(f"insarproj.sandbox.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'insarproj.sandbox' has no attribute {name!r}")
