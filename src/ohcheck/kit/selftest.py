"""The pack's own test: the starter fails what the team must do; the solution passes.

For each challenge, on the local target:

* a repo *starting* the challenge (earlier challenges solved, its starter
  copied) must fail every criterion the team still has to do: `failed`, or
  skipped because a criterion it needs did not pass — never `passed` (there
  would be nothing left to do) and never `error` (the check could not decide
  on an unfinished repo, which is a bug in the check);
* a repo with the challenge *solved* must pass every criterion, except those
  the local target cannot answer, which both must skip.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ohcheck.criteria import Criterion, Result, Status
from ohcheck.i18n import language, msg, untranslated
from ohcheck.pack import Challenge, HackPack
from ohcheck.kit.repo_builder import BuiltRepo, StepRun, build_team_repo
from ohcheck.verify import VerifyRun, verify


@dataclass
class Verdict:
    criterion: Criterion
    starter: Result
    solution: Result
    problem: str = ""  # empty when the criterion behaves as it should; else a message (i18n.Msg)

    @property
    def ok(self) -> bool:
        return not self.problem


@dataclass
class ChallengeSelftest:
    challenge: Challenge
    verdicts: list[Verdict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(v.ok for v in self.verdicts)


def judge(criteria: list[Criterion], starter: list[Result], solution: list[Result]) -> list[Verdict]:
    """Compare one criterion's starter and solution results with what they should be."""
    s_by = {r.criterion: r for r in starter}
    x_by = {r.criterion: r for r in solution}
    verdicts = []
    for c in criteria:
        s, x = s_by[c.id], x_by[c.id]
        verdicts.append(Verdict(c, s, x, _problem(c, s, x, s_by)))
    return verdicts


def _problem(c: Criterion, s: Result, x: Result, starter: dict[str, Result]) -> str:
    # A result's own message is passed as its source (template and values), so it is said in the reader's
    # language too.
    if x.status is Status.FAILED:
        return msg("the solution fails: {message}", message=_message(x))
    if x.status is Status.ERROR:
        return msg("the solution errors: {message}", message=_message(x))
    if x.status is Status.SKIPPED:
        if s.status is not Status.SKIPPED:
            return msg("skipped for the solution ({message}) but {status} for the starter", message=_message(x),
                       status=msg(s.status.value))
        return ""
    if s.status is Status.ERROR:
        return msg("the starter errors instead of failing: {message}", message=_message(s))
    if c.starter_may_pass:
        return ""
    if s.status is Status.PASSED:
        return msg("the starter already passes it: nothing is left for the team to do")
    if s.status is Status.SKIPPED:
        blocked = [dep for dep in c.needs if starter[dep].status in (Status.FAILED, Status.SKIPPED)]
        if not blocked:
            return msg("the starter skips it instead of failing: {message}", message=_message(s))
    return ""


def _message(result: Result) -> object:
    """A result's message as a value of another message: its source when it has one (said in any language)."""
    from ohcheck.i18n import Msg

    return Msg.from_source(result.message_source) if result.message_source else result.message


def selftest_challenge(
    pack: HackPack,
    challenge: Challenge,
    workdir: Path,
    *,
    data_source: str = "synthetic",
    base: BuiltRepo | None = None,
    on_stage: Callable[[str], None] | None = None,
    on_step: Callable[[StepRun], None] | None = None,
) -> tuple[ChallengeSelftest, BuiltRepo | None]:
    """Judge one challenge; also return its solved repo, the base for the next challenge."""
    report = ChallengeSelftest(challenge)
    criteria = pack.criteria(challenge)
    if not criteria:
        report.problems.append(msg("{challenge} has no criteria (checks/{module}.py)", challenge=challenge.id,
                                   module=challenge.module_name))
        return report, None
    runs: dict[str, VerifyRun] = {}
    solved_repo = None
    for variant, solved in (("starter", False), ("solution", True)):
        if on_stage:
            on_stage(f"{challenge.id}: building the {variant} repo")
        built = build_team_repo(
            pack,
            workdir / f"{challenge.id}-{variant}",
            challenge,
            solved=solved,
            base=base,
            data_source=data_source,
            on_step=on_step,
        )
        try:
            if on_stage:
                on_stage(f"{challenge.id}: verifying the {variant}")
            runs[variant] = verify(pack, challenge, built.root, target="local")
        finally:
            report.problems += built.cleanup()
        if solved:
            solved_repo = built
    report.verdicts = judge(criteria, runs["starter"].results, runs["solution"].results)
    report.problems += _untranslated(pack, [*runs["starter"].results, *runs["solution"].results])
    return report, solved_repo


def _untranslated(pack: HackPack, results: list[Result]) -> list[str]:
    """In a language other than English, every sentence a run produced must have its translation.

    The catalogue test finds templates in the source; this finds what only a run shows (a message a
    target or a helper built, a sentence passed as plain text).
    """
    catalogue = pack.catalogue(language())
    problems: list[str] = []
    for r in results:
        for template in untranslated(catalogue, r.message_source or r.message):
            problem = msg("{criterion} says {template!r} in English: it has no {lang} translation",
                          criterion=r.criterion, template=template, lang=catalogue.lang)
            if problem not in problems:
                problems.append(problem)
    return problems


def selftest(
    pack: HackPack,
    challenges: list[Challenge],
    workdir: Path,
    *,
    data_source: str = "synthetic",
    on_stage: Callable[[str], None] | None = None,
) -> list[ChallengeSelftest]:
    """Self-test challenges in order, each building on the previous one's solved repo."""
    reports = []
    base: BuiltRepo | None = None
    for challenge in sorted(challenges, key=lambda c: c.number):
        if base is not None and base.through != challenge.number - 1:
            base = None  # not the challenge just before: build from scratch
        report, base = selftest_challenge(pack, challenge, workdir, data_source=data_source, base=base, on_stage=on_stage)
        reports.append(report)
    return reports
