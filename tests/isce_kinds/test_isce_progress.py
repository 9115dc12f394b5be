"""The pieces of the isce kinds that need no topsStack: command keys and outputs, run-file parsing,
the predicted run files and the regeneration reason."""

from __future__ import annotations

from pathlib import Path

from insarproj.kinds.isce_progress import command_specs, expected_outputs, run_file_commands
from insarproj.kinds.isce_spec import predicted_run_files


def test_a_run_file_written_with_num_proc_above_one_still_gives_one_command_per_line(tmp_path: Path) -> None:
    run_file = tmp_path / "run_11_unwrap"
    run_file.write_text(
        "SentinelWrapper.py -c /w/configs/config_igram_unw_20210101_20210113 &\n"
        "SentinelWrapper.py -c /w/configs/config_igram_unw_20210113_20210125 &\nwait\n\n"
        "source ~/isce.env;invertMisreg.py -i /w/misreg/azimuth/pairs/ -o /w/misreg/azimuth/dates/\n"
    )
    assert (
        run_file_commands(run_file)[0]
        == "SentinelWrapper.py -c /w/configs/config_igram_unw_20210101_20210113"
    )
    specs = command_specs(run_file, tmp_path / "w")
    assert [s.key for s in specs][:2] == [
        "config_igram_unw_20210101_20210113",
        "config_igram_unw_20210113_20210125",
    ]
    assert specs[2].key.startswith("cmd0003-") and specs[2].outputs == ()
    assert specs[0].outputs == (tmp_path / "w/merged/interferograms/20210101_20210113/filt_fine.unw",)


def test_expected_outputs_of_the_final_steps(tmp_path: Path) -> None:
    pair = "20210101_20210113"
    assert expected_outputs(f"config_igram_filt_coh_{pair}", tmp_path) == (
        tmp_path / f"merged/interferograms/{pair}/filt_fine.int",
        tmp_path / f"merged/interferograms/{pair}/filt_fine.cor",
    )
    assert expected_outputs(f"config_merge_igram_{pair}", tmp_path) == (
        tmp_path / f"merged/interferograms/{pair}/fine.int",
    )
    assert expected_outputs("config_baseline_20210113", tmp_path) == ()


def test_predicted_run_files_per_coregistration() -> None:
    nesd = predicted_run_files({"workflow": "interferogram", "coregistration": "NESD"})
    assert len(nesd) == 16 and nesd[3] == "run_04_extract_burst_overlaps" and nesd[-1] == "run_16_unwrap"
    geometry = predicted_run_files({"workflow": "correlation", "coregistration": "geometry"})
    assert geometry[-1] == "run_10_filter_coherence" and len(geometry) == 10
