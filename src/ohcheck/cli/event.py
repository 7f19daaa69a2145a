"""`ohcheck event ...`: the facilitator's commands, from an empty folder to kits, templates, preflight, teardown.

Thin, as cli.py: parse, call the event_* module, render. Every command reads
the event file through event.py; a bad file is one sentence and exit code 2,
before anything is written or asked of Azure.
"""

from pathlib import Path
from typing import Annotated, Optional

import typer

from ohcheck.cli.help import LocalisedGroup

from ohcheck.cli.common import _command, _echo_json, _say, _stdout
from ohcheck.errors import EXIT_FAILED, EXIT_OK

event_app = typer.Typer(
    cls=LocalisedGroup,
    help="For facilitators: write the event file, check it, make every team's kit and Azure templates, "
    "check the subscriptions before the event, and clean up after it.",
    no_args_is_help=True,
)

EventArg = Annotated[
    Optional[Path],
    typer.Argument(help="The event file (default: event.yaml here or in a parent folder).", dir_okay=False,
                   show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _load(path: Optional[Path]):  # -> LoadedEvent; imported lazily (pydantic)
    from ohcheck.cli.options import _read_event as load_event

    return load_event(path)


@_command(event_app, "init")
def event_init(
    path: Annotated[Path, typer.Argument(help="Where to write the event file.", dir_okay=False)] = Path("event.yaml"),
    language: Annotated[str, typer.Option("--language", help="en or ja: the language of the kits setup writes.")] = "en",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write a commented event.yaml to fill in: the event, Azure, teams with members, coaches."""
    from ohcheck import i18n
    from ohcheck.event.init_file import write_example
    from ohcheck.i18n import t

    write_example(path, language=language, force=force)
    i18n.adopt(language)  # the file's language, as if it had been read: --lang and OHCHECK_LANG still win
    _say(_stdout(), t("Wrote {path}: fill in the subscription, region, teams and coaches, "
                      "then run `ohcheck event validate {path}`.", path=str(path)))


@_command(event_app, "validate")
def event_validate(event: EventArg = None, as_json: JsonOption = False) -> None:
    """Check the event file: its keys, unique team names, and every Azure name setup would derive."""
    from ohcheck.event.validate import validate_event

    report = validate_event(_load(event))
    if as_json:
        _echo_json(report.to_json())
    else:
        from ohcheck.render.event_views import print_validation

        print_validation(_stdout(), report)
    raise typer.Exit(EXIT_OK if report.ok else report.exit_code)


@_command(event_app, "setup")
def event_setup(
    event: EventArg = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Where to write the kits and templates "
                                               "(default: the event file's folder).", file_okay=False)] = None,
    as_json: JsonOption = False,
) -> None:
    """Write the team kits, Bicep templates, deploy.sh and the coaches' summary page.

    Each team kit is a git repo with challenge 00's starter, ohcheck.yaml naming the team's workspace
    and a CI workflow. Safe to run again: a file changed since setup wrote it is kept.
    """
    from ohcheck.event.setup import setup

    loaded = _load(event)
    result = setup(loaded, out or loaded.folder, progress=not as_json)
    if as_json:
        _echo_json(result.to_json())
    else:
        from ohcheck.render.event_views import print_setup

        print_setup(_stdout(), result, loaded)
    raise typer.Exit(EXIT_OK)


@_command(event_app, "preflight")
def event_preflight(event: EventArg = None, as_json: JsonOption = False) -> None:
    """Before the event: is each subscription and region ready for the teams?

    Checks the credential, resource providers, vCPU quota for the clusters and instances, and that
    the endpoint and compute instance names are free; a table with the fix for each problem.
    """
    from ohcheck.event.preflight.run import main

    raise typer.Exit(main(_load(event), as_json=as_json, console=_stdout()))


@_command(event_app, "teardown")
def event_teardown(
    event: EventArg = None,
    team: Annotated[Optional[str], typer.Option("--team", help="Only this team.")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Delete what is listed (else only list it and print "
                                                    "the az commands that would).")] = False,
    as_json: JsonOption = False,
) -> None:
    """After the event: list what still costs money per team; delete it only with --yes.

    Online endpoints and deployments, compute clusters and instances, enabled schedules. Without
    --yes, prints the az commands that would remove them.
    """
    from ohcheck.event.teardown import main

    raise typer.Exit(main(_load(event), team=team, yes=yes, as_json=as_json, console=_stdout()))


__all__ = ["event_app", "EXIT_FAILED"]
