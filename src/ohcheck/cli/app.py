"""The ohcheck command line: thin — it parses, calls, renders.

Only Typer and the standard library are imported at start-up; everything else
(rich, pandas, MLflow, azure-ai-ml) is imported inside the command that needs
it, so `ohcheck --help` stays about as fast as Typer itself
(benchmarks/cli_startup.py measures it).

Exit codes: 0 all passed or skipped · 1 something failed · 2 usage or
configuration error · 3 something could not be decided (error) and nothing
failed · 4 an internal error in ohcheck itself.
"""

import sys

from ohcheck.cli.common import _say_error
from ohcheck.cli.root import app

# Importing an audience's module registers its commands, in the order `ohcheck --help` lists them.
from ohcheck.cli import team, pack_tools  # noqa: E402,F401
from ohcheck.cli.coach import coach_app  # noqa: E402
from ohcheck.cli.event import event_app  # noqa: E402

app.add_typer(team.data_app, name="data")
app.add_typer(coach_app, name="coach")
app.add_typer(team.pipeline_app, name="pipeline")
app.add_typer(event_app, name="event")


def main() -> None:
    """The `ohcheck` console script."""
    from ohcheck.stop_signals import ending_children_with_ohcheck

    ending_children_with_ohcheck()
    try:
        app()
    except KeyboardInterrupt:
        from ohcheck.i18n import msg

        _say_error(msg("Interrupted."))
        sys.exit(130)


__all__ = ["app", "main"]
