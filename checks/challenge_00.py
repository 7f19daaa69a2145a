"""Challenge 00 — Prerequisites: a workspace, compute, a team repo, the tools, a credential."""

from __future__ import annotations

import sys

from ohcheck import AccessDenied, NotFound, criterion, fail, msg, msg_n, passed, skip

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
REQUIREMENTS = "requirements.txt"  # the team's declared environment, judged when ohcheck does not run in it


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
        fail(_said(exc))
    evidence = {"workspace": ws.name, "location": ws.location}
    if ws.location:
        return passed("workspace {name} in {location}", evidence=evidence, name=ws.name, location=ws.location)
    return passed("workspace {name}", evidence=evidence, name=ws.name)


def _said(exc: Exception):
    """What the target said: its message as raised (a translatable msg when the target made one)."""
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, str) else str(exc)


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
                "no compute instance named {name!r}; found: {found}",
                evidence={"instances": [c.name for c in instances]},
                name=wanted,
                found=[c.name for c in instances] or msg("none"),
            )
        instances = named
    if not instances:
        fail("the workspace has no compute instance")
    first = instances[0]
    return passed(
        "compute instance {name} ({size}, {state})",
        evidence={"instances": [{"name": c.name, "state": c.state, "vm_size": c.vm_size} for c in instances]},
        name=first.name,
        size=first.vm_size or msg("size unknown"),
        state=first.state or msg("state unknown"),
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
            "no compute cluster named {name!r}; clusters found: {found}",
            evidence={"clusters": [c.name for c in clusters]},
            name=name,
            found=[c.name for c in clusters] or msg("none"),
        )
    cluster = match[0]
    return passed(
        "cluster {name}: {size}, {min}-{max} nodes",
        evidence={"cluster": cluster.name, "vm_size": cluster.vm_size, "max_instances": cluster.max_instances},
        name=cluster.name,
        size=cluster.vm_size or msg("size unknown"),
        min=cluster.min_instances,
        max=cluster.max_instances,
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
        fail("the workspace does not say the minimum node count of {name}", evidence=evidence, name=name)
    if cluster.min_instances > 0:
        fail(
            "{name} keeps {n} node(s) running when idle (min_instances {n}, expected 0)",
            evidence=evidence,
            name=name,
            n=cluster.min_instances,
        )
    idle = cluster.idle_seconds_before_scale_down
    if idle:
        return passed("{name} scales to 0 nodes, after {minutes} idle minutes", evidence=evidence, name=name,
                      minutes=idle // 60)
    return passed("{name} scales to 0 nodes", evidence=evidence, name=name)


@criterion(
    "00.5",
    "Verify that the team repo was created from the starter, under git, with its ohcheck.yaml",
    hint="Copy starter/challenge-00 (`ohcheck start challenge-00`), run `git init` and `ohcheck init`, "
    "commit, and push to a repository the whole team can reach.",
)
def team_repo_ready(ctx):
    repo = ctx.repo
    if not repo.is_git_repo():
        fail("{root} is not a git repository: run `git init` (and push it where your team can reach it)", root=repo.root)
    missing = [name for name in STARTER_FILES if not repo.exists(name)]
    if missing:
        fail(msg_n("the starter's {files} is missing from the repo", "the starter's {files} are missing from the repo",
                   len(missing), files=missing))
    ignored = {line.strip().strip("/").split("/")[0] for line in repo.read_text(".gitignore").splitlines()}
    if ".ohcheck" not in ignored:
        fail(".gitignore does not ignore .ohcheck/ (ohcheck's local results and MLflow store stay out of git)")
    return passed(
        "git repository for team {team} (target {target})",
        evidence={"team": ctx.config.team, "target": ctx.config.target},
        team=ctx.config.team,
        target=ctx.config.target,
    )


@criterion(
    "00.6",
    "Verify that the local Python environment has the hack's packages",
    hint="Use Python 3.10 or newer and run `pip install -r requirements.txt` in the environment you run ohcheck from.",
    starter_may_pass=True,  # about the machine, not the repo: the self-test's machine has them
)
def python_packages(ctx):
    if not ctx.own_environment:
        return _declared_packages(ctx)
    from importlib.metadata import PackageNotFoundError, version

    from packaging.version import InvalidVersion, Version

    problems = []
    found = {}
    if sys.version_info[:2] < PYTHON:
        problems.append(msg("Python {version} (need {need}+)", version=f"{sys.version_info.major}.{sys.version_info.minor}",
                            need=f"{PYTHON[0]}.{PYTHON[1]}"))
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
            problems.append(msg("{package} is not installed", package=label))
            continue
        try:
            if Version(installed) < Version(minimum):
                problems.append(msg("{package} {installed} is older than {minimum}", package=label, installed=installed,
                                    minimum=minimum))
        except InvalidVersion:
            problems.append(msg("{package} has an unreadable version {version!r}", package=label, version=installed))
    if problems:
        fail("{problems}", evidence={"python": sys.version.split()[0], "found": found}, problems=problems)
    return passed(
        "Python {python} with {n} required packages",
        evidence={"python": sys.version.split()[0], "found": found},
        python=sys.version.split()[0],
        n=len(PACKAGES),
    )


def _declared_packages(ctx):
    """00.6 from someone else's machine (a coach's collect): the packages the team's requirements.txt declares."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    if not ctx.repo.path(REQUIREMENTS).is_file():
        skip("the coach's ohcheck cannot see the team's Python environment, and the repo declares none (no {file})",
             file=REQUIREMENTS)
    problems = []
    declared: dict[str, tuple[int, Requirement]] = {}
    for number, line in enumerate(ctx.repo.read_text(REQUIREMENTS).splitlines(), start=1):
        line = line.split(" #")[0].strip()  # pip: a comment starts at a `#` after whitespace
        if not line or line.startswith(("#", "-")):  # options (-r, -e, --index-url) name no package here
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            problems.append(msg("{file}:{line}: pip cannot read {text!r}", file=REQUIREMENTS, line=number, text=line))
            continue
        declared[canonicalize_name(requirement.name)] = (number, requirement)
    found = {}
    for names, minimum in PACKAGES.items():
        label = names.split("|")[0]
        entry = next((declared[canonicalize_name(n)] for n in names.split("|") if canonicalize_name(n) in declared), None)
        if entry is None:
            problems.append(msg("{package} is not in {file}", package=label, file=REQUIREMENTS))
            continue
        number, requirement = entry
        found[requirement.name] = str(requirement.specifier) or "any"
        for spec in requirement.specifier:
            try:
                bound = Version(spec.version)
            except InvalidVersion:  # `==2.*` and the like: a prefix, not a version
                continue
            # Only these operators put a ceiling on the version: under the minimum, no allowed version is new enough.
            if (spec.operator in ("==", "===", "<=") and bound < Version(minimum)) or \
                    (spec.operator == "<" and bound <= Version(minimum)):
                problems.append(msg("{file}:{line}: {requirement} allows no {package} as new as {minimum}",
                                    file=REQUIREMENTS, line=number, requirement=str(requirement), package=label,
                                    minimum=minimum))
                break
    evidence = {"declared in": REQUIREMENTS, "found": found}
    if problems:
        fail("{problems}", evidence=evidence, problems=problems)
    return passed("{file} declares the {n} required packages (the team's Python itself is not visible to the coach)",
                  evidence=evidence, file=REQUIREMENTS, n=len(PACKAGES))


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
        fail(_said(exc))
    return passed(who.description)
