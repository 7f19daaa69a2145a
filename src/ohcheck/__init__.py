"""ohcheck: an OpenHack challenge-and-coach framework.

Teams verify their work against a challenge's success criteria, coaches review
teams, facilitators prepare events. The hack it ships is OpenHack for MLOps on
Azure Machine Learning.

A pack author's check module needs one import:

    from ohcheck import criterion, fail, msg, passed, skip, undecided
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The pack author's API, imported on first use (PEP 562): `import ohcheck` (and so
# `ohcheck --help`) stays as light as it was; only a check module pays for these.
_API = {
    "criterion": "ohcheck.criteria",
    "fail": "ohcheck.criteria",
    "skip": "ohcheck.criteria",
    "undecided": "ohcheck.criteria",
    "passed": "ohcheck.criteria",
    "Passed": "ohcheck.criteria",
    "Criterion": "ohcheck.criteria",
    "Status": "ohcheck.criteria",
    "msg": "ohcheck.i18n",
    "msg_n": "ohcheck.i18n",
    "Msg": "ohcheck.i18n",
    "comma_list": "ohcheck.i18n",
    "Context": "ohcheck.context",
    "NotOnThisTarget": "ohcheck.targets.base",
    "TargetError": "ohcheck.targets.base",
    "AccessDenied": "ohcheck.targets.base",
    "NotFound": "ohcheck.targets.base",
}

__all__ = sorted(_API)

if TYPE_CHECKING:  # what type checkers and editors see; never run
    from ohcheck.context import Context
    from ohcheck.criteria import Criterion, Passed, Status, criterion, fail, passed, skip, undecided
    from ohcheck.i18n import Msg, comma_list, msg, msg_n
    from ohcheck.targets.base import AccessDenied, NotFound, NotOnThisTarget, TargetError


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        # AttributeError lets `from ohcheck import children` fall back to importing the submodule.
        raise AttributeError(f"module 'ohcheck' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once: later look-ups do not come here
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
