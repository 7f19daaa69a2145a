"""Running `ohcheck verify --json` on a team repo and reading the results by criterion."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def verify_json(cli, repo: Path, challenge: str) -> tuple[int, dict[str, dict]]:
    result = cli("verify", challenge, "--json", cwd=repo)
    assert result.exit_code in (0, 1, 3), result.output
    document = json.loads(result.stdout)
    return result.exit_code, {r["criterion"]: r for r in document["results"]}


def check_module(pack, challenge: str):
    """The loaded module of a challenge's checks (to adjust a constant in a test)."""
    criteria = pack.criteria(pack.challenge(challenge))
    return sys.modules[criteria[0].func.__module__]
