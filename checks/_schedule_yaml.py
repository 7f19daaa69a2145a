"""The team's Azure ML schedule YAML, read as `az ml schedule create` would read it: with azure-ai-ml's loader.

`load_schedule` (not exported by `azure.ai.ml`; it lives in
`azure.ai.ml.entities._load_functions`) works offline and also loads the job
that `create_job` names, so a wrong path to the pipeline YAML shows up here.
It does not check the cron expression (challenge 05's cron check does), and it
raises anything from a marshmallow ValidationError wrapped in JSON-ish text to
a bare TypeError (no `trigger:`): every failure becomes one sentence.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath
from typing import Any

from ohcheck import Msg, comma_list, msg

from ._cron import WEEKDAYS, recurrence_problem
from ._yaml_source import YamlFile

_MISSING_ARGUMENT = re.compile(r"missing \d+ required (?:keyword-only )?argument: '(\w+)'")
_NOT_IN_SET = re.compile(r"Value '(?P<found>[^']*)' passed is not in set \[(?P<allowed>[^\]]*)\]")


@dataclass(frozen=True)
class LoadedSchedule:
    name: str
    job_kind: str  # "pipeline", "reference" (an existing job, `azureml:<name>`), or another job type
    job_source: str  # create_job as written: a path, an azureml: reference, or "inline"
    experiment: str  # the experiment of the pipeline job it submits ("" if unknown)


class ScheduleProblem(Exception):
    def __init__(self, message: str) -> None:  # a Msg: said in the reader's language
        super().__init__(message)
        self.message = message


def load(file: YamlFile, absolute: str) -> LoadedSchedule:
    """Load the schedule with azure-ai-ml; ScheduleProblem (one sentence, with the file) if it does not load."""
    # The SDK announces its experimental classes through this logger at import and load:
    # noise to a team (and it must never reach the stdout of `ohcheck verify --json`).
    logging.getLogger("azure.ai.ml._utils._experimental").setLevel(logging.ERROR)
    from azure.ai.ml.entities._load_functions import (
        load_schedule,  # imported lazily: ~1.5 s
    )

    try:
        schedule = load_schedule(absolute)
    except Exception as exc:  # noqa: BLE001 - the loader raises many kinds; one sentence for all
        # The loader names files by absolute path: show them from the repo, as the team wrote them.
        message = _replaced(describe_sdk_error(exc, file), str(PurePath(absolute).parent),
                            str(PurePosixPath(file.path).parent))
        raise ScheduleProblem(message) from None
    job = schedule.create_job
    written = _mapping(file.data).get("create_job")
    source = written if isinstance(written, str) else "inline"
    if isinstance(job, str):
        return LoadedSchedule(str(schedule.name), "reference", source, "")
    kind = str(getattr(job, "type", "") or type(job).__name__)
    return LoadedSchedule(str(schedule.name), kind, source, str(getattr(job, "experiment_name", "") or ""))


_DAY_NAMES = {
    "monday": msg("Monday"), "tuesday": msg("Tuesday"), "wednesday": msg("Wednesday"), "thursday": msg("Thursday"),
    "friday": msg("Friday"), "saturday": msg("Saturday"), "sunday": msg("Sunday"),
}


def recurrence_at(frequency: Any, interval: Any, pattern: Any) -> Msg | None:
    """A recurrence's `schedule:` pattern as the times it fires: "at 04:00, 04:30 on Monday, Friday".

    None when there is no pattern, or one that is not valid (05.4 says why; it is then shown as written).
    """
    if not isinstance(pattern, dict) or not pattern or recurrence_problem(frequency, interval, pattern) is not None:
        return None
    # Azure ML fires at every hour x minute of the pattern (hours or minutes left out: 0).
    hours, minutes = _as_list(pattern.get("hours")) or [0], _as_list(pattern.get("minutes")) or [0]
    times = [f"{h:02d}:{m:02d}" for h, m in sorted({(h, m) for h in hours for m in minutes})]
    days = sorted({d.lower() for d in _as_list(pattern.get("week_days", pattern.get("weekdays")))}, key=WEEKDAYS.index)
    if days:
        return msg("at {times} on {days}", times=comma_list(times), days=comma_list([_DAY_NAMES[d] for d in days]))
    return msg("at {times}", times=comma_list(times))


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def describe_sdk_error(exc: BaseException, file: YamlFile) -> Msg:
    """The loader's complaint as `file:line: key: message` (the line where the YAML has that key).

    The SDK's own words stay as they are (they are field values); ohcheck's are said in the reader's language.
    """
    missing = _MISSING_ARGUMENT.search(str(exc))
    if isinstance(exc, TypeError) and missing:
        return msg("{path}: `{field}` is missing", path=file.path, field=missing.group(1))
    messages = _field_messages(str(exc))
    if not messages:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        return msg("{path}: {error}", path=file.path, error=lines[0][:300] if lines else type(exc).__name__)
    described = []
    for key, message in messages[:3]:
        where = file.where(*key.split(".")) if key else file.path
        described.append(msg("{where}: {field}: {error}", where=where, field=key, error=message) if key
                         else msg("{path}: {error}", path=where, error=message))
    return described[0] if len(described) == 1 else msg("{problems}", problems=described)


def _replaced(message: Msg, old: str, new: str) -> Msg:
    """`message` with `old` replaced by `new` in the values of its fields (the template is ohcheck's own)."""

    def replace(value: Any) -> Any:  # a formatted value, a nested message's source, or a list of them
        if isinstance(value, dict):
            return {"template": value["template"], "values": {k: replace(v) for k, v in value["values"].items()}}
        if isinstance(value, list):
            return [replace(v) for v in value]
        return str(value).replace(old, new)

    return Msg(message.template, {k: replace(v) for k, v in message.values.items()})


def _field_messages(text: str) -> list[tuple[str, str | Msg]]:
    """(dotted key, message) pairs from the SDK's nested "Validation for ... failed: {json}" text."""
    document = _first_json(text)
    if document is None:
        return []
    if isinstance(document, dict) and isinstance(document.get("errors"), list):
        found = []
        for error in document["errors"]:
            message = str(error.get("message", "")) if isinstance(error, dict) else str(error)
            found += _field_messages(message) or [("", message.splitlines()[0] if message else "")]
        return found
    return _flatten(document, "")


def _first_json(text: str) -> Any:
    start = text.find("{")
    while start != -1:
        try:
            value, _ = json.JSONDecoder().raw_decode(text[start:])
            return value
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
    return None


def _flatten(value: Any, prefix: str) -> list[tuple[str, str | Msg]]:
    if isinstance(value, str):
        return [(prefix, _plain(value))]
    if isinstance(value, dict):
        found = []
        for key, inner in value.items():
            found += _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
        return found
    if isinstance(value, list):
        alternatives = [v for v in value if isinstance(v, dict)]
        if len(alternatives) > 1:
            return _union(alternatives, prefix)
        found = []
        for inner in value:
            found += _flatten(inner, prefix)
        return found
    return [(prefix, str(value))]


def _union(alternatives: list[dict], prefix: str) -> list[tuple[str, str | Msg]]:
    """A field that may take one of several schemas (a cron or a recurrence trigger): say what fits best."""
    # An alternative that accepts the `type` is the one the team meant: its complaints are the real ones.
    meant = [a for a in alternatives if "type" not in a]
    if meant:
        return min((_flatten(a, prefix) for a in meant), key=len)
    allowed, found = [], ""
    for alternative in alternatives:
        for message in _strings(alternative.get("type")):
            match = _NOT_IN_SET.search(message)
            if match:
                found = match.group("found")
                allowed += [v.strip(" '\"") for v in match.group("allowed").split(",")]
    key = f"{prefix}.type" if prefix else "type"
    if allowed:
        return [(key, msg("'{found}' is not one of {allowed}", found=found, allowed=list(dict.fromkeys(allowed))))]
    return _flatten(alternatives[0], prefix)


def _plain(message: str) -> str | Msg:
    """marshmallow's "Value 'x' passed is not in set ['a', 'b']" as people say it."""
    match = _NOT_IN_SET.fullmatch(message.strip())
    if not match:
        return message
    allowed = [v.strip(" '\"") for v in match.group("allowed").split(",")]
    return msg("'{found}' is not one of {allowed}", found=match.group("found"), allowed=allowed)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}
