"""`ohcheck doctor`: is this machine and this team ready for the azure target?

Each finding says what was checked, what was seen, and — for a problem —
the fix. In order: the local environment (ohcheck's packages, git, the local
inference server), the team repo, which workspace, the credential, the
workspace itself, what the credential may do there (the role), and the
vCPU quota left for the compute cluster's VM family in the region.

Like the checks, it only reads: the one call that is not a plain read is
listing the endpoint's keys, and then only to learn whether the role allows
it (the key is never shown).
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ohcheck.config import CONFIG_NAME, Config, load_config
from ohcheck.errors import ConfigError
from ohcheck.targets.base import AccessDenied, TargetError


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool | None  # None: not checked (it needs something that is missing)
    detail: str
    fix: str = ""

    @property
    def status(self) -> str:
        return {True: "ok", False: "problem", None: "skipped"}[self.ok]

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "status": self.status, "detail": self.detail, "fix": self.fix}


def diagnose(repo_root: Path | None, *, credential: Any = None) -> list[Finding]:
    findings = [_packages(), _tools()]
    config: Config | None = None
    if repo_root is None:
        findings.append(Finding("Team repo", False, "no ohcheck.yaml here or in any parent folder",
                                "Run `ohcheck init` in your team repo (challenge 00)."))
    else:
        try:
            config = load_config(repo_root / CONFIG_NAME)
            findings.append(Finding("Team repo", True, f"{repo_root} (team {config.team}, target {config.target})"))
        except ConfigError as exc:
            findings.append(Finding("Team repo", False, exc.message, exc.hint or "Fix ohcheck.yaml."))
    if config is None or repo_root is None:
        return findings + [_skipped(name, "a team repo with a valid ohcheck.yaml") for name in _AZURE_CHECKS]
    findings += _azure(config, repo_root, credential)
    return findings


_AZURE_CHECKS = ("Workspace", "Credential", "Workspace reachable", "Role", "Compute quota")


def _skipped(check: str, needs: str) -> Finding:
    return Finding(check, None, f"not checked: needs {needs}")


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
            problems.append(f"{requirement.name} is missing")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            problems.append(f"{requirement.name} {installed} does not satisfy {requirement.specifier}")
    python = ".".join(map(str, sys.version_info[:3]))
    if problems:
        return Finding("Python packages", False, "; ".join(problems), "pip install --upgrade ohcheck")
    return Finding("Python packages", True, f"Python {python}; ohcheck's requirements are all installed")


def _tools() -> Finding:
    missing = []
    if not shutil.which("git"):
        missing.append("git")
    if not (Path(sys.executable).parent / "azmlinfsrv").exists() and not shutil.which("azmlinfsrv"):
        missing.append("azmlinfsrv (azureml-inference-server-http)")
    if missing:
        return Finding("Local tools", False, f"missing: {', '.join(missing)}",
                       "Install git; pip install azureml-inference-server-http.")
    return Finding("Local tools", True, "git and azmlinfsrv are installed")


def _azure(config: Config, repo_root: Path, credential: Any) -> list[Finding]:
    from ohcheck.targets.azure import READ_ROLE, AzureTarget

    try:
        target = AzureTarget(config, repo_root, credential=credential)
    except ConfigError as exc:
        return [Finding("Workspace", False, exc.message, exc.hint or "")] + [
            _skipped(name, "a workspace") for name in _AZURE_CHECKS[1:]
        ]
    ref = target.ref
    findings = [Finding("Workspace", True, f"{ref.workspace} in {ref.resource_group} (from {ref.source})")]
    try:
        who = target.signed_in_as()
    except TargetError as exc:
        return findings + [Finding("Credential", False, str(exc), _fix_for(exc))] + [
            _skipped(name, "a credential") for name in _AZURE_CHECKS[2:]
        ]
    findings.append(Finding("Credential", True, f"signed in as {who}"))
    try:
        ws = target.workspace()
    except TargetError as exc:
        return findings + [Finding("Workspace reachable", False, str(exc), _fix_for(exc))] + [
            _skipped(name, "a reachable workspace") for name in _AZURE_CHECKS[3:]
        ]
    findings.append(Finding("Workspace reachable", True, f"{ws.name} in {ws.location}"))
    findings.append(_role(target, config, READ_ROLE))
    findings.append(_quota(target, config))
    target.close()
    return findings


def _role(target: Any, config: Config, read_role: str) -> Finding:
    try:
        computes = target.computes()
        target.jobs(config.experiment)
    except AccessDenied as exc:
        return Finding("Role", False, str(exc), f"Ask the workspace's owner for the {read_role} role.")
    except TargetError as exc:
        return Finding("Role", None, f"not decided: {exc}")
    reads = f"can read the workspace ({len(computes)} compute(s))"
    try:
        endpoint = target.endpoint(config.endpoint)
    except TargetError as exc:
        return Finding("Role", None, f"{reads}; endpoints not decided: {exc}")
    if endpoint is None:
        return Finding("Role", True, f"{reads}; no endpoint {config.endpoint} yet, so listing keys (challenge 03) was not tried")
    try:
        target.endpoint_key(config.endpoint)
    except AccessDenied as exc:
        return Finding("Role", False, f"{reads}, but {exc}",
                       "Ask the workspace's owner for the AzureML Data Scientist role (challenge 03 reads the key).")
    except TargetError as exc:
        return Finding("Role", None, f"{reads}; keys not decided: {exc}")
    return Finding("Role", True, f"{reads} and list the keys of endpoint {config.endpoint}")


def _quota(target: Any, config: Config) -> Finding:
    name = config.azure.compute_cluster
    try:
        cluster = next((c for c in target.computes() if c.kind == "cluster" and c.name == name), None)
        size = cluster.vm_size if cluster and cluster.vm_size else DEFAULT_VM_SIZE
        nodes = cluster.max_instances if cluster and cluster.max_instances else 1
        quota = target.compute_quota(size)
    except TargetError as exc:
        return Finding("Compute quota", None, f"not decided: {exc}")
    what = f"cluster {name}" if cluster else f"a cluster of {DEFAULT_VM_SIZE} (no cluster {name} yet)"
    if quota is None:
        return Finding("Compute quota", False, f"{size} is not offered in the workspace's region",
                       "Choose a VM size the region offers (az ml compute list-sizes).")
    needed = nodes * quota.vcpus
    if quota.family_limit is None:
        return Finding("Compute quota", None, f"{what}: no usage row for {quota.family} in {quota.location}")
    free = quota.family_limit - (quota.family_used or 0)
    detail = (f"{what}: {nodes} × {quota.vcpus} vCPUs of {quota.family}; {quota.family_used}/{quota.family_limit} "
              f"used in {quota.location}")
    # An existing cluster already counts in `used` for the nodes it runs, so it must only fit the
    # limit; a new one must fit what is left.
    if needed > quota.family_limit or (cluster is None and needed > free):
        return Finding("Compute quota", False, f"{detail}: not enough for {needed} vCPUs",
                       f"Request more {quota.family} quota in {quota.location} (portal: Quotas), "
                       "or lower max_instances, or choose a VM size of another family.")
    return Finding("Compute quota", True, f"{detail}: room for {needed} vCPUs")


DEFAULT_VM_SIZE = "STANDARD_DS3_V2"


def _fix_for(exc: Exception) -> str:
    text = str(exc)
    if "az login" in text:
        return "Run `az login`, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET."
    if "role" in text:
        return "Ask the workspace's owner for the role named above."
    if "was not found" in text:
        return "Check the subscription, resource group and workspace names (config.json / ohcheck.yaml)."
    return "Check the network, then run ohcheck doctor again."
