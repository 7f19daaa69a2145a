"""Faults on the azure target's routes are `error`, never `failed`, and a transient one recovers.

The fake Azure ML server (tests/fake_azureml) injects throttling (429 with
Retry-After), 503 and dropped connections on any route; verify runs in-process
as a user runs it, with the retry back-off shortened (OHCHECK_RETRY_SCALE).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest

# -- item 0: the SDK is imported once, before the criteria start -----------------------------------

# Modules that deadlock when threads import them at once from a cold start (azure-core's exceptions
# import azure.core.pipeline, which imports them back): light enough for eight cold processes.
RACING = ("azure.core.exceptions", "azure.core.pipeline", "azure.core.pipeline.policies",
          "azure.core.pipeline.transport", "azure.core.credentials", "azure.identity")

# A cold process that runs one criterion per module through the real runner, every criterion
# importing its module at the same moment, as the criteria of a cold `verify --target azure` do.
# The target's import set is narrowed to those modules to keep each process small; that the set
# holds every module the target imports is test_the_target_imports_nothing_outside_its_import_set.
PROBE = r'''
import importlib, json, sys, threading
from pathlib import Path
from types import SimpleNamespace
import ohcheck.targets.azure as azure_target
from ohcheck.config import parse_config
from ohcheck.criteria import Criterion
from ohcheck.runner import RunnerSettings, run_criteria

MODULES = sys.argv[1].split(",")
azure_target.SDK_MODULES = tuple(MODULES)
config = parse_config("team: t\ntarget: azure\nazure:\n  subscription_id: s\n  resource_group: r\n  workspace: w\n")
target = azure_target.AzureTarget(config, Path("."), credential=object())
together = threading.Barrier(len(MODULES), timeout=60)
first = []

def importing(module):
    def check(ctx):
        if module not in sys.modules:
            first.append(module)
        together.wait()
        importlib.import_module(module)
        return "imported"
    return check

criteria = [Criterion(f"99.{i}", m, importing(m), challenge="99") for i, m in enumerate(MODULES, 1)]
results = run_criteria(criteria, SimpleNamespace(target=target), settings=RunnerSettings(workers=len(MODULES)))
print(json.dumps({"problems": [r.message for r in results if r.status.value != "passed"], "first": sorted(first)}))
'''


def test_cold_processes_never_race_importing_the_sdk_from_the_criteria_threads():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "src"),
                                                                    os.environ.get("PYTHONPATH")) if p)}
    # Eight cold processes at once: before the runner had the target import its SDK ahead of the
    # criteria, nearly all of them failed with _DeadlockError or "partially initialized module".
    processes = [subprocess.Popen([sys.executable, "-c", PROBE, ",".join(RACING)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=env) for _ in range(8)]
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    assert [r["problems"] for r in reports] == [[]] * 8
    # The guarantee itself, whether or not the race struck this time: no criterion imports any of them first.
    assert [r["first"] for r in reports] == [[]] * 8


def test_the_target_imports_nothing_outside_its_import_set():
    """Every azure / mlflow module the target (and its failure wording) imports is in SDK_MODULES."""
    import ast

    import ohcheck.azure.failures
    import ohcheck.targets.azure as azure_target

    imported = set()
    for module in (azure_target, ohcheck.azure.failures):
        for node in ast.walk(ast.parse(Path(module.__file__).read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    sdk = {name for name in imported if name.split(".")[0] in ("azure", "mlflow")}
    assert sdk and sdk <= set(azure_target.SDK_MODULES), sdk - set(azure_target.SDK_MODULES)


def test_the_runner_has_the_target_prepare_before_any_criterion_starts():
    from types import SimpleNamespace

    from ohcheck.criteria import Criterion
    from ohcheck.runner import run_criteria

    said = []
    target = SimpleNamespace(prepare=lambda: said.append("prepare"))
    criteria = [Criterion(f"99.{i}", "t", lambda ctx, i=i: said.append(i), challenge="99") for i in (1, 2)]
    run_criteria(criteria, SimpleNamespace(target=target))
    assert said[0] == "prepare" and sorted(said[1:]) == [1, 2]


# -- faults on the routes the azure target calls ------------------------------------------------------

from ..checks_helpers import verify_json  # noqa: E402
from ..conftest import ROOT  # noqa: E402
from ..fake_azureml import Fault, seed_pipeline_workspace  # noqa: E402
from .test_azure_target import ENDPOINT, point_at  # noqa: E402

SCHEDULE = "retrain-adventureworks"
CHALLENGES = ("00", "01", "02", "03", "04", "05", "06", "07")


@pytest.fixture(autouse=True)
def _short_waits(monkeypatch):
    # Back-offs scaled to nothing (Retry-After is still honoured: the faults ask for 0 s); MLflow's
    # own client retries with its own back-off factor.
    monkeypatch.setenv("OHCHECK_RETRY_SCALE", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")


@pytest.fixture
def workspace(fake):
    seeded = seed_pipeline_workspace(fake, endpoint=ENDPOINT)
    fake.workspace.add_schedule(SCHEDULE, cron="0 3 * * 1")
    return seeded


@pytest.fixture
def repo(fake, team_repo, cli, workspace):
    return point_at(fake, cli, team_repo("solved-07"))


def _verify(cli, repo, challenges=CHALLENGES, *args):
    """(exit codes, {criterion: (status, message)}) over the challenges."""
    codes, verdicts = {}, {}
    for challenge in challenges:
        result = cli("verify", challenge, "--json", *args, cwd=repo)
        assert result.exit_code in (0, 1, 3), result.output
        assert "Traceback" not in result.stderr, result.stderr
        codes[challenge] = result.exit_code
        for r in json.loads(result.stdout)["results"]:
            verdicts[r["criterion"]] = (r["status"], r["message"])
    return codes, verdicts


def _routes(fake):
    """Every (method, path) the fake was asked, as it was asked: one route each."""
    return sorted({(r.method, r.path) for r in fake.requests})


def _wrongly_failed(clean, faulted):
    return {c: faulted[c] for c, (status, _) in clean.items() if status != "failed" and faulted[c][0] == "failed"}


FAULTS = {"throttled": Fault.throttle(retry_after=0), "unavailable": Fault.server_error(503), "dropped": Fault.drop()}


def test_a_fault_on_every_route_the_azure_target_calls_is_never_a_failure(cli, fake, repo):
    fake.requests.clear()
    _, clean = _verify(cli, repo)
    routes = _routes(fake)
    # What verify of every challenge asks: ARM (workspace, computes, assets, jobs, models, endpoints,
    # schedules), listKeys, run history, MLflow on the workspace's tracking URI and the scoring URI.
    paths = " ".join(path for _, path in routes)
    for expected in ("/listKeys", "/score/", "/mlflow/v2.0/", "/children", "/schedules", "/onlineEndpoints/"):
        assert expected in paths, (expected, routes)
    assert sum(status == "passed" for status, _ in clean.values()) >= 40, clean

    # A single fault on each route (its first request, whichever criterion sends it) recovers: the
    # same verdicts as the clean run. The kinds take turns along the routes, so that one verify covers
    # every route and every kind.
    kinds = list(FAULTS.values())
    for number, (_, path) in enumerate(routes):
        fake.inject(f"^{re.escape(path)}$", kinds[number % len(kinds)], times=1)
    _, faulted = _verify(cli, repo)
    changed = {c: (clean[c], faulted[c]) for c in clean if clean[c][0] != faulted[c][0]}
    assert changed == {}, changed

    for kind, fault in FAULTS.items():
        # The fault for ever on every route but the workspace's own GET (which every criterion asks
        # first: with it faulted, nothing else is ever asked): undecided or skipped, never failed.
        fake.clear_faults()
        fake.inject(r"^(?!/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.MachineLearningServices"
                    r"/workspaces/[^/]+$)", fault, times=None)
        _, faulted = _verify(cli, repo, CHALLENGES, "--no-store")
        assert _wrongly_failed(clean, faulted) == {}, kind
    fake.clear_faults()


# -- item 1: the scoring URI is retried like every other route; throttled for good is undecided ---------


@pytest.fixture
def repo03(fake, team_repo, cli):
    from ..fake_azureml import seed_passing_workspace

    seed_passing_workspace(fake, endpoint=ENDPOINT)
    return point_at(fake, cli, team_repo("solved-03"))


def test_one_throttled_or_unavailable_answer_of_the_scoring_uri_is_retried(cli, fake, repo03):
    fake.inject(r"^/score/", Fault.throttle(retry_after=0.05), times=1)
    fake.inject(r"^/score/", Fault.server_error(503), times=1)
    code, results = verify_json(cli, repo03, "03")
    assert code == 0, {k: r["message"] for k, r in results.items() if r["status"] != "passed"}
    assert [r.status for r in fake.requests if r.path.startswith("/score/")][:2] == [429, 503]


@pytest.mark.parametrize("fault, said", [
    (Fault.throttle(retry_after=0), "the endpoint answered HTTP 429 (too many requests) to all 4 tries"),
    (Fault.server_error(503), "the endpoint answered HTTP 503 (service unavailable) to all 4 tries"),
    (Fault.throttle(retry_after=600), "the endpoint answered HTTP 429 (too many requests) and asked to wait 600 s"),
    (Fault.drop(), "the endpoint could not be reached (the connection was dropped) in 4 tries"),
])
def test_a_scoring_uri_that_stays_throttled_unavailable_or_dropped_is_undecided_not_failed(cli, fake, repo03, fault,
                                                                                           said):
    fake.inject(r"^/score/", fault, times=None)
    code, results = verify_json(cli, repo03, "03")
    for criterion in ("03.6", "03.7"):
        assert results[criterion]["status"] == "error", results[criterion]
        assert results[criterion]["message"].startswith(said), results[criterion]["message"]
    assert results["03.8"]["status"] == "skipped"
    assert code == 3


# -- item 2: listKeys is retried ----------------------------------------------------------------------


@pytest.mark.parametrize("fault", [Fault.drop(), Fault.server_error(502), Fault.throttle(retry_after=0)],
                         ids=["dropped", "502", "throttled"])
def test_one_fault_on_list_keys_is_retried(cli, fake, repo03, fault):
    fake.inject(r"/listKeys$", fault, times=1)
    code, results = verify_json(cli, repo03, "03")
    assert code == 0, {k: r["message"] for k, r in results.items() if r["status"] != "passed"}
    assert [r.status for r in fake.requests if r.path.endswith("/listKeys")][:2] == [fault.status, 200]


# -- item 3: say what happened -------------------------------------------------------------------------


def test_a_dropped_connection_a_long_retry_after_and_mlflow_each_say_what_happened(cli, fake, repo03):
    fake.inject(r"/onlineEndpoints/[^/]+$", Fault.drop(), times=None)
    _, results = verify_json(cli, repo03, "03")
    assert results["03.3"]["status"] == "error"
    assert results["03.3"]["message"] == (
        f"Azure ML closed the connection without answering while it read online endpoint {ENDPOINT}, even after "
        "retries: try again later")

    fake.clear_faults()
    fake.requests.clear()
    fake.inject(r"/onlineEndpoints/[^/]+$", Fault.throttle(retry_after=600), times=None)
    _, results = verify_json(cli, repo03, "03")
    assert results["03.3"]["status"] == "error"
    assert results["03.3"]["message"] == (
        f"Azure ML throttled the requests (429) while it read online endpoint {ENDPOINT} and asked to wait 600 s, "
        "longer than ohcheck waits: try again after that")
    assert [r.status for r in fake.requests if r.path.endswith(f"/onlineEndpoints/{ENDPOINT}")] == [429]

    fake.clear_faults()
    fake.inject(r"/api/2\.0/mlflow/runs/get$", Fault.server_error(503), times=None)
    _, results = verify_json(cli, repo03, "02")
    assert results["02.6"]["status"] == "error"
    assert results["02.6"]["message"].startswith("MLflow on the workspace answered 503 while it tried to read the "
                                                 "MLflow run of job "), results["02.6"]["message"]
    assert "API request" not in results["02.6"]["message"] and "https://" not in results["02.6"]["message"]


@pytest.mark.parametrize("raised", ["urllib3 spent its retries", "MLflow 3.18 handed back the last answer"])
def test_mlflow_giving_up_on_a_503_says_503_whichever_way_its_version_reports_it(raised):
    """MLflow < 3.18 raises urllib3's MaxRetryError; 3.18 raises RestException(Azure's body), whose code
    reads INTERNAL_ERROR: both are the service's 503 after retries, not an internal error."""
    from mlflow.exceptions import MlflowException, RestException

    from ohcheck.i18n import msg
    from ohcheck.azure.failures import mlflow_failure as _mlflow_failure

    if raised == "urllib3 spent its retries":
        exc = MlflowException("API request to https://127.0.0.1:1/api/2.0/mlflow/runs/get failed with exception "
                              "HTTPSConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: "
                              "/api/2.0/mlflow/runs/get (Caused by ResponseError('too many 503 error responses'))")
    else:
        exc = RestException({"error": {"code": "ServiceUnavailable",
                                       "message": "The service is temporarily unavailable. Please try again later."}})
    said = _mlflow_failure(exc, msg("read the MLflow run of job {job}", job="j1"), 30)
    assert said == ("MLflow on the workspace answered 503 while it tried to read the MLflow run of job j1, even after "
                    "retries: try again later")


# -- item 4: no traceback reaches a user ---------------------------------------------------------------


@contextlib.contextmanager
def _as_a_user_runs_it():
    """Without pytest's log capture on the root logger: what a user's terminal would get reaches stderr."""
    root = logging.getLogger()
    kept = root.handlers[:]
    root.handlers = []
    try:
        yield
    finally:
        root.handlers = kept


def test_verify_without_the_store_prints_no_traceback_when_a_check_gives_up(cli, fake, pack, tmp_path, monkeypatch):
    from ..checks_helpers import check_module
    from ..fake_azureml import seed_passing_workspace

    seed_passing_workspace(fake, endpoint=ENDPOINT)
    (tmp_path / "team").mkdir()
    repo = point_at(fake, cli, tmp_path / "team")
    # Scoring that times out on every try: the runner retries the check, then gives up (and logs why).
    monkeypatch.setattr(check_module(pack, "03"), "SCORE_TIMEOUT", 0.3)
    fake.inject(r"^/score/", Fault.slow(seconds=2), times=None)
    with _as_a_user_runs_it():
        result = cli("verify", "03", "--json", "--no-store", cwd=repo)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exit_code == 3, result.output
    results = {r["criterion"]: r for r in json.loads(result.stdout)["results"]}
    assert results["03.6"]["status"] == "error"
    assert "the endpoint did not answer within 0.3 s" in results["03.6"]["message"]


def test_coach_collect_prints_no_traceback_when_a_check_crashes(cli, tmp_path, monkeypatch):
    from ohcheck.targets.local import LocalTarget

    from ..coach.test_coach import EVENT

    folder = tmp_path / "event"
    (folder / "team-a").mkdir(parents=True)
    assert cli("init", "--team", "team-a", cwd=folder / "team-a").exit_code == 0
    (folder / "event.yaml").write_text(EVENT.format(url="https://127.0.0.1:9/team-c.git"))

    def crash(self):
        raise RuntimeError("a bug in ohcheck")

    monkeypatch.setattr(LocalTarget, "workspace", crash)
    with _as_a_user_runs_it():
        result = cli("coach", "collect", "--team", "team-a", "--challenge", "00", "--json", cwd=folder)
    assert "Traceback" not in result.stderr, result.stderr
    summary = json.loads(result.stdout)["teams"][0]["challenges"][0]["summary"]
    assert summary["error"] == 1, summary  # 00.1 crashed
