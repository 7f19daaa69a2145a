"""Results for programs: one JSON document per verify run."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ohcheck.criteria import Result, Summary


def report(
    *, challenge: str, title: str, target: str, team: str, started_at: str, results: Sequence[Result], summary: Summary
) -> dict[str, Any]:
    from ohcheck import __version__

    return {
        "ohcheck": __version__,
        "challenge": challenge,
        "title": title,
        "target": target,
        "team": team,
        "started_at": started_at,
        "summary": summary.to_dict(),
        "results": [r.to_dict() for r in results],
    }


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)
