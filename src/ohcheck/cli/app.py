"""The ohcheck command line: thin — it parses, calls, renders.

Only Typer and the standard library are imported at start-up; everything else
(rich, pandas, MLflow, azure-ai-ml) is imported inside the command that needs
it, so `ohcheck --help` stays about as fast as Typer itself
(benchmarks/cli_startup.py measures it).

Exit codes: 0 all passed or skipped · 1 something failed · 2 usage or
configuration error · 3 something could not be decided (error) and nothing
failed · 4 an internal error in ohcheck itself.
"""

import enum
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ohcheck import __version__
from ohcheck.cli.common import _command, _echo_json, _esc, _say_error, _say_warning, _stderr, _stdout
from ohcheck.cli.help import LocalisedGroup
from ohcheck.errors import EXIT_FAILED, EXIT_OK, EXIT_UNDECIDED, EXIT_USAGE, UserError


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
data_app = typer.Typer(cls=LocalisedGroup, help="Prepare the hack's data: Adventure Works daily transactions.", no_args_is_help=True)
app.add_typer(data_app, name="data")
coach_app = typer.Typer(
    cls=LocalisedGroup,
    help="For coaches: verify every team yourself, and sign challenges off.", no_args_is_help=True
)
app.add_typer(coach_app, name="coach")
pipeline_app = typer.Typer(cls=LocalisedGroup, help="Run your Azure ML pipeline on this machine (the local target).", no_args_is_help=True)
app.add_typer(pipeline_app, name="pipeline")

from ohcheck.cli.event import event_app  # noqa: E402 - its commands use the helpers above

app.add_typer(event_app, name="event")


class TargetName(str, enum.Enum):
    local = "local"
    azure = "azure"


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
    from ohcheck.config import CONFIG_NAME, find_repo, load_config

    root = repo if repo is not None else find_repo()
    if root is None or not (root / CONFIG_NAME).is_file():
        return
    try:
        load_config(root / CONFIG_NAME)
    except UserError:
        pass


def _pack() -> Any:
    from ohcheck.pack import HackPack

    return HackPack()


# -- list / show / start ---------------------------------------------------------
@_command(app, "list")
def list_challenges(repo: RepoOption = None, as_json: JsonOption = False) -> None:
    """List the challenges, their titles and criteria; in a team repo, also your last result of each."""
    from ohcheck.config import find_repo
    from ohcheck.errors import StoreError
    from ohcheck.store import ResultsStore, store_path

    from ohcheck import i18n
    from ohcheck.config import CONFIG_NAME, load_config

    pack = _pack()
    root = _team_repo(repo) if repo is not None else find_repo()
    if root is not None:
        try:
            load_config(root / CONFIG_NAME)  # for its `language:`
        except UserError:
            pass
    lang = i18n.language()
    latest: dict = {}
    if root is not None:
        try:
            with ResultsStore(store_path(root), create=False) as store:
                latest = store.latest_by_challenge()
        except StoreError as exc:
            _say_error(i18n.msg("{problem} Showing the challenges without your results.", problem=exc.message))
    rows = []
    for c in pack.challenges:
        attempt = latest.get(c.id)
        rows.append(
            {
                "id": c.id,
                "title": c.title_in(lang),
                "criteria": len(pack.criteria(c)),
                "last_status": attempt.verdict if attempt else None,
                "last_counts": (
                    {"passed": attempt.passed, "failed": attempt.failed, "error": attempt.error, "skipped": attempt.skipped}
                    if attempt
                    else None
                ),
                "last_time": attempt.started_at if attempt else None,
            }
        )
    if as_json:
        _echo_json({"team_repo": str(root) if root else None, "challenges": rows})
        return
    from ohcheck.render.tables import print_table

    t = i18n.t
    criteria_column = t("Criteria")
    columns = ["ID", t("Title"), criteria_column] + ([t("Your last result")] if root is not None else [])
    table_rows = []
    for row in rows:
        cells = [row["id"], _esc(row["title"]), str(row["criteria"])]
        if root is not None:
            cells.append(_last_result(row))
        table_rows.append(cells)
    title = t("OpenHack challenges (team repo {root})", root=str(root)) if root else t("OpenHack challenges")
    print_table(_stdout(), columns, table_rows, title=_esc(title), right=[criteria_column])


def _last_result(row: dict) -> str:
    from ohcheck.i18n import t

    counts = row["last_counts"]
    if not counts:
        return t("not verified yet")
    total = sum(counts.values())
    style = {"passed": "green", "failed": "red", "error": "yellow", "skipped": "dim"}[row["last_status"]]
    verdict = {"passed": t("passed"), "failed": t("failed"), "error": t("error"), "skipped": t("skipped")}[row["last_status"]]
    said = t("{passed}/{total} passed, {time}", passed=counts["passed"], total=total, time=row["last_time"])
    return f"[{style}]{verdict}[/] ({_esc(said)})"


@_command(app)
def show(
    challenge: Annotated[str, typer.Argument(help="The challenge: challenge-01, 01 or 1.")],
    raw: Annotated[bool, typer.Option("--raw", help="Print the Markdown source.")] = False,
) -> None:
    """Show a challenge: what to do, its success criteria, learning resources."""
    from ohcheck import i18n
    from ohcheck.config import CONFIG_NAME, find_repo, load_config

    found = find_repo()
    if found is not None:  # a team repo's `language:` decides when --lang and OHCHECK_LANG do not
        try:
            load_config(found / CONFIG_NAME)
        except UserError:
            pass  # a broken ohcheck.yaml must not stop anyone reading a challenge
    c = _pack().challenge(challenge)
    text = c.page(i18n.language()).read_text(encoding="utf-8")
    console = _stdout()
    if raw or not console.is_terminal:
        typer.echo(text)
        return
    from rich.markdown import Markdown

    console.print(Markdown(text, hyperlinks=True))


@_command(app)
def start(
    challenge: Annotated[str, typer.Argument(help="The challenge: challenge-01, 01 or 1.")],
    directory: Annotated[
        Optional[Path],
        typer.Option("--dir", help="The team repo. Default: the folder holding ohcheck.yaml, or the current one.", file_okay=False),
    ] = None,
) -> None:
    """Copy a challenge's starter files into your team repo, never over a file you already have."""
    from ohcheck.config import find_repo
    from ohcheck.starter import start_challenge

    from ohcheck import i18n
    from ohcheck.config import CONFIG_NAME, load_config

    c = _pack().challenge(challenge)
    dest = directory or find_repo() or Path.cwd()
    if (dest / CONFIG_NAME).is_file():
        load_config(dest / CONFIG_NAME)  # its `language:` picks the starter's README
    lang = i18n.language()
    report = start_challenge(c, dest, lang=lang)
    t = i18n.t
    console = _stdout()
    console.print(_esc(t("Starter files for {challenge} ({title}) in {dest}:", challenge=c.id, title=c.title_in(lang),
                         dest=str(dest))))
    copied, kept = _esc(t("copied")), _esc(t("kept"))
    for name in report.copied:
        console.print(f"  [green]{copied}[/]  {_esc(name)}")
    for name in report.skipped:
        console.print(f"  [yellow]{kept}[/]    {_esc(name)} "
                      + _esc(t("(you already have it; the starter's version was not copied)")))
    if not report.copied and not report.skipped:
        console.print(_esc(t("  (the starter has no files)")))
    console.print(_esc(t("Next: read `ohcheck show {challenge}`, then check your work with `ohcheck verify {challenge}`.",
                         challenge=c.id)))


@_command(app)
def init(
    directory: Annotated[Path, typer.Option("--dir", help="The team repo.", file_okay=False)] = Path("."),
    team: Annotated[Optional[str], typer.Option(help="Your team's name. Default: the folder's name.")] = None,
    target: Annotated[TargetName, typer.Option(help="Where `ohcheck verify` checks by default.")] = TargetName.local,
    config_json: Annotated[
        Optional[Path],
        typer.Option(
            "--config-json",
            help="The workspace's config.json from the Azure ML portal. Default: config.json here or above, if any.",
            dir_okay=False,
        ),
    ] = None,
    subscription: Annotated[Optional[str], typer.Option(help="Azure subscription id of the workspace.")] = None,
    resource_group: Annotated[Optional[str], typer.Option(help="Resource group of the workspace.")] = None,
    workspace: Annotated[Optional[str], typer.Option(help="Name of the Azure ML workspace.")] = None,
    scoring_url: Annotated[
        Optional[str], typer.Option(help="Where `ohcheck serve` serves your model locally. Default: http://127.0.0.1:5001/score.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing ohcheck.yaml.")] = False,
) -> None:
    """Write a commented ohcheck.yaml into your team repo."""
    from ohcheck import i18n
    from ohcheck.team_init import init_repo

    t = i18n.t
    _team_language(directory)  # an ohcheck.yaml already there: its language, for messages and a --force rewrite
    path, ref = init_repo(
        directory,
        team=team,
        target=target.value,
        config_json=config_json,
        subscription_id=subscription,
        resource_group=resource_group,
        workspace=workspace,
        force=force,
        scoring_url=scoring_url,
        lang=i18n.language(),  # --lang, OHCHECK_LANG or the system locale: the file's comments and `language:`
    )
    console = _stdout()
    console.print(_esc(t("Wrote {path} (target: {target}).", path=str(path), target=target.value)))
    if ref:
        console.print(_esc(t("Azure ML workspace: {workspace} in {group} (from {source}).", workspace=ref.workspace,
                             group=ref.resource_group, source=ref.source)))
    else:
        console.print(_esc(t("No Azure workspace yet: add it under `azure:` when you have one (challenge 00).")))
    console.print(_esc(t("Next: `ohcheck verify challenge-00`.")))


# -- verify / history -------------------------------------------------------------
@_command(app)
def verify(
    challenge: Annotated[str, typer.Argument(help="The challenge: challenge-01, 01 or 1.")],
    target: Annotated[
        Optional[TargetName],
        typer.Option("--target", "-t", help="Check this target instead of ohcheck.yaml's (env: OHCHECK_TARGET)."),
    ] = None,
    as_json: JsonOption = False,
    junit_xml: Annotated[
        Optional[Path], typer.Option("--junit-xml", help="Also write the results as JUnit XML to FILE.", dir_okay=False)
    ] = None,
    export: Annotated[
        Optional[Path],
        typer.Option("--export", help="Also write the results as a bundle signed with your team's key, for your coach.",
                     dir_okay=False),
    ] = None,
    repo: RepoOption = None,
    store: Annotated[bool, typer.Option("--store/--no-store", help="Record the results in .ohcheck/results.db.")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds each criterion may take.", min=1.0)] = 120.0,
) -> None:
    """Check every success criterion of a challenge against your repo and workspace.

    Exit code: 0 all passed or skipped, 1 something failed, 2 usage or config
    error, 3 something could not be decided (error) and nothing failed.
    """
    from ohcheck.runner import RunnerSettings
    from ohcheck.verify import verify as run_verify

    _team_language(repo)  # an unknown challenge is said in the team's language too
    pack = _pack()
    c = pack.challenge(challenge)
    root = _team_repo(repo)
    key = None
    if export is not None:  # before the run: no key means nothing to sign, so say so at once
        from ohcheck.bundle import read_team_key
        from ohcheck.store import STORE_DIR

        key = read_team_key(root / STORE_DIR, who="--export")
    criteria = pack.criteria(c)
    settings = RunnerSettings(timeout=timeout)
    err = _stderr()
    with _CriteriaProgress(err, len(criteria), enabled=err.is_terminal and not as_json,
                           title=lambda criterion: _pack_title(pack, criterion)) as (on_start, on_result):
        run = run_verify(
            pack,
            c,
            root,
            target=target.value if target else None,
            store=store,
            settings=settings,
            on_start=on_start,
            on_result=on_result,
        )
    from ohcheck import i18n
    from ohcheck.render import json_report, terminal

    # Results are stored in English with their templates; they are said in the reader's language here.
    lang = i18n.language()
    catalogue = pack.catalogue(lang)
    shown = [r.in_language(catalogue) for r in run.results]
    title = c.title_in(lang)
    # A run the store could not record is still the team's: shown, its exit code kept, and said not stored.
    unstored = None
    if run.not_stored is not None:
        unstored = (run.not_stored.message, i18n.msg(
            "These results were not stored: verify again once the store can be written, or keep them with "
            "--export FILE (for your coach) or --json > FILE."))
    if as_json:
        document = json_report.report(
            challenge=c.id,
            title=title,
            target=run.config.target,
            team=run.config.team,
            started_at=run.started_at,
            results=shown,
            summary=run.summary,
            lang=lang,
        )
        document["stored"] = run.attempt_id is not None
        if unstored is not None:
            document["warnings"] = [i18n.framework().say(sentence) for sentence in unstored]
        _echo_json(document)
    else:
        heading = i18n.t("{challenge} — {title}  (team {team}, target {target})",
                         challenge=c.id, title=title, team=run.config.team, target=run.config.target)
        terminal.print_results(_stdout(), heading, shown, run.summary)
    if unstored is not None:
        _say_warning(*unstored)
    from ohcheck.errors import writing

    if junit_xml is not None:
        from ohcheck.atomic import write_atomic
        from ohcheck.render import junit

        with writing(junit_xml):
            write_atomic(junit_xml, junit.to_xml(c.id, title, shown, run.summary, timestamp=run.started_at))
    if export is not None and key is not None:
        from ohcheck import bundle
        from ohcheck.atomic import write_atomic

        with writing(export):
            write_atomic(export, bundle.export(run, key, bundle.earlier_verifies(root, run)))
        _stderr().print(_esc(i18n.t("Wrote the signed results to {file}: send it to your coach.", file=str(export))))
    raise typer.Exit(run.summary.exit_code)


def _pack_title(pack: Any, criterion: Any) -> str:
    """A criterion's title in the chosen language (the pack's catalogue), for a progress line."""
    from ohcheck import i18n

    return pack.catalogue(i18n.language()).title(criterion.id, criterion.title)


class _CriteriaProgress:
    """A progress bar on stderr while criteria run (only on a terminal)."""

    def __init__(self, console: Any, total: int, *, enabled: bool,
                 title: Optional[Callable[[Any], str]] = None) -> None:
        self.console, self.total, self.enabled = console, total, enabled
        self.title = title or (lambda criterion: criterion.title)
        self.progress: Any = None

    def __enter__(self) -> tuple[Optional[Callable[[Any], None]], Optional[Callable[[Any], None]]]:
        if not self.enabled:
            return None, None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            console=self.console, transient=True,
        )
        self.progress.start()
        from ohcheck.i18n import t

        task = self.progress.add_task(_esc(t("checking")), total=self.total)
        return (
            lambda c: self.progress.update(
                task, description=_esc(t("checking {criterion} {title}", criterion=c.id, title=self.title(c)[:50]))),
            lambda r: self.progress.advance(task),
        )

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


@_command(app)
def history(
    challenge: Annotated[Optional[str], typer.Argument(help="Only this challenge.")] = None,
    repo: RepoOption = None,
    limit: Annotated[int, typer.Option(help="How many attempts to show, newest first.", min=1)] = 20,
    as_json: JsonOption = False,
) -> None:
    """Show your stored verify attempts, newest first."""
    from ohcheck.store import ResultsStore, store_path

    _team_language(repo)
    chosen = _pack().challenge(challenge).id if challenge else None
    root = _team_repo(repo)
    with ResultsStore(store_path(root), create=False) as store:
        attempts = store.attempts(chosen, limit=limit)
        if as_json:
            _echo_json(
                {
                    "team_repo": str(root),
                    "attempts": [
                        {**a.to_dict(), "results": [r.to_dict() for r in store.results(a.id)]} for a in attempts
                    ],
                }
            )
            return
    from ohcheck.i18n import t

    console = _stdout()
    if not attempts:
        if chosen:
            console.print(_esc(t("No attempts yet for {challenge}: run `ohcheck verify <challenge>`.", challenge=chosen)))
        else:
            console.print(_esc(t("No attempts yet: run `ohcheck verify <challenge>`.")))
        return
    from ohcheck.render.tables import print_table

    counts = [t("Passed"), t("Failed"), t("Error"), t("Skipped"), t("Took")]
    columns = ["#", t("When (UTC)"), t("Challenge"), t("Target"), t("Result"), *counts]
    rows = [
        [
            str(a.id), a.started_at.replace("T", " ").removesuffix("+00:00"), a.challenge, a.target,
            _verdict(a.verdict), str(a.passed), str(a.failed), str(a.error), str(a.skipped),
            _esc(t("{seconds:.1f} s", seconds=a.duration)),
        ]
        for a in attempts
    ]
    print_table(console, columns, rows, title=t("Verify attempts in {root}", root=str(root)), right=["#", *counts])


_VERDICT_STYLE = {"passed": "green", "failed": "red", "error": "yellow", "skipped": "dim"}


def _verdict(verdict: str) -> str:
    """A verdict (passed, failed, error, skipped) as rich markup, in the chosen language."""
    from ohcheck.i18n import t

    words = {"passed": t("passed"), "failed": t("failed"), "error": t("error"), "skipped": t("skipped")}
    return f"[{_VERDICT_STYLE.get(verdict, 'white')}]{_esc(words.get(verdict, verdict))}[/]"


# -- doctor --------------------------------------------------------------------------
@_command(app)
def doctor(repo: RepoOption = None, as_json: JsonOption = False) -> None:
    """Check that this machine and your team are ready for the azure target, with a fix for each problem.

    Local packages and tools, the team repo, the workspace, the credential, its
    role on the workspace, and the vCPU quota for the cluster's VM family.
    """
    from ohcheck.config import find_repo
    from ohcheck.doctor import diagnose

    from ohcheck import i18n

    t = i18n.t
    root = _team_repo(repo) if repo is not None else find_repo()
    err = _stderr()
    with _StageStatus(err, enabled=err.is_terminal and not as_json) as on_stage:
        if on_stage:
            on_stage(t("asking Azure"))
        findings = diagnose(root)  # reads ohcheck.yaml, so its `language:` is known from here on
    problems = [f for f in findings if f.ok is False]
    catalogue = i18n.framework()
    if as_json:
        _echo_json({"ok": not problems, "lang": catalogue.lang,
                    "findings": [f.to_dict(catalogue) for f in findings]})
    else:
        from ohcheck.render.tables import print_table

        style = {"ok": f"[green]{_esc(t('ok'))}[/]", "problem": f"[red]{_esc(t('problem'))}[/]",
                 "skipped": f"[dim]{_esc(t('skipped'))}[/]"}
        said = [f.said(catalogue) for f in findings]
        rows = [[_esc(f.check), style[f.status], _esc(f.detail), _esc(f.fix)] for f in said]
        console = _stdout()
        print_table(console, [t("Check"), t("Status"), t("What ohcheck saw"), t("Fix")], rows, title=t("ohcheck doctor"))
        if problems:
            console.print(_esc(t("{count} problem(s).", count=len(problems))), style="bold red")
        else:
            console.print(_esc(t("No problem found.")), style="bold green")
    raise typer.Exit(EXIT_FAILED if problems else EXIT_OK)


# -- serve -------------------------------------------------------------------------
@_command(app)
def serve(
    repo: RepoOption = None,
    model_dir: Annotated[
        Optional[Path],
        typer.Option("--model-dir", help="Serve this model folder instead of the latest registered version.", file_okay=False),
    ] = None,
    model_version: Annotated[
        Optional[str],
        typer.Option("--model-version", help="Serve this registered version instead of the latest."),
    ] = None,
    detach: Annotated[bool, typer.Option("--detach", help="Keep serving in the background; stop with --stop.")] = False,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Replace the server running for this repo (a redeploy): it keeps serving "
                     "until the new one has started on a port of its own, and keeps serving if that fails."),
    ] = False,
    stop: Annotated[bool, typer.Option("--stop", help="Stop the server of this repo (detached or not).")] = False,
    status: Annotated[
        bool,
        typer.Option("--status", help="Say whether a server of this repo is running, and if not what holds its "
                     "port. Exit code 0: it runs; 1: it does not."),
    ] = False,
) -> None:
    """Serve your score.py locally with Azure ML's inference server: the local target's endpoint.

    It serves the latest registered version of your model (the local MLflow
    registry) at local.scoring_url from ohcheck.yaml, with paths.score_script,
    on this machine only (127.0.0.1).
    """
    from ohcheck.local import serve as serving
    from ohcheck.config import CONFIG_NAME, load_config
    from ohcheck.i18n import msg, t

    root = _team_repo(repo)
    console = _stdout()
    if stop or status:
        # The port to look at: the scoring URL's; a broken ohcheck.yaml must not keep a server from stopping.
        try:
            port = serving.port_of(load_config(root / CONFIG_NAME).local.scoring_url)
        except UserError:
            port = 0
        if status:
            raise typer.Exit(_serve_status(serving, root, port, console))
        stopped = serving.stop(root, port)
        if stopped.served is not None:
            console.print(_esc(t("Stopped {model} at {url} (pid {pid}).", model=stopped.served.model,
                                 url=stopped.served.url, pid=stopped.served.pid)))
        if stopped.leftovers:
            console.print(_esc(t("Stopped what was left of this repo's server (pid {pids}).",
                                 pids=", ".join(str(pid) for pid in stopped.leftovers))))
        if stopped.served is None and not stopped.leftovers:
            console.print(_esc(t("No server is running for this repo.")))
        if stopped.other is not None:
            console.print(_esc(t("Port {port} is held by {holder}, not by this repo's server: ohcheck leaves it "
                                 "alone.", port=port, holder=stopped.other.said())))
        return
    config = load_config(root / CONFIG_NAME)

    def ready(served: Any) -> None:
        console.print(_esc(t("Serving {model} at {url} with {script} (log: .ohcheck/serve.log).", model=served.model,
                             url=served.url, script=config.paths.score_script)))
        console.print(_esc(t("Stop it with `ohcheck serve --stop`.") if detach else t("Press Ctrl-C to stop.")))

    def replaced(old: Any) -> None:
        console.print(_esc(t("Stopped {model} (pid {pid}).", model=old.model, pid=old.pid)))

    if model_dir is not None and model_version is not None:
        raise UserError(msg("Give --model-dir or --model-version, not both."))
    serving.start(config, root, model_dir=model_dir, version=model_version, detach=detach, replace=replace,
                  on_ready=ready, on_replaced=replaced)
    if not detach:
        console.print(_esc(t("Stopped.")))


def _serve_status(serving: Any, root: Path, port: int, console: Any) -> int:
    """Say whether this repo's server runs (exit code 0) or not (1), and what holds its port if not it."""
    from ohcheck.i18n import t

    served = serving.running(root)
    if served is not None:
        console.print(_esc(t("Serving {model} at {url} (pid {pid}).", model=served.model, url=served.url,
                             pid=served.pid)))
        return EXIT_OK
    holder = serving.port_holder(root, port) if port else None
    if holder is None:
        console.print(_esc(t("No server is running for this repo.")))
    elif holder.ours:
        console.print(_esc(t("No server is running for this repo, but what is left of one (pid {pid}) still holds "
                             "port {port}: `ohcheck serve --stop` ends it.", pid=holder.pid, port=port)))
    else:
        console.print(_esc(t("No server is running for this repo; port {port} is held by {holder}.", port=port,
                             holder=holder.said())))
    return EXIT_FAILED


# -- coach ---------------------------------------------------------------------------
EventOption = Annotated[
    Optional[Path],
    typer.Option("--event", help="The event file. Default: the nearest event.yaml, here or above.", dir_okay=False),
]
StoreOption = Annotated[
    Optional[Path],
    typer.Option("--store", help="The coach store. Default: .ohcheck-coach/coach.db beside the event file.",
                 dir_okay=False),
]
CoachOption = Annotated[
    Optional[str],
    typer.Option("--coach", help="Your name, recorded with what you do. Default: $OHCHECK_COACH, else your login."),
]


def _coach_name(coach: Optional[str]) -> str:
    import getpass

    return coach or os.environ.get("OHCHECK_COACH") or getpass.getuser()


def _coach_store(loaded: Any, store: Optional[Path]) -> Path:
    from ohcheck.coach.store import coach_store_path

    return store if store is not None else coach_store_path(loaded.folder)


@_command(coach_app, "collect")
def coach_collect(
    event: EventOption = None,
    team: Annotated[Optional[list[str]], typer.Option("--team", help="Only this team (repeat for more).")] = None,
    challenge: Annotated[
        Optional[list[str]], typer.Option("--challenge", help="Verify this challenge (repeat for more). Default: each "
                                          "team's challenges up to the first it has not passed, and the next.")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, max=32, help="How many teams to verify at once.")] = 4,
    store: StoreOption = None,
    coach: CoachOption = None,
    as_json: JsonOption = False,
) -> None:
    """Verify every team's repo and target yourself: the trusted, coach-verified record.

    Each team is verified on its own target (the event's `target`), read-only,
    in order up to the first challenge it has not passed and the one after it
    (what it has not reached stays not started). One team that cannot be
    verified (no repo, no credential) is that team's error; the others go on.
    Exit code 3 when some team could not be verified.
    """
    from ohcheck.coach.collect import collect
    from ohcheck.event.model import load_event

    loaded = load_event(event)
    pack = _pack()
    teams = [loaded.event.team(name) for name in team] if team else list(loaded.event.teams)
    challenges = [pack.challenge(c) for c in challenge] if challenge else [c for c in pack.challenges if pack.criteria(c)]
    err = _stderr()
    with _TeamsProgress(err, len(teams), enabled=err.is_terminal and not as_json) as done:
        outcomes = collect(loaded, pack, _coach_store(loaded, store), teams=teams, challenges=challenges,
                           coach=_coach_name(coach), jobs=jobs, on_team_done=done, explicit=bool(challenge))
    from ohcheck.coach.progress import event_progress, starter_passes

    progress = event_progress(loaded, _coach_store(loaded, store), [c.id for c in pack.challenges],
                              starter_passes(pack))
    # What the store could not take is still shown, its exit code kept, and said not stored (as verify does).
    from ohcheck import i18n

    unstored = [o.team for o in outcomes if o.not_stored is not None]
    warnings = []
    if unstored:
        warnings = [next(o.not_stored for o in outcomes if o.not_stored is not None), i18n.msg(
            "The results of {teams} were not stored: collect again once the coach store can be written, or keep "
            "this collect's results with --json > FILE.", teams=", ".join(unstored))]
    if as_json:
        document = {"event": loaded.event.event.name,
                    "teams": [{**o.to_dict(), "progress": progress[o.team].to_dict()} for o in outcomes]}
        if warnings:
            document["warnings"] = [i18n.framework().say(sentence) for sentence in warnings]
        _echo_json(document)
    else:
        _print_collected(outcomes, [c.id for c in pack.challenges], pack, progress)
    if warnings:
        _say_warning(*warnings)
    if any(c.verdict == "error" for o in outcomes for c in o.challenges):
        raise typer.Exit(EXIT_UNDECIDED)


class _TeamsProgress:
    """A bar of teams verified (stderr, terminals only)."""

    def __init__(self, console: Any, total: int, *, enabled: bool) -> None:
        self.console, self.total, self.enabled = console, total, enabled
        self.progress: Any = None

    def __enter__(self) -> Callable[[Any], None]:
        from ohcheck.i18n import t

        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

            self.progress = Progress(SpinnerColumn(), TextColumn(_esc(t("collecting"))), BarColumn(),
                                     MofNCompleteColumn(), TextColumn("{task.description}"), console=self.console,
                                     transient=True)
            self.progress.start()
            self.task = self.progress.add_task("", total=self.total)

        def done(outcome: Any) -> None:
            if self.progress is not None:
                self.progress.update(self.task, advance=1, description=_esc(t("{team} done", team=outcome.team)))

        return done

    def __exit__(self, *exc_info: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def _print_collected(outcomes: list, challenge_ids: list[str], pack: Any, progress: dict) -> None:
    """Where each team stands after the collect, in the words and colours of the dashboard
    (render/coach_states.py): its current challenge and that challenge's state, what it has passed, and
    what this collect verified."""
    from rich.table import Table

    from ohcheck import i18n
    from ohcheck.render.coach_states import TERMINAL, state_word

    console = _stdout()
    table = Table(title=i18n.t("Where each team stands (coach-verified)"), title_justify="left")
    for heading in (i18n.t("team"), i18n.t("current"), i18n.t("state"), i18n.t("passed"), i18n.t("verified now")):
        table.add_column(_esc(heading))
    short = {cid: cid.removeprefix("challenge-") for cid in challenge_ids}
    for outcome in outcomes:
        team = progress[outcome.team]
        current = team.challenge(team.current) if team.current else None
        if current is None:
            where, state = i18n.t("finished"), "[green]" + _esc(i18n.t("every challenge passed")) + "[/]"
        else:
            where = short.get(current.challenge, current.challenge)
            word = state_word(current.state)
            latest = current.latest
            if current.state == "in-progress" and latest is not None and not latest.problem:
                word += f" {latest.passed}/{latest.passed + latest.failed + latest.error}"
            if team.status == "stuck" and team.stuck_for is not None:
                from ohcheck.coach.times import duration_text

                word += " · " + i18n.t("stuck {time}", time=duration_text(team.stuck_for))
            state = f"[{TERMINAL.get(current.state, '')}]{_esc(word)}[/]"
        passed = " ".join(short.get(c.challenge, c.challenge) for c in team.challenges if c.done) or "–"
        verified = " ".join(short.get(c.challenge, c.challenge) for c in outcome.challenges) or "–"
        table.add_row(_esc(outcome.team), _esc(where), state, _esc(passed), _esc(verified))
    console.print(table)
    console.print(_esc(i18n.t("Collect verifies each team up to the first challenge it has not passed and the one "
                              "after it; the challenges it has not reached stay not started.")))
    said = pack.catalogue(i18n.language())  # a problem may hold a check's own message
    for outcome in outcomes:
        problems = sorted({c.problem for c in outcome.challenges if c.problem})
        for problem in problems:
            console.print(_esc(i18n.t("{team}: {problem}", team=outcome.team, problem=said.say(problem))))


CoverOption = Annotated[
    bool,
    typer.Option("--cover", help="You cover for the coach who looks after the team (recorded in the note)."),
]


def _event_coach(loaded: Any, coach: Optional[str]) -> Any:
    """The coach of the event doing this (event.Coach): --coach, $OHCHECK_COACH or the login, matched to
    `coaches[].name` (any case) or `coaches[].user`; one sentence when it is nobody the event lists."""
    from ohcheck.i18n import msg

    who = _coach_name(coach)
    coaches = loaded.event.coaches
    if not coaches:
        raise UserError(msg("The event lists no coaches, and only a coach of the event signs challenges off: list "
                            "yourself under `coaches:` in {file}.", file=loaded.path.name))
    for listed in coaches:
        if listed.name.casefold() == who.casefold() or (listed.user and listed.user.casefold() == who.casefold()):
            return listed
    raise UserError(msg("{coach} is not a coach of the event (its coaches: {coaches}): only they sign challenges off.",
                        coach=who, coaches=[c.name for c in coaches]),
                    hint=msg("Give your name as event.yaml spells it: --coach NAME or $OHCHECK_COACH."))


def _looks_after(loaded: Any, coach: Any, team: str, *, cover: bool, revoke: bool) -> str:
    """'' when `coach` looks after `team`; else what the note records of covering for its coaches, once the
    coach said so (--cover, or yes when asked in a terminal). Refused otherwise."""
    from ohcheck.i18n import msg, t

    if team in coach.teams:
        return ""
    others = [c.name for c in loaded.event.coaches if team in c.teams]
    fields = {"coach": coach.name, "team": team, "others": others or msg("no coach")}
    if not cover:
        question = (t("{coach} does not look after {team} ({others} does). Revoke anyway?", **fields) if revoke
                    else t("{coach} does not look after {team} ({others} does). Sign off anyway?", **fields))
        if not (sys.stdin.isatty() and typer.confirm(question)):
            raise UserError(msg("{coach} does not look after {team} ({others} does): nothing was recorded.", **fields),
                            hint=msg("Add --cover when you cover for its coach (it is recorded in the note)."))
    return t("{coach} covering for {others}", **fields)


def _with_cover(note: str, covering: str) -> str:
    return f"[{covering}] {note}".strip() if covering else note


@_command(coach_app, "approve")
def coach_approve(
    team: Annotated[str, typer.Argument(help="The team, as the event file names it.")],
    challenge: Annotated[str, typer.Argument(help="The challenge: challenge-03, 03 or 3.")],
    note: Annotated[str, typer.Option("--note", help="What you checked, for the record.")] = "",
    force: Annotated[bool, typer.Option("--force", help="Approve although your own verification did not pass "
                                        "every criterion (recorded as forced).")] = False,
    cover: CoverOption = False,
    event: EventOption = None,
    store: StoreOption = None,
    coach: CoachOption = None,
) -> None:
    """Sign a challenge off for a team, on the strength of your own (coach-verified) results.

    Only a coach of the event (`coaches:` in event.yaml) signs off, for a team
    they look after; for another team they are asked (or give --cover).
    """
    from ohcheck.coach.store import CoachStore
    from ohcheck.event.model import load_event
    from ohcheck.i18n import msg, t

    loaded = load_event(event)
    name = loaded.event.team(team).name
    cid = _pack().challenge(challenge).id
    signer = _event_coach(loaded, coach)
    covering = _looks_after(loaded, signer, name, cover=cover, revoke=False)
    with CoachStore(_coach_store(loaded, store)) as coach_store:
        latest = coach_store.latest(trust="coach").get((name, cid))
        problem = question = None
        if latest is None:
            problem = msg("you have not verified {challenge} for {team} yet (`ohcheck coach collect --team {team}`)",
                          challenge=cid, team=name)
            question = t("You have not verified {challenge} for {team} yet (`ohcheck coach collect --team {team}`). "
                         "Approve anyway?", challenge=cid, team=name)
        elif latest.verdict != "passed":
            fields = {"challenge": cid, "team": name, "time": latest.started_at, "verdict": msg(latest.verdict),
                      "passed": latest.passed, "failed": latest.failed, "error": latest.error}
            problem = msg("your latest verification of {challenge} for {team} ({time}) is {verdict}: "
                          "{passed} passed, {failed} failed, {error} errors", **fields)
            question = t("Your latest verification of {challenge} for {team} ({time}) is {verdict}: "
                         "{passed} passed, {failed} failed, {error} errors. Approve anyway?", **fields)
        forced = False
        if problem:
            if not force:
                if not (sys.stdin.isatty() and typer.confirm(question)):
                    raise UserError(msg("Not approved: {problem}.", problem=problem),
                                    hint=msg("Approve anyway with --force (it is recorded)."))
            forced = True
        signed = coach_store.sign(name, cid, action="approve", coach=signer.name, note=_with_cover(note, covering),
                                  forced=forced)
    said = {"challenge": cid, "team": name, "coach": signed.coach, "time": signed.time}
    console = _stdout()
    console.print(_esc(t("Approved {challenge} for {team} ({coach}, {time}) — forced.", **said) if forced
                       else t("Approved {challenge} for {team} ({coach}, {time}).", **said)))
    if latest is not None and not latest.problem:
        skipped, decided = latest.skipped, latest.passed + latest.failed + latest.error
        if skipped > decided:  # typically the local target: the sign-off rests on the few criteria it decides
            console.print(_esc(t("{skipped} of {total} criteria of {challenge} were skipped on the {target} target: "
                                 "this sign-off rests on {decided}.", skipped=skipped, total=skipped + decided,
                                 challenge=cid, target=latest.target, decided=decided)))


@_command(coach_app, "revoke")
def coach_revoke(
    team: Annotated[str, typer.Argument(help="The team, as the event file names it.")],
    challenge: Annotated[str, typer.Argument(help="The challenge: challenge-03, 03 or 3.")],
    note: Annotated[str, typer.Option("--note", help="Why, for the record.")] = "",
    cover: CoverOption = False,
    event: EventOption = None,
    store: StoreOption = None,
    coach: CoachOption = None,
) -> None:
    """Take a sign-off back (the approval stays in the record, with this revocation after it).

    Only a coach of the event revokes, for a team they look after (or with --cover).
    """
    from ohcheck.coach.store import CoachStore
    from ohcheck.event.model import load_event
    from ohcheck.i18n import msg, t

    loaded = load_event(event)
    name = loaded.event.team(team).name
    cid = _pack().challenge(challenge).id
    signer = _event_coach(loaded, coach)
    covering = _looks_after(loaded, signer, name, cover=cover, revoke=True)
    with CoachStore(_coach_store(loaded, store)) as coach_store:
        current = coach_store.signoffs(team=name).get((name, cid))
        if current is None or not current.approved:
            raise UserError(msg("{challenge} is not signed off for {team}: there is nothing to revoke.", challenge=cid,
                                team=name))
        signed = coach_store.sign(name, cid, action="revoke", coach=signer.name, note=_with_cover(note, covering))
    _stdout().print(_esc(t("Revoked the sign-off of {challenge} for {team} ({coach}, {time}).", challenge=cid,
                           team=name, coach=signed.coach, time=signed.time)))


@_command(coach_app, "key")
def coach_key(
    event: EventOption = None,
    team: Annotated[Optional[str], typer.Option("--team", help="Write this team's own key (with --out), for a "
                                                "team without a kit from `ohcheck event setup`.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="The file for --team's key (give it to the team as "
                                                "its repo's .ohcheck/team.key).", dir_okay=False)] = None,
) -> None:
    """Make the event's key (once): each team's key is derived from it, and you check bundles with it on import.

    The event key stays with the coaches. `ohcheck event setup` puts each
    team's own key in its kit (.ohcheck/team.key, git-ignored); for a team
    without a kit, write its key with --team and --out. No key is ever printed.
    """
    from ohcheck.bundle import EVENT_KEY_NAME, new_key, read_key, team_key, write_secret
    from ohcheck.coach.store import COACH_DIR
    from ohcheck.event.model import load_event
    from ohcheck.i18n import msg, t

    loaded = load_event(event)
    if (team is None) != (out is None):
        raise UserError(msg("--team and --out go together: `ohcheck coach key --team TEAM --out FILE` writes "
                            "that team's key to FILE."))
    path = loaded.folder / COACH_DIR / EVENT_KEY_NAME
    name = loaded.event.team(team).name if team is not None else None
    if new_key(path):
        said = t("Made the event key: {path}. It stays with the coaches; each team gets its own key "
                 "(`ohcheck event setup` puts it in the kit).", path=str(path))
    elif name is None:
        said = t("The event already has the event key: {path}. It stays with the coaches; each team gets its own "
                 "key (`ohcheck event setup` puts it in the kit).", path=str(path))
    else:
        said = ""
    if said:
        _stdout().print(_esc(said))
    if name is None or out is None:
        return
    text = team_key(read_key(path, who="ohcheck coach key"), name).hex()
    if out.exists():
        try:
            same = out.read_text(encoding="ascii", errors="replace").strip() == text
        except OSError:
            same = False
        if not same:
            raise UserError(msg("{file} already exists and holds something else than team {team}'s key: it was left "
                                "as it is; choose another --out.", file=out, team=name))
        _stdout().print(_esc(t("{file} already holds team {team}'s key: give it to the team as .ohcheck/team.key "
                               "in its repo.", file=str(out), team=name)))
        return
    try:
        write_secret(out, text)
    except OSError as exc:
        raise UserError(msg("Cannot write {file}: {error}.", file=out, error=exc.strerror or exc)) from None
    _stdout().print(_esc(t("Wrote team {team}'s key to {file} (readable by you only): give it to the team as "
                           ".ohcheck/team.key in its repo.", team=name, file=str(out))))


@_command(coach_app, "import")
def coach_import(
    files: Annotated[list[Path], typer.Argument(help="Result bundles teams exported (`ohcheck verify --export`).",
                                                dir_okay=False)],
    event: EventOption = None,
    store: StoreOption = None,
) -> None:
    """Load teams' own results, marked self-reported (never mixed with what you verified).

    Each bundle is checked with the key of the team it names, then every
    field; a bundle changed after it was signed, signed with another team's
    key, from a team not in the event or with a field that is wrong is refused
    with the reason, and nothing of it is stored; the others are imported.
    Importing a bundle twice stores it once. Exit code 2 when any bundle was
    refused.
    """
    from ohcheck import bundle, i18n
    from ohcheck.coach.store import COACH_DIR, CoachStore, TeamVerify
    from ohcheck.event.model import load_event

    t = i18n.t
    loaded = load_event(event)
    key = bundle.read_key(loaded.folder / COACH_DIR / bundle.EVENT_KEY_NAME, who="ohcheck coach import")
    names = [team.name for team in loaded.event.teams]
    pack = _pack()
    console, err = _stdout(), _stderr()
    refused = 0
    with CoachStore(_coach_store(loaded, store)) as coach_store:
        for path in files:
            try:
                found = bundle.load(path, key, teams=names, pack=pack)
            except UserError as exc:
                refused += 1
                err.print(f"[bold red]{_esc(t('refused:'))}[/] {_esc(i18n.framework().say(exc.message))}")
                continue
            source = i18n.msg("bundle {name}", name=path.name)
            stored = coach_store.record(
                team=found.team, challenge=found.challenge, target=found.target, trust="self",
                source=source, started_at=found.started_at, results=found.results,
                summary=found.summary, digest=found.signature,
            )
            if stored is not None:  # the run and the team's earlier verifies: what its progress is timed from
                runs = [TeamVerify(found.team, found.challenge, bundle.utc_text(found.started_at),
                                   found.summary.verdict, {r.criterion: r.status.value for r in found.results}, source)]
                runs += [TeamVerify(found.team, found.challenge, h.started_at, h.verdict, h.statuses, source)
                         for h in found.history]
                coach_store.record_history(runs)
            said = {"file": path.name, "team": found.team, "challenge": found.challenge,
                    "verdict": i18n.msg(found.summary.verdict), "time": found.started_at}
            console.print(_esc(
                t("{file}: imported — {team}, {challenge}, {verdict} (self-reported, {time})", **said) if stored is not None
                else t("{file}: already imported — {team}, {challenge}, {verdict} (self-reported, {time})", **said)))
    if refused:
        raise typer.Exit(EXIT_USAGE)


class ReportFormat(str, enum.Enum):
    md = "md"
    html = "html"


@_command(coach_app, "report")
def coach_report(
    team: Annotated[str, typer.Argument(help="The team, as the event file names it.")],
    fmt: Annotated[ReportFormat, typer.Option("--format", help="Markdown or a self-contained HTML page.")] = ReportFormat.md,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write it to this file (default: stdout).",
                                                 dir_okay=False)] = None,
    event: EventOption = None,
    store: StoreOption = None,
) -> None:
    """A team's review: per challenge and criterion, what you verified, what the team reported, sign-offs."""
    from ohcheck.coach.report import render_report
    from ohcheck.event.model import load_event

    loaded = load_event(event)
    text = render_report(loaded, _coach_store(loaded, store), loaded.event.team(team).name, fmt.value)
    if out is None:
        typer.echo(text, nl=False)
        return
    from ohcheck.atomic import write_atomic
    from ohcheck.errors import writing

    with writing(out):
        write_atomic(out, text)
    from ohcheck.i18n import t

    _stdout().print(_esc(t("Wrote the report of {team} to {file}.", team=team, file=str(out))))


@_command(coach_app, "dashboard")
def coach_dashboard(
    out: Annotated[Optional[Path], typer.Option("--out", help="The HTML file to write (default: dashboard.html).",
                                                 dir_okay=False)] = None,
    serve: Annotated[bool, typer.Option("--serve", help="Serve it on 127.0.0.1, refreshed as results arrive.")] = False,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="The port for --serve (0: any free one).")] = 8765,
    coach: Annotated[Optional[str], typer.Option(
        "--coach", help="Open on this coach's teams (event.yaml's coaches[].teams). Default: $OHCHECK_COACH when "
        "it names a coach of the event, else every team.")] = None,
    csv_out: Annotated[Optional[Path], typer.Option(
        "--csv", help="Write the grid as CSV to this file (instead of the page, unless --out is given too).",
        dir_okay=False)] = None,
    event: EventOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """The whole event on one self-contained page: teams × challenges, funnel, times, stuck teams.

    With --json, the page's figures as data instead (every team's state per challenge, its current
    challenge, whether and since when it is stuck, the funnel); no page is written.
    """
    from ohcheck.coach import dashboard
    from ohcheck.event.model import load_event

    from ohcheck.i18n import msg, t

    loaded = load_event(event)
    store_path = _coach_store(loaded, store)
    console = _stdout()
    if as_json:
        _echo_json(dashboard.board_of(loaded, store_path).to_dict())
        return
    chosen = dashboard.choose_coach(loaded, coach, os.environ.get("OHCHECK_COACH"))
    if csv_out is not None:
        if serve:
            raise UserError(msg("--csv writes a file and --serve serves the page: run them one at a time."))
        teams = dashboard.write_csv(loaded, store_path, csv_out)
        console.print(_esc(t("Wrote the grid of {teams} teams to {file}.", teams=teams, file=str(csv_out))))
        if out is None:
            return
    if not serve:
        out = out or Path("dashboard.html")
        written = dashboard.write_dashboard(loaded, store_path, out, coach=chosen)
        console.print(_esc(t("Wrote {file} ({teams} teams, {size:.0f} KiB).", file=str(out), teams=written.teams,
                             size=written.size_bytes / 1024)))
        console.print(_esc(t("Its team reports and coach guides: {folder}", folder=str(written.files))))
        return

    def ready(url: str) -> None:
        console.print(_esc(t("Serving the dashboard at {url} (refreshed as results arrive). Press Ctrl-C to stop.",
                             url=url)))

    dashboard.serve_dashboard(loaded, store_path, port=port, on_ready=ready, coach=chosen)
    console.print(_esc(t("Stopped.")))


# -- pipeline -----------------------------------------------------------------------
@_command(pipeline_app, "run")
def pipeline_run(
    file: Annotated[
        Optional[Path],
        typer.Argument(help="The pipeline: CLI v2 YAML, or a .py whose build_pipeline() returns it. "
                       "Default: paths.pipeline (or paths.pipeline_sdk) of ohcheck.yaml.", dir_okay=False),
    ] = None,
    repo: RepoOption = None,
    as_json: JsonOption = False,
    step_timeout: Annotated[float, typer.Option(
        "--step-timeout", min=1.0, metavar="SECONDS",
        help="Seconds a step may run before it is stopped and fails (default: 1800, 30 minutes).")] = 1800.0,
) -> None:
    """Run a pipeline job's steps here, as Azure ML would: the local target's pipeline run.

    Each step runs its component's command in its code folder, data assets read
    from the CSVs in the repo; the pipeline is a parent MLflow run in the local
    store with one child run per step.
    """
    from ohcheck import i18n
    from ohcheck.local import pipeline as pipeline_local
    from ohcheck.config import CONFIG_NAME, load_config
    from ohcheck.i18n import t

    root = _team_repo(repo)
    config = load_config(root / CONFIG_NAME)
    path = file.resolve() if file is not None else pipeline_local.default_pipeline_file(config, root)
    err = _stderr()
    show = err.is_terminal and not as_json
    status = err.status(_esc(t("reading the pipeline"))) if show else None
    if status:
        status.start()

    def started(step: Any) -> None:
        if status:
            status.update(_esc(t("step {step}: {command}", step=step.name, command=step.command[:80])))

    def ended(step: Any) -> None:
        if not as_json:
            # The status is Azure ML's word (Completed, Failed), as the portal shows it.
            colour = "green" if step.status == "Completed" else "red"
            err.print(_esc(f"{step.name}: ") + f"[{colour}]{step.status}[/] "
                      + _esc(t("in {seconds:.1f} s (log: {log})", seconds=step.seconds, log=step.log)))
            if step.reason:  # stopped at the time limit: its exit code says nothing
                err.print(_esc(f"  {i18n.framework().say(step.reason)}"))

    try:
        result = pipeline_local.run_pipeline(config, root, path, on_step_start=started, on_step_end=ended,
                                             step_timeout=step_timeout)
    finally:
        if status:
            status.stop()
    if as_json:
        _echo_json(result.as_dict())
    else:
        console = _stdout()
        colour = "green" if result.status == "Completed" else "red"
        console.print(_esc(t("Pipeline {name} (run {run}, experiment {experiment}): ", name=result.name,
                             run=result.run_id, experiment=result.experiment))
                      + f"[{colour}]{result.status}[/]")
        for step in result.steps:
            if step.status == "Failed":
                _print_log_tail(console, root / step.log)
    if result.status != "Completed":
        raise typer.Exit(1)


def _print_log_tail(console: Any, log: Path, lines: int = 15) -> None:
    try:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return
    from ohcheck.i18n import t

    console.print(_esc(t("The last lines of {log}:", log=log.name)))
    for line in tail:
        console.print(_esc("  " + line))


# -- data ---------------------------------------------------------------------------
@_command(data_app, "prepare")
def data_prepare(
    source: Annotated[
        str,
        typer.Option(
            help="auto (the official Adventure Works zip, else the offline generator), synthetic, a URL, "
            "or a path to the zip or to TransactionHistory.csv."
        ),
    ] = "auto",
    out: Annotated[Path, typer.Option(help="Folder for TransactionHistory.csv and the three series.", file_okay=False)] = Path("data"),
    seed: Annotated[int, typer.Option(help="Seed of the offline generator.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Get Adventure Works TransactionHistory and write the hack's three daily series."""
    from ohcheck import i18n
    from ohcheck.data import prepare

    t = i18n.t
    _team_language(None)  # run in a team repo: its `language:`
    err = _stderr()
    with _DownloadProgress(err, enabled=err.is_terminal and not as_json) as progress:
        report = prepare(source, out, seed=seed, progress=progress)
    said = i18n.framework()
    if as_json:
        _echo_json(
            {
                "source": said.say(report.source),
                "synthetic": report.synthetic,
                "note": said.say(report.note),
                "transactions": report.history_rows,
                "files": {
                    k: {"path": str(p), "rows": report.rows[k], "first": report.first[k], "last": report.last[k]}
                    for k, p in report.files.items()
                },
            }
        )
        return
    console = _stdout()
    if report.note:
        console.print(f"[bold yellow]{_esc(t('note:'))}[/] {_esc(said.say(report.note))}")
    console.print(_esc(t("Source: {source} ({count:,} transactions)", source=report.source, count=report.history_rows)))
    from ohcheck.render.tables import print_table

    rows = [[_esc(str(path)), str(report.rows[key]), report.first[key], report.last[key]] for key, path in report.files.items()]
    rows_column = t("Rows")
    print_table(console, [t("File"), rows_column, t("First day"), t("Last day")], rows, right=[rows_column])


class _DownloadProgress:
    """A download bar on stderr, only on a terminal and only once bytes arrive."""

    def __init__(self, console: Any, *, enabled: bool) -> None:
        self.console, self.enabled = console, enabled
        self.progress: Any = None
        self.task: Any = None

    def __enter__(self) -> Optional[Callable[[int, Optional[int]], None]]:
        if not self.enabled:
            return None

        def update(done: int, total: Optional[int]) -> None:
            if self.progress is None:
                from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

                self.progress = Progress(*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(),
                                         console=self.console, transient=True)
                self.progress.start()
                from ohcheck.i18n import t

                self.task = self.progress.add_task(_esc(t("downloading Adventure Works")), total=total)
            self.progress.update(self.task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


# -- selftest / demo --------------------------------------------------------------------
DataSourceOption = Annotated[
    str,
    typer.Option(
        "--data-source",
        help="Data for the solutions: synthetic, auto (download, else synthetic), a URL, or a path to TransactionHistory.",
    ),
]


@_command(app)
def selftest(
    challenge: Annotated[Optional[str], typer.Argument(help="Only this challenge.")] = None,
    data_source: DataSourceOption = "synthetic",
    keep: Annotated[bool, typer.Option(help="Keep the built team repos and say where they are.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Prove the hack pack: each starter fails what the team must do, each solution passes (local target)."""
    import tempfile

    from ohcheck.selftest import selftest as run_selftest

    pack = _pack()
    chosen = [pack.challenge(challenge)] if challenge else [c for c in pack.challenges if c.checks]
    problems = pack.validate()
    workdir = Path(tempfile.mkdtemp(prefix="ohcheck-selftest-"))
    reports: list = []
    err = _stderr()
    try:
        with _StageStatus(err, enabled=err.is_terminal and not as_json) as on_stage:
            reports = run_selftest(pack, chosen, workdir, data_source=data_source, on_stage=on_stage)
    finally:
        if not keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    problems += [p for r in reports for p in r.problems]
    ok = not problems and all(r.ok for r in reports)
    from ohcheck import i18n

    said = pack.catalogue(i18n.language())  # a problem may quote a check's own message
    if as_json:
        _echo_json(
            {
                "ok": ok,
                "pack_problems": [said.say(p) for p in problems],
                "challenges": [
                    {
                        "challenge": r.challenge.id,
                        "ok": r.ok,
                        "criteria": [
                            {
                                "criterion": v.criterion.id,
                                "starter": v.starter.status.value,
                                "solution": v.solution.status.value,
                                "ok": v.ok,
                                "problem": said.say(v.problem),
                            }
                            for v in r.verdicts
                        ],
                    }
                    for r in reports
                ],
                "workdir": str(workdir) if keep else None,
            }
        )
    else:
        _print_selftest(reports, problems, workdir if keep else None, said)
    raise typer.Exit(EXIT_OK if ok else EXIT_FAILED)


def _print_selftest(reports: list, problems: list[str], kept: Optional[Path], said: Any) -> None:
    from ohcheck.i18n import t
    from ohcheck.render.tables import print_table

    console = _stdout()
    as_it_should = _esc(t("as it should"))
    rows = [
        # The statuses stay as the JSON and the plain verify output say them (passed, failed ...).
        [v.criterion.id, v.starter.status.value, v.solution.status.value,
         f"[green]{as_it_should}[/]" if v.ok else f"[red]{_esc(said.say(v.problem))}[/]"]
        for r in reports
        for v in r.verdicts
    ]
    print_table(console, [t("Criterion"), t("Starter"), t("Solution"), t("Verdict")], rows,
                title=t("Self-test of the hack pack (local target)"))
    label = _esc(t("pack problem:"))
    for p in problems:
        console.print(f"[red]{label}[/] {_esc(said.say(p))}")
    bad = sum(not v.ok for r in reports for v in r.verdicts) + len(problems)
    total = sum(len(r.verdicts) for r in reports)
    if bad:
        console.print(_esc(t("{count} problem(s) in {total} criteria of {challenges} challenge(s).", count=bad,
                             total=total, challenges=len(reports))), style="bold red")
    else:
        console.print(_esc(t("All {total} criteria of {challenges} challenge(s) behave as they should.", total=total,
                             challenges=len(reports))), style="bold green")
    if kept:
        console.print(_esc(t("Team repos kept in {folder}", folder=str(kept))))


class _StageStatus:
    """A spinner on stderr naming the current stage of a long run (terminal only)."""

    def __init__(self, console: Any, *, enabled: bool) -> None:
        self.console, self.enabled = console, enabled
        self.status: Any = None

    def __enter__(self) -> Optional[Callable[[str], None]]:
        if not self.enabled:
            return None
        from ohcheck.i18n import t

        self.status = self.console.status(_esc(t("starting")))
        self.status.start()
        return lambda text: self.status.update(_esc(text))

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.stop()


@_command(app)
def demo(
    data_source: DataSourceOption = "auto",
    keep: Annotated[bool, typer.Option(help="Keep the demo team repo and say where it is.")] = False,
) -> None:
    """Build a team repo from the solutions and verify every challenge on the local target."""
    import tempfile

    from ohcheck import i18n
    from ohcheck.demo import run_demo
    from ohcheck.render import terminal

    t = i18n.t
    pack = _pack()
    workdir = Path(tempfile.mkdtemp(prefix="ohcheck-demo-"))
    console = _stdout()
    err = _stderr()
    try:
        with _StageStatus(err, enabled=err.is_terminal) as on_stage:
            runs, steps = run_demo(pack, workdir / "team-repo", data_source=data_source, on_stage=on_stage)
        console.print(_esc(t("Built a demo team repo from the solutions of {challenges}:",
                             challenges=sorted({s.challenge for s in steps}))))
        for step in steps:
            console.print(f"  [dim]{step.challenge}[/] $ {_esc(step.command)}")
            for line in _interesting(step.output):  # what the step's command printed, as it printed it
                console.print(f"      {_esc(line)}", style="yellow" if "note" in line.lower() else "dim")
        console.print()
        worst = EXIT_OK
        lang = i18n.language()
        catalogue = pack.catalogue(lang)  # results are said in the reader's language, as verify says them
        for run in runs:
            heading = t("{challenge} — {title}  (team {team}, target {target})", challenge=run.challenge.id,
                        title=run.challenge.title_in(lang), team=run.config.team, target=run.config.target)
            terminal.print_results(console, heading, [r.in_language(catalogue) for r in run.results], run.summary)
            console.print()
            worst = max(worst, run.summary.exit_code)
        if keep:
            console.print(_esc(t("The demo team repo is kept in {folder}", folder=str(workdir / "team-repo"))))
    finally:
        if not keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    raise typer.Exit(worst)


def _interesting(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.lower().startswith(("note", "source"))][:3]


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

