"""The CLI contract of docs/cli.md through the real entry point (exit-code mapping included)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
from helpers import write_fake

from insarproj.errors import ExitCode
from insarproj.schema_gen import generate

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("template", ["hyp3-insar", "hyp3-burst", "isce-stack", "download"])
def test_init_writes_a_valid_project_and_refuses_to_overwrite(tmp_path: Path, run_cli, template: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "my-proj"
    result = run_cli(["init", str(target), "--template", template])
    assert result.code == 0, result.output
    text = (target / "project.toml").read_text()
    assert text.startswith("#:schema ./.insarproj/project.schema.json")
    assert 'name = "my-proj"' in text
    assert json.loads((target / ".insarproj" / "project.schema.json").read_text())["title"]
    gitignore = (target / ".gitignore").read_text()
    assert "/data/" in gitignore and "observed.json" in gitignore and "lock" in gitignore
    state = json.loads((target / ".insarproj" / "state.json").read_text())
    assert state["serial"] == 0 and len(state["lineage"]) == 36
    assert run_cli(["-C", str(target), "validate"]).code == 0
    again = run_cli(["init", str(target), "--template", template])
    assert again.code == ExitCode.USAGE and "refusing to overwrite" in again.output


@pytest.mark.parametrize("name", ['a"b', "x y", "n" * 101])
def test_init_refuses_a_bad_name_and_leaves_no_folder_behind(tmp_path: Path, run_cli, name: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "p"
    result = run_cli(["init", str(target), "--name", name])
    assert result.code == ExitCode.USAGE, result.output
    assert "is not a valid project name" in result.output and "TOML syntax" not in result.output
    assert not target.exists()


def test_create_project_validates_before_writing(tmp_path: Path) -> None:
    from insarproj.errors import ConfigError
    from insarproj.scaffold import create_project

    with pytest.raises(ConfigError, match="min_coverage"):
        create_project(
            tmp_path / "p",
            '[project]\nname = "p"\n[aoi]\nbbox = [0, 0, 1, 1]\n'
            "[search]\nstart = 2021-01-01\nend = 2021-02-01\nmin_coverage = 0\n",
        )
    assert not (tmp_path / "p").exists()


def test_hyp3_insar_template_asks_for_what_mintpy_needs(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    run_cli(["init", str(tmp_path / "p")])
    from insarproj.config.load import load_project

    params = load_project(tmp_path / "p").config.processor.hyp3.job_parameters()
    assert params["include_dem"] is True and params["include_look_vectors"] is True


def test_usage_errors_exit_64(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli(["plan", "--no-such-flag"]).code == ExitCode.USAGE
    assert run_cli(["no-such-command"]).code == ExitCode.USAGE


def test_config_error_is_one_line_without_traceback(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    run_cli(["init", str(tmp_path / "p"), "--template", "download"])
    path = tmp_path / "p" / "project.toml"
    path.write_text(path.read_text().replace("[search]", "[serach]"))
    result = run_cli(["-C", str(tmp_path / "p"), "plan"])
    assert result.code == ExitCode.ERROR
    assert "Traceback" not in result.output
    assert "project.toml" in result.output and "did you mean" in result.output
    debug = run_cli(["--debug", "-C", str(tmp_path / "p"), "plan"])
    assert "Traceback" in debug.output


def test_plan_detailed_exitcode(fake_project: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    base = ["-C", str(fake_project)]
    assert run_cli([*base, "plan", "--detailed-exitcode"]).code == 0
    write_fake(fake_project, {"files": [{"name": "a", "content": "1"}], "jobs": [{"name": "j"}]})
    assert run_cli([*base, "plan"]).code == 0
    assert run_cli([*base, "plan", "--detailed-exitcode"]).code == ExitCode.PENDING
    assert run_cli([*base, "apply", "--yes"]).code == 0
    # Only remote work in progress is left: it still counts as pending.
    result = run_cli([*base, "plan", "--detailed-exitcode"])
    assert result.code == ExitCode.PENDING and "waiting" in result.output
    (fake_project / "fake_remote.json").write_text('{"j": "SUCCEEDED"}')
    assert run_cli([*base, "apply", "--yes"]).code == 0
    assert run_cli([*base, "plan", "--detailed-exitcode"]).code == 0


def test_plan_json_validates_against_its_schema(fake_project: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write_fake(
        fake_project,
        {"files": [{"name": "a", "content": "1"}], "jobs": [{"name": "j", "depends_on": ["fakefile.a"]}]},
    )
    result = run_cli(["-C", str(fake_project), "plan", "--json"])
    payload = json.loads(result.stdout)
    jsonschema.validate(payload, generate("plan"))
    assert [a["address"] for a in payload["actions"]] == ["fakefile.a", "fakejob.j"]
    assert payload["summary"]["credits"] == 1.0


def test_show_json_and_text(fake_project: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write_fake(fake_project, {"files": [{"name": "a", "content": "1"}], "jobs": []})
    run_cli(["-C", str(fake_project), "apply", "--yes"])
    result = run_cli(["-C", str(fake_project), "show", "--json"])
    summary = json.loads(result.stdout)
    assert summary["resources"] == {"fakefile": {"present": 1}} and summary["serial"] == 2  # pin + file
    assert "fakefile" in run_cli(["-C", str(fake_project), "show"]).output


def test_saved_plan_applies_once_and_stale_plans_are_refused(fake_project: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    base = ["-C", str(fake_project)]
    write_fake(fake_project, {"files": [{"name": "a", "content": "1"}], "jobs": []})
    plan_file = fake_project / "plan.json"
    assert run_cli([*base, "plan", "--out", str(plan_file)]).code == 0
    result = run_cli([*base, "apply", str(plan_file)])
    assert result.code == 0, result.output
    assert (fake_project / "data" / "a").exists()
    again = run_cli([*base, "apply", str(plan_file)])
    assert again.code == ExitCode.ERROR and "already applied" in again.output


def test_stale_plan_refused_before_any_side_effect(fake_project: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    base = ["-C", str(fake_project)]
    write_fake(fake_project, {"files": [{"name": "a", "content": "1"}], "jobs": [{"name": "j"}]})
    plan_file = fake_project / "plan.json"
    run_cli([*base, "plan", "--out", str(plan_file)])
    # Someone else applies in between: the serial moves on.
    write_fake(fake_project, {"files": [{"name": "b", "content": "2"}], "jobs": [{"name": "j"}]})
    run_cli([*base, "apply", "--yes", "--target", "fakefile.b"])
    write_fake(fake_project, {"files": [{"name": "a", "content": "1"}], "jobs": [{"name": "j"}]})
    state_before = (fake_project / ".insarproj" / "state.json").read_text()
    result = run_cli([*base, "apply", str(plan_file)])
    assert result.code == ExitCode.ERROR and "stale" in result.output and "plan --out" in result.output
    assert not (fake_project / "data" / "a").exists()
    assert not (fake_project / "fake_remote.log").exists()  # no submission
    assert (fake_project / ".insarproj" / "state.json").read_text() == state_before


def test_plan_made_before_a_config_change_is_stale(fake_project: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    base = ["-C", str(fake_project)]
    plan_file = fake_project / "plan.json"
    run_cli([*base, "plan", "--out", str(plan_file)])
    toml = fake_project / "project.toml"
    toml.write_text(toml.read_text().replace("2021-03-01", "2021-04-01"))
    result = run_cli([*base, "apply", str(plan_file)])
    assert result.code == ExitCode.ERROR and "project.toml changed" in result.output


def test_apply_needs_yes_without_a_terminal(fake_project: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write_fake(fake_project, {"files": [{"name": "a", "content": "1"}], "jobs": []})
    result = run_cli(["-C", str(fake_project), "apply"])
    assert result.code == ExitCode.USAGE and "--yes" in result.output
    assert not (fake_project / "data" / "a").exists()


def test_quiet_and_verbose(fake_project: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write_fake(fake_project, {"files": [{"name": f"f{i}", "content": "1"} for i in range(20)], "jobs": []})
    normal = run_cli(["-C", str(fake_project), "plan"]).output
    assert "and 8 more" in normal
    verbose = run_cli(["-v", "-C", str(fake_project), "plan"]).output
    assert "fakefile.f19" in verbose
    quiet = run_cli(["-q", "-C", str(fake_project), "apply", "--yes"])
    assert quiet.code == 0 and "✓" not in quiet.output


@pytest.mark.parametrize("name", ["project", "state", "plan"])
def test_committed_schemas_match_the_models(name: str) -> None:
    committed = json.loads((REPO / "schemas" / f"{name}.schema.json").read_text())
    assert committed == generate(name), (
        f"schemas/{name}.schema.json drifted: run python -m insarproj.schema_gen"
    )


def test_every_package_is_listed_for_the_wheel() -> None:
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "insarproj").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_cli_starts_without_heavy_imports() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from insarproj.cli.main import cli; "
        "heavy = [m for m in ('asf_search', 'rasterio', 'shapely', 'hyp3_sdk', 'requests', 'pydantic') "
        "if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ}
    ).stdout
    assert out.strip() == ""


def test_cli_runs_as_python_m_insarproj_cli_main() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "insarproj.cli.main", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "insarproj" in result.stdout, result


def test_models_are_built_when_first_used_not_at_import() -> None:
    """Start-up: importing the model modules builds no validator (pydantic's defer_build); a
    no-op plan then builds only the few it validates (config, state header, pin, plan)."""
    import subprocess
    import sys

    modules = ("insarproj.config.model", "insarproj.state.model", "insarproj.engine.model")
    modules += ("insarproj.scenes.model", "insarproj.hyp3.models")
    code = (
        "import importlib, pydantic\n"
        f"mods = [importlib.import_module(m) for m in {modules!r}]\n"
        "built = [f'{m.__name__}.{n}' for m in mods for n, c in vars(m).items() if isinstance(c, type)"
        " and issubclass(c, pydantic.BaseModel) and c.__module__ == m.__name__ and c.__pydantic_complete__]\n"
        "print(','.join(built))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_readme_reference_blocks_are_current() -> None:
    from insarproj.docgen import update_readme

    readme = REPO / "README.md"
    assert update_readme(readme) == readme.read_text(), "README drifted: run python -m insarproj.docgen"
