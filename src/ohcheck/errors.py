"""Errors a user can cause, and the exit codes the CLI turns them into.

Anything a user can get wrong (a bad ohcheck.yaml, an unknown challenge, no
credential) is raised as a `UserError` with one clear sentence; the CLI prints
that sentence and exits non-zero, never a traceback. The sentence and its hint
are best raised as messages (`ohcheck.i18n.msg`): they are English strings
that the CLI says again in the reader's language.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # at least one criterion failed
EXIT_USAGE = 2  # usage or configuration error: nothing was checked
EXIT_UNDECIDED = 3  # something could not be decided (error) and nothing failed


class UserError(Exception):
    """Something the user can fix; its message is the whole story (a str, or an i18n.Msg to translate)."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(UserError):
    """ohcheck.yaml (or event.yaml) is missing, malformed or invalid."""


class UnknownChallenge(UserError):
    """The challenge id names no challenge of the pack."""


class StoreError(UserError):
    """The results store cannot be opened or written."""


class DataError(UserError):
    """Input data is missing or not in the expected format."""
