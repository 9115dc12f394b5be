"""One cfg writer serves both hand-offs (insarproj/mintpy/cfg.py `write_cfg`): the HyP3 and the
ISCE hand-off of the same request fields write the same insarproj.cfg but for the load paths."""

from __future__ import annotations

from pathlib import Path

from test_handoff import MINTPY_LOAD_KEYS, name, request, write_product
from test_isce_handoff import PAIRS, topsstack

from insarproj.mintpy.handoff import make_handoff
from insarproj.mintpy.isce_handoff import IsceHandoffRequest, make_isce_handoff

SHARED = {
    "stack": "A064",
    "reference_point": [35.7, -118.2],
    "options": {"mintpy.network.coherenceBased": False, "mintpy.network.minCoherence": 0.7},
    "serial": 7,
    "fingerprint": "f" * 32,
}


def split(text: str) -> tuple[dict[str, str], list[str]]:
    """The mintpy.load.* keys and every other line, in order."""
    load = dict(line.split(" = ", 1) for line in text.splitlines() if line.startswith("mintpy.load."))
    return load, [line for line in text.splitlines() if not line.startswith("mintpy.load.")]


def test_the_hyp3_and_isce_handoffs_render_the_shared_fields_identically(tmp_path: Path) -> None:
    hyp3, isce = tmp_path / "hyp3", tmp_path / "isce"
    folder = write_product(hyp3, name(1), west=400000, north=3960000)
    make_handoff(hyp3, request(hyp3, {"product.A064.a": folder}, **SHARED))
    work = isce / "isce" / "A064" / "work"
    topsstack(work, PAIRS)
    make_isce_handoff(isce, IsceHandoffRequest(work=work, pairs=PAIRS, **SHARED))  # type: ignore[arg-type]
    (hyp3_load, hyp3_rest), (isce_load, isce_rest) = (
        split((data / "mintpy" / "A064" / "insarproj.cfg").read_text()) for data in (hyp3, isce)
    )
    assert hyp3_rest == isce_rest
    assert "## Made from state serial 7; hand-off fingerprint " + "f" * 32 + "." in hyp3_rest
    assert "mintpy.reference.lalo = 35.7,-118.2" in hyp3_rest
    assert hyp3_rest[-2:] == ["mintpy.network.coherenceBased = no", "mintpy.network.minCoherence = 0.7"]
    # Both name every load key, each its own processor's files.
    assert {k.removeprefix("mintpy.load.") for k in hyp3_load} == MINTPY_LOAD_KEYS
    assert list(isce_load) == list(hyp3_load)
    assert (hyp3_load["mintpy.load.processor"], isce_load["mintpy.load.processor"]) == ("hyp3", "isce")
