"""A team's commands: list, show, start, init, verify, history, doctor, serve, pipeline run, data prepare."""

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ohcheck.cli.common import (
    _command,
    _echo_json,
    _labelled,
    _say,
    _say_error,
    _say_warning,
    _stderr,
    _stdout,
)
from ohcheck.cli.help import LocalisedGroup
from ohcheck.errors import EXIT_FAILED, EXIT_OK, UserError
from ohcheck.cli.root import app
from ohcheck.cli.options import TARGET_CHOICES, TargetName, RepoOption, JsonOption, _team_repo, _team_language, _team_config, _pack


data_app = typer.Typer(cls=LocalisedGroup, help="Prepare the hack's data: Adventure Works daily transactions.", no_args_is_help=True)
pipeline_app = typer.Typer(cls=LocalisedGroup, help="Run your Azure ML pipeline on this machine (the local target).", no_args_is_help=True)


@_command(app, "list")
def list_challenges(repo: RepoOption = None, as_json: JsonOption = False) -> None:
    """List the challenges, their titles and criteria; in a team repo, also your last result of each."""
    from ohcheck.config import find_repo
    from ohcheck.errors import StoreError
    from ohcheck.store import ResultsStore, store_path

    from ohcheck import i18n

    pack = _pack()
    root = _team_repo(repo) if repo is not None else find_repo()
    _team_language(root)  # for its `language:`, quietly
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
    from ohcheck.render.team_views import print_challenges

    print_challenges(_stdout(), rows, root)

@_command(app)
def show(
    challenge: Annotated[str, typer.Argument(help="The challenge: challenge-01, 01 or 1.")],
    raw: Annotated[bool, typer.Option("--raw", help="Print the Markdown source.")] = False,
) -> None:
    """Show a challenge: what to do, its success criteria, learning resources."""
    from ohcheck import i18n
    from ohcheck.config import find_repo

    # A team repo's `language:` decides when --lang and OHCHECK_LANG do not; quietly, as a broken
    # ohcheck.yaml must not stop anyone reading a challenge.
    _team_language(find_repo())
    c = _pack().challenge(challenge)
    text = c.page(i18n.language()).read_text(encoding="utf-8")
    from ohcheck.render.console import print_markdown

    print_markdown(_stdout(), text, raw=raw)

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
    from ohcheck.kit.starter import start_challenge

    from ohcheck import i18n
    from ohcheck.config import CONFIG_NAME

    c = _pack().challenge(challenge)
    dest = directory or find_repo() or Path.cwd()
    if (dest / CONFIG_NAME).is_file():
        i18n.adopt(_team_config(dest).language)  # its `language:` picks the starter's README
    lang = i18n.language()
    report = start_challenge(c, dest, lang=lang)
    t = i18n.t
    console = _stdout()
    _say(console, t("Starter files for {challenge} ({title}) in {dest}:", challenge=c.id, title=c.title_in(lang),
                    dest=str(dest)))
    for name in report.copied:
        _labelled(console, t("copied"), "green", f" {name}", indent="  ")
    for name in report.skipped:
        _labelled(console, t("kept"), "yellow",
                  f"   {name} " + t("(you already have it; the starter's version was not copied)"), indent="  ")
    if not report.copied and not report.skipped:
        _say(console, t("  (the starter has no files)"))
    _say(console, t("Next: read `ohcheck show {challenge}`, then check your work with `ohcheck verify {challenge}`.",
                    challenge=c.id))

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
    from ohcheck.kit.team_init import init_repo

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
    _say(console, t("Wrote {path} (target: {target}).", path=str(path), target=target.value))
    if ref:
        _say(console, t("Azure ML workspace: {workspace} in {group} (from {source}).", workspace=ref.workspace,
                        group=ref.resource_group, source=ref.source))
    else:
        _say(console, t("No Azure workspace yet: add it under `azure:` when you have one (challenge 00)."))
    _say(console, t("Next: `ohcheck verify challenge-00`."))

@_command(app)
def verify(
    challenge: Annotated[str, typer.Argument(help="The challenge: challenge-01, 01 or 1.")],
    target: Annotated[
        # A plain string, checked by config.with_overrides: a wrong value (typed or from OHCHECK_TARGET) is
        # one sentence, as every other bad input, rather than the parser's usage box.
        Optional[str],
        typer.Option("--target", "-t", envvar="OHCHECK_TARGET", show_envvar=False, metavar=TARGET_CHOICES,
                     help="Check this target instead of ohcheck.yaml's (env: OHCHECK_TARGET)."),
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
    from ohcheck.render.progress import CriteriaProgress

    err = _stderr()
    with CriteriaProgress(err, len(criteria), enabled=err.is_terminal and not as_json,
                           title=lambda criterion: _pack_title(pack, criterion)) as (on_start, on_result):
        run = run_verify(
            pack,
            c,
            root,
            target=target or None,
            config=_team_config(root),
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
        _say(_stderr(), i18n.t("Wrote the signed results to {file}: send it to your coach.", file=str(export)))
    raise typer.Exit(run.summary.exit_code)

def _pack_title(pack: Any, criterion: Any) -> str:
    """A criterion's title in the chosen language (the pack's catalogue), for a progress line."""
    from ohcheck import i18n

    return pack.catalogue(i18n.language()).title(criterion.id, criterion.title)

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
            _say(console, t("No attempts yet for {challenge}: run `ohcheck verify <challenge>`.", challenge=chosen))
        else:
            _say(console, t("No attempts yet: run `ohcheck verify <challenge>`."))
        return
    from ohcheck.render.team_views import print_history

    print_history(console, attempts, root)

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
    _team_language(root)  # quietly: a broken ohcheck.yaml is one of doctor's findings
    from ohcheck.render.progress import StageStatus

    err = _stderr()
    with StageStatus(err, enabled=err.is_terminal and not as_json) as on_stage:
        if on_stage:
            on_stage(t("asking Azure"))
        findings = diagnose(root, read_config=_team_config)  # the ohcheck.yaml _team_language read
    problems = [f for f in findings if f.ok is False]
    catalogue = i18n.framework()
    if as_json:
        _echo_json({"ok": not problems, "lang": catalogue.lang,
                    "findings": [f.to_dict(catalogue) for f in findings]})
    else:
        from ohcheck.render.team_views import print_doctor

        print_doctor(_stdout(), [f.said(catalogue) for f in findings], len(problems))
    raise typer.Exit(EXIT_FAILED if problems else EXIT_OK)

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
    from ohcheck.i18n import msg, t

    root = _team_repo(repo)
    console = _stdout()
    if stop or status:
        # The port to look at: the scoring URL's; a broken ohcheck.yaml must not keep a server from stopping.
        try:
            port = serving.port_of(_team_config(root).local.scoring_url)
        except UserError:
            port = 0
        if status:
            raise typer.Exit(_serve_status(serving, root, port, console))
        stopped = serving.stop(root, port)
        if stopped.served is not None:
            _say(console, t("Stopped {model} at {url} (pid {pid}).", model=stopped.served.model,
                            url=stopped.served.url, pid=stopped.served.pid))
        if stopped.leftovers:
            _say(console, t("Stopped what was left of this repo's server (pid {pids}).",
                            pids=", ".join(str(pid) for pid in stopped.leftovers)))
        if stopped.served is None and not stopped.leftovers:
            _say(console, t("No server is running for this repo."))
        if stopped.other is not None:
            _say(console, t("Port {port} is held by {holder}, not by this repo's server: ohcheck leaves it "
                            "alone.", port=port, holder=stopped.other.said()))
        return
    config = _team_config(root)

    def ready(served: Any) -> None:
        _say(console, t("Serving {model} at {url} with {script} (log: .ohcheck/serve.log).", model=served.model,
                        url=served.url, script=config.paths.score_script))
        _say(console, t("Stop it with `ohcheck serve --stop`.") if detach else t("Press Ctrl-C to stop."))

    def replaced(old: Any) -> None:
        _say(console, t("Stopped {model} (pid {pid}).", model=old.model, pid=old.pid))

    if model_dir is not None and model_version is not None:
        raise UserError(msg("Give --model-dir or --model-version, not both."))
    serving.start(config, root, model_dir=model_dir, version=model_version, detach=detach, replace=replace,
                  on_ready=ready, on_replaced=replaced)
    if not detach:
        _say(console, t("Stopped."))

def _serve_status(serving: Any, root: Path, port: int, console: Any) -> int:
    """Say whether this repo's server runs (exit code 0) or not (1), and what holds its port if not it."""
    from ohcheck.i18n import t

    served = serving.running(root)
    if served is not None:
        _say(console, t("Serving {model} at {url} (pid {pid}).", model=served.model, url=served.url,
                        pid=served.pid))
        return EXIT_OK
    holder = serving.port_holder(root, port) if port else None
    if holder is None:
        _say(console, t("No server is running for this repo."))
    elif holder.ours:
        _say(console, t("No server is running for this repo, but what is left of one (pid {pid}) still holds "
                        "port {port}: `ohcheck serve --stop` ends it.", pid=holder.pid, port=port))
    else:
        _say(console, t("No server is running for this repo; port {port} is held by {holder}.", port=port,
                        holder=holder.said()))
    return EXIT_FAILED

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
    from ohcheck.i18n import t
    from ohcheck.local import pipeline as pipeline_local
    from ohcheck.render.team_views import print_pipeline_run, print_step_ended

    root = _team_repo(repo)
    config = _team_config(root)
    path = file.resolve() if file is not None else pipeline_local.default_pipeline_file(config, root)
    from ohcheck.render.progress import StageStatus

    err = _stderr()

    def ended(step: Any) -> None:
        if not as_json:
            print_step_ended(err, step, i18n.framework().say(step.reason) if step.reason else "")

    with StageStatus(err, enabled=err.is_terminal and not as_json) as on_stage:
        if on_stage:
            on_stage(t("reading the pipeline"))

        def started(step: Any) -> None:
            if on_stage:
                on_stage(t("step {step}: {command}", step=step.name, command=step.command[:80]))

        result = pipeline_local.run_pipeline(config, root, path, on_step_start=started, on_step_end=ended,
                                             step_timeout=step_timeout)
    if as_json:
        _echo_json(result.as_dict())
    else:
        print_pipeline_run(_stdout(), result, root)
    if result.status != "Completed":
        raise typer.Exit(1)

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

    _team_language(None)  # run in a team repo: its `language:`
    from ohcheck.render.progress import DownloadProgress

    err = _stderr()
    with DownloadProgress(err, enabled=err.is_terminal and not as_json) as progress:
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
    from ohcheck.render.team_views import print_prepared

    print_prepared(_stdout(), report, said)
