"""Which resource kinds, pinned inputs and providers a project uses.

Built-in kinds are chosen from the project's processor; plugins add more through the
`insarproj.components` entry-point group or the `INSARPROJ_PLUGINS` environment variable
(`module:function`, comma-separated), each a function `(project, endpoints) -> Components`.
The same mechanism lets tests run the real CLI with small kinds of their own.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from insarproj.errors import UsageError

if TYPE_CHECKING:
    from insarproj.config.load import Project
    from insarproj.endpoints import Endpoints
    from insarproj.engine.context import ApplyContext, InputResolver
    from insarproj.engine.model import Plan, ResourceKind


@dataclass
class Components:
    kinds: list[ResourceKind] = field(default_factory=list)
    resolvers: list[InputResolver] = field(default_factory=list)
    read_factories: dict[str, Callable[[], Any]] = field(default_factory=dict)
    write_factories: dict[str, Callable[[], Any]] = field(default_factory=dict)
    # Checks run by apply before its first side effect (credentials, credits, disk space).
    preflight: list[Callable[[Plan, ApplyContext], None]] = field(default_factory=list)
    # Sections of `insarproj show`: (workspace, state) -> dict merged into the summary.
    show_sections: list[Callable[[Any, Any], dict[str, Any]]] = field(default_factory=list)

    def extend(self, other: Components) -> None:
        self.kinds.extend(other.kinds)
        self.preflight.extend(other.preflight)
        self.show_sections.extend(other.show_sections)
        self.resolvers.extend(other.resolvers)
        self.read_factories.update(other.read_factories)
        self.write_factories.update(other.write_factories)


ComponentFactory = Callable[["Project", "Endpoints"], Components]

# Built-in component factories, in dependency order; later issues append theirs here.
BUILTIN: list[str] = ["insarproj.kinds.builtin:components"]


def build_components(project: Project, endpoints: Endpoints) -> Components:
    components = Components()
    for spec in [*BUILTIN, *_plugin_specs()]:
        components.extend(_load(spec)(project, endpoints))
    return components


def _plugin_specs() -> list[str]:
    specs = [ep.value for ep in entry_points(group="insarproj.components")]
    env = os.environ.get("INSARPROJ_PLUGINS", "")
    specs.extend(s.strip() for s in env.split(",") if s.strip())
    return specs


def _load(spec: str) -> ComponentFactory:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
        factory = getattr(module, attr or "components")
    except (ImportError, AttributeError) as exc:
        raise UsageError(
            f"cannot load insarproj component {spec!r} ({exc})",
            hint="check INSARPROJ_PLUGINS (module:function) or the installed plugins",
        ) from exc
    return factory
