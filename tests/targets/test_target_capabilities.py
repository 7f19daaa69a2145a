"""Checks ask what a target can answer (`target.can`), never its name: a new target states its capabilities
and every criterion follows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ohcheck.targets.local import LocalTarget

from ..checks_helpers import verify_json
from ..conftest import ROOT

# `target.name == "local"`, `ctx.target.name != ...`, `"azure" == target.name`: a question about the name.
ASKS_THE_NAME = re.compile(r"target\.name\s*(==|!=|\bin\b|\bnot in\b)|[\"'](local|azure)[\"']\s*[!=]=\s*\S*target\.name")


def _modules() -> list[Path]:
    """The checks and ohcheck's modules, but the CLI (which opens a target by name) and the targets themselves."""
    inside = [*sorted((ROOT / "checks").glob("*.py")), *sorted((ROOT / "src" / "ohcheck").rglob("*.py"))]
    return [p for p in inside if p.relative_to(ROOT).parts[:3] not in {("src", "ohcheck", "cli"),
                                                                      ("src", "ohcheck", "targets")}]


def test_no_check_or_view_asks_a_target_its_name():
    asking = [f"{p.relative_to(ROOT)}:{n}" for p in _modules()
              for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if ASKS_THE_NAME.search(line)]
    assert not asking, asking


@pytest.mark.parametrize("repo_name, challenge", [("solved-03", "03"), ("solved-07", "07"), ("solved-02", "02")])
def test_a_target_with_another_name_and_the_local_capabilities_gets_the_same_verdicts(
        cli, team_repo, monkeypatch, repo_name, challenge):
    repo = team_repo(repo_name)
    _, as_local = verify_json(cli, repo, challenge)
    monkeypatch.setattr(LocalTarget, "name", "sandbox")  # a new target, built on the local one
    _, as_sandbox = verify_json(cli, repo, challenge)
    def said(results: dict[str, dict]) -> dict[str, tuple[str, str]]:
        return {k: (r["status"], re.sub(r"\d+ ms", "N ms", r["message"])) for k, r in results.items()}  # timings vary

    assert said(as_sandbox) == said(as_local)
    assert any(r["status"] == "skipped" for r in as_local.values())  # the capabilities decided something
