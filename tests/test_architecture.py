"""The structural rules of docs/architecture.md that no linter checks: short functions.

(Layers and the sandbox's independence are import-linter contracts in pyproject.toml; types are
mypy's; both run in .ci/run.)"""

from __future__ import annotations

import ast
from pathlib import Path

import insarproj

MAX_FUNCTION_LINES = 60
PACKAGE = Path(insarproj.__file__).parent
# The sandbox stands in for whole services and is exempt (docs/sandbox.md); everything else is the
# product, where a function longer than a screen hides more than one job.
EXEMPT = {PACKAGE / "sandbox"}


def long_functions(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if any(exempt in path.parents for exempt in EXEMPT):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    where = f"{path.relative_to(root.parent)}:{node.lineno}"
                    found.append(f"{where} {node.name} ({length} lines)")
    return found


def test_no_function_of_the_product_is_over_60_lines() -> None:
    assert long_functions(PACKAGE) == []


def test_the_rule_sees_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(f"def short():\n    pass\n\n\ndef long():\n{body}\n")
    assert long_functions(tmp_path / "pkg") == [f"pkg/m.py:5 long ({MAX_FUNCTION_LINES + 1} lines)"]
