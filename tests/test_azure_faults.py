"""Faults on the azure target's routes are `error`, never `failed`, and a transient one recovers.

The fake Azure ML server (tests/fake_azureml) injects throttling (429 with
Retry-After), 503 and dropped connections on any route; verify runs in-process
as a user runs it, with the retry back-off shortened (OHCHECK_RETRY_SCALE).
"""

from __future__ import annotations

import json
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
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(Path(__file__).parents[1] / "src"),
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

    import ohcheck.azure_failures
    import ohcheck.targets.azure as azure_target

    imported = set()
    for module in (azure_target, ohcheck.azure_failures):
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
