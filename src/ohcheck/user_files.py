"""Reading a file a user or a team names: only a regular file, never a pipe or a device.

`Path.read_text` on a named pipe (FIFO) waits for a writer forever, and on a
device (`/dev/zero`, `/dev/urandom`) reads forever: ohcheck would hang with
no word. Every reader of a file a person gives ohcheck (event.yaml,
ohcheck.yaml, a bundle, a key, a team's YAML, config.json) reads it here, and
anything that is not a regular file is refused as an OSError (NotRegularFile)
whose text says what it is, before it is opened for reading.

The file is opened with O_NONBLOCK (so that opening a FIFO that appeared
since the first look does not wait either) and checked again on the open
descriptor; reading a regular file ignores O_NONBLOCK.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ohcheck.i18n import Msg, msg


class NotRegularFile(OSError):
    """The path names a FIFO, a device, a socket or a folder: ohcheck reads only regular files."""

    def __init__(self, path: Path | str, what: Msg) -> None:
        super().__init__(errno.EINVAL, msg("{path} is {what}, not a regular file", path=str(path), what=what))
        self.path = str(path)
        self.what = what

    @property
    def message(self) -> Msg:
        """`x is a named pipe (FIFO), not a regular file`: a clause, for a check's message."""
        return self.strerror  # type: ignore[return-value]

    @property
    def sentence(self) -> Msg:
        """The whole sentence, for a command's one-line error."""
        return msg("{path} is {what}, not a regular file: ohcheck reads only regular files.", path=self.path,
                   what=self.what)

    def __str__(self) -> str:
        return str(self.strerror)


def kind_of(mode: int) -> Msg | None:
    """What a file of this st_mode is, when it is not a regular file (None when it is)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return msg("a named pipe (FIFO)")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return msg("a device")
    if stat.S_ISSOCK(mode):
        return msg("a socket")
    if stat.S_ISDIR(mode):
        return msg("a folder")
    return msg("not a file")


def check_regular(path: Path | str) -> None:
    """NotRegularFile unless `path` (its target, for a link) is a regular file; OSError if it cannot be looked at."""
    what = kind_of(os.stat(path).st_mode)
    if what is not None:
        raise NotRegularFile(path, what)


def read_bytes(path: Path | str) -> bytes:
    """The bytes of a regular file (NotRegularFile for anything else, OSError when it cannot be read)."""
    check_regular(path)  # before opening: opening a FIFO without O_NONBLOCK already waits
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        what = kind_of(os.fstat(fd).st_mode)  # replaced between the look and the open
        if what is not None:
            raise NotRegularFile(path, what)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


def read_text(path: Path | str, *, encoding: str = "utf-8", errors: str = "strict") -> str:
    """The text of a regular file (UnicodeDecodeError as Path.read_text; newlines as Path.read_text)."""
    raw = read_bytes(path)
    # Path.read_text translates \r\n and \r to \n (universal newlines): so do we, for the same text.
    return raw.decode(encoding, errors).replace("\r\n", "\n").replace("\r", "\n")
