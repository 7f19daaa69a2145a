"""The pack's self-test and the demo, run as a user runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ohcheck.criteria import Criterion, Result, Status
from ohcheck.kit.selftest import judge


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_selftest_proves_starters_fail_and_solutions_pass(cli, tmp_path, lang):
    # In Japanese the self-test also fails on any sentence a run said in English (no translation).
    result = cli("selftest", "--json", "--lang", lang, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["ok"] and document["pack_problems"] == []
    rows = {c["criterion"]: c for ch in document["challenges"] for c in ch["criteria"]}
    assert (rows["01.1"]["starter"], rows["01.1"]["solution"]) == ("failed", "passed")
    assert (rows["01.6"]["starter"], rows["01.6"]["solution"]) == ("skipped", "passed")
    assert (rows["00.5"]["starter"], rows["00.5"]["solution"]) == ("failed", "passed")
    assert all(row["ok"] for row in rows.values())


def test_selftest_of_one_challenge_on_the_real_data(cli, tmp_path, shared_data):
    result = cli("selftest", "01", "--data-source", shared_data / "TransactionHistory.csv", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "All 7 criteria of 1 challenge(s) behave as they should." in result.stdout


def _c(cid, needs=(), may_pass=False):
    return Criterion(cid, f"title {cid}", lambda ctx: None, needs=tuple(needs), starter_may_pass=may_pass)


def _r(cid, status, message=""):
    return Result("challenge-01", cid, f"title {cid}", status, message)


def test_judge_catches_starters_that_pass_or_error_and_solutions_that_fail():
    criteria = [_c("01.1"), _c("01.2", needs=["01.1"]), _c("01.3"), _c("01.4"), _c("01.5", may_pass=True), _c("01.6")]
    starter = [_r("01.1", Status.FAILED), _r("01.2", Status.SKIPPED, "needs 01.1"), _r("01.3", Status.PASSED),
               _r("01.4", Status.ERROR, "boom"), _r("01.5", Status.PASSED), _r("01.6", Status.FAILED)]
    solution = [_r("01.1", Status.PASSED), _r("01.2", Status.PASSED), _r("01.3", Status.PASSED),
                _r("01.4", Status.PASSED), _r("01.5", Status.PASSED), _r("01.6", Status.FAILED, "no model")]
    problems = {v.criterion.id: v.problem for v in judge(criteria, starter, solution)}
    assert problems["01.1"] == "" and problems["01.2"] == "" and problems["01.5"] == ""
    assert problems["01.3"] == "the starter already passes it: nothing is left for the team to do"
    assert problems["01.4"] == "the starter errors instead of failing: boom"
    assert problems["01.6"] == "the solution fails: no model"


def test_the_demo_builds_a_team_repo_and_verifies_every_challenge(cli, tmp_path):
    result = cli("demo", "--data-source", "synthetic", "--keep", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "challenge-01 $ python src/train.py" in out
    assert "challenge-00 — Prerequisites" in out and "challenge-01 — Build a forecasting model locally" in out
    assert "PASSED   01.6" in out and "FAILED" not in out
    kept = Path(out.split("The demo team repo is kept in ")[1].splitlines()[0])
    try:
        assert (kept / "outputs" / "model" / "model.pkl").is_file()
        assert (kept / "ohcheck.yaml").is_file()
    finally:
        shutil.rmtree(kept.parent, ignore_errors=True)


def test_selftest_in_japanese_names_a_sentence_without_its_translation(monkeypatch):
    from ohcheck import i18n
    from ohcheck.i18n import msg
    from ohcheck.pack import HackPack
    from ohcheck.kit.selftest import _untranslated

    i18n.choose("ja")
    said = Result("challenge-01", "01.1", "t", Status.FAILED, "x",
                  message_source=msg("a sentence nobody translated: {n}", n=1).source())
    [problem] = _untranslated(HackPack(), [said])
    assert "01.1" in problem and "a sentence nobody translated: {n}" in problem
