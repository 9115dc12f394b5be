"""insarproj: Terraform for an InSAR project folder.

From Python (docs/python-api.md)::

    import insarproj

    project = insarproj.open("ridgecrest")
    plan = project.plan()                      # read-only, like `insarproj plan`
    result = project.apply(approve=True)       # spending HyP3 credits needs approve=

The names below are imported on first use, so ``import insarproj`` (and the CLI's start-up)
stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from insarproj.api import ApprovalRequired, Progress, Project
    from insarproj.api import open_project as open  # insarproj.open mirrors the builtin's role
    from insarproj.errors import InsarprojError

__version__ = "0.1.0"

_EXPORTS = {
    "open": ("insarproj.api", "open_project"),
    "Project": ("insarproj.api", "Project"),
    "ApprovalRequired": ("insarproj.api", "ApprovalRequired"),
    "Progress": ("insarproj.api", "Progress"),
    "InsarprojError": ("insarproj.errors", "InsarprojError"),
}

__all__ = ["ApprovalRequired", "InsarprojError", "Progress", "Project", "__version__", "open"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    return getattr(importlib.import_module(module), attribute)


def __dir__() -> list[str]:
    return sorted({*__all__, "__version__"})
