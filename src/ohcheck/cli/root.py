"""The root `ohcheck` Typer app and its callback (--version); the audiences' modules register their commands on it."""

from typing import Annotated

import typer

from ohcheck import __version__
from ohcheck.cli.help import LocalisedGroup


app = typer.Typer(
    cls=LocalisedGroup,
    name="ohcheck",
    help="Check OpenHack challenges: teams verify their work, coaches review, facilitators prepare.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ohcheck {__version__}")
        raise typer.Exit()

@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", help="Show the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Check OpenHack challenges: teams verify their work, coaches review, facilitators prepare.

    A team's work lives in its repo (with an ohcheck.yaml) and in its workspace:
    the [bold]local[/] target (MLflow and Azure ML's local inference server, no Azure
    needed) or the [bold]azure[/] target (an Azure ML workspace).
    """
