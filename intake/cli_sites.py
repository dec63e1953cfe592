"""The `intake sites` commands and `intake suggest`: read the site directory, try a ranking."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import click
from rich.table import Table

import classify
from intake.cli import (
    Context,
    _fail,
    cli,
    console,
    email_input_options,
    pass_ctx,
    read_one_email,
    translated_errors,
)
from intake.pipeline import load_classifiers
from store import session_scope

MAX_TEXT_CHARS = 100_000


def _strengths(values: Mapping[str, float]) -> str:
    items = sorted(values.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{label} {strength:.1f}" for label, strength in items)


def _directory(state: Context, path: Path | None) -> classify.SiteDirectory:
    return classify.load_sites(path or state.settings.sites_path)


@cli.group()
def sites() -> None:
    """The learning-site directory (sites.toml): list, show and check it.

    \b
    Example:
      intake sites list
    """


@sites.command("list")
@click.option(
    "--file", "path", type=click.Path(path_type=Path, dir_okay=False), help="Another sites.toml."
)
@pass_ctx
def sites_list(state: Context, path: Path | None) -> None:
    """List the sites with their setting, size and what they teach.

    \b
    Example:
      intake sites list
    """
    with translated_errors():
        directory = _directory(state, path)
        table = Table(title=f"{len(directory.sites)} learning site(s)")
        widest = max(len(site.id) for site in directory.sites)
        table.add_column("Id", no_wrap=True, min_width=widest)
        for column in ("Name", "Setting", "Size", "Active", "Teaches"):
            table.add_column(column)
        for site in directory.sites:
            table.add_row(
                site.id,
                site.name,
                site.setting,
                site.size,
                "yes" if site.active else "no",
                _strengths(site.specializations),
            )
        console.print(table)
        if directory.problems:
            console.print(f"{len(directory.problems)} problem(s); run `intake sites check`")


@sites.command("show")
@click.argument("site_id")
@click.option(
    "--file", "path", type=click.Path(path_type=Path, dir_okay=False), help="Another sites.toml."
)
@pass_ctx
def sites_show(state: Context, site_id: str, path: Path | None) -> None:
    """Show everything the directory says about one site.

    \b
    Example:
      intake sites show tucson
    """
    with translated_errors():
        directory = _directory(state, path)
        site = directory.get(site_id)
        if site is None:
            known = ", ".join(s.id for s in directory.sites)
            _fail(f"no site {site_id!r} (known: {known})", 1)
            return
        where = f"{site.city}, {site.state}" if site.city else site.state
        coords = (
            f" ({site.lat:.4f}, {site.lon:.4f})"
            if site.lat is not None and site.lon is not None
            else ""
        )
        rows = [
            ("Name", site.name),
            ("Agency type", site.agency_type),
            ("Setting", site.setting),
            ("Place", where + coords),
            (
                "Size",
                f"{site.size} (about {site.population_served:,} served, "
                f"{site.sworn_officers:,} sworn)",
            ),
            ("Active", "yes" if site.active else "no"),
            ("Capacity", site.capacity),
            ("TA offered", ", ".join(site.ta_offered)),
            ("Aliases", "; ".join(site.aliases)),
            ("Short names", "; ".join(site.short_names)),
            ("Summary", site.summary),
        ]
        for label, value in rows:
            console.print(f"{label + ':':13} {value}", markup=False, highlight=False)
        for title, strengths in (
            ("Specializations", site.specializations),
            ("Topics", site.topics),
        ):
            console.print(f"{title}:", markup=False)
            for label, strength in sorted(strengths.items(), key=lambda kv: -kv[1]):
                console.print(
                    f"  {label:20} {strength:.1f}  {site.reason_for(label)}", markup=False
                )
        console.print("Programs:")
        for program in site.programs:
            console.print(f"  - {program}", markup=False, highlight=False)


@sites.command("check")
@click.option(
    "--file", "path", type=click.Path(path_type=Path, dir_okay=False), help="Another sites.toml."
)
@pass_ctx
def sites_check(state: Context, path: Path | None) -> None:
    """Validate the directory; print each problem with its file and line (exit 1 if any).

    Check an edited copy before putting it in place with --file.

    \b
    Example:
      intake sites check --file sites.new.toml
    """
    with translated_errors():
        directory = _directory(state, path)
        for problem in directory.problems:
            console.print(problem, markup=False, highlight=False)
        active = len(directory.active)
        summary = (
            f"{len(directory.sites)} site(s), {active} active, {len(directory.problems)} problem(s)"
        )
        console.print(summary, markup=False)
        if directory.problems:
            raise SystemExit(1)


@cli.command()
@email_input_options
@click.option(
    "--with-load", is_flag=True, help="Weigh recent suggestions from the database (default: none)."
)
@pass_ctx
def suggest(
    state: Context, eml: Path | None, text: str | None, subject: str, sender: str, with_load: bool
) -> None:
    """Classify one email and rank the learning sites for it, with the reasons.

    Nothing is stored. Recent load counts only with --with-load.

    \b
    Example:
      intake suggest request.eml
      intake suggest --text "We are a rural sheriff's office and want CIT training; can we visit?"
    """
    with translated_errors():
        settings = state.settings
        parsed = read_one_email(settings, eml, text, subject, sender)
        classifiers = load_classifiers(settings)
        analysis = classify.analyze(parsed, classifiers.rules, classifiers.sites)
        load: dict[str, int] = {}
        if with_load:
            from store.queries import recent_suggestion_load

            with session_scope(state.app.store) as session:
                load = recent_suggestion_load(session)
        ranking = classify.rank_sites(analysis, classifiers.sites, settings.ranking, load)
        who = analysis.requester
        place = ", ".join(x for x in (who.city, who.state) if x)
        lines = [
            ("Kind", f"{analysis.kind.kind} ({analysis.kind.reason})"),
            (
                "Requester",
                " / ".join(x for x in (who.name, who.agency, who.agency_type, place) if x),
            ),
            ("Needs", ", ".join(analysis.specializations) or "(none found)"),
            ("Topics", ", ".join(analysis.topics)),
            ("TA", ", ".join(analysis.ta_types)),
            ("Contacted", ", ".join(analysis.contacted_sites)),
        ]
        for label, value in lines:
            console.print(f"{label + ':':11} {value}", markup=False, highlight=False)
        if not ranking:
            console.print(
                "No site to suggest: no need was recognised, or no active site teaches it."
            )
            return
        console.print("Suggested sites:")
        for suggestion in ranking:
            site = classifiers.sites.get(suggestion.site_id)
            name = site.name if site else suggestion.site_id
            console.print(
                f"  {suggestion.rank}. {name} [{suggestion.site_id}] ({suggestion.score:.2f})",
                markup=False,
                highlight=False,
            )
            console.print(f"     {'; '.join(suggestion.reasons)}", markup=False, highlight=False)
