"""One transient progress bar on stderr, for commands that work through teams or resources."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional


class StepProgress:
    """A transient bar on stderr (terminals only) over teams listed or resources deleted."""

    def __init__(self, total: int, verb: str, *, enabled: bool) -> None:
        from ohcheck.render.console import stderr

        self.console = stderr()
        self.total, self.verb = total, verb
        self.enabled = enabled and self.console.is_terminal
        self.progress: Any = None

    def __enter__(self) -> Any:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
            )

            self.progress = Progress(SpinnerColumn(), TextColumn(self.verb), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.description}"), console=self.console, transient=True)
            self.progress.start()
            self.task = self.progress.add_task("", total=self.total)

        def advance(name: str) -> None:
            if self.progress is not None:
                from rich.markup import escape

                self.progress.update(self.task, advance=1, description=escape(name))

        return advance

    def __exit__(self, *exc_info: object) -> None:
        if self.progress is not None:
            self.progress.stop()


class StageStatus:
    """A spinner on stderr naming the current stage of a long run (terminal only)."""

    def __init__(self, console: Any, *, enabled: bool) -> None:
        self.console, self.enabled = console, enabled
        self.status: Any = None

    def __enter__(self) -> Optional[Callable[[str], None]]:
        if not self.enabled:
            return None
        from ohcheck.i18n import t
        from ohcheck.render.console import escape

        self.status = self.console.status(escape(t("starting")))
        self.status.start()
        return lambda text: self.status.update(escape(text))

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.stop()
