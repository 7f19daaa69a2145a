"""Run a team's Azure ML scoring script once, in its own process: init(), then run().

    python -m ohcheck.local.score_harness --script src/score.py --model-dir outputs \
        --reply reply.json < request.json

This is what Azure ML's inference server does for a request, without the
HTTP: AZUREML_MODEL_DIR is set, the script's folder is the app root (on
sys.path, so the script can import its neighbours), the script is imported,
`init()` runs, then `run(raw_request)`. What happened is written as JSON to --reply (not stdout:
the team's script may print whatever it likes). Kept to the standard library
so it starts fast and imports nothing the team's script might not expect.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ohcheck.local.score_harness")
    parser.add_argument("--script", required=True, type=Path)
    parser.add_argument("--model-dir", required=True, type=Path)
    parser.add_argument("--reply", required=True, type=Path)
    args = parser.parse_args(argv)
    request = sys.stdin.read()
    envelope = _score(args.script.resolve(), args.model_dir.resolve(), request)
    args.reply.write_text(json.dumps(envelope, default=repr), encoding="utf-8")
    return 0


def _score(script: Path, model_dir: Path, request: str) -> dict[str, Any]:
    os.environ["AZUREML_MODEL_DIR"] = str(model_dir)
    sys.path.insert(0, str(script.parent))
    stage = "import"
    try:
        spec = importlib.util.spec_from_file_location("score", script)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {script}")
        module = importlib.util.module_from_spec(spec)
        sys.modules["score"] = module
        spec.loader.exec_module(module)
        for name in ("init", "run"):
            if not callable(getattr(module, name, None)):
                raise _Missing(script.name, name)
        stage = "init"
        module.init()
        stage = "run"
        raw = module.run(request)
    except _Missing as exc:  # ohcheck's own sentence: the parent says it in the reader's language
        return {"ok": False, "stage": stage, "error": f"AttributeError: {exc}", "missing": exc.function}
    except BaseException as exc:  # noqa: BLE001 - report whatever the team's code did
        return {"ok": False, "stage": stage, "error": f"{type(exc).__name__}: {exc}{_where(exc, script)}"}
    return {"ok": True, "reply": decode_reply(raw)}


class _Missing(AttributeError):
    """The script lacks init() or run(); `function` names which."""

    def __init__(self, file: str, function: str) -> None:
        super().__init__(f"{file} defines no {function}() function")
        self.function = function


def _where(exc: BaseException, script: Path) -> str:
    """` (score.py, line 12)`: the deepest line of the team's script in the traceback."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).name == script.name]
    return f" ({script.name}, line {frames[-1].lineno})" if frames else ""


def decode_reply(raw: Any) -> Any:
    # Scoring scripts often return json.dumps(...): the server then sends a JSON
    # string holding JSON. Clients decode it once more; so do we.
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


if __name__ == "__main__":
    sys.exit(main())
