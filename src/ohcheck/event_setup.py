"""`ohcheck event setup`: from a valid event file to everything the event needs on disk.

    OUT/
      teams/<team>/            the team kit: a git repo with challenge 00's starter,
                               ohcheck.yaml naming the team's workspace, a CI workflow,
                               and .ohcheck/event.key (git-ignored) to sign results
      infra/main.bicep         one template for every team's resource group (event_infra.py)
      infra/<team>.parameters.json
      deploy.sh                deploys every team with `az deployment group create`
      event-summary.md         for coaches: teams, members, workspaces, links (event_summary.py)

Nothing is written unless the whole event is valid (event_validate.py). Every
file goes through KitWriter, so a second run rewrites only what nobody
changed, and says what it kept. The event key is the coach tools' own
(`.ohcheck-coach/event.key` beside event.yaml, made here if missing).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ohcheck.bundle import KEY_NAME, new_key
from ohcheck.errors import ConfigError, UserError
from ohcheck.event import KITS, LoadedEvent, Team
from ohcheck.event_files import KitWriter
from ohcheck.event_validate import validate_event

_COACH_KEY = Path(".ohcheck-coach") / KEY_NAME


@dataclass
class KitReport:
    team: str
    folder: Path
    git: str  # "initialised", "already a repository" or why not
    note: str | None = None  # e.g. the event names another repo for the team


@dataclass
class SetupResult:
    out: Path
    kits: list[KitReport] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # relative path -> written/updated/unchanged/kept
    key: str = ""  # "made" or "kept"

    def kept(self) -> list[str]:
        return sorted(p for p, o in self.files.items() if o == "kept")

    def to_json(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "event_key": self.key,
            "kits": [{"team": k.team, "folder": str(k.folder), "git": k.git, "note": k.note} for k in self.kits],
            "files": self.files,
            "kept": self.kept(),
        }


def setup(loaded: LoadedEvent, out: Path, *, console: Any | None = None) -> SetupResult:
    """Write the kits, templates, deploy script and summary under `out`; `console` gets the story."""
    report = validate_event(loaded)
    if not report.ok:
        more = f" (and {len(report.problems) - 1} more: see `ohcheck event validate`)" if len(report.problems) > 1 else ""
        raise ConfigError(f"{report.problems[0]}{more} Nothing was written.")
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file: --out needs a folder.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"Cannot make the folder {out}: {exc.strerror or exc}.") from None

    result = SetupResult(out=out.resolve())
    key_path = loaded.folder / _COACH_KEY
    result.key = "made" if new_key(key_path) else "kept"
    key = key_path.read_text(encoding="utf-8")

    writer = KitWriter(out)
    for team in _progress(loaded.event.teams, console):
        result.kits.append(_write_kit(loaded, team, writer, key))
    if loaded.event.azure is not None:
        from ohcheck.event_infra import write_infra

        write_infra(loaded, writer)
    from ohcheck.event_summary import write_summary

    write_summary(loaded, writer)
    writer.save()
    for kit in result.kits:  # commit after every file is there: the first commit holds the whole kit
        kit.git = _git_init(kit.folder, kit.team) if kit.git == "pending" else kit.git
    result.files = dict(sorted(writer.outcomes.items()))
    if console is not None:
        _tell(result, loaded, console)
    return result


def _progress(teams: list[Team], console: Any | None) -> Any:
    if console is None or len(teams) < 2:
        return teams
    from rich.console import Console
    from rich.progress import track

    return track(teams, description="Writing team kits", console=Console(stderr=True), transient=True)


def _write_kit(loaded: LoadedEvent, team: Team, writer: KitWriter, key: str) -> KitReport:
    from ohcheck.pack import HackPack, pack_files
    from ohcheck.team_init import render_config
    from ohcheck.workspace_config import WorkspaceRef

    base = Path(KITS) / team.name
    folder = writer.root / base
    already_git = (folder / ".git").exists()
    starter = HackPack().challenge("challenge-00").starter
    if starter is None or ".ohcheck/" not in (starter / ".gitignore").read_text(encoding="utf-8"):
        # The starter's .gitignore keeps .ohcheck/ (the event key) out of git; without it, no kit.
        raise UserError("The hack pack's challenge 00 starter does not git-ignore .ohcheck/: no kit was written.")
    if starter is not None:
        for rel in pack_files(starter):
            writer.write(base / rel, (starter / rel).read_bytes())

    names = None
    if loaded.event.azure is not None and team.target == "azure":
        from ohcheck.event_names import team_names

        names = team_names(loaded.event, team)
    ws = team.workspace
    ref = WorkspaceRef(ws.subscription_id, ws.resource_group, ws.name, source=loaded.path.name) if ws else None
    writer.write(base / "ohcheck.yaml", render_config(
        team=team.name, target=team.target, workspace=ref,
        endpoint=names.endpoint if names else None, compute_instance=names.compute_instance if names else None))
    writer.write(base / ".github" / "workflows" / "ohcheck.yml", _template_text("team-workflow.yml"))
    if writer.write(base / ".ohcheck" / KEY_NAME, key) != "kept":
        (folder / ".ohcheck" / KEY_NAME).chmod(0o600)  # a secret: its owner reads it, nobody else

    note = None
    named = loaded.repo_path(team)
    if team.repo_is_url:
        note = f"push it to {_shown(team.repo)}, where the event file says the team's repo is"
    elif named is not None and named != folder.resolve():
        note = f"the event file says the team's repo is {named}: move the kit there or change `repo:`"
    return KitReport(team.name, folder, "already a repository" if already_git else "pending", note)


def _template_text(name: str) -> str:
    from importlib.resources import files

    return files("ohcheck").joinpath("templates", name).read_text(encoding="utf-8")


def _shown(url: str) -> str:
    from ohcheck.coach_collect import shown

    return shown(url)


def _git_init(folder: Path, team: str) -> str:
    """`git init` and a first commit of the kit; a kit without git still works, so a failure is a note."""
    git = shutil.which("git")
    if git is None:
        return "not a repository: git is not installed"
    author = ["-c", "user.name=ohcheck event setup", "-c", "user.email=ohcheck@localhost", "-c", "commit.gpgsign=false"]
    steps = [
        [git, "init", "-q", "-b", "main"],
        [git, "add", "-A"],
        [git, *author, "commit", "-q", "-m", f"Team kit for {team}: challenge 00 starter, ohcheck.yaml, CI workflow"],
    ]
    for step in steps:
        done = subprocess.run(step, cwd=folder, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()
            return f"not committed: {' '.join(step[1:3])} failed ({last[-1] if last else done.returncode})"
    return "initialised"


def _tell(result: SetupResult, loaded: LoadedEvent, console: Any) -> None:
    from rich.markup import escape

    counts = {o: sum(1 for v in result.files.values() if v == o) for o in ("written", "updated", "unchanged", "kept")}
    console.print(escape(f"Setup for {loaded.event.event.name} in {result.out}:"))
    for kit in result.kits:
        console.print(escape(f"  team kit  {kit.folder.relative_to(result.out)}  (git: {kit.git})"))
        if kit.note:
            console.print(f"    [cyan]note:[/] {escape(kit.note)}")
    if loaded.event.azure is not None:
        console.print("  templates infra/main.bicep and one parameters file per team; deploy.sh")
    console.print("  summary   event-summary.md")
    console.print(escape(f"Event key: {'made' if result.key == 'made' else 'kept'} at "
                         f"{loaded.folder / _COACH_KEY}; each kit has a copy in .ohcheck/ (git ignores it)."))
    console.print(escape(", ".join(f"{n} {o}" for o, n in counts.items() if n) + "."))
    for rel in result.kept():
        console.print(f"  [yellow]kept[/] {escape(rel)}: changed since setup wrote it; "
                      "delete it to have setup write it again")
    if loaded.event.azure is not None:
        console.print("Next: `ohcheck event preflight`, then `./deploy.sh` (needs `az login`).")
