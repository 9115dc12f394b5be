"""Reference sections of README.md, generated from the models and the click commands.

`python -m insarproj.docgen` rewrites the blocks between `<!-- BEGIN name -->` / `<!-- END name -->`
markers in README.md; a test fails when README drifts from the code, so every key and option
users can set is documented.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click

BLOCKS = ("config-reference", "cli-reference")


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        name = node["$ref"].split("/")[-1]
        return schema["$defs"][name]
    for key in ("anyOf", "oneOf"):
        for option in node.get(key, []):
            if "$ref" in option:
                return schema["$defs"][option["$ref"].split("/")[-1]]
    return node


def _default(node: dict[str, Any]) -> str:
    if "default" not in node:
        return ""
    return json.dumps(node["default"])


def config_reference() -> str:
    from insarproj.config.model import project_json_schema

    schema = project_json_schema()
    lines = ["| key | default | meaning |", "|---|---|---|"]

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for name, prop in node.get("properties", {}).items():
            target = _resolve(schema, prop)
            key = f"{prefix}{name}"
            if (target.get("type") == "object" and "properties" in target and target is not prop) or (
                "properties" in target and "$ref" in prop
            ):
                lines.append(
                    f"| **`[{key}]`** | | {_cell(target.get('description', prop.get('description', '')))} |"
                )
                walk(f"{key}.", target)
                continue
            description = prop.get("description") or target.get("description", "")
            lines.append(f"| `{key}` | {_cell(_default(prop))} | {_cell(description)} |")

    walk("", schema)
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def cli_reference() -> str:
    from insarproj.cli.main import cli

    lines: list[str] = []
    ctx = click.Context(cli, info_name="insarproj")
    lines.append("Global options (before the command): " + _options(cli, ctx))
    lines.append("")
    for name in sorted(cli.commands):
        command = cli.commands[name]
        sub = click.Context(command, info_name=name, parent=ctx)
        usage = " ".join(command.collect_usage_pieces(sub))
        summary = (command.help or "").strip().split("\n\n")[0].replace("\n", " ")
        lines.append(f"- **`insarproj {name} {usage}`** — {summary}")
        options = _options(command, sub)
        if options:
            lines.append(f"  Options: {options}")
    return "\n".join(lines)


def _options(command: click.Command, ctx: click.Context) -> str:
    parts = []
    for param in command.params:
        if not isinstance(param, click.Option) or param.hidden:
            continue
        record = param.get_help_record(ctx)
        if record is None:
            continue
        flags, text = record
        parts.append(f"`{flags}`: {text.strip()}")
    return "; ".join(parts)


def generate(block: str) -> str:
    return {"config-reference": config_reference, "cli-reference": cli_reference}[block]()


def update_readme(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    for block in BLOCKS:
        pattern = re.compile(rf"(<!-- BEGIN {block} -->\n).*?(<!-- END {block} -->)", re.S)
        match = pattern.search(text)
        if match is None:
            raise SystemExit(f"README.md lacks the {block} markers")
        text = text[: match.end(1)] + generate(block) + "\n" + text[match.start(2) :]
    return text


if __name__ == "__main__":
    readme = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "README.md"
    readme.write_text(update_readme(readme), encoding="utf-8")
    print(f"updated {readme}")
