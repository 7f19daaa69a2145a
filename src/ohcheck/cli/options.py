"""Option types and team-repo plumbing shared by more than one audience's commands."""

import enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ohcheck.errors import UserError


from ohcheck.targets.registry import NAMES as _TARGET_NAMES

# --target's choices: the registry's names (an Enum, as Typer wants for a choice).
TargetName = enum.Enum("TargetName", {name: name for name in _TARGET_NAMES}, type=str)  # type: ignore[misc]
TARGET_CHOICES = "|".join(_TARGET_NAMES)  # how --help shows a target option that is a plain string


# -- shared option types ------------------------------------------------------
RepoOption = Annotated[
    Optional[Path],
    typer.Option(
        "--repo",
        help="The team repo. Default: the folder holding ohcheck.yaml, here or above.",
        file_okay=False,
    ),
]

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

DataSourceOption = Annotated[
    str,
    typer.Option(
        "--data-source",
        help="Data for the solutions: synthetic, auto (download, else synthetic), a URL, or a path to TransactionHistory.",
    ),
]


def _team_repo(repo: Optional[Path]) -> Path:
    from ohcheck.config import CONFIG_NAME, find_repo
    from ohcheck.errors import ConfigError
    from ohcheck.i18n import msg

    if repo is not None:
        if not (repo / CONFIG_NAME).is_file():
            raise ConfigError(
                msg("There is no {file} in {repo}.", file=CONFIG_NAME, repo=repo),
                hint=msg("Run `ohcheck init --dir {repo}` to write one.", repo=repo),
            )
        _team_language(repo)
        return repo.resolve()
    found = find_repo()
    if found is None:
        raise ConfigError(
            msg("No {file} here or in any parent folder, so this is not a team repo.", file=CONFIG_NAME),
            hint=msg("Run `ohcheck init` in your team repo, or pass --repo PATH."),
        )
    _team_language(found)
    return found

def _team_language(repo: Optional[Path]) -> None:
    """Speak the team repo's `language:` (ohcheck.yaml) from here on, unless --lang or OHCHECK_LANG chose.

    Quietly: a missing or broken ohcheck.yaml is for the command to report, in whichever language.
    """
    from ohcheck import i18n
    from ohcheck.config import CONFIG_NAME, find_repo

    root = repo if repo is not None else find_repo()
    if root is None or not (root / CONFIG_NAME).is_file():
        return
    try:
        i18n.adopt(_team_config(root).language)
    except UserError:
        pass


# ohcheck.yaml as this command read it, by path: the language, the repo check and the run each want it,
# and it is read once. Emptied when a command starts (cli.common._command): CliRunner runs many in one process.
_CONFIGS: dict[Path, Any] = {}


def forget_team_files() -> None:
    _CONFIGS.clear()


def _team_config(root: Path) -> Any:
    """The team's ohcheck.yaml (config.Config), read once per command; its ConfigError again if it is wrong."""
    from ohcheck.config import CONFIG_NAME, load_config

    key = (root / CONFIG_NAME).resolve()
    if key not in _CONFIGS:
        try:
            _CONFIGS[key] = load_config(root / CONFIG_NAME)
        except UserError as exc:
            _CONFIGS[key] = exc
    found = _CONFIGS[key]
    if isinstance(found, UserError):
        raise found
    return found


def _read_event(path: Path) -> Any:
    """event.yaml (event.model.LoadedEvent), its `event.language` spoken from here on unless --lang or
    OHCHECK_LANG chose; a problem in it is said in the language it names."""
    from ohcheck import i18n
    from ohcheck.errors import ConfigError
    from ohcheck.event.model import load_event

    try:
        loaded = load_event(path)
    except ConfigError as exc:
        i18n.adopt(exc.language)
        raise
    i18n.adopt(loaded.event.event.language)
    return loaded

def _pack() -> Any:
    from ohcheck.pack import HackPack

    return HackPack()
