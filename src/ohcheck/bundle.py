"""Signed result bundles: how a team's own results reach its coach.

`ohcheck verify ... --export FILE` writes one verify run as JSON, signed with
the event's key (HMAC-SHA256 over a canonical form: keys sorted, no spaces,
UTF-8). `ohcheck coach import FILE...` checks the signature before anything is
stored, so a bundle edited after it was signed is refused — and stored ones
are marked self-reported, never mixed with what the coach verified.

The event key is one secret per event. The coach's copy lives in
`.ohcheck-coach/event.key` beside event.yaml (`ohcheck coach key` makes it);
a team's copy in its repo's `.ohcheck/event.key` (git ignores `.ohcheck/`) or
in the environment variable OHCHECK_EVENT_KEY. The key never enters a bundle,
an output or the store.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ohcheck.criteria import Result, Summary
from ohcheck.errors import UserError
from ohcheck.i18n import msg

FORMAT = "ohcheck-bundle/1"
KEY_NAME = "event.key"
KEY_ENV = "OHCHECK_EVENT_KEY"
_KEY_BYTES = 32


@dataclass(frozen=True)
class Bundle:
    team: str
    challenge: str
    target: str
    started_at: str
    summary: Summary
    results: list[Result]
    ohcheck_version: str
    signature: str


def new_key(path: Path) -> bool:
    """Write a fresh random key to `path` (readable by its owner only); False if one is already there."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(_KEY_BYTES) + "\n")
    return True


def read_key(path: Path | None, *, who: str) -> bytes:
    """The event key: OHCHECK_EVENT_KEY, else the key file; a clear sentence when there is none."""
    text = os.environ.get(KEY_ENV, "").strip()
    if not text and path is not None and path.is_file():
        text = path.read_text(encoding="ascii", errors="replace").strip()
    if not text:
        hint = msg("The coach makes it with `ohcheck coach key` and gives each team the file as .ohcheck/event.key.")
        if path is not None:
            raise UserError(msg("There is no event key: {who} needs {path} or the environment variable {env}.",
                                who=who, path=path, env=KEY_ENV), hint=hint)
        raise UserError(msg("There is no event key: {who} needs the environment variable {env}.", who=who,
                            env=KEY_ENV), hint=hint)
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise UserError(msg("The event key ({where}) is not a hex string: ask your coach for the file again.",
                            where=path or KEY_ENV)) from None
    if len(key) < 16:
        raise UserError(msg("The event key ({where}) is too short to sign anything.", where=path or KEY_ENV))
    return key


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _sign(document: dict[str, Any], key: bytes) -> str:
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    return hmac.new(key, canonical(unsigned), hashlib.sha256).hexdigest()


def export(run: Any, key: bytes) -> str:
    """A verify run (ohcheck.verify.VerifyRun) as a signed bundle, JSON text."""
    from ohcheck import __version__

    document = {
        "format": FORMAT,
        "team": run.config.team,
        "challenge": run.challenge.id,
        "target": run.config.target,
        "started_at": run.started_at,
        "summary": run.summary.to_dict(),
        "results": [r.to_dict() for r in run.results],
        "ohcheck_version": __version__,
    }
    document["signature"] = _sign(document, key)
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load(path: Path, key: bytes) -> Bundle:
    """Read and check one bundle; UserError with one sentence when it cannot be trusted or read."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(msg("{path} does not exist.", path=path)) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(msg("{path} is not a result bundle (not JSON: {reason}).", path=path,
                            reason=str(exc).splitlines()[0])) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UserError(msg("{path} is not a result bundle ({format}).", path=path, format=FORMAT))
    signature = document.get("signature")
    if not isinstance(signature, str) or not hmac.compare_digest(signature, _sign(document, key)):
        raise UserError(
            msg("{path} was changed after it was signed, or signed with another event's key: it was not imported.",
                path=path)
        )
    try:
        summary = document["summary"]
        return Bundle(
            team=str(document["team"]),
            challenge=str(document["challenge"]),
            target=str(document["target"]),
            started_at=str(document["started_at"]),
            summary=Summary(summary["passed"], summary["failed"], summary["error"], summary["skipped"],
                            float(summary["duration"])),
            results=[Result.from_dict(r) for r in document["results"]],
            ohcheck_version=str(document.get("ohcheck_version", "")),
            signature=signature,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(msg("{path} is signed but incomplete ({kind}: {reason}): it was not imported.", path=path,
                            kind=type(exc).__name__, reason=str(exc))) from None
