"""Signed result bundles: how a team's own results reach its coach.

`ohcheck verify ... --export FILE` writes one verify run as JSON
(`ohcheck-bundle/2`), with the team's earlier verifies of the same challenge
from its `.ohcheck/results.db` (its `history`, the newest HISTORY_LIMIT), all
signed with the TEAM's key (HMAC-SHA256 over a canonical form: keys sorted, no
spaces, UTF-8). `ohcheck coach import FILE...` checks the signature with the
key of the team the bundle names, then every field (`check`), before anything
is stored: a bundle edited after it was signed, signed for another team, or
holding a field of the wrong type is refused in one sentence, and stored ones
are marked self-reported, never mixed with what the coach verified.

Keys. The event key is one secret per event, the coach's only:
`.ohcheck-coach/event.key` beside event.yaml (`ohcheck coach key` makes it) or
OHCHECK_EVENT_KEY. Each team's key is derived from it (`team_key`: an HMAC of
the team's name), so the coach needs one file and a team can sign only its own
results. A team's copy is its repo's `.ohcheck/team.key` (git ignores
`.ohcheck/`; `ohcheck event setup` writes it into the kit) or OHCHECK_TEAM_KEY.
No key ever enters a bundle, an output or the store. Bundles of the first
format (`ohcheck-bundle/1`) were signed with the event key itself, which every
team held: they are refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ohcheck.criteria import Result, Summary
from ohcheck.errors import UserError, writing
from ohcheck.i18n import Msg, msg
from ohcheck.targets.registry import TargetLiteral

FORMAT = "ohcheck-bundle/2"
OLD_FORMATS = ("ohcheck-bundle/1",)  # signed with the event-wide key: refused, the team exports again
EVENT_KEY_NAME = "event.key"  # the coach's, in .ohcheck-coach/; an old kit's .ohcheck/ may hold a copy
TEAM_KEY_NAME = "team.key"  # the team's, in its repo's .ohcheck/
KEY_ENV = "OHCHECK_EVENT_KEY"
TEAM_KEY_ENV = "OHCHECK_TEAM_KEY"
HISTORY_LIMIT = 200
_KEY_BYTES = 32
_TEAM_KEY_LABEL = b"ohcheck-team-key/1\0"
STATUSES = ("passed", "failed", "error", "skipped")


@dataclass(frozen=True)
class HistoryEntry:
    """One earlier verify of the team's: when (its own clock), its verdict, each criterion's status."""

    started_at: str
    verdict: str
    statuses: dict[str, str]


@dataclass(frozen=True)
class Bundle:
    team: str
    challenge: str
    target: str
    started_at: str
    summary: Summary
    results: list[Result]
    history: list[HistoryEntry]
    ohcheck_version: str
    signature: str


# -- keys -------------------------------------------------------------------------------

def new_key(path: Path) -> bool:
    """Write a fresh random key to `path` (readable by its owner only); False if one is already there."""
    if path.exists():
        return False
    with writing(path):
        write_secret(path, secrets.token_hex(_KEY_BYTES))
    return True


def write_secret(path: Path, text: str) -> None:
    """Write `text` to a new file readable by its owner only (never over an existing file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text + "\n")


def team_key(event_key: bytes, team: str) -> bytes:
    """Team `team`'s signing key: HMAC-SHA256 of its name under the event key (one-way, so a team's key
    tells nothing about the event key or another team's)."""
    return hmac.new(event_key, _TEAM_KEY_LABEL + team.encode("utf-8"), hashlib.sha256).digest()


def read_key(path: Path | None, *, who: str) -> bytes:
    """The event key (the coach's): OHCHECK_EVENT_KEY, else the key file; a clear sentence when there is none."""
    text = os.environ.get(KEY_ENV, "").strip()
    if not text and path is not None and path.is_file():
        text = _read_key_file(path)
    if not text:
        hint = msg("The coach makes it with `ohcheck coach key`; it stays with the coaches.")
        if path is not None:
            raise UserError(msg("There is no event key: {who} needs {path} or the environment variable {env}.",
                                who=who, path=path, env=KEY_ENV), hint=hint)
        raise UserError(msg("There is no event key: {who} needs the environment variable {env}.", who=who,
                            env=KEY_ENV), hint=hint)
    return _parse_key(text, path or KEY_ENV)


def read_team_key(folder: Path, *, who: str) -> bytes:
    """The team's key: OHCHECK_TEAM_KEY, else `folder`/team.key (folder: the repo's .ohcheck/)."""
    path = folder / TEAM_KEY_NAME
    text = os.environ.get(TEAM_KEY_ENV, "").strip()
    where: Any = TEAM_KEY_ENV
    if not text and path.is_file():
        text, where = _read_key_file(path), path
    if not text:
        old = folder / EVENT_KEY_NAME
        if old.is_file() or os.environ.get(KEY_ENV, "").strip():
            raise UserError(msg("This repo has only the old event-wide key ({old}), which no longer signs results: "
                                "ask your coach for your team's key and put it in {path}.",
                                old=old if old.is_file() else KEY_ENV, path=path),
                            hint=msg("The coach makes it with `ohcheck coach key --team TEAM --out FILE`."))
        raise UserError(msg("There is no team key: {who} needs {path} or the environment variable {env}.",
                            who=who, path=path, env=TEAM_KEY_ENV),
                        hint=msg("Your coach gives it to you (`ohcheck event setup` puts it in each team kit)."))
    return _parse_key(text, where)


def _read_key_file(path: Path) -> str:
    """A key file's text; it is a regular file (is_file() said so), read without following a swap to a FIFO."""
    from ohcheck import user_files

    try:
        return user_files.read_text(path, encoding="ascii", errors="replace").strip()
    except user_files.NotRegularFile as exc:
        raise UserError(exc.sentence) from None
    except OSError as exc:
        raise UserError(msg("Cannot read {path}: {reason}.", path=path, reason=exc.strerror or exc)) from None


def _parse_key(text: str, where: Any) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise UserError(msg("The key ({where}) is not a hex string: ask your coach for the file again.",
                            where=where)) from None
    if len(key) < 16:
        raise UserError(msg("The key ({where}) is too short to sign anything.", where=where))
    return key


# -- writing ----------------------------------------------------------------------------

def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _sign(document: dict[str, Any], key: bytes) -> str:
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    return hmac.new(key, canonical(unsigned), hashlib.sha256).hexdigest()


def earlier_verifies(repo_root: Path, run: Any) -> list[dict[str, Any]]:
    """The team's earlier verifies of the run's challenge, from its results.db: the newest HISTORY_LIMIT,
    oldest first, as a bundle carries them (the run itself is the bundle's run, not history)."""
    from ohcheck.store import ResultsStore, store_path

    with ResultsStore(store_path(repo_root), create=False) as store:
        attempts = [a for a in store.attempts(challenge=run.challenge.id, limit=HISTORY_LIMIT + 1)
                    if a.id != run.attempt_id and a.team == run.config.team][:HISTORY_LIMIT]
        entries = []
        for attempt in reversed(attempts):
            results = store.results(attempt.id)
            # The verdict is recomputed from the statuses, as the coach's import will check it.
            entries.append({"started_at": attempt.started_at, "verdict": Summary.of(results).verdict,
                            "statuses": {r.criterion: r.status.value for r in results}})
    return entries


def export(run: Any, key: bytes, history: list[dict[str, Any]] | None = None) -> str:
    """A verify run (ohcheck.verify.VerifyRun) and the team's earlier verifies as a signed bundle, JSON text."""
    from ohcheck import __version__

    document = {
        "format": FORMAT,
        "team": run.config.team,
        "challenge": run.challenge.id,
        "target": run.config.target,
        "started_at": run.started_at,
        "summary": run.summary.to_dict(),
        "results": [r.to_dict() for r in run.results],
        "history": list(history or []),
        "ohcheck_version": __version__,
    }
    document["signature"] = _sign(document, key)
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# -- reading and checking ---------------------------------------------------------------

_Count = Annotated[int, Field(ge=0)]
_Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]  # json.loads reads Infinity and NaN
_Status = Literal["passed", "failed", "error", "skipped"]


class _Strict(BaseModel):
    # Strict: "3" is not 3, true is not 1. Unknown keys are ignored: nothing of them is stored.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class _Summary(_Strict):
    passed: _Count
    failed: _Count
    error: _Count
    skipped: _Count
    duration: _Seconds


class _MessageSource(_Strict):
    template: str
    values: dict[str, Any] = Field(default_factory=dict)


class _Result(_Strict):
    challenge: str
    criterion: str
    title: str = ""
    status: _Status
    message: str = ""
    hint: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict)
    duration: _Seconds = 0.0
    target: str = ""
    team: str = ""
    time: str = ""
    message_source: dict[str, Any] | None = None


class _History(_Strict):
    started_at: str
    verdict: _Status
    statuses: dict[str, _Status]


class _Document(_Strict):
    format: str
    team: str
    challenge: str
    target: TargetLiteral
    started_at: str
    summary: _Summary
    results: list[_Result]
    history: Annotated[list[_History], Field(max_length=HISTORY_LIMIT)] = Field(default_factory=list)
    ohcheck_version: str = ""
    signature: str


def _problem(kind: str, ctx: dict[str, Any], first: dict[str, Any]) -> Msg:
    """A pydantic error type in our words (said in any language); pydantic's own for a kind not named here."""
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return msg("must be a whole number")
    if kind in ("float_type", "float_parsing"):
        return msg("must be a number")
    if kind == "string_type":
        return msg("must be text")
    if kind in ("dict_type", "model_type"):
        return msg("must be a mapping")
    if kind == "list_type":
        return msg("must be a list")
    if kind == "finite_number":
        return msg("must be a finite number")
    if kind == "greater_than_equal":
        return msg("must be 0 or more")
    if kind == "literal_error":
        return msg("must be one of {choices}", choices=re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
    if kind == "missing":
        return msg("is missing")
    if kind == "too_long":
        return msg("may hold at most {limit} entries", limit=HISTORY_LIMIT)
    return Msg(first["msg"][:1].lower() + first["msg"][1:])


def _refused(path: Path, problem: Msg) -> UserError:
    return UserError(msg("{path}: {problem}: it was not imported.", path=path.name, problem=problem))


def _explain(exc: ValidationError) -> Msg:
    from ohcheck.yaml_model import key_path

    first = exc.errors()[0]
    kind, ctx = first["type"], first.get("ctx") or {}
    problem = _problem(kind, ctx, first)
    key = key_path(tuple(first["loc"]))
    if kind == "missing":
        return msg("`{key}` {problem}", key=key, problem=problem)
    found = first.get("input")
    shown = type(found).__name__ if isinstance(found, (dict, list)) else repr(found)[:60]
    return msg("`{key}` {problem} (found {found})", key=key, problem=problem, found=shown)


def _is_time(text: str) -> bool:
    """ISO 8601 with a time zone (or Z): what ohcheck writes, and what coach_time.parse_time reads as UTC."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return False
    return value.tzinfo is not None


def utc_text(text: str) -> str:
    """A checked time as ohcheck stores the team's verifies (UTC, to the second, like results.db), so one verify
    seen in a bundle and in a collect is one row of the coach's store."""
    from ohcheck.coach.times import parse_time

    value = parse_time(text)
    return value.isoformat(timespec="seconds") if value is not None else text


def read(path: Path) -> dict[str, Any]:
    """A bundle's JSON document, unchecked; one sentence when it is not one."""
    from ohcheck import user_files
    from ohcheck.yaml_load import MAX_DEPTH

    try:
        document = json.loads(user_files.read_text(path))  # a FIFO or a device is refused, not waited on
    except FileNotFoundError:
        raise UserError(msg("{path} does not exist.", path=path)) from None
    except user_files.NotRegularFile as exc:
        raise UserError(exc.sentence) from None
    except RecursionError:  # json's decoder gives up past Python's recursion limit
        raise UserError(msg("{path} is not a result bundle (its JSON is nested deeper than {limit} levels).",
                            path=path, limit=MAX_DEPTH)) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(msg("{path} is not a result bundle (not JSON: {reason}).", path=path,
                            reason=str(exc).splitlines()[0])) from None
    if _depth(document) > MAX_DEPTH:  # within json's limit, but every later step (signing, checking) recurses too
        raise UserError(msg("{path} is not a result bundle (its JSON is nested deeper than {limit} levels).",
                            path=path, limit=MAX_DEPTH))
    if isinstance(document, dict) and document.get("format") in OLD_FORMATS:
        raise UserError(msg("{path} is a bundle of an older ohcheck ({format}), signed with the event-wide key: "
                            "it was not imported; ask the team to export it again.",
                            path=path, format=document["format"]))
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UserError(msg("{path} is not a result bundle ({format}).", path=path, format=FORMAT))
    return document


def _depth(document: Any) -> int:
    """How deeply lists and objects nest in a JSON document (a loop: the document may be deep)."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in (value.values() if isinstance(value, dict) else value))
    return deepest


def load(path: Path, event_key: bytes, *, teams: list[str], pack: Any) -> Bundle:
    """Read one bundle and check it whole: the signature with the key of the team it names, then every field.
    UserError with one sentence when it cannot be trusted or read; nothing is stored by this."""
    document = read(path)
    team = document.get("team")
    if not isinstance(team, str):
        raise _refused(path, msg("`team` must be text (found {found})", found=repr(team)[:60]))
    if team not in teams:
        raise UserError(msg("{path} is from team {team!r}, which is not a team of the event.", path=path, team=team))
    signature = document.get("signature")
    if not isinstance(signature, str) or not hmac.compare_digest(signature, _sign(document, team_key(event_key, team))):
        raise UserError(_whose_signature(path, document, signature, event_key, team, teams))
    return check(path, document, pack=pack)


def _whose_signature(path: Path, document: dict, signature: Any, event_key: bytes, team: str,
                     teams: list[str]) -> Msg:
    """Why a signature does not hold: signed with the event-wide key, with another team's, or changed."""
    if isinstance(signature, str):
        if hmac.compare_digest(signature, _sign(document, event_key)):
            return msg("{path} names team {team} but was signed with the event-wide key, not the team's: "
                       "it was not imported.", path=path, team=team)
        for other in teams:
            if other != team and hmac.compare_digest(signature, _sign(document, team_key(event_key, other))):
                return msg("{path} names team {team} but was signed with team {other}'s key: it was not imported.",
                           path=path, team=team, other=other)
    return msg("{path} was changed after it was signed, or signed with another event's key: it was not imported.",
               path=path)


def check(path: Path, document: dict[str, Any], *, pack: Any) -> Bundle:
    """Every field of a signed bundle, against its types and the pack: a check recomputes instead of trusting.

    The team is a team of the event (checked before the signature), the challenge is the pack's, the target
    local or azure, every time ISO 8601 with a time zone, counts whole numbers ≥ 0; every result a criterion
    of that challenge, once, each of them present (a verify runs them all); the summary and each history
    entry's verdict equal what their statuses count. An earlier verify need not hold every criterion: it may
    predate one the pack added since.
    """
    try:
        doc = _Document.model_validate(document)
    except ValidationError as exc:
        raise _refused(path, _explain(exc)) from None
    known = {c.id: c for c in pack.challenges}
    if doc.challenge not in known:
        raise _refused(path, msg("`challenge` {challenge!r} is not a challenge of this hack pack",
                                 challenge=doc.challenge))
    criteria = [c.id for c in pack.criteria(known[doc.challenge])]
    if not _is_time(doc.started_at):
        raise _refused(path, msg("`started_at` must be an ISO 8601 time with a time zone (found {found!r})",
                                 found=doc.started_at[:60]))
    seen: set[str] = set()
    for i, r in enumerate(doc.results):
        where = f"results[{i}]"
        if r.challenge != doc.challenge:
            raise _refused(path, msg("`{where}.challenge` is {found!r}, not the bundle's {challenge}", where=where,
                                     found=r.challenge[:60], challenge=doc.challenge))
        if r.criterion not in criteria:
            raise _refused(path, msg("`{where}.criterion` {criterion!r} is not a criterion of {challenge}",
                                     where=where, criterion=r.criterion[:60], challenge=doc.challenge))
        if r.criterion in seen:
            raise _refused(path, msg("criterion {criterion} is there twice", criterion=r.criterion))
        seen.add(r.criterion)
        if r.time and not _is_time(r.time):
            raise _refused(path, msg("`{where}.time` must be an ISO 8601 time with a time zone (found {found!r})",
                                     where=where, found=r.time[:60]))
    missing = [c for c in criteria if c not in seen]
    if missing:
        raise _refused(path, msg("it has no result for {criteria} of {challenge} (a verify checks every criterion)",
                                 criteria=missing, challenge=doc.challenge))
    results = [Result.from_dict(r.model_dump()) for r in doc.results]
    for i, result in enumerate(results):
        if not _sayable(result, pack):
            raise _refused(path, msg("`results[{i}]` holds a message ohcheck cannot say", i=i))
    counted = Summary.of(results, doc.summary.duration)
    claimed = Summary(doc.summary.passed, doc.summary.failed, doc.summary.error, doc.summary.skipped,
                      doc.summary.duration)
    if claimed != counted:
        raise _refused(path, msg("its summary ({claimed}) is not what its results count ({counted})",
                                 claimed=_counts(claimed), counted=_counts(counted)))
    history = []
    for i, h in enumerate(doc.history):
        where = f"history[{i}]"
        if not _is_time(h.started_at):
            raise _refused(path, msg("`{where}.started_at` must be an ISO 8601 time with a time zone (found {found!r})",
                                     where=where, found=h.started_at[:60]))
        strangers = [c for c in h.statuses if c not in criteria]
        if strangers:
            raise _refused(path, msg("`{where}` names {criteria}, not criteria of {challenge}", where=where,
                                     criteria=[c[:60] for c in strangers[:3]], challenge=doc.challenge))
        verdict = _verdict_of(h.statuses)
        if h.verdict != verdict:
            raise _refused(path, msg("`{where}.verdict` is {found}, but its statuses say {verdict}", where=where,
                                     found=h.verdict, verdict=verdict))
        history.append(HistoryEntry(utc_text(h.started_at), h.verdict, dict(h.statuses)))
    return Bundle(team=doc.team, challenge=doc.challenge, target=doc.target, started_at=doc.started_at,
                  summary=claimed, results=results, history=history, ohcheck_version=doc.ohcheck_version,
                  signature=doc.signature)


def _counts(summary: Summary) -> str:
    return f"{summary.passed}/{summary.failed}/{summary.error}/{summary.skipped}"


def _verdict_of(statuses: dict[str, str]) -> str:
    counts = {s: sum(1 for v in statuses.values() if v == s) for s in STATUSES}
    return Summary(counts["passed"], counts["failed"], counts["error"], counts["skipped"], 0.0).verdict


def _sayable(result: Result, pack: Any) -> bool:
    """The result can be said as the coach's pages say it (English and Japanese): a forged message source
    must not break a page later."""
    try:
        if result.message_source is not None:
            _MessageSource.model_validate(result.message_source)
        for lang in ("en", "ja"):
            result.in_language(pack.catalogue(lang))
    except Exception:  # noqa: BLE001 - whatever a forged template raises, the answer is "no"
        return False
    return True
