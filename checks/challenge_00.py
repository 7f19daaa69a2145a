"""Challenge 00 — Prerequisites: a workspace, compute, a team repo, the tools, a credential."""

from __future__ import annotations

import sys

from ohcheck.criteria import criterion, fail, passed
from ohcheck.targets.base import AccessDenied, NotFound

# What the hack's code needs (starter/challenge-00/requirements.txt says the same).
# Either MLflow distribution will do: the full one includes the skinny one's modules.
PACKAGES = {
    "pandas": "2.0",
    "numpy": "1.24",
    "statsmodels": "0.14",
    "mlflow-skinny|mlflow": "2.16",
    "azure-ai-ml": "1.20",
    "azure-identity": "1.17",
    "azureml-inference-server-http": "1.3",
}
PYTHON = (3, 10)
STARTER_FILES = ("README.md", ".gitignore", "requirements.txt")


@criterion(
    "00.1",
    "Verify that the Azure Machine Learning workspace exists",
    hint="Create the workspace in the portal (or `az ml workspace create`), download its config.json "
    "and run `ohcheck init --config-json config.json --force`.",
)
def workspace_exists(ctx):
    try:
        ws = ctx.target.workspace()
    except NotFound as exc:
        fail(str(exc))
    where = f" in {ws.location}" if ws.location else ""
    return passed(f"workspace {ws.name}{where}", evidence={"workspace": ws.name, "location": ws.location})


def _computes(ctx):
    return ctx.memo("computes", ctx.target.computes)


@criterion(
    "00.2",
    "Verify that a compute instance exists for the team",
    hint="Create a compute instance in Azure ML studio (Compute > Compute instances); a small CPU size will do.",
)
def compute_instance_exists(ctx):
    instances = [c for c in _computes(ctx) if c.kind == "instance"]
    wanted = ctx.config.azure.compute_instance
    if wanted:
        named = [c for c in instances if c.name == wanted]
        if not named:
            fail(
                f"no compute instance named {wanted!r}; found: {', '.join(c.name for c in instances) or 'none'}",
                evidence={"instances": [c.name for c in instances]},
            )
        instances = named
    if not instances:
        fail("the workspace has no compute instance")
    first = instances[0]
    return passed(
        f"compute instance {first.name} ({first.vm_size or 'size unknown'}, {first.state or 'state unknown'})",
        evidence={"instances": [{"name": c.name, "state": c.state, "vm_size": c.vm_size} for c in instances]},
    )


@criterion(
    "00.3",
    "Verify that the compute cluster exists",
    hint="Create an AmlCompute cluster named as `azure.compute_cluster` in ohcheck.yaml "
    "(e.g. `az ml compute create --name cpu-cluster --type amlcompute --min-instances 0 --max-instances 2`).",
)
def compute_cluster_exists(ctx):
    name = ctx.config.azure.compute_cluster
    clusters = [c for c in _computes(ctx) if c.kind == "cluster"]
    match = [c for c in clusters if c.name == name]
    if not match:
        fail(
            f"no compute cluster named {name!r}; clusters found: {', '.join(c.name for c in clusters) or 'none'}",
            evidence={"clusters": [c.name for c in clusters]},
        )
    cluster = match[0]
    return passed(
        f"cluster {cluster.name}: {cluster.vm_size or 'size unknown'}, "
        f"{cluster.min_instances}-{cluster.max_instances} nodes",
        evidence={"cluster": cluster.name, "vm_size": cluster.vm_size, "max_instances": cluster.max_instances},
    )


@criterion(
    "00.4",
    "Verify that the compute cluster scales to zero when idle",
    hint="Set the cluster's minimum number of nodes to 0 (`az ml compute update --name cpu-cluster --min-instances 0`), "
    "so it costs nothing while nobody trains.",
    needs="00.3",
)
def cluster_scales_to_zero(ctx):
    name = ctx.config.azure.compute_cluster
    cluster = next(c for c in _computes(ctx) if c.kind == "cluster" and c.name == name)
    evidence = {"min_instances": cluster.min_instances, "idle_seconds_before_scale_down": cluster.idle_seconds_before_scale_down}
    if cluster.min_instances is None:
        fail(f"the workspace does not say the minimum node count of {name}", evidence=evidence)
    if cluster.min_instances > 0:
        fail(
            f"{name} keeps {cluster.min_instances} node(s) running when idle (min_instances {cluster.min_instances}, expected 0)",
            evidence=evidence,
        )
    idle = cluster.idle_seconds_before_scale_down
    after = f", after {idle // 60} idle minutes" if idle else ""
    return passed(f"{name} scales to 0 nodes{after}", evidence=evidence)


@criterion(
    "00.5",
    "Verify that the team repo was created from the starter, under git, with its ohcheck.yaml",
    hint="Copy starter/challenge-00 (`ohcheck start challenge-00`), run `git init` and `ohcheck init`, "
    "commit, and push to a repository the whole team can reach.",
)
def team_repo_ready(ctx):
    repo = ctx.repo
    if not repo.is_git_repo():
        fail(f"{repo.root} is not a git repository: run `git init` (and push it where your team can reach it)")
    missing = [name for name in STARTER_FILES if not repo.exists(name)]
    if missing:
        fail(f"the starter's {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing from the repo")
    ignored = {line.strip().strip("/").split("/")[0] for line in repo.read_text(".gitignore").splitlines()}
    if ".ohcheck" not in ignored:
        fail(".gitignore does not ignore .ohcheck/ (ohcheck's local results and MLflow store stay out of git)")
    return passed(
        f"git repository for team {ctx.config.team} (target {ctx.config.target})",
        evidence={"team": ctx.config.team, "target": ctx.config.target},
    )


@criterion(
    "00.6",
    "Verify that the local Python environment has the hack's packages",
    hint="Use Python 3.10 or newer and run `pip install -r requirements.txt` in the environment you run ohcheck from.",
    starter_may_pass=True,  # about the machine, not the repo: the self-test's machine has them
)
def python_packages(ctx):
    from importlib.metadata import PackageNotFoundError, version

    from packaging.version import InvalidVersion, Version

    problems = []
    found = {}
    if sys.version_info[:2] < PYTHON:
        problems.append(f"Python {sys.version_info.major}.{sys.version_info.minor} (need {PYTHON[0]}.{PYTHON[1]}+)")
    for names, minimum in PACKAGES.items():
        installed = None
        for name in names.split("|"):
            try:
                installed = version(name)
                found[name] = installed
                break
            except PackageNotFoundError:
                continue
        label = names.split("|")[0]
        if installed is None:
            problems.append(f"{label} is not installed")
            continue
        try:
            if Version(installed) < Version(minimum):
                problems.append(f"{label} {installed} is older than {minimum}")
        except InvalidVersion:
            problems.append(f"{label} has an unreadable version {installed!r}")
    if problems:
        fail("; ".join(problems), evidence={"python": sys.version.split()[0], "found": found})
    return passed(
        f"Python {sys.version.split()[0]} with {len(PACKAGES)} required packages",
        evidence={"python": sys.version.split()[0], "found": found},
    )


@criterion(
    "00.7",
    "Verify that the credential can reach the workspace",
    hint="Run `az login` (and `az account set --subscription <id>`), or set AZURE_CLIENT_ID, AZURE_TENANT_ID and "
    "AZURE_CLIENT_SECRET for a service principal with the Reader or AzureML Data Scientist role on the workspace.",
)
def credential_reaches_workspace(ctx):
    try:
        who = ctx.target.identity()
    except AccessDenied as exc:
        fail(str(exc))
    return passed(who.description)
