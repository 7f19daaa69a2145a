"""The pack's own tools: `ohcheck selftest` and `ohcheck demo`."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from ohcheck.cli.common import _command, _echo_json, _say, _stderr, _stdout
from ohcheck.errors import EXIT_FAILED, EXIT_OK
from ohcheck.cli.root import app
from ohcheck.cli.options import JsonOption, DataSourceOption, _pack


@_command(app)
def selftest(
    challenge: Annotated[Optional[str], typer.Argument(help="Only this challenge.")] = None,
    data_source: DataSourceOption = "synthetic",
    keep: Annotated[bool, typer.Option(help="Keep the built team repos and say where they are.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Prove the hack pack: each starter fails what the team must do, each solution passes (local target)."""
    import tempfile

    from ohcheck.kit.selftest import selftest as run_selftest
    from ohcheck.render.progress import StageStatus

    pack = _pack()
    chosen = [pack.challenge(challenge)] if challenge else [c for c in pack.challenges if c.checks]
    problems = pack.validate()
    workdir = Path(tempfile.mkdtemp(prefix="ohcheck-selftest-"))
    reports: list = []
    err = _stderr()
    try:
        with StageStatus(err, enabled=err.is_terminal and not as_json) as on_stage:
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
        from ohcheck.render.pack_views import print_selftest

        print_selftest(_stdout(), reports, problems, workdir if keep else None, said)
    raise typer.Exit(EXIT_OK if ok else EXIT_FAILED)

@_command(app)
def demo(
    data_source: DataSourceOption = "auto",
    keep: Annotated[bool, typer.Option(help="Keep the demo team repo and say where it is.")] = False,
) -> None:
    """Build a team repo from the solutions and verify every challenge on the local target."""
    import tempfile

    from ohcheck import i18n
    from ohcheck.kit.demo import run_demo
    from ohcheck.render import terminal
    from ohcheck.render.pack_views import print_demo_steps
    from ohcheck.render.progress import StageStatus

    t = i18n.t
    pack = _pack()
    workdir = Path(tempfile.mkdtemp(prefix="ohcheck-demo-"))
    console = _stdout()
    err = _stderr()
    try:
        with StageStatus(err, enabled=err.is_terminal) as on_stage:
            runs, steps = run_demo(pack, workdir / "team-repo", data_source=data_source, on_stage=on_stage)
        print_demo_steps(console, steps)
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
            _say(console, t("The demo team repo is kept in {folder}", folder=str(workdir / "team-repo")))
    finally:
        if not keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    raise typer.Exit(worst)
