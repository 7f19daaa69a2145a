"""The hack pack: finding challenges and criteria, and the pack's own consistency."""

from __future__ import annotations

import pytest

from ohcheck.errors import UnknownChallenge, UserError
from ohcheck.pack import HackPack

from ..conftest import ROOT, write_pack


@pytest.mark.parametrize("ref", ["challenge-01", "challenge_01", "Challenge-01", "01", "1", " 1 "])
def test_a_challenge_is_found_by_any_usual_spelling(pack, ref):
    assert pack.challenge(ref).id == "challenge-01"


def test_an_unknown_challenge_lists_the_valid_ones(pack):
    with pytest.raises(UnknownChallenge) as caught:
        pack.challenge("challenge-42")
    assert "There is no challenge 'challenge-42'" in caught.value.message
    assert "challenge-00, challenge-01" in caught.value.message


def test_the_shipped_pack_is_consistent(pack):
    """Every criterion is tagged in its Markdown, every tag has a check, ids and needs are sound."""
    assert pack.validate() == []


def test_every_challenge_has_the_what_the_hack_sections_and_a_coach_guide(pack):
    for challenge in pack.challenges:
        text = challenge.markdown.read_text(encoding="utf-8")
        for section in ("## Introduction", "## Description", "## Success Criteria", "## Learning Resources", "## Tips"):
            assert section in text, f"{challenge.id} lacks {section}"
        assert challenge.coach is not None, f"{challenge.id} has no coach guide"
        assert challenge.title and not challenge.title.lower().startswith("challenge")


def test_criteria_come_in_declaration_order_with_their_challenge(pack):
    criteria = pack.criteria(pack.challenge("01"))
    assert [c.id for c in criteria] == [f"01.{i}" for i in range(1, 8)]
    assert {c.challenge for c in criteria} == {"challenge-01"}
    assert all(c.title.split()[0] in {"Validate", "Verify", "Show", "Demonstrate"} for c in criteria)


def test_a_broken_check_module_is_one_clear_error(tmp_path):
    root = write_pack(tmp_path / "pack", {"01": '@criterion("01.1", "x")\ndef broken(:\n'})
    pack = HackPack(root)
    with pytest.raises(UserError) as caught:
        pack.criteria(pack.challenge("01"))
    assert caught.value.message.startswith("checks/challenge_01.py cannot be loaded: SyntaxError")


def test_validate_finds_untagged_criteria_and_bad_needs(tmp_path):
    source = (
        "from ohcheck.criteria import criterion\n"
        '@criterion("01.1", "a", needs="01.9")\ndef a(ctx): pass\n'
    )
    root = write_pack(tmp_path / "pack", {"01": source})
    (root / "challenges" / "challenge-01.md").write_text(
        "# Challenge 01 – T\n\n## Success Criteria\n\n- `01.2` something\n", encoding="utf-8"
    )
    problems = HackPack(root).validate()
    assert "challenge-01: criterion 01.1 is not tagged in challenge-01.md" in problems
    assert "challenge-01: 01.1 needs unknown criterion 01.9" in problems
    assert "challenge-01: 01.2 is tagged in challenge-01.md but has no check" in problems


def test_the_installed_package_finds_its_pack_from_any_directory(tmp_path, cli):
    result = cli("list", "--json", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    import json

    ids = [c["id"] for c in json.loads(result.stdout)["challenges"]]
    assert ids[:2] == ["challenge-00", "challenge-01"]


def test_ci_runs_the_readmes_test_command_verbatim():
    root = ROOT
    readme = (root / "README.md").read_text(encoding="utf-8")
    ci = (root / ".ci" / "run").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if "pytest" in line and line.startswith("python3 -m venv"))
    assert command in ci.splitlines()
