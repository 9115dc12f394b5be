"""Edit the `configs/` and `run_files/` stackSentinel.py wrote so the pair steps make exactly the
network (the decision is `network_map.plan_connections`; docs/isce-network.md).

For each pair step of the workflow (`network_map.PAIR_STEPS`): the lines and config files of pairs
the network does not hold are removed; each missing pair gets a config copied from the pair it is
modelled on, with that pair's dates replaced by its own, and a run-file line copied the same way (so
`text_cmd` and the command stay as stackSentinel wrote them). In an update generation the model may
be a pair an earlier generation made in the same work folder: its config is still in `configs/`.
Run files are rewritten one command per line, as `--num_proc 1` writes them: insarproj runs every line itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from insarproj.errors import InsarprojError
from insarproj.fsutil import atomic_write_text
from insarproj.isce.network_map import CONFIG_PREFIX, PAIR_STEPS, ConnectionPlan, DatePair

_DATES = re.compile(r"(?<!\d)(\d{8})_(\d{8})(?!\d)|(?<!\d)(\d{8})(?!\d)")
_WORK = "\0work\0"  # stands for the work folder while dates are replaced (its path may hold digits)


@dataclass
class PairEdit:
    """What `edit_pair_steps` changed, per run file."""

    added: dict[str, list[DatePair]] = field(default_factory=dict)
    removed: dict[str, list[DatePair]] = field(default_factory=dict)


def step_run_file(work: Path, step: str) -> Path:
    """`run_files/run_NN_<step>` of a generated work folder."""
    found = sorted((work / "run_files").glob(f"run_[0-9][0-9]_{step}"))
    if len(found) != 1:
        raise InsarprojError(
            f"{work / 'run_files'} holds {len(found)} run files of step {step}, expected one; "
            "regenerate the stack"
        )
    return found[0]


def edit_pair_steps(work: Path, workflow: str, plan: ConnectionPlan) -> PairEdit:
    """Make the pair steps of `work` hold exactly the network `plan` was made for. Idempotent."""
    edit = PairEdit()
    for step in PAIR_STEPS[workflow]:
        run_file = step_run_file(work, step)
        lines = _commands(run_file)
        by_pair = {_pair_of(line, step): line for line in lines}
        added = []
        for pair, model in plan.add:
            source = pair if pair in by_pair else model
            template = _model_line(work, step, run_file, by_pair, source, pair)
            text = _config_path(work, step, source).read_text(encoding="utf-8")
            atomic_write_text(_config_path(work, step, pair), _replace_dates(text, source, pair, work))
            if pair not in by_pair:
                added.append(pair)
            by_pair[pair] = _replace_dates(template, source, pair, work)
        removed = [pair for pair in plan.remove if pair in by_pair]
        for pair in removed:
            _config_path(work, step, pair).unlink(missing_ok=True)
            del by_pair[pair]
        atomic_write_text(run_file, "".join(by_pair[p] + "\n" for p in sorted(by_pair)))
        edit.added[run_file.name], edit.removed[run_file.name] = added, removed
    return edit


def _model_line(
    work: Path, step: str, run_file: Path, by_pair: dict[DatePair, str], model: DatePair, pair: DatePair
) -> str:
    """The run-file line of `model`: its own line, else (a pair an earlier generation made, whose
    config is still in configs/) another line of the step with its pair replaced."""
    if model in by_pair:
        return by_pair[model]
    if by_pair and _config_path(work, step, model).is_file():
        other = min(by_pair)
        return _replace_dates(by_pair[other], other, model, work)
    raise InsarprojError(
        f"{run_file} has no line, and configs/ no config, of pair {model[0]}_{model[1]} to model pair "
        f"{pair[0]}_{pair[1]} on; regenerate the stack"
    )


def _commands(run_file: Path) -> list[str]:
    """The commands of a run file, without `&` and `wait` (written with --num_proc above 1)."""
    lines = (line.strip() for line in run_file.read_text(encoding="utf-8").splitlines())
    return [line.removesuffix("&").rstrip() for line in lines if line and line != "wait"]


def _pair_of(line: str, step: str) -> DatePair:
    match = re.search(re.escape(CONFIG_PREFIX[step]) + r"(\d{8})_(\d{8})(?!\S)", line)
    if match is None:
        raise InsarprojError(f"run file of step {step}: the line {line!r} names no pair config")
    return match.group(1), match.group(2)


def _config_path(work: Path, step: str, pair: DatePair) -> Path:
    return work / "configs" / f"{CONFIG_PREFIX[step]}{pair[0]}_{pair[1]}"


def _replace_dates(text: str, source: DatePair, target: DatePair, work: Path) -> str:
    """`text` of pair `source` made for `target`: the pair and each of its dates replaced, once."""
    dates = {source[0]: target[0], source[1]: target[1]}

    def swap(match: re.Match[str]) -> str:
        if match.group(3) is not None:
            return dates.get(match.group(3), match.group(3))
        if (match.group(1), match.group(2)) == source:
            return f"{target[0]}_{target[1]}"
        return match.group(0)

    folder = next((f for f in (str(work.resolve()), str(work)) if f in text), None)
    if folder is not None:
        text = text.replace(folder, _WORK)
    text = _DATES.sub(swap, text)
    return text if folder is None else text.replace(_WORK, folder)
