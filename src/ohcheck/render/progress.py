"""Progress on stderr, transient and on terminals only: criteria running, teams collected, a download,
teams or resources worked through, the stage of a long run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

from ohcheck.render.console import escape


def _transient_bar(console: Any, label: Optional[str]) -> Any:
    """The one bar every progress here draws: spinner, label, bar, m/n, then what is being done.

    Without a label, the task's description stands in its place (the criteria bar names the criterion there)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    columns: list[Any] = [SpinnerColumn(), TextColumn(escape(label) if label else "{task.description}"), BarColumn(),
                          MofNCompleteColumn()]
    if label:
        columns.append(TextColumn("{task.description}"))
    progress = Progress(*columns, console=console, transient=True)
    progress.start()
    return progress


class StepProgress:
    """A transient bar on stderr (terminals only) over teams listed, collected or resources deleted."""

    def __init__(self, total: int, verb: str, *, enabled: bool, console: Any = None) -> None:
        from ohcheck.render.console import stderr

        self.console = console or stderr()
        self.total, self.verb = total, verb
        self.enabled = enabled and self.console.is_terminal
        self.progress: Any = None

    def __enter__(self) -> Callable[[str], None]:
        if self.enabled:
            self.progress = _transient_bar(self.console, self.verb)
            self.task = self.progress.add_task("", total=self.total)

        def advance(name: str) -> None:
            if self.progress is not None:
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


class CriteriaProgress:
    """A progress bar on stderr while criteria run (only on a terminal)."""

    def __init__(self, console: Any, total: int, *, enabled: bool,
                 title: Optional[Callable[[Any], str]] = None) -> None:
        self.console, self.total, self.enabled = console, total, enabled
        self.title = title or (lambda criterion: criterion.title)
        self.progress: Any = None

    def __enter__(self) -> tuple[Optional[Callable[[Any], None]], Optional[Callable[[Any], None]]]:
        if not self.enabled:
            return None, None
        self.progress = _transient_bar(self.console, None)
        from ohcheck.i18n import t

        task = self.progress.add_task(escape(t("checking")), total=self.total)
        return (
            lambda c: self.progress.update(
                task, description=escape(t("checking {criterion} {title}", criterion=c.id, title=self.title(c)[:50]))),
            lambda r: self.progress.advance(task),
        )

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


class TeamsProgress(StepProgress):
    """A bar of teams verified (stderr, terminals only): each collected team advances it."""

    def __init__(self, console: Any, total: int, *, enabled: bool) -> None:
        from ohcheck.i18n import t

        super().__init__(total, t("collecting"), enabled=enabled, console=console)

    def __enter__(self) -> Callable[[Any], None]:  # type: ignore[override]
        from ohcheck.i18n import t

        advance = super().__enter__()
        return lambda outcome: advance(t("{team} done", team=outcome.team))


class DownloadProgress:
    """A download bar on stderr, only on a terminal and only once bytes arrive."""

    def __init__(self, console: Any, *, enabled: bool) -> None:
        self.console, self.enabled = console, enabled
        self.progress: Any = None
        self.task: Any = None

    def __enter__(self) -> Optional[Callable[[int, Optional[int]], None]]:
        if not self.enabled:
            return None

        def update(done: int, total: Optional[int]) -> None:
            if self.progress is None:
                from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

                self.progress = Progress(*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(),
                                         console=self.console, transient=True)
                self.progress.start()
                from ohcheck.i18n import t

                self.task = self.progress.add_task(escape(t("downloading Adventure Works")), total=total)
            self.progress.update(self.task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()
