"""Errors a user can cause, and the exit codes the CLI turns them into.

Anything a user can get wrong (a bad ohcheck.yaml, an unknown challenge, no
credential) is raised as a `UserError` with one clear sentence; the CLI prints
that sentence and exits non-zero, never a traceback. The sentence and its hint
are best raised as messages (`ohcheck.i18n.msg`): they are English strings
that the CLI says again in the reader's language.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

EXIT_OK = 0
EXIT_FAILED = 1  # at least one criterion failed
EXIT_USAGE = 2  # usage, configuration or bad input (nothing was checked), or an output could not be written
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

    language: str | None = None  # the language the file names, when it could be read: the error is said in it


class UnknownChallenge(UserError):
    """The challenge id names no challenge of the pack."""


class StoreError(UserError):
    """The results store cannot be opened or written."""


class DataError(UserError):
    """Input data is missing or not in the expected format."""


class OutputError(UserError):
    """A file ohcheck was asked to write (an output, a store's folder) could not be written."""


@contextlib.contextmanager
def writing(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn an OSError while writing `path` (its parent a file, no permission, a full disk) into one sentence
    naming the path and the cause, exit 2: the user can fix it, and nothing in it is ohcheck's bug."""
    try:
        yield
    except OSError as exc:
        from pathlib import Path

        from ohcheck.i18n import msg

        blocking = next((p for p in Path(path).parents if p.exists() and not p.is_dir()), None)
        if blocking is not None:  # mkdir's "File exists" / "Not a directory" would not say which
            raise OutputError(msg("Cannot write {path}: {parent} is a file, not a folder.", path=path,
                                  parent=blocking)) from None
        raise OutputError(msg("Cannot write {path}: {error}.", path=path,
                              error=exc.strerror or type(exc).__name__)) from None
