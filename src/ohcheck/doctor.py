"""`ohcheck doctor`: is this machine and this team ready for the azure target?

Each finding says what was checked, what was seen, and — for a problem —
the fix. In order: the local environment (ohcheck's packages, git, the local
inference server), the team repo, which workspace, the credential, the
workspace itself, what the credential may do there (the role), and the
vCPU quota left for the compute cluster's VM family in the region.

Like the checks, it only reads: the one call that is not a plain read is
listing the endpoint's keys, and then only to learn whether the role allows
it (the key is never shown).

A finding's check is a stable name (the JSON's `check`); its detail and fix are
messages (ohcheck.i18n), said in the reader's language by `said()`.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ohcheck.config import CONFIG_NAME, Config, load_config
from ohcheck.criteria import READINESS_NAMES, Status
from ohcheck.errors import ConfigError
from ohcheck.i18n import Catalogue, Msg, msg
from ohcheck.targets.base import AccessDenied, TargetError

# The checks, by their stable names (the JSON's `check`), as a reader sees them.
CHECK_NAMES = {
    "Python packages": msg("Python packages"),
    "Local tools": msg("Local tools"),
    "Team repo": msg("Team repo"),
    "Workspace": msg("Workspace"),
    "Credential": msg("Credential"),
    "Workspace reachable": msg("Workspace reachable"),
    "Role": msg("Role"),
    "Compute quota": msg("Compute quota"),
}


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool | None  # None: not checked (it needs something that is missing)
    detail: str  # a message (i18n.Msg), or text from elsewhere
    fix: str = ""

    @property
    def verdict(self) -> Status:
        """What the finding means, as a criterion would say it: passed, failed, or skipped (not checked)."""
        return {True: Status.PASSED, False: Status.FAILED, None: Status.SKIPPED}[self.ok]

    @property
    def status(self) -> str:
        """The finding's stable status (ok, problem, skipped): the JSON's `status`, and its word's English."""
        return READINESS_NAMES[self.verdict]

    def said(self, catalogue: Catalogue | None = None) -> Finding:
        """This finding with its check's name, detail and fix in `catalogue`'s language (English without one)."""
        if catalogue is None:
            return self
        return Finding(catalogue.say(CHECK_NAMES.get(self.check, self.check)), self.ok, catalogue.say(self.detail),
                       catalogue.say(self.fix) if self.fix else "")

    def to_dict(self, catalogue: Catalogue | None = None) -> dict[str, Any]:
        """`check` and `status` are stable names; `detail` and `fix` are in `catalogue`'s language."""
        detail, fix = (catalogue.say(self.detail), catalogue.say(self.fix) if self.fix else "") if catalogue else (
            self.detail, self.fix)
        return {"check": self.check, "status": self.status, "detail": detail, "fix": fix}


def _said(exc: Exception) -> Any:
    """What an exception says: its message (a Msg stays one, to be translated), else its text."""
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, Msg) else str(exc)


def diagnose(repo_root: Path | None, *, credential: Any = None,
             read_config: Callable[[Path], Config] | None = None) -> list[Finding]:
    """Every finding, in order. `read_config(repo_root)` gives the team's ohcheck.yaml (or raises its
    ConfigError): the CLI passes the one it already read for the language, so the file is read once."""
    findings = [_packages(), _tools()]
    config: Config | None = None
    if repo_root is None:
        findings.append(Finding("Team repo", False, msg("no ohcheck.yaml here or in any parent folder"),
                                msg("Run `ohcheck init` in your team repo (challenge 00).")))
    else:
        try:
            config = read_config(repo_root) if read_config else load_config(repo_root / CONFIG_NAME)
            findings.append(Finding("Team repo", True, msg("{repo} (team {team}, target {target})", repo=repo_root,
                                                           team=config.team, target=config.target)))
        except ConfigError as exc:
            findings.append(Finding("Team repo", False, exc.message, exc.hint or msg("Fix ohcheck.yaml.")))
    if config is None or repo_root is None:
        return findings + [_skipped(name, msg("a team repo with a valid ohcheck.yaml")) for name in _AZURE_CHECKS]
    findings += _azure(config, repo_root, credential)
    return findings


_AZURE_CHECKS = ("Workspace", "Credential", "Workspace reachable", "Role", "Compute quota")


def _skipped(check: str, needs: Msg) -> Finding:
    return Finding(check, None, msg("not checked: needs {needs}", needs=needs))


def _packages() -> Finding:
    """ohcheck's own requirements, installed and recent enough."""
    from importlib.metadata import PackageNotFoundError, requires, version

    from packaging.requirements import Requirement

    problems = []
    for line in requires("ohcheck") or []:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue  # an extra (dev tools), not needed to run
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            problems.append(msg("{package} is missing", package=requirement.name))
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            problems.append(msg("{package} {installed} does not satisfy {wanted}", package=requirement.name,
                                installed=installed, wanted=requirement.specifier))
    python = ".".join(map(str, sys.version_info[:3]))
    if problems:
        return Finding("Python packages", False, msg("{problems}", problems=problems), "pip install --upgrade ohcheck")
    return Finding("Python packages", True, msg("Python {python}; ohcheck's requirements are all installed",
                                                python=python))


def _tools() -> Finding:
    missing = []
    if not shutil.which("git"):
        missing.append("git")
    if not (Path(sys.executable).parent / "azmlinfsrv").exists() and not shutil.which("azmlinfsrv"):
        missing.append("azmlinfsrv (azureml-inference-server-http)")
    if missing:
        return Finding("Local tools", False, msg("missing: {tools}", tools=missing),
                       msg("Install git; pip install azureml-inference-server-http."))
    return Finding("Local tools", True, msg("git and azmlinfsrv are installed"))


def _azure(config: Config, repo_root: Path, credential: Any) -> list[Finding]:
    from ohcheck.targets.azure import READ_ROLE, AzureTarget

    try:
        target = AzureTarget(config, repo_root, credential=credential)
    except ConfigError as exc:
        return [Finding("Workspace", False, exc.message, exc.hint or "")] + [
            _skipped(name, msg("a workspace")) for name in _AZURE_CHECKS[1:]
        ]
    ref = target.ref
    findings = [Finding("Workspace", True, msg("{workspace} in {group} (from {source})", workspace=ref.workspace,
                                               group=ref.resource_group, source=ref.source))]
    try:
        who = target.signed_in_as()
    except TargetError as exc:
        return findings + [Finding("Credential", False, _said(exc), _fix_for(exc))] + [
            _skipped(name, msg("a credential")) for name in _AZURE_CHECKS[2:]
        ]
    findings.append(Finding("Credential", True, msg("signed in as {who}", who=who)))
    try:
        ws = target.workspace()
    except TargetError as exc:
        return findings + [Finding("Workspace reachable", False, _said(exc), _fix_for(exc))] + [
            _skipped(name, msg("a reachable workspace")) for name in _AZURE_CHECKS[3:]
        ]
    findings.append(Finding("Workspace reachable", True, msg("{workspace} in {location}", workspace=ws.name,
                                                             location=ws.location)))
    findings.append(_role(target, config, READ_ROLE))
    findings.append(_quota(target, config))
    target.close()
    return findings


def _role(target: Any, config: Config, read_role: str) -> Finding:
    try:
        computes = target.computes()
        target.jobs(config.experiment)
    except AccessDenied as exc:
        return Finding("Role", False, _said(exc), msg("Ask the workspace's owner for the {role} role.", role=read_role))
    except TargetError as exc:
        return Finding("Role", None, msg("not decided: {reason}", reason=_said(exc)))
    count = len(computes)
    try:
        endpoint = target.endpoint(config.endpoint)
    except TargetError as exc:
        return Finding("Role", None, msg("can read the workspace ({count} compute(s)); endpoints not decided: {reason}",
                                         count=count, reason=_said(exc)))
    if endpoint is None:
        return Finding("Role", True, msg("can read the workspace ({count} compute(s)); no endpoint {endpoint} yet, "
                                         "so listing keys (challenge 03) was not tried", count=count,
                                         endpoint=config.endpoint))
    try:
        target.endpoint_key(config.endpoint)
    except AccessDenied as exc:
        return Finding("Role", False, msg("can read the workspace ({count} compute(s)), but {reason}", count=count,
                                          reason=_said(exc)),
                       msg("Ask the workspace's owner for the AzureML Data Scientist role (challenge 03 reads the key)."))
    except TargetError as exc:
        return Finding("Role", None, msg("can read the workspace ({count} compute(s)); keys not decided: {reason}",
                                         count=count, reason=_said(exc)))
    return Finding("Role", True, msg("can read the workspace ({count} compute(s)) and list the keys of endpoint "
                                     "{endpoint}", count=count, endpoint=config.endpoint))


def _quota(target: Any, config: Config) -> Finding:
    name = config.azure.compute_cluster
    try:
        cluster = next((c for c in target.computes() if c.kind == "cluster" and c.name == name), None)
        size = cluster.vm_size if cluster and cluster.vm_size else DEFAULT_VM_SIZE
        nodes = cluster.max_instances if cluster and cluster.max_instances else 1
        quota = target.compute_quota(size)
    except TargetError as exc:
        return Finding("Compute quota", None, msg("not decided: {reason}", reason=_said(exc)))
    what = msg("cluster {name}", name=name) if cluster else msg("a cluster of {size} (no cluster {name} yet)",
                                                                size=DEFAULT_VM_SIZE, name=name)
    if quota is None:
        return Finding("Compute quota", False, msg("{size} is not offered in the workspace's region", size=size),
                       msg("Choose a VM size the region offers (az ml compute list-sizes)."))
    needed = nodes * quota.vcpus
    if quota.family_limit is None:
        return Finding("Compute quota", None, msg("{what}: no usage row for {family} in {location}", what=what,
                                                  family=quota.family, location=quota.location))
    free = quota.family_limit - (quota.family_used or 0)
    detail = msg("{what}: {nodes} × {vcpus} vCPUs of {family}; {used}/{limit} used in {location}", what=what,
                 nodes=nodes, vcpus=quota.vcpus, family=quota.family, used=quota.family_used,
                 limit=quota.family_limit, location=quota.location)
    # An existing cluster already counts in `used` for the nodes it runs, so it must only fit the
    # limit; a new one must fit what is left.
    if needed > quota.family_limit or (cluster is None and needed > free):
        return Finding("Compute quota", False, msg("{detail}: not enough for {needed} vCPUs", detail=detail,
                                                   needed=needed),
                       msg("Request more {family} quota in {location} (portal: Quotas), "
                           "or lower max_instances, or choose a VM size of another family.", family=quota.family,
                           location=quota.location))
    return Finding("Compute quota", True, msg("{detail}: room for {needed} vCPUs", detail=detail, needed=needed))


DEFAULT_VM_SIZE = "STANDARD_DS3_V2"


def _fix_for(exc: Exception) -> Msg:
    text = str(exc)  # the English: what the target said, whatever the reader's language
    if "az login" in text:
        return msg("Run `az login`, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET.")
    if "role" in text:
        return msg("Ask the workspace's owner for the role named above.")
    if "was not found" in text:
        return msg("Check the subscription, resource group and workspace names (config.json / ohcheck.yaml).")
    return msg("Check the network, then run ohcheck doctor again.")
