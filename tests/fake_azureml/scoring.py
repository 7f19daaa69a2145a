"""The online endpoints' scoring URIs: `POST {fake.url}/score/{endpoint}`.

Azure routes a scoring request to the endpoint's deployments after checking
the key (or token) in `Authorization: Bearer ...`; the team's score.py then
answers. Here the "score.py" is `ws.scoring_behaviour[endpoint]`, a callable
payload -> (status, json body), or by default `default_behaviour`, which
keeps the hack's contract: `{"data": [n]}` -> `{"result": [n forecasts]}`,
anything else -> 200 `{"error": "..."}` (score.py catches its own errors).
"""

from __future__ import annotations

import json
import math
from typing import Any

from .state import WorkspaceState


def default_behaviour(payload: Any) -> tuple[int, Any]:
    """n plausible daily sales forecasts around 700, as the hack's score.py returns."""
    try:
        n = payload["data"][0]
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 366:
            raise ValueError("data[0] must be a number of days between 1 and 366")
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        return 200, {"error": f'expected {{"data": [n]}}: {exc}'}
    # A weekly rhythm on a level of 700: finite, varied, and the same on every call.
    return 200, {"result": [round(700.0 + 60.0 * math.sin(2 * math.pi * day / 7), 3) for day in range(n)]}


def score(ws: WorkspaceState, endpoint: str, authorization: str | None, body: bytes) -> tuple[int, Any, bool]:
    """(status, JSON body, authorized) for one scoring request."""
    record = ws.endpoints.get(endpoint)
    if record is None or not ws.exists:
        return 404, {"message": f"Endpoint {endpoint} not found."}, False
    presented = (authorization or "").removeprefix("Bearer ").strip()
    if record.answers_anyone:
        pass  # a gateway in front that forgot the key: what criterion 03.7 exists to catch
    elif not presented or presented not in record.keys:
        # What a managed online endpoint with key auth answers without a valid key.
        return 401, {"message": "key_auth_access_denied"}, False
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        # score.py receives the raw body; the hack's score.py answers a bad one with an error field.
        payload = None
    behaviour = ws.scoring_behaviour.get(endpoint, default_behaviour)
    status, reply = behaviour(payload)
    return status, reply, True
