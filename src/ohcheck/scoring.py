"""Asking a team's scoring script for forecasts, the way Azure ML would.

The scoring contract of the hack (kept from the original service): the body
`{"data": [n]}` returns `{"result": [n forecasts]}` for the next n days, or
`{"error": "..."}`. `call_score_script` runs the team's score.py in a child
process (ohcheck.local.score_harness), so a crash, a hang or a stray `print` in the
team's code cannot take ohcheck down. `forecasts_in` reads a reply strictly.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ohcheck.azure.failures import reason
from ohcheck.i18n import Msg, msg
from ohcheck.local.score_harness import decode_reply
from ohcheck.targets.base import ScoreReply, TargetError
from ohcheck.transient import AZURE_RETRY, RetryPolicy, TransientError, retry_after


@dataclass(frozen=True)
class ScoreCall:
    ok: bool
    reply: Any = None  # what run() returned, JSON-decoded
    stage: str = ""  # where it went wrong: import, init, run, timeout, process
    error: str = ""  # a message (ohcheck's own words) or the exception the script raised, as text
    output: str = ""  # the tail of what the script printed

    def problem(self, script: str) -> Msg:
        """One sentence on what went wrong, naming the team's script."""
        if self.stage == "timeout":
            return msg("{script} did not answer within {limit}", script=script, limit=self.error)
        if self.stage == "process":
            return msg("{script} could not be run: {error}", script=script, error=self.error)
        if self.stage == "import":
            return msg("{script} raised in importing it: {error}", script=script, error=self.error)
        where = {"init": "init()", "run": "run()"}.get(self.stage, self.stage)
        return msg("{script} raised in {where}: {error}", script=script, where=where, error=self.error)


def call_score_script(
    script: Path, model_dir: Path, payload: Any, *, cwd: Path, timeout: float = 120.0
) -> ScoreCall:
    """Import `script`, call init() with AZUREML_MODEL_DIR=`model_dir`, then run(payload)."""
    with tempfile.TemporaryDirectory(prefix="ohcheck-score-") as tmp:
        reply_path = Path(tmp) / "reply.json"
        command = [
            sys.executable,
            "-m",
            "ohcheck.local.score_harness",
            "--script",
            str(script),
            "--model-dir",
            str(model_dir),
            "--reply",
            str(reply_path),
        ]
        from ohcheck import children

        try:
            # Its own process group, ended whole on the timeout or when ohcheck exits (a score.py that spins
            # forever must not outlive a verify that gave up on it).
            done = children.run(
                command,
                input=json.dumps(payload),
                capture_output=True,
                text=True,
                cwd=cwd,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return ScoreCall(ok=False, stage="timeout", error=msg("{seconds:g} s", seconds=timeout))
        except OSError as exc:
            return ScoreCall(ok=False, stage="process", error=str(exc))
        output = _tail(done.stdout + done.stderr)
        if not reply_path.exists():
            return ScoreCall(
                ok=False,
                stage="process",
                error=msg("it exited with code {code} before answering ({output})", code=done.returncode,
                          output=output or msg("no output")),
                output=output,
            )
        envelope = json.loads(reply_path.read_text(encoding="utf-8"))
    if envelope.get("ok"):
        return ScoreCall(ok=True, reply=envelope.get("reply"), output=output)
    error = envelope.get("error", "")
    if envelope.get("missing"):  # the harness's own sentence: said here, where the languages are
        error = msg("AttributeError: {file} defines no {name}() function", file=script.name, name=envelope["missing"])
    return ScoreCall(ok=False, stage=envelope.get("stage", ""), error=error, output=output)


# A throttled (429) or busy (503) endpoint: Azure ML's managed online endpoints answer so when
# requests outrun the deployment's capacity, often with Retry-After (see transient.RetryPolicy).
# 500, 502 and 504 are not retried: they are the team's score.py crashing or taking too long.
SCORING_RETRY_STATUS = {429: msg("too many requests"), 503: msg("service unavailable")}


class ScoringUnavailable(TargetError):
    """The scoring URI stayed throttled, unavailable or out of reach after the retries: undecided."""


class ScoringTimeout(TransientError, TimeoutError):
    """The endpoint did not answer in time: worth another try, and still an OSError as requests' timeouts are."""


def post_score(url: str, payload: Any, *, key: str | None = None, timeout: float = 30.0,
               policy: RetryPolicy = AZURE_RETRY, sleep: Callable[[float], None] = time.sleep) -> ScoreReply:
    """POST a scoring request over HTTP, with the key as a bearer token if given.

    429 and 503 and a dropped or refused connection are retried by the same bounded policy as
    every other Azure request, honouring Retry-After; if they persist, ScoringUnavailable (an
    error: ohcheck could not decide). A timeout is a TransientError (the runner retries it). Any other
    HTTP answer, 401 and 500 included, is returned for the check to judge; `seconds` is the
    time of the try that was answered.
    """
    import requests

    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(payload)
    tries = 0
    while True:
        tries += 1
        start = time.perf_counter()
        try:
            reply = requests.post(url, data=data, headers=headers, timeout=timeout)
        except requests.Timeout:
            # Worth another try (the runner retries it), said in ohcheck's words, not urllib3's.
            raise ScoringTimeout(msg("the endpoint did not answer within {timeout:g} s", timeout=timeout)) from None
        except requests.ConnectionError as exc:
            if tries > policy.retries:
                raise ScoringUnavailable(msg("the endpoint could not be reached ({reason}) in {tries} tries: try again "
                                             "later", reason=reason(exc), tries=tries)) from None
            sleep(policy.backoff_before(tries))
            continue
        seconds = time.perf_counter() - start
        meaning = SCORING_RETRY_STATUS.get(reply.status_code)
        if meaning is None:
            break
        asked = _retry_after(reply)
        if asked is not None and asked > policy.longest_wait:
            raise ScoringUnavailable(msg("the endpoint answered HTTP {status} ({meaning}) and asked to wait {seconds:.0f} "
                                         "s, longer than ohcheck waits: try again after that",
                                         status=reply.status_code, meaning=meaning, seconds=asked))
        if tries > policy.retries:
            raise ScoringUnavailable(msg("the endpoint answered HTTP {status} ({meaning}) to all {tries} tries: try "
                                         "again in a few minutes", status=reply.status_code, meaning=meaning,
                                         tries=tries))
        sleep(asked if asked is not None else policy.backoff_before(tries))
    try:
        body: Any = decode_reply(reply.json())
    except ValueError:
        body = reply.text[:2000]
    return ScoreReply(status=reply.status_code, body=body, seconds=seconds)


def _retry_after(reply: Any) -> float | None:
    """What the endpoint's Retry-After (or retry-after-ms) asks, in seconds."""

    class Answered(Exception):
        response = reply

    return retry_after(Answered())


def forecasts_in(reply: Any, n: int) -> tuple[list[float] | None, str]:
    """The n forecasts of a `{"result": [...]}` reply, or None and what is wrong with it (a message)."""
    if isinstance(reply, dict) and "error" in reply and "result" not in reply:
        return None, msg("it answered with an error: {error!r}", error=str(reply["error"])[:200])
    if not isinstance(reply, dict) or "result" not in reply:
        return None, msg('expected {{"result": [{n} numbers]}}, got {got}', n=n, got=_preview(reply))
    values = reply["result"]
    if isinstance(values, list) and len(values) == 1 and isinstance(values[0], list):
        values = values[0]  # [[...]]: a common numpy-to-list slip; accept it
    if not isinstance(values, list):
        return None, msg("'result' should be a list of {n} numbers, got {got}", n=n, got=_preview(values))
    if len(values) != n:
        return None, msg("asked for {n} forecasts, got {count}", n=n, count=len(values))
    numbers = []
    for i, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, msg("forecast {number} is not a number: {value}", number=i + 1, value=_preview(value))
        if not math.isfinite(value):
            return None, msg("forecast {number} is not finite ({value})", number=i + 1, value=value)
        numbers.append(float(value))
    return numbers, ""


def _preview(value: Any) -> str:
    text = json.dumps(value, default=repr) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 160 else text[:157] + "..."


def _tail(text: str, lines: int = 5) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept)[-600:]
