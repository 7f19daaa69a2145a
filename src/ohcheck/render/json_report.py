"""Results for programs: one JSON document per verify run."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ohcheck.criteria import Result, Summary


def report(
    *,
    challenge: str,
    title: str,
    target: str,
    team: str,
    started_at: str,
    results: Sequence[Result],
    summary: Summary,
    lang: str = "en",
) -> dict[str, Any]:
    """Ids and statuses are stable whatever the language; title, message and hint are in `lang`."""
    from ohcheck import __version__

    return {
        "ohcheck": __version__,
        "lang": lang,
        "challenge": challenge,
        "title": title,
        "target": target,
        "team": team,
        "started_at": started_at,
        "summary": summary.to_dict(),
        "results": [_public(r) for r in results],
    }


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


def _public(result: Result) -> dict[str, Any]:
    data = result.to_dict()
    data.pop("message_source", None)  # how the message is stored, not what it says
    return data
