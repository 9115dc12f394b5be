"""`insarproj suggest`: which track (flight direction + relative orbit) suits an AOI (docs/suggest.md)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from insarproj.cli.context import AppContext

if TYPE_CHECKING:
    from insarproj.scenes.model import SearchRequest
    from insarproj.suggest.rank import TrackSuggestion

SCORE_HELP = (
    "Tracks are sorted by score = (sum over dates of the AOI share each date covers) x gap penalty, "
    "the penalty being min(1, 2 x median revisit / longest gap): the number of full-AOI dates a track "
    "is worth, less when its time series has holes longer than two revisits."
)


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2021-01-01") from None


@click.command(epilog=SCORE_HELP)
@click.option(
    "--bbox", nargs=4, type=float, metavar="W S E N", help="AOI as a box in degrees (no project needed)."
)
@click.option(
    "--aoi",
    "aoi_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="AOI as a GeoJSON or WKT file (no project needed).",
)
@click.option(
    "--start",
    callback=_date,
    metavar="DATE",
    help="First date, YYYY-MM-DD (with --bbox/--aoi; default: the project's).",
)
@click.option(
    "--end",
    callback=_date,
    metavar="DATE",
    help="Last date, YYYY-MM-DD (with --bbox/--aoi; default: the project's).",
)
@click.option(
    "--product", type=click.Choice(["SLC", "BURST"]), help="SLC or BURST (default: the project's, else SLC)."
)
@click.option(
    "--source",
    type=click.Choice(["asf", "cdse"]),
    help="Where to search (default: the project's [search] source, else asf).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the suggestions as JSON (docs/suggest.md).")
@click.option(
    "--write", is_flag=True, help="Put the chosen track(s) into the project's [search] (keeps comments)."
)
@click.option(
    "--track",
    "tracks",
    multiple=True,
    type=int,
    help="With --write: relative orbit(s) to write (default: the best).",
)
@click.option(
    "--direction",
    type=click.Choice(["ASCENDING", "DESCENDING"], case_sensitive=False),
    help="Only this flight direction (and with --write, its best track).",
)
@click.pass_obj
def suggest(app: AppContext, **options: Any) -> None:
    """Rank the tracks over an AOI: coverage, dates, revisit, gaps (read-only unless --write).

    Give --bbox or --aoi with --start and --end, or run it in a project folder (-C DIR) to use the
    project's AOI, dates and product.
    """
    from insarproj.scenes.geometry import AoiCoverage
    from insarproj.suggest.rank import suggest_tracks

    request, project = _request(app, options)
    source = _source(options["source"], project)
    app.info(f"Searching {source.name} for every track over the AOI ({request.start} .. {request.end}) ...")
    found = suggest_tracks(source.scenes(request), request, AoiCoverage(request.aoi_wkt))
    if options["direction"]:
        found = [t for t in found if t.flight_direction == options["direction"].upper()]
    if options["as_json"]:
        click.echo(json.dumps(_json(request, found), indent=2))
    else:
        click.echo(_table(found, burst=request.product == "BURST"))
    if options["write"]:
        _write(app, project, found, options["tracks"])


def _request(app: AppContext, options: dict[str, Any]) -> tuple[SearchRequest, Any]:
    """The search request of the options (AOI + dates) or of the project; and the project, if used."""
    from insarproj.scenes.model import SearchRequest

    if options["bbox"] is not None and options["aoi_file"] is not None:
        raise click.UsageError("give either --bbox or --aoi, not both")
    if options["bbox"] is None and options["aoi_file"] is None:
        if not (app.project_dir / "project.toml").is_file():
            raise click.UsageError(
                f"no AOI: give --bbox W S E N (or --aoi FILE) with --start and --end, or run in a project "
                f"folder (there is no project.toml in {app.project_dir})"
            )
        return _project_request(app, options)
    if options["write"]:
        raise click.UsageError("--write edits the project's [search]: leave out --bbox/--aoi to use its AOI")
    if options["start"] is None or options["end"] is None:
        raise click.UsageError("--bbox/--aoi need --start and --end (YYYY-MM-DD)")
    _check_dates(options["start"], options["end"])
    request = SearchRequest(
        aoi_wkt=_aoi_wkt(options),
        start=options["start"],
        end=options["end"],
        product=options["product"] or "SLC",
    )
    return request, None


def _project_request(app: AppContext, options: dict[str, Any]) -> tuple[SearchRequest, Any]:
    """The project's search with every track filter removed (suggest compares the tracks)."""
    import dataclasses

    from insarproj.scenes.model import SearchRequest

    project = app.workspace().project
    base = SearchRequest.from_config(project.aoi_wkt, project.config.search)
    start, end = options["start"] or base.start, options["end"] or base.end
    _check_dates(start, end)
    request = dataclasses.replace(
        base,
        start=start,
        end=end,
        product=options["product"] or base.product,
        flight_direction=None,
        relative_orbits=None,
        frames=None,
        validated=True,
    )
    return request, project


def _check_dates(start: date, end: date) -> None:
    if end < start:
        raise click.UsageError(
            f"--end {end} is before --start {start}: both are inclusive, end on or after start"
        )


def _aoi_wkt(options: dict[str, Any]) -> str:
    """The AOI option as WKT, checked by the same rules as project.toml's [aoi]."""
    from insarproj.config.aoi import bbox_geometry, geojson_geometry, wkt_geometry
    from insarproj.config.problems import FieldProblem
    from insarproj.scenes.geometry import to_wkt

    try:
        if options["bbox"] is not None:
            return to_wkt(bbox_geometry(list(options["bbox"])))
        path: Path = options["aoi_file"]
        text = path.read_text(encoding="utf-8").strip()
        if text.startswith("{"):
            return to_wkt(geojson_geometry(path, shown_as=str(path)))
        return to_wkt(wkt_geometry(text))
    except FieldProblem as problem:
        which = "--bbox" if options["bbox"] is not None else f"--aoi {options['aoi_file']}"
        raise click.BadParameter(str(problem), param_hint=which) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"cannot read it ({exc})", param_hint="--aoi") from None


def _source(name: str, project: Any) -> Any:
    from insarproj.endpoints import resolve_endpoints
    from insarproj.suggest.sources import source_for

    overrides = project.config.endpoints.model_dump() if project is not None else None
    default = project.config.search.source if project is not None else "asf"
    return source_for(name or default, resolve_endpoints(overrides))


def _json(request: SearchRequest, found: list[TrackSuggestion]) -> dict[str, Any]:
    return {
        "aoi_wkt": request.aoi_wkt,
        "start": request.start.isoformat(),
        "end": request.end.isoformat(),
        "product": request.product,
        "tracks": [t.to_json() for t in found],
    }


def _table(found: list[TrackSuggestion], *, burst: bool) -> str:
    if not found:
        return "No track covers any part of the AOI in these dates."
    header = ("track", "score", "dates", "cov min", "cov mean", "revisit", "longest gap", "per month")
    rows = [header]
    for t in found:
        s = t.stats
        gap = f"{s.longest_gap_days} d ({s.longest_gap[0]}..{s.longest_gap[1]})" if s.longest_gap else "-"
        revisit = f"{s.median_revisit_days:g} d" if s.median_revisit_days is not None else "-"
        rows.append(
            (
                t.id,
                f"{t.score:.1f}",
                str(s.dates),
                f"{s.min_coverage:.0%}",
                f"{s.mean_coverage:.0%}",
                revisit,
                gap,
                f"{s.per_month:.1f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    if burst:
        for t in found:
            for swath, ids in t.burst_ids.items():
                lines.append(f"{t.id} {swath}: {', '.join(ids)}")
    return "\n".join(lines)


def _write(app: AppContext, project: Any, found: list[TrackSuggestion], tracks: tuple[int, ...]) -> None:
    from insarproj.suggest.write import write_tracks

    if not found:
        raise click.UsageError("nothing to write: no track covers the AOI")
    chosen = [t for t in found if t.relative_orbit in tracks] if tracks else found[:1]
    missing = sorted(set(tracks) - {t.relative_orbit for t in chosen})
    if missing:
        known = ", ".join(str(t.relative_orbit) for t in found)
        raise click.UsageError(f"--track {missing[0]} is not among the suggested tracks ({known})")
    write_tracks(project.config_path, chosen)
    names = ", ".join(t.id for t in chosen)
    app.info(f"Wrote {names} into [search] of {project.config_path}; run `insarproj plan` to see the effect.")


COMMANDS = [suggest]
