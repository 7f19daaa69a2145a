"""The progress bars of long commands, as a terminal shows them: one bar (spinner, label, bar, m/n, what is
being done) for criteria, teams collected and resources worked through; nothing at all when not a terminal."""

from __future__ import annotations

import io
from types import SimpleNamespace

from rich.console import Console

from ohcheck.render.progress import CriteriaProgress, StepProgress, TeamsProgress


def _terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, color_system=None, width=100), out


def test_teams_collected_advance_the_one_bar_with_the_teams_names():
    console, out = _terminal()
    with TeamsProgress(console, 2, enabled=True) as done:
        done(SimpleNamespace(team="ada"))
        done(SimpleNamespace(team="[b]grace[/b]"))  # a team's name is text, never markup
    drawn = out.getvalue()
    assert "collecting" in drawn and "2/2" in drawn and "[b]grace[/b] done" in drawn, drawn


def test_resources_deleted_and_criteria_checked_draw_the_same_bar():
    console, out = _terminal()
    with StepProgress(3, "deleting", enabled=True, console=console) as advance:
        advance("aw-forecast")
    assert "deleting" in out.getvalue() and "1/3" in out.getvalue(), out.getvalue()

    console, out = _terminal()
    criterion = SimpleNamespace(id="03.1", title="Verify that the model is registered")
    with CriteriaProgress(console, 4, enabled=True) as (on_start, on_result):
        on_start(criterion)
        on_result(None)
    assert "checking 03.1 Verify that the model is registered" in out.getvalue() and "1/4" in out.getvalue()


def test_not_a_terminal_draws_nothing():
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=100)
    with TeamsProgress(console, 1, enabled=console.is_terminal) as done:
        done(SimpleNamespace(team="ada"))
    with StepProgress(1, "listing", enabled=True, console=console) as advance:
        advance("ada")
    assert out.getvalue() == ""
