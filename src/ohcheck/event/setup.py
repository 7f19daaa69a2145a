"""`ohcheck event setup`: from a valid event file to everything the event needs on disk.

    OUT/
      teams/<team>/            the team kit: a git repo with challenge 00's starter,
                               ohcheck.yaml naming the team's workspace, a CI workflow,
                               and .ohcheck/team.key (git-ignored): the team's own key
                               to sign results, never the event key
      infra/main.bicep         one template for every team's resource group (event_infra.py)
      infra/<team>.parameters.json
      deploy.sh                deploys every team with `az deployment group create`
      event-summary.md         for coaches: teams, members, workspaces, links (event_summary.py)

Nothing is written unless the whole event is valid (event_validate.py). Every
file goes through KitWriter, so a second run rewrites only what nobody
changed, and says what it kept. The event key is the coach tools' own
(`.ohcheck-coach/event.key` beside event.yaml, made here if missing); each kit
gets only its team's key, derived from it (bundle.team_key), so a team can sign
only its own results. A kit that still holds a copy of the event key from an
older setup (`.ohcheck/event.key`) has it removed: with it, its team could sign
as any team.

What the kits and the summary page hold is in the event's language
(`event.language`): the starter's README.ja.md becomes a Japanese kit's
README.md, ohcheck.yaml says `language: ja`. What setup says on the console is
in the language the command speaks (--lang, OHCHECK_LANG, else the event's).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ohcheck.bundle import EVENT_KEY_NAME, TEAM_KEY_NAME, new_key, read_key, team_key
from ohcheck.errors import ConfigError, UserError
from ohcheck.event.model import KITS, LoadedEvent, Team
from ohcheck.event.files import KIT_TEMPLATES, KitWriter, kit_template
from ohcheck.event.validate import validate_event
from ohcheck.i18n import framework, msg

_COACH_KEY = Path(".ohcheck-coach") / EVENT_KEY_NAME


@dataclass
class KitReport:
    team: str
    folder: Path
    git: str  # "initialised", "already a repository" or why not (a message)
    note: str | None = None  # e.g. the event names another repo for the team (a message)
    removed_event_key: bool = False  # an older setup's copy of the event key was taken out of the kit


@dataclass
class SetupResult:
    out: Path
    kits: list[KitReport] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # relative path -> written/updated/unchanged/kept
    key: str = ""  # "made" or "kept"
    key_path: Path | None = None  # where the event key is (beside event.yaml, for the coaches)

    def kept(self) -> list[str]:
        return sorted(p for p, o in self.files.items() if o == "kept")

    def to_json(self) -> dict[str, Any]:
        """Paths, outcomes and the key's state are stable; `git` and `note` are in the chosen language (`lang`)."""
        said = framework()
        return {
            "out": str(self.out),
            "lang": said.lang,
            "event_key": self.key,
            "kits": [{"team": k.team, "folder": str(k.folder), "git": said.say(k.git),
                      "note": said.say(k.note) if k.note else None, "removed_event_key": k.removed_event_key}
                     for k in self.kits],
            "files": self.files,
            "kept": self.kept(),
        }


def setup(loaded: LoadedEvent, out: Path, *, progress: bool = False) -> SetupResult:
    """Write the kits, templates, deploy script and summary under `out` (a bar over the teams on a terminal
    with `progress`); what was done, for render.event_views.print_setup to tell."""
    report = validate_event(loaded)
    if not report.ok:
        if len(report.problems) > 1:
            raise ConfigError(msg("{problem} (and {count} more: see `ohcheck event validate`) Nothing was written.",
                                  problem=report.problems[0], count=len(report.problems) - 1))
        raise ConfigError(msg("{problem} Nothing was written.", problem=report.problems[0]))
    if out.exists() and not out.is_dir():
        raise UserError(msg("{out} is a file: --out needs a folder.", out=out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(msg("Cannot make the folder {folder}: {error}.", folder=out, error=exc.strerror or exc)) from None

    result = SetupResult(out=out.resolve())
    key_path = result.key_path = loaded.folder / _COACH_KEY
    result.key = "made" if new_key(key_path) else "kept"
    key = read_key(key_path, who="ohcheck event setup")

    writer = KitWriter(out)
    from ohcheck.render.event_views import kit_progress

    teams = loaded.event.teams
    with kit_progress(len(teams), enabled=progress and len(teams) > 1) as advance:
        for team in teams:
            result.kits.append(_write_kit(loaded, team, writer, key))
            advance(team.name)
    if loaded.event.azure is not None:
        from ohcheck.event.infra import write_infra

        write_infra(loaded, writer)
    from ohcheck.event.summary import write_summary

    write_summary(loaded, writer)
    writer.save()
    for kit in result.kits:  # commit after every file is there: the first commit holds the whole kit
        kit.git = _git_init(kit.folder, kit.team, loaded.event.event.kit_language) if kit.git == "pending" else kit.git
    result.files = dict(sorted(writer.outcomes.items()))
    return result


def _write_kit(loaded: LoadedEvent, team: Team, writer: KitWriter, key: bytes) -> KitReport:
    from ohcheck.pack import HackPack, pack_files, pack_source
    from ohcheck.kit.team_init import render_config
    from ohcheck.azure.workspace_config import WorkspaceRef

    lang = loaded.event.event.kit_language  # what the kit holds; not the language setup speaks
    base = Path(KITS) / team.name
    folder = writer.root / base
    already_git = (folder / ".git").exists()
    starter = HackPack().challenge("challenge-00").starter
    if starter is None or ".ohcheck/" not in (starter / ".gitignore").read_text(encoding="utf-8"):
        # The starter's .gitignore keeps .ohcheck/ (the team key) out of git; without it, no kit.
        raise UserError(msg("The hack pack's challenge 00 starter does not git-ignore .ohcheck/: no kit was written."))
    if starter is not None:
        for rel in pack_files(starter):  # README.ja.md becomes a Japanese kit's README.md
            writer.write(base / rel, pack_source(starter, rel, lang).read_bytes())

    names = None
    if loaded.event.azure is not None and team.target == "azure":
        from ohcheck.event.names import team_names

        names = team_names(loaded.event, team)
    ws = team.workspace
    ref = WorkspaceRef(ws.subscription_id, ws.resource_group, ws.name, source=loaded.path.name) if ws else None
    writer.write(base / "ohcheck.yaml", render_config(
        team=team.name, target=team.target, workspace=ref,
        endpoint=names.endpoint if names else None, compute_instance=names.compute_instance if names else None,
        lang=lang))
    for rel in KIT_TEMPLATES:  # the CI workflow
        writer.write(base / rel, kit_template(rel))
    if writer.write(base / ".ohcheck" / TEAM_KEY_NAME, team_key(key, team.name).hex() + "\n") != "kept":
        (folder / ".ohcheck" / TEAM_KEY_NAME).chmod(0o600)  # a secret: its owner reads it, nobody else
    removed = _remove_event_key(folder / ".ohcheck" / EVENT_KEY_NAME, key)

    note = None
    named = loaded.repo_path(team)
    if team.repo_is_url:
        note = msg("push it to {url}, where the event file says the team's repo is", url=_shown(team.repo))
    elif named is not None and named != folder.resolve():
        note = msg("the event file says the team's repo is {path}: move the kit there or change `repo:`", path=named)
    return KitReport(team.name, folder, msg("already a repository") if already_git else "pending", note, removed)


def _remove_event_key(path: Path, key: bytes) -> bool:
    """Take an older setup's copy of the event key out of a kit (it let the team sign as any team); a file
    there holding something else is the team's, left alone."""
    try:
        held = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return False
    if held.lower() != key.hex():
        return False
    path.unlink()
    return True


def _shown(url: str) -> str:
    from ohcheck.coach.collect import shown

    return shown(url)


def _git_init(folder: Path, team: str, lang: str = "en") -> str:
    """`git init` and a first commit of the kit (its message in the kit's `lang`); a kit without git still
    works, so a failure is a note."""
    git = shutil.which("git")
    if git is None:
        return msg("not a repository: git is not installed")
    author = ["-c", "user.name=ohcheck event setup", "-c", "user.email=ohcheck@localhost", "-c", "commit.gpgsign=false"]
    message = framework(lang).say(msg("Team kit for {team}: challenge 00 starter, ohcheck.yaml, CI workflow", team=team))
    steps = [
        [git, "init", "-q", "-b", "main"],
        [git, "add", "-A"],
        [git, *author, "commit", "-q", "-m", message],
    ]
    for step in steps:
        done = subprocess.run(step, cwd=folder, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()
            return msg("not committed: {step} failed ({error})", step=" ".join(step[1:3]),
                       error=last[-1] if last else done.returncode)
    return msg("initialised")
