"""A package's names imported on first use (PEP 562): the package stays cheap to import, and
importing one of its submodules does not import the others (docs/project-folder.md, start-up)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """The module `__getattr__` of ``package``: each name of ``exports`` from its module, a name
    relative to the package (".model") or absolute ("insarproj.endpoints")."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module, package), name)

    return __getattr__
