"""`ohcheck coach report TEAM`: one team's review, for the coach who signs its challenges off.

Per challenge of the hack, in order: each criterion's latest status, message,
evidence and hint as the coach verified it (`coach collect`: the trusted
record) and as the team reported it (`coach import`: self-reported) side by
side, never merged; the first attempt, the first pass, the number of
attempts and the time spent; the sign-off and its history. Where the team's
model answers, a plot of its forecast against the held-out days.

Each challenge's state and time on it are the progress model's
(coach_progress.py, the dashboard's too): a challenge the team has not reached is
*not started*, never "4 h so far"; time runs from the first sign of the team's
own work to its first pass (or to now, "so far"), as precise as its evidence.

The store already redacts results; what the report shows goes through a
Redactor once more (sign-off notes too: a coach may paste anything) and
through escaping (HTML autoescaped, Markdown table cells escaped).

The report speaks the coach's language (ohcheck.i18n: --lang, OHCHECK_LANG,
event.yaml's event.language, the system locale): its own sentences through
t() (locale/ja/coach.yaml), the pack's challenge and criterion titles and
hints from its translations, and each result's message said again from the
template the store kept, whatever language the team verified in.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ohcheck.coach.store import TRUSTS, CoachStore, SignOff, StoredAttempt
from ohcheck.coach.times import duration_text as _duration
from ohcheck.coach.times import parse_time as _instant
from ohcheck.criteria import Result, utc_now
from ohcheck.errors import UserError
from ohcheck.event.model import LoadedEvent, Team
from ohcheck.i18n import Catalogue, framework, language, msg, msg_n, t
from ohcheck.markdown_cells import md_cell, md_code
from ohcheck.redaction import Redactor

EVIDENCE_CHARS = 240  # evidence is shown compact: one line of JSON, cut here
FORMATS = ("md", "html")


@dataclass(frozen=True)
class Cell:
    """One criterion's latest result under one trust."""

    status: str
    message: str
    evidence: str  # compact JSON, "" when there is none


@dataclass(frozen=True)
class CriterionRow:
    id: str
    title: str
    hint: str
    cells: dict[str, Cell | None]  # by trust; None: not in that trust's latest attempt


@dataclass(frozen=True)
class TrustRecord:
    """What one trust says about a challenge: its attempts and the latest of them."""

    trust: str
    attempts: int
    first_attempt: str | None = None
    first_pass: str | None = None
    latest: StoredAttempt | None = None

    @property
    def label(self) -> str:
        return trust_label(self.trust)


@dataclass(frozen=True)
class ChallengeReport:
    id: str
    title: str
    criteria: list[CriterionRow]
    records: dict[str, TrustRecord]  # by trust, "coach" first
    attempts: int
    first_attempt: str | None
    first_pass: str | None
    first_pass_trust: str | None  # the trust id ("coach", "self"): said by trust_label() when shown
    time_spent: str | None  # "1 h 20 min", "at least 40 min"; None when not started or unknown
    time_spent_so_far: bool  # not passed yet: counted to now
    signoff: SignOff | None
    history: list[SignOff] = field(default_factory=list)
    state: str = "not-started"  # coach_progress.STATES

    @property
    def state_word(self) -> str:
        from ohcheck.render.coach_states import state_word

        return state_word(self.state)


@dataclass(frozen=True)
class TeamHeader:
    name: str
    members: list[str]
    target: str
    repo: str
    workspace: str
    coaches: list[str]


def render_report(loaded: LoadedEvent, store_path: Path, team: str, fmt: str, *, with_plot: bool = True) -> str:
    """The team's report as Markdown (`md`) or a self-contained HTML page (`html`).

    `with_plot`: draw the team's forecast, which asks its model (a git pull, an endpoint call). The reports
    written beside a dashboard leave it out: writing the page must not reach out to every team."""
    if fmt not in FORMATS:
        raise UserError(msg("Unknown report format {fmt!r}: choose one of {formats}.", fmt=fmt,
                            formats=list(FORMATS)))
    member = loaded.event.team(team)
    redactor = Redactor()
    challenges = build_challenges(store_path, member.name, redactor, loaded=loaded)

    from ohcheck.coach.forecast import ForecastPlot

    if with_plot:
        from ohcheck.coach.forecast import forecast_plot  # pandas, matplotlib: only when a plot is drawn

        plot = forecast_plot(loaded, member)
    else:
        plot = ForecastPlot(note=t("The forecast plot is drawn by {command}: it asks the team's model.",
                                   command=f"ohcheck coach report {member.name} --format html"))
    return _render(
        f"coach_report.{fmt}.j2",
        fmt,
        event=loaded.event.event,
        team=_header(loaded, member),
        challenges=challenges,
        plot=plot,
        generated=_when(utc_now()),
        labels={trust: trust_label(trust) for trust in TRUSTS},
        trusts=TRUSTS,
    )


def build_challenges(store_path: Path, team: str, redactor: Redactor | None = None, *,
                     loaded: LoadedEvent | None = None) -> list[ChallengeReport]:
    """Every challenge of the pack, in order, with what the store holds about it for `team`; with the event
    (`loaded`), each one's state and time from the progress model."""
    from ohcheck.coach.progress import event_progress, starter_passes
    from ohcheck.pack import HackPack

    redactor = redactor or Redactor()
    pack = HackPack()
    lang = language()
    catalogue = pack.catalogue(lang)  # titles, hints and messages in the coach's language
    attempts, history = _read_store(store_path, team, catalogue)
    known = {c.id for c in pack.challenges}
    order = [c.id for c in pack.challenges] + sorted({a.challenge for a in attempts} - known)
    progress = None
    if loaded is not None:
        progress = event_progress(loaded, store_path, order, starter_passes(pack)).get(team)
    reports = [_challenge(c.id, c.title_in(lang), pack.criteria(c), attempts, history, redactor, catalogue,
                          progress.challenge(c.id) if progress else None)
               for c in pack.challenges]
    # A challenge the store knows but this pack does not (another pack version): shown last, not lost.
    for cid in sorted({a.challenge for a in attempts} - known):
        reports.append(_challenge(cid, t("(not in this hack pack)"), [], attempts, history, redactor, catalogue,
                                  progress.challenge(cid) if progress else None))
    return reports


def time_spent(attempts: list[StoredAttempt]) -> tuple[dt.timedelta | None, StoredAttempt | None]:
    """From the first attempt (any trust) to the first fully passed one (any trust), else to the last attempt.

    Returns the time and the first passed attempt (None when not passed yet).
    """
    ordered = _chronological(attempts)
    timed = [a for a in ordered if _instant(a.started_at) is not None]
    if not timed:
        return None, next((a for a in ordered if a.verdict == "passed"), None)
    first_pass = next((a for a in timed if a.verdict == "passed"), None)
    end = first_pass or timed[-1]
    return _instant(end.started_at) - _instant(timed[0].started_at), first_pass


# -- reading the store --------------------------------------------------------------------

def _read_store(store_path: Path, team: str, catalogue: Catalogue) -> tuple[list[StoredAttempt], list[SignOff]]:
    # A report only reads: with no store yet there is nothing to show, and none is created.
    if not store_path.exists():
        return [], []
    with CoachStore(store_path) as store:
        attempts = [a.in_language(catalogue) for a in store.attempts(team=team, with_results=True)]
        return attempts, store.signoff_history(team)


def _challenge(cid: str, title: str, criteria: list, attempts: list[StoredAttempt], history: list[SignOff],
               redactor: Redactor, catalogue: Catalogue, progress: Any = None) -> ChallengeReport:
    from ohcheck.render.coach_states import span_text

    mine = [a for a in attempts if a.challenge == cid]
    records = {trust: _record(trust, [a for a in mine if a.trust == trust]) for trust in TRUSTS}
    spent, first_pass = time_spent(mine)
    if progress is not None:  # the model's time: from the team's own work, as precise as the evidence
        spent_text = span_text(progress.time) if progress.time is not None else None
        so_far = not (progress.done and progress.passed is not None)
    else:
        spent_text, so_far = (_duration(spent) if spent is not None else None), first_pass is None
    ordered = _chronological(mine)
    signoffs = [s for s in history if s.challenge == cid]
    signoffs = [SignOff(s.team, s.challenge, s.action, s.coach, redactor.text(s.note), s.forced, s.time)
                for s in signoffs]
    return ChallengeReport(
        id=cid,
        title=title,
        criteria=_rows(criteria, records, redactor, catalogue),
        records=records,
        attempts=len(mine),
        first_attempt=_when(ordered[0].started_at) if ordered else None,
        first_pass=_when(first_pass.started_at) if first_pass else None,
        first_pass_trust=first_pass.trust if first_pass else None,
        time_spent=spent_text,
        time_spent_so_far=so_far,
        signoff=signoffs[-1] if signoffs else None,
        history=signoffs,
        state=progress.state if progress is not None else ("passed" if first_pass else "not-started"),
    )


def _record(trust: str, attempts: list[StoredAttempt]) -> TrustRecord:
    if not attempts:
        return TrustRecord(trust, 0)
    timed = _chronological(attempts)
    first_pass = next((a for a in timed if a.verdict == "passed"), None)
    return TrustRecord(
        trust=trust,
        attempts=len(attempts),
        first_attempt=_when(timed[0].started_at),
        first_pass=_when(first_pass.started_at) if first_pass else None,
        latest=max(attempts, key=lambda a: a.id),  # the newest record, as the store's latest() has it
    )


def _rows(criteria: list, records: dict[str, TrustRecord], redactor: Redactor,
          catalogue: Catalogue) -> list[CriterionRow]:
    latest = {trust: {r.criterion: r.in_language(catalogue) for r in (rec.latest.results if rec.latest else ())}
              for trust, rec in records.items()}
    rows = []
    seen = set()
    for c in criteria:
        seen.add(c.id)
        found = {trust: latest[trust].get(c.id) for trust in TRUSTS}
        hint = catalogue.hint(c.id, c.hint) or next((r.hint for r in found.values() if r and r.hint), "")
        rows.append(CriterionRow(c.id, catalogue.title(c.id, c.title), hint,
                                 {trust: _cell(r, redactor) for trust, r in found.items()}))
    # Results for criteria this pack no longer has: still the team's record.
    extra = sorted({cid for by in latest.values() for cid in by} - seen)
    for cid in extra:
        found = {trust: latest[trust].get(cid) for trust in TRUSTS}
        any_result = next(r for r in found.values() if r)
        rows.append(CriterionRow(cid, any_result.title, any_result.hint,
                                 {trust: _cell(r, redactor) for trust, r in found.items()}))
    return rows


def _cell(result: Result | None, redactor: Redactor) -> Cell | None:
    if result is None:
        return None
    return Cell(result.status.value, redactor.text(result.message), _compact(redactor.value(result.evidence)))


def _compact(evidence: Any) -> str:
    if not evidence:
        return ""
    text = json.dumps(evidence, sort_keys=True, ensure_ascii=False, default=str, separators=(", ", ": "))
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1] + "…"


def _header(loaded: LoadedEvent, team: Team) -> TeamHeader:
    from ohcheck.coach.collect import shown

    workspace = ""
    if team.workspace is not None:
        workspace = t("{workspace} (resource group {group})", workspace=team.workspace.name,
                      group=team.workspace.resource_group)
    return TeamHeader(
        name=team.name,
        members=list(team.member_names),
        target=team.target,
        repo=shown(team.repo),  # a URL's user and token never reach the page
        workspace=workspace,
        coaches=[c.name for c in loaded.event.coaches if team.name in c.teams],
    )


# -- times ------------------------------------------------------------------------------------

_NEVER = dt.datetime.max.replace(tzinfo=dt.timezone.utc)


def _chronological(attempts: list[StoredAttempt]) -> list[StoredAttempt]:
    """By the time each attempt started (a self-reported one may arrive late); unreadable times last."""
    return sorted(attempts, key=lambda a: (_instant(a.started_at) or _NEVER, a.id))


def _when(text: str | None) -> str:
    """An ISO time as `2026-12-01 10:04 UTC`; text that is not one, as it is."""
    moment = _instant(text)
    if moment is None:
        return text or ""
    return f"{moment.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"


# -- rendering --------------------------------------------------------------------------------

def _render(template: str, fmt: str, **values: Any) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("ohcheck", "templates"),
        undefined=StrictUndefined,
        autoescape=fmt == "html",  # every value from a store or a team is escaped in HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_cell
    env.filters["mdcode"] = md_code
    env.filters["when"] = _when
    env.filters["code_spans"] = _code_spans
    env.filters["said"] = said_status
    from ohcheck.render.coach_states import state_css

    env.globals.update(t=t_html if fmt == "html" else t, el=element, signed=signed, counts=counts,
                       attempts_line=attempts_line, lang=language(), state_css=state_css, tally=tally)
    return env.get_template(template).render(**values)


def t_html(template: str, **fields: Any) -> Any:
    """t() for an autoescaped HTML template: a field given as markup (an `el(...)` the template built) stays
    markup wherever the chosen language puts it; the sentence and every other field are escaped as text.

    A page says the same few sentences in every cell (the dashboard: 800 cells at a big event), so what was
    said once is remembered, by language, template and fields."""
    from markupsafe import Markup

    try:
        return _t_html(language(), template, tuple((name, value, isinstance(value, Markup))
                                                   for name, value in fields.items()))
    except TypeError:  # a field that cannot be remembered (a list): said afresh
        return _say_html(template, fields)


def t_html_n(singular: str, plural: str, n: Any, /, **fields: Any) -> Any:
    """t_html() of the English form gettext's ngettext picks for `n` (i18n.msg_n): "1 team" / "{count} teams"."""
    return t_html(msg_n(singular, plural, n).template, **fields)


@functools.lru_cache(maxsize=4096)
def _t_html(_lang: str, template: str, fields: tuple[tuple[str, Any, bool], ...]) -> Any:
    return _say_html(template, {name: value for name, value, _ in fields})


def _say_html(template: str, fields: dict[str, Any]) -> Any:
    from markupsafe import Markup, escape

    marked = [name for name, value in fields.items() if isinstance(value, Markup)]
    if not marked:
        return t(template, **fields)  # plain text: autoescaped where it lands
    tokens = {name: f"\x00{index}\x00" for index, name in enumerate(marked)}
    text = str(escape(t(template, **{**fields, **tokens})))
    for name, token in tokens.items():
        text = text.replace(token, str(fields[name]))
    return Markup(text)


def element(tag: str, text: Any, cls: str = "") -> Any:
    """`<tag class="cls">text</tag>`, the text escaped: markup to hand t() as a field."""
    from markupsafe import Markup

    if cls:
        return Markup('<{0} class="{1}">{2}</{0}>').format(tag, cls, text)
    return Markup("<{0}>{1}</{0}>").format(tag, text)


# -- words the templates share with the dashboard, in the coach's language ----------------

def said_status(status: str) -> str:
    """A status or verdict word (passed, failed, error, skipped) in the chosen language."""
    from ohcheck.render.verdicts import verdict_word

    return verdict_word(status)


def trust_label(trust: str) -> str:
    """`coach-verified` or `self-reported`, in the chosen language."""
    return {"coach": t("coach-verified"), "self": t("self-reported")}.get(trust, trust)


def signed(signoff: SignOff) -> str:
    """`approved by Ana (forced)`: a sign-off in one phrase."""
    if signoff.approved:
        text = t("approved by {coach}", coach=signoff.coach)
    else:
        text = t("revoked by {coach}", coach=signoff.coach)
    return text + (t(" (forced)") if signoff.forced else "")


def counts(attempt: StoredAttempt) -> str:
    """`3 passed, 1 failed, 0 errors, 2 skipped`: an attempt's results counted."""
    return t("{passed} passed, {failed} failed, {error} errors, {skipped} skipped", passed=attempt.passed,
             failed=attempt.failed, error=attempt.error, skipped=attempt.skipped)


def tally(attempt: StoredAttempt) -> str:
    """An attempt in the overview: `3/5 passed · 2 skipped`, the dashboard's counts (a verdict word there would
    paint an unfinished challenge "failed" beside the dashboard's "in progress"); `undecided` when it could not
    verify at all."""
    from ohcheck.render.coach_states import counts_text, state_word

    if attempt.problem:
        return state_word("undecided")
    return counts_text(attempt.passed, attempt.passed + attempt.failed + attempt.error, attempt.skipped)


def attempts_line(c: ChallengeReport) -> str:
    """The line under a challenge's attempts table: how many attempts, the first pass, the time spent."""
    head = framework().say(msg_n("1 attempt in all · first attempt {first}",
                                 "{n} attempts in all · first attempt {first}",
                                 c.attempts, n=c.attempts, first=c.first_attempt))
    if not c.time_spent_so_far and not c.first_pass:
        tail = t("signed off without a passing attempt on record")
    elif not c.time_spent_so_far:  # passed, as the trusted record says
        tail = t("first passed {when} ({trust}) · time spent {spent}", when=c.first_pass,
                 trust=trust_label(c.first_pass_trust or ""), spent=c.time_spent or t("unknown"))
    else:
        tail = t("not passed yet (coach-verified)")
        if c.first_pass:  # the team's own word only: said as such, never as a time to pass
            tail += " · " + t("the team reports a pass {when}", when=c.first_pass)
        if c.time_spent:
            tail += " · " + t("time spent so far {spent}", spent=c.time_spent)
    return f"{head} · {tail}"


def _code_spans(value: Any) -> Any:
    """A pack's hint for HTML: its `backtick` spans shown as code, everything escaped.

    The spans are found by markdown-it (CommonMark's code spans, as the pack's Markdown pages show them); the
    rest of the hint stays text (no other Markdown rule is on)."""
    from markupsafe import Markup, escape

    out = []
    for token in _code_span_parser().parseInline(str(value))[0].children or []:
        out.append(Markup("<code>{}</code>").format(token.content) if token.type == "code_inline"
                   else escape(token.content))
    return Markup("").join(out)


@functools.lru_cache(maxsize=1)
def _code_span_parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("zero").enable("backticks")
