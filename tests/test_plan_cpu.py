"""What a no-op plan's CPU time was bought with (issue 16): each shortcut gives exactly what the
long way gives, and what a plan does not need is not imported."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import pin_empty_search, write_project

from insarproj.hyp3 import canonical_parameters, job_identity
from insarproj.hyp3.identity import _names_json, identity_template
from insarproj.pairs import Pair
from insarproj.state import StateStore, op_put

NAMES = [
    [],
    ["S1A_IW_SLC__1SDV_20150101T014200_20150101T014300_000000_000000_0000"],
    ["S1_136231_IW2_20200604T022312_VV_7C85-BURST", "S1_136232_IW2_20200604T022315_VV_7C85-BURST"],
    ['a"b'],  # escaped by JSON
    ["naïve"],  # kept as UTF-8 (ensure_ascii=False)
    ["tab\there", "back\\slash", "x y", "/"],
    ["a", 1],  # not names at all: the encoder's answer
]


@pytest.mark.parametrize("names", NAMES)
def test_granule_names_are_spliced_as_the_json_encoder_writes_them(names: list) -> None:
    assert _names_json(names) == json.dumps(names, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize("names", [n for n in NAMES if n and all(isinstance(x, str) for x in n)])
def test_a_spliced_identity_equals_the_whole_body_for_any_names(names: list[str]) -> None:
    canonical = canonical_parameters("INSAR_GAMMA", {})
    spliced = identity_template("INSAR_GAMMA", canonical, ("granules",))
    assert spliced({"granules": names}) == job_identity("INSAR_GAMMA", {"granules": names})


def test_a_pair_key_is_made_with_the_pair_and_is_no_field_of_its_identity() -> None:
    day = __import__("datetime").date
    pair = Pair("A064", day(2021, 1, 2), day(2021, 1, 14), 12, None, "sbas")
    assert pair.key == "20210102_20210114" and pair.address == "pair.A064.20210102_20210114"
    assert pair == Pair("A064", day(2021, 1, 2), day(2021, 1, 14), 12, None, "sbas")
    assert "key" not in repr(pair) and len({pair, dataclasses.replace(pair)}) == 1
    moved = dataclasses.replace(pair, secondary=day(2021, 1, 26), temporal_baseline=24)
    assert moved.key == "20210102_20210126"  # made again, never copied from the old pair
    with pytest.raises(dataclasses.FrozenInstanceError):
        pair.key = "x"  # type: ignore[misc]


def test_a_kind_view_iterates_records_as_an_eager_state_has_them(tmp_path: Path) -> None:
    store = StateStore(tmp_path / ".insarproj")
    store.create()
    ops = [op_put(f"pair.s1.{n}", "pair", "planned", {"n": n}, at="2026-01-01T00:00:00Z") for n in range(3)]
    # A group of two kinds: its records are kept parsed, beside the pairs kept as lines.
    ops.append(op_put("mixed.a", "product", "present", {"path": "p/x"}, at="2026-01-01T00:00:00Z"))
    ops.append(op_put("mixed.b", "pair", "planned", {"n": 9}, at="2026-01-01T00:00:00Z"))
    with store.open_writer() as writer:
        writer.record(ops)
        writer.fold()
    lazy, eager = store.load(lazy=True), store.load()
    assert lazy.lazy
    for kind in ("pair", "product"):
        view = lazy.by_kind(kind)
        assert dict(view.items()) == eager.by_kind(kind)
        assert list(view.values()) == list(eager.by_kind(kind).values())
        assert [a for a, _ in view.items()] == list(view)
    first, second = (dict(lazy.by_kind("pair").items())["pair.s1.0"] for _ in range(2))
    assert first == second and first is not second  # a new record per access (state/lazy.py)
    assert len(lazy.by_kind("pair")) == 4 and "mixed.b" in lazy.by_kind("pair")
    assert lazy.by_kind("pair").get("mixed.a") is None and "mixed.a" not in lazy.by_kind("pair")
    with pytest.raises(KeyError):
        lazy.by_kind("pair")["mixed.a"]


def test_a_plan_of_a_hyp3_project_without_mintpy_imports_no_numpy(tmp_path: Path) -> None:
    """Merging for MintPy needs numpy (≈ 0.1 s to import); a plan that hands nothing off must not
    pay for it. Run in a fresh interpreter: this test process has numpy already."""
    root = write_project(tmp_path / "p", kind="hyp3")
    pin_empty_search(root)
    code = (
        "import sys\n"
        "from insarproj.cli.main import run\n"
        f"code = run(['-C', {str(root)!r}, 'plan', '--offline'])\n"
        "print(code, sorted(m for m in ('numpy', 'shapely', 'requests') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stdout
