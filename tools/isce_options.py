"""Derive insarproj/data/isce/stacksentinel_options.json from a real `stackSentinel.py`.

Usage (the source is read, never committed):

    git -C <isce2 clone> show <commit>:contrib/stack/topsStack/stackSentinel.py > /tmp/stackSentinel.py
    python tools/isce_options.py /tmp/stackSentinel.py --commit <sha> --commit-date <iso> \
        > insarproj/data/isce/stacksentinel_options.json

It walks the module's syntax tree (`ast`), finds every `add_argument(...)` call of the parser that
`createParser()` builds (also those on argument groups) and records each option's flags, dest,
default, choices, type, action, required and help as literal values. Nothing is executed.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from datetime import UTC, datetime
from typing import Any

FIELDS = ("dest", "default", "choices", "type", "action", "required", "nargs", "help")


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Name):  # type=str, type=int, action=customArgparseAction
        return node.id
    try:
        return ast.literal_eval(node)
    except ValueError:
        return ast.unparse(node)


def _group_titles(tree: ast.Module) -> dict[str, str]:
    """`aoi = parser.add_argument_group('Area of interest')` -> {'aoi': 'Area of interest'}."""
    titles = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "add_argument_group"
            and isinstance(node.targets[0], ast.Name)
        ):
            titles[node.targets[0].id] = _literal(node.value.args[0])
    return titles


def options(source: str) -> list[dict[str, Any]]:
    tree = ast.parse(source)
    titles = _group_titles(tree)
    found = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument"
            and isinstance(node.func.value, ast.Name)
        ):
            continue
        entry: dict[str, Any] = {"flags": [_literal(a) for a in node.args]}
        entry["group"] = titles.get(node.func.value.id)
        for keyword in node.keywords:
            if keyword.arg in FIELDS:
                entry[keyword.arg] = _literal(keyword.value)
        found.append((node.lineno, entry))
    return [entry for _, entry in sorted(found, key=lambda item: item[0])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("--commit", required=True)
    parser.add_argument("--commit-date", required=True)
    args = parser.parse_args()
    with open(args.source, encoding="utf-8") as handle:
        listed = options(handle.read())
    document = {
        "source": "isce-framework/isce2 contrib/stack/topsStack/stackSentinel.py (createParser)",
        "commit": args.commit,
        "commit_date": args.commit_date,
        "derived": datetime.now(UTC).strftime("%Y-%m-%d"),
        "derived_by": "tools/isce_options.py (ast, nothing executed)",
        "options": listed,
    }
    json.dump(document, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
