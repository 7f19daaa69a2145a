"""A team's GitHub Actions workflows, read for challenge 05: when they run, what they submit, how they sign in.

GitHub reads the `.yml`/`.yaml` files directly in `.github/workflows` (not in
subfolders). A workflow takes the "workflow route" of challenge 05 when it
submits the pipeline of challenge 04 on its own: on a push to `main` limited
by a `paths` filter, and/or on a `schedule`. `workflow_dispatch` alone needs
a person to press the button.

What a step runs is read from `run:` scripts and from azure/cli's
`inlineScript`: `az ml job create --file <the pipeline YAML>` or
`python <the SDK v2 pipeline script>`.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ohcheck.i18n import Msg, msg

from ._yaml_source import YamlFile, YamlProblem, read_yaml

_AZ_JOB_CREATE = re.compile(r"\baz\s+ml\s+job\s+create\b(?P<args>[^\n;&|]*)")
_FILE_ARG = re.compile(r"(?:--file|-f)(?:\s+|=)[\"']?(?P<file>[^\s\"']+)")
_PYTHON_SCRIPT = re.compile(r"\bpython[0-9.]*\s+(?:-[A-Za-z]+\s+)*[\"']?(?P<file>[^\s\"']+\.py)\b")
_EXPRESSION = re.compile(r"^\$\{\{.*\b(?:secrets|vars)\.[A-Za-z0-9_]+.*\}\}$", re.DOTALL)
OIDC_INPUTS = ("client-id", "tenant-id", "subscription-id")


@dataclass
class Workflow:
    """One workflow file as challenge 05 sees it."""

    file: YamlFile
    events: dict[str, Any]  # `on:`, normalised to a mapping of event -> settings (or None)
    submits: str = ""  # the command that submits the pipeline, "" if none
    login_steps: list[tuple[str, int, dict]] = field(default_factory=list)  # (job id, step index, step)
    commands: list[str] = field(default_factory=list)  # every run script, continuation lines joined

    @property
    def path(self) -> str:
        return self.file.path

    # -- when it runs -------------------------------------------------------------
    @property
    def crons(self) -> list[tuple[str, str]]:
        """(where, expression) of each `on.schedule[].cron`."""
        entries = self.events.get("schedule")
        found = []
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            cron = entry.get("cron") if isinstance(entry, dict) else None
            found.append((self.file.where("on", "schedule", i, "cron"), "" if cron is None else str(cron)))
        return found

    def push_to_main(self) -> tuple[bool, bool]:
        """(runs on a push to main, with a paths filter)."""
        if "push" not in self.events:
            return False, False
        push = self.events["push"] or {}
        if not isinstance(push, dict):
            return False, False
        if "branches" in push:
            on_main = _matches_main(push.get("branches"))
        elif "branches-ignore" in push:
            on_main = not _matches_main(push.get("branches-ignore"))
        else:
            on_main = "tags" not in push and "tags-ignore" not in push  # every branch, main included
        filtered = bool(push.get("paths") or push.get("paths-ignore"))
        return on_main, filtered

    def unattended_trigger(self) -> Msg | str:
        """How it runs without a person ("" if it does not): push to main with paths, schedule."""
        ways = []
        on_main, filtered = self.push_to_main()
        if on_main and filtered:
            ways.append(msg("on push to main (paths filter)"))
        if self.crons:
            ways.append(msg("on schedule {crons}", crons=[f"'{c}'" for _, c in self.crons]))
        if len(ways) == 2:
            return msg("{first} and {second}", first=ways[0], second=ways[1])
        return ways[0] if ways else ""

    def trigger_gap(self) -> Msg:
        """What its triggers lack to start the pipeline without a person."""
        on_main, filtered = self.push_to_main()
        if on_main and not filtered:
            return msg("it runs on every push to main, with no `paths` filter (a README change would retrain): "
                       "add paths such as src/**, components/**, pipelines/**, environment/**")
        if "push" in self.events and not on_main:
            return msg("its push trigger leaves out main: run on a push to main with a `paths` filter, "
                       "or on a `schedule`")
        if not self.events:
            return msg("it has no `on:` trigger: add a push to main with a `paths` filter, or a `schedule`")
        return msg("it runs on {events} only: add a push to main with a `paths` filter, or a `schedule`",
                   events=list(self.events))

    # -- how it signs in ------------------------------------------------------------
    def touches_azure(self) -> bool:
        return bool(self.login_steps or self.submits or any(re.search(r"\baz\s", c) for c in self.commands))

    def permission(self, job_id: str, scope: str = "id-token") -> str | None:
        """The job's permission for `scope` (its own `permissions:`, else the workflow's), None if unset."""
        jobs = _mapping(self.file.data).get("jobs") or {}
        job = jobs.get(job_id) if isinstance(jobs, dict) else None
        for holder in (job, self.file.data):
            if isinstance(holder, dict) and "permissions" in holder:
                permissions = holder["permissions"]
                if isinstance(permissions, str):  # write-all, read-all
                    return "write" if permissions == "write-all" else "read"
                if isinstance(permissions, dict):
                    return str(permissions.get(scope, "none"))
                return "none"  # `permissions: {}` or null: nothing at all
        return None


def workflow_files(repo: Any, folder: str) -> list[str]:
    """The workflow files GitHub would run, relative to the repo (sorted)."""
    path = repo.path(folder)
    if not path.is_dir():
        return []
    return sorted(repo.relative(p) for p in path.iterdir() if p.is_file() and p.suffix in (".yml", ".yaml"))


def read_workflow(repo: Any, relative: str, *, pipeline: str, pipeline_sdk: str) -> Workflow:
    """Read one workflow; YamlProblem if it is not YAML or not a workflow at all."""
    file = read_yaml(repo, relative)
    data = file.data
    if not isinstance(data, dict):
        found = msg("an empty file") if data is None else msg("a {type}", type=type(data).__name__)
        raise YamlProblem(msg("{path}: a workflow is a mapping with `on:` and `jobs:`, found {found}",
                              path=relative, found=found))
    workflow = Workflow(file=file, events=_events(data.get("on", data.get(True))))
    for job_id, step_index, step in _steps(data):
        uses = str(step.get("uses") or "")
        if uses.lower().startswith("azure/login@"):
            workflow.login_steps.append((job_id, step_index, step))
        script = step.get("run")
        if script is None and uses.lower().startswith("azure/cli@"):
            script = _mapping(step.get("with")).get("inlineScript")
        if isinstance(script, str):
            command = re.sub(r"\\\s*\n\s*", " ", script)  # join continuation lines
            workflow.commands.append(command)
            if not workflow.submits and submits_pipeline(command, pipeline=pipeline, pipeline_sdk=pipeline_sdk):
                workflow.submits = " ".join(command.split())[:200]
    return workflow


def submits_pipeline(command: str, *, pipeline: str, pipeline_sdk: str) -> bool:
    """True if a script submits the pipeline: az ml job create with its YAML, or python on its SDK script."""
    for match in _AZ_JOB_CREATE.finditer(command):
        file = _FILE_ARG.search(match.group("args"))
        if file and _same_file(file.group("file"), pipeline):
            return True
    return any(_same_file(m.group("file"), pipeline_sdk) for m in _PYTHON_SCRIPT.finditer(command))


def oidc_problems(workflow: Workflow) -> list[Msg]:
    """What keeps a workflow that works with Azure from signing in with OIDC alone."""
    problems = []
    if not workflow.login_steps:
        if any(re.search(r"\baz\s+login\b", c) for c in workflow.commands):
            return [msg("{path}: signs in with `az login` in a script: use azure/login with OIDC "
                        "(client-id, tenant-id, subscription-id) instead", path=workflow.path)]
        if workflow.submits:
            return [msg("{path}: submits the pipeline but never signs in to Azure with azure/login", path=workflow.path)]
        return [msg("{path}: runs az commands but never signs in to Azure with azure/login", path=workflow.path)]
    for job_id, index, step in workflow.login_steps:
        where = workflow.file.where("jobs", job_id, "steps", index)
        inputs = _mapping(step.get("with"))
        if "creds" in inputs:
            where = workflow.file.where("jobs", job_id, "steps", index, "with", "creds")
            problems.append(msg("{where}: azure/login uses `creds:` (a service principal's client secret): "
                                "sign in with OIDC (client-id, tenant-id, subscription-id) instead", where=where))
            continue
        missing = [k for k in OIDC_INPUTS if not inputs.get(k)]
        if missing:
            problems.append(msg("{where}: azure/login lacks {inputs}", where=where, inputs=missing))
        written = [k for k in OIDC_INPUTS if inputs.get(k) and not _EXPRESSION.match(str(inputs[k]).strip())]
        if written:
            at = workflow.file.where("jobs", job_id, "steps", index, "with", written[0])
            # `{{` is a literal brace in a template: the sentence shows `${{ secrets.X }}`.
            if len(written) == 1:
                problems.append(msg("{where}: {inputs} is written in the workflow: read them from "
                                    "`${{{{ secrets.X }}}}` or `${{{{ vars.X }}}}`", where=at, inputs=written))
            else:
                problems.append(msg("{where}: {inputs} are written in the workflow: read them from "
                                    "`${{{{ secrets.X }}}}` or `${{{{ vars.X }}}}`", where=at, inputs=written))
        if workflow.permission(job_id) != "write":
            problems.append(msg("{where}: job {job} has no `permissions: id-token: write`, so GitHub gives it no "
                                "OIDC token to sign in with", where=where, job=job_id))
    for name in _client_secret_variables(workflow.file.data):
        problems.append(msg("{path}: sets {name}: a client secret is what OIDC replaces", path=workflow.path, name=name))
    return problems


# -- reading the YAML -------------------------------------------------------------------


def _events(on: Any) -> dict[str, Any]:
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {str(e): None for e in on}
    if isinstance(on, dict):
        return {str(k): v for k, v in on.items()}
    return {}


def _steps(data: dict):
    jobs = data.get("jobs")
    for job_id, job in (jobs.items() if isinstance(jobs, dict) else []):
        steps = job.get("steps") if isinstance(job, dict) else None
        for index, step in enumerate(steps if isinstance(steps, list) else []):
            if isinstance(step, dict):
                yield str(job_id), index, step


def _client_secret_variables(data: Any) -> list[str]:
    """Names of env variables that carry a client secret (AZURE_CLIENT_SECRET and the like)."""
    names = set()
    holders = [data] + [j for j in (_mapping(data).get("jobs") or {}).values() if isinstance(j, dict)]
    holders += [step for _, _, step in _steps(_mapping(data))]
    for holder in holders:
        for name in _mapping(_mapping(holder).get("env")):
            if re.search(r"client[-_]?secret", str(name), re.IGNORECASE):
                names.add(str(name))
    return sorted(names)


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _matches_main(patterns: Any) -> bool:
    """Does a branches filter select main? GitHub's globs, with `!` negations applied in order."""
    if isinstance(patterns, str):
        patterns = [patterns]
    selected = False
    for pattern in patterns if isinstance(patterns, list) else []:
        pattern = str(pattern)
        if pattern.startswith("!"):
            if fnmatch.fnmatchcase("main", pattern[1:]):
                selected = False
        elif fnmatch.fnmatchcase("main", pattern):
            selected = True
    return selected


def _same_file(written: str, expected: str) -> bool:
    """A script's file argument names the expected file (relative to the repo, or from its own folder)."""
    written_path = PurePosixPath(written.removeprefix("./"))
    expected_path = PurePosixPath(expected.removeprefix("./"))
    return written_path == expected_path or (len(written_path.parts) == 1 and written_path.name == expected_path.name)
