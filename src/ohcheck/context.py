"""What a check may read: the team repo, the target, the config, and shared work.

One Context serves every criterion of a verify run. `memo` lets criteria that
need the same expensive answer (the model's forecasts, say) compute it once,
even when they run on different threads. Secrets a target obtains (a key, a
token) are registered with `redactor` by the target itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ohcheck.config import Config
from ohcheck.redaction import Redactor
from ohcheck.repo import TeamRepo
from ohcheck.targets.base import Target, hearing_warnings, target_warning

T = TypeVar("T")


@dataclass
class Context:
    repo: TeamRepo
    config: Config
    target: Target
    redactor: Redactor = field(default_factory=Redactor)
    # False when ohcheck verifies the repo from someone else's machine (`coach collect`): what is installed
    # in this Python then says nothing about the team's, and a check must judge what the repo declares.
    own_environment: bool = True
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)
    _memo_warnings: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _locks: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Compute a value once per run and share it; a failure is not cached."""
        with self._guard:
            if key in self._memo:
                return self._shared(key)
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                # What the target warned of while computing it (a job it left out) goes with the
                # value: every criterion that uses the value is warned, not only the first.
                with hearing_warnings() as heard:
                    value = compute()
                self._memo[key], self._memo_warnings[key] = value, list(heard)
                return value
            return self._shared(key)

    def _shared(self, key: str) -> Any:
        for warning in self._memo_warnings.get(key, ()):
            target_warning(warning)
        return self._memo[key]
