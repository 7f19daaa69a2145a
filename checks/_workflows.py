"""A team's GitHub Actions workflows, read for challenge 05: when they run, what they submit, how they sign in.

GitHub reads the `.yml`/`.yaml` files directly in `.github/workflows` (not in
subfolders). A workflow takes the "workflow route" of challenge 05 when it
submits the pipeline of challenge 04 on its own: on a push to `main` limited
by a `paths` filter, and/or on a `schedule`. `workflow_dispatch` alone needs
a person to press the button.

What a step runs is read from `run:` scripts and from azure/cli's and
azure/powershell's `inlineScript`: `az ml job create --file <the pipeline YAML>`
or `python <the SDK v2 pipeline script>`.

How a workflow signs in to Azure is decided once, by `sign_ins`, for every
criterion that asks (which route the team took, whether the sign-in is OIDC):
azure/login (OIDC inputs, or `creds:`), any action given the service
principal's JSON (the original hack's `Azure/aml-*@v1` with
`azure_credentials:`), `az login` or `Connect-AzAccount` in a script (OIDC with
a federated token, else a secret), and a client secret in `env:` for
DefaultAzureCredential.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ohcheck import Msg, msg, msg_n

from ._yaml_source import YamlFile, YamlProblem, read_yaml

_AZ_JOB_CREATE = re.compile(r"\baz\s+ml\s+job\s+create\b(?P<args>[^\n;&|]*)")
_FILE_ARG = re.compile(r"(?:--file|-f)(?:\s+|=)[\"']?(?P<file>[^\s\"']+)")
_PYTHON_SCRIPT = re.compile(r"\bpython[0-9.]*\s+(?:-[A-Za-z]+\s+)*[\"']?(?P<file>[^\s\"']+\.py)\b")
_EXPRESSION = re.compile(r"^\$\{\{.*\b(?:secrets|vars)\.[A-Za-z0-9_]+.*\}\}$", re.DOTALL)
OIDC_INPUTS = ("client-id", "tenant-id", "subscription-id")
# An action input that hands over a service principal's JSON: azure/login's `creds`, Azure/aml-*'s `azure_credentials`.
_CREDENTIALS_INPUT = re.compile(r"^(?:azure[-_]?)?cred(?:s|entials)$", re.IGNORECASE)
# An env variable that carries a secret for the Azure SDKs and CLI (EnvironmentCredential, a credentials JSON).
_SECRET_VARIABLE = re.compile(r"client[-_]?secret|azure[-_]?credentials", re.IGNORECASE)
# Sign-in commands in a script, and the option that makes each one OIDC (GitHub's token, federated).
_SCRIPT_SIGN_INS = (("az login", re.compile(r"\baz\s+login\b[^\n;&|]*"), re.compile(r"--federated-token\b")),
                    ("Connect-AzAccount", re.compile(r"\bConnect-AzAccount\b[^\n;|]*", re.IGNORECASE),
                     re.compile(r"-FederatedToken\b", re.IGNORECASE)))
_SCRIPTED = ("azure/cli@", "azure/powershell@")  # actions whose `inlineScript` is a script like `run:`


@dataclass(frozen=True)
class SignIn:
    """One place where a workflow signs in to Azure, and how."""

    job: str
    index: int | None  # the step, None for a workflow- or job-level env variable
    by: str  # what signs in: "azure/login@v3", "Azure/aml-run@v1", "az login", "AZURE_CLIENT_SECRET"
    secret: str = ""  # what carries a stored secret: an input ("creds"), an env variable; "" if nothing does
    oidc: bool = False  # it exchanges GitHub's OIDC token (needs `id-token: write`)
    script: bool = False  # a command in a script rather than an action


@dataclass
class Workflow:
    """One workflow file as challenge 05 sees it."""

    file: YamlFile
    events: dict[str, Any]  # `on:`, normalised to a mapping of event -> settings (or None)
    submits: str = ""  # the command that submits the pipeline, "" if none
    sign_ins: list[SignIn] = field(default_factory=list)  # every way it signs in to Azure (sign_ins())
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
        """It signs in to Azure, submits the pipeline or runs az: the workflow route, judged by 05.3."""
        return bool(self.sign_ins or self.submits or any(re.search(r"\baz\s", c) for c in self.commands))

    def step(self, sign_in: SignIn) -> dict:
        return dict(_mapping(_mapping(_mapping(self.file.data).get("jobs")).get(sign_in.job)).get("steps")[sign_in.index])

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
    for _, _, step in _steps(data):
        command = _script(step)
        if command is not None:
            workflow.commands.append(command)
            if not workflow.submits and submits_pipeline(command, pipeline=pipeline, pipeline_sdk=pipeline_sdk):
                workflow.submits = " ".join(command.split())[:200]
    workflow.sign_ins = sign_ins(data)
    return workflow


def sign_ins(data: Any) -> list[SignIn]:
    """Every way a workflow (its parsed YAML) signs in to Azure, by action, command or env variable."""
    found = []
    for job_id, index, step in _steps(_mapping(data)):
        uses = str(step.get("uses") or "")
        inputs = _mapping(step.get("with"))
        credentials = next((str(k) for k in inputs if _CREDENTIALS_INPUT.match(str(k))), "")
        if uses.lower().startswith("azure/login@"):
            found.append(SignIn(job_id, index, uses, secret=credentials, oidc=not credentials))
        elif credentials:
            found.append(SignIn(job_id, index, uses, secret=credentials))
        command = _script(step) or ""
        for name, shape, federated in _SCRIPT_SIGN_INS:
            for match in shape.finditer(command):
                oidc = bool(federated.search(match.group(0)))
                found.append(SignIn(job_id, index, name, oidc=oidc, script=True))
    for name in _client_secret_variables(data):
        found.append(SignIn("", None, name, secret=name))
    return found


def _script(step: dict) -> str | None:
    """What a step runs as a script (`run:`, or azure/cli's and azure/powershell's inlineScript), lines joined."""
    script = step.get("run")
    if script is None and str(step.get("uses") or "").lower().startswith(_SCRIPTED):
        script = _mapping(step.get("with")).get("inlineScript")
    if not isinstance(script, str):
        return None
    return re.sub(r"\\\s*\n\s*", " ", script)  # join continuation lines


def submits_pipeline(command: str, *, pipeline: str, pipeline_sdk: str) -> bool:
    """True if a script submits the pipeline: az ml job create with its YAML, or python on its SDK script."""
    for match in _AZ_JOB_CREATE.finditer(command):
        file = _FILE_ARG.search(match.group("args"))
        if file and _same_file(file.group("file"), pipeline):
            return True
    return any(_same_file(m.group("file"), pipeline_sdk) for m in _PYTHON_SCRIPT.finditer(command))


def oidc_problems(workflow: Workflow) -> list[Msg]:
    """What keeps a workflow that works with Azure from signing in with OIDC alone."""
    if not workflow.sign_ins:
        if workflow.submits:
            return [msg("{path}: submits the pipeline but never signs in to Azure with azure/login", path=workflow.path)]
        return [msg("{path}: runs az commands but never signs in to Azure with azure/login", path=workflow.path)]
    problems = []
    for sign_in in workflow.sign_ins:
        if sign_in.index is None:  # an env variable: said once below, by _client_secret_variables
            continue
        where = workflow.file.where("jobs", sign_in.job, "steps", sign_in.index)
        if sign_in.script and not sign_in.oidc:
            problem = msg("{path}: signs in with `{command}` in a script: use azure/login with OIDC "
                          "(client-id, tenant-id, subscription-id) instead", path=workflow.path, command=sign_in.by)
            if problem not in problems:
                problems.append(problem)
            continue
        if sign_in.secret:
            at = workflow.file.where("jobs", sign_in.job, "steps", sign_in.index, "with", sign_in.secret)
            if sign_in.secret == "creds" and sign_in.by.lower().startswith("azure/login@"):
                problems.append(msg("{where}: azure/login uses `creds:` (a service principal's client secret): "
                                    "sign in with OIDC (client-id, tenant-id, subscription-id) instead", where=at))
            else:
                problems.append(msg("{where}: {action} signs in with `{input}:` (a service principal's client secret): "
                                    "sign in with OIDC (azure/login with client-id, tenant-id, subscription-id) instead",
                                    where=at, action=sign_in.by, input=sign_in.secret))
            continue
        if not sign_in.script:
            problems += _login_input_problems(workflow, sign_in, where)
        if workflow.permission(sign_in.job) != "write":
            problem = msg("{where}: job {job} has no `permissions: id-token: write`, so GitHub gives it no "
                          "OIDC token to sign in with", where=where, job=sign_in.job)
            if problem not in problems:
                problems.append(problem)
    for name in _client_secret_variables(workflow.file.data):
        problems.append(msg("{path}: sets {name}: a client secret is what OIDC replaces", path=workflow.path, name=name))
    return problems


def _login_input_problems(workflow: Workflow, sign_in: SignIn, where: str) -> list[Msg]:
    """azure/login's OIDC inputs: all three, each read from secrets or vars."""
    problems = []
    inputs = _mapping(workflow.step(sign_in).get("with"))
    missing = [k for k in OIDC_INPUTS if not inputs.get(k)]
    if missing:
        problems.append(msg("{where}: azure/login lacks {inputs}", where=where, inputs=missing))
    written = [k for k in OIDC_INPUTS if inputs.get(k) and not _EXPRESSION.match(str(inputs[k]).strip())]
    if written:
        at = workflow.file.where("jobs", sign_in.job, "steps", sign_in.index, "with", written[0])
        # `{{` is a literal brace in a template: the sentence shows `${{ secrets.X }}`.
        problems.append(msg_n("{where}: {inputs} is written in the workflow: read them from "
                              "`${{{{ secrets.X }}}}` or `${{{{ vars.X }}}}`",
                              "{where}: {inputs} are written in the workflow: read them from "
                              "`${{{{ secrets.X }}}}` or `${{{{ vars.X }}}}`", len(written), where=at, inputs=written))
    return problems


def oidc_ways(workflow: Workflow) -> list[str]:
    """How a workflow that passes signs in with OIDC: "azure/login", "az login --federated-token" ..."""
    ways = []
    for sign_in in workflow.sign_ins:
        way = sign_in.by.split("@")[0].lower() if not sign_in.script else {
            "az login": "az login --federated-token", "Connect-AzAccount": "Connect-AzAccount -FederatedToken"}[sign_in.by]
        if sign_in.oidc and way not in ways:
            ways.append(way)
    return ways


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
            if _SECRET_VARIABLE.search(str(name)):
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
