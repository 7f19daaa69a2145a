"""One transient progress bar on stderr, for commands that work through teams or resources."""

from __future__ import annotations

from typing import Any


class StepProgress:
    """A transient bar on stderr (terminals only) over teams listed or resources deleted."""

    def __init__(self, total: int, verb: str, *, enabled: bool) -> None:
        from ohcheck.cli.common import _stderr

        self.console = _stderr()
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
