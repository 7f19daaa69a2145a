"""How long `ohcheck coach dashboard` takes for a big event, and how big the page is.

    python benchmarks/coach_dashboard.py [--teams 100] [--attempts 20] [--runs 5]

Seeds a coach store (through CoachStore.record and .sign, as collect, import and approve do) with
`--teams` teams x the pack's 8 challenges x 6 criteria x `--attempts` attempts — every fifth attempt
self-reported, the rest coach-verified, teams progressing through the challenges at different speeds,
some sign-offs — then writes the dashboard `--runs` times (the whole of write_dashboard: reading the
store, working out the figures, rendering, writing) and prints the median and slowest time and the
file's size. The issue's aim: under 1 s at 100 x 8 x 6 x 20. The machine is shared: run it a few
times before reading much into one number. Run from the repository root.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from ohcheck.coach.dashboard import write_dashboard
from ohcheck.coach.store import CoachStore
from ohcheck.criteria import Result, Status, Summary
from ohcheck.event.model import load_event

CHALLENGES = [f"challenge-{n:02d}" for n in range(8)]
CRITERIA = 6
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


def write_event(folder: Path, teams: int) -> Path:
    lines = ["event:", "  name: OpenHack for MLOps, benchmark", "  starts: 2026-12-01", "  ends: 2026-12-03",
             "  stuck_after_minutes: 90", "teams:"]
    for t in range(teams):
        lines += [f"  - name: team-{t:03d}", f"    members: [Member {t}a, Member {t}b]", f"    repo: team-{t:03d}",
                  "    target: azure"]
    path = folder / "event.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def seed(store_path: Path, teams: int, attempts: int) -> int:
    """Each team works through the challenges in order; an attempt passes a few more criteria than the last."""
    rng = random.Random(5)
    written = 0
    with CoachStore(store_path) as store:
        for t in range(teams):
            team = f"team-{t:03d}"
            when = START + dt.timedelta(minutes=rng.randint(0, 60))
            for challenge in CHALLENGES:
                for k in range(attempts):
                    when += dt.timedelta(minutes=rng.randint(3, 15))
                    passing = min(CRITERIA, (k * CRITERIA) // max(1, attempts - 4) + rng.randint(0, 1))
                    results = [
                        Result(challenge, f"{challenge[-2:]}.{c + 1}",
                               f"Verify that criterion {c + 1} of {challenge} holds for the team's workspace",
                               Status.PASSED if c < passing else Status.FAILED,
                               message=(f"found what was expected (run {k}, RMSE {400 + rng.random() * 50:.1f})"
                                        if c < passing else
                                        f"expected the model to beat the seasonal-naive baseline; RMSE "
                                        f"{700 + rng.random() * 90:.1f} vs {711.8}"),
                               hint="See the challenge page's hints.", team=team, target="azure",
                               time=when.isoformat(timespec="seconds"))
                        for c in range(CRITERIA)
                    ]
                    trust = "self" if k % 5 == 4 else "coach"
                    store.record(team=team, challenge=challenge, target="azure", trust=trust,
                                 source="bundle b.json" if trust == "self" else "collected by Carol",
                                 started_at=when.isoformat(timespec="seconds"), results=results,
                                 summary=Summary.of(results, 2.0))
                    written += 1
                if rng.random() < 0.4:
                    store.sign(team, challenge, action="approve", coach="Carol", note="demoed it")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--attempts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        loaded = load_event(write_event(folder, args.teams))
        store_path = folder / ".ohcheck-coach" / "coach.db"
        start = time.perf_counter()
        written = seed(store_path, args.teams, args.attempts)
        print(f"seeded {written} attempts ({args.teams} teams x {len(CHALLENGES)} challenges x {CRITERIA} criteria "
              f"x {args.attempts} attempts) in {time.perf_counter() - start:.1f} s")
        out = folder / "dashboard.html"
        samples = []
        for _ in range(args.runs):
            start = time.perf_counter()
            page = write_dashboard(loaded, store_path, out)
            samples.append(time.perf_counter() - start)
    print(f"dashboard: median {statistics.median(samples) * 1000:.0f} ms, slowest {max(samples) * 1000:.0f} ms "
          f"over {args.runs} runs (aim: under 1 s)")
    print(f"file size: {page.size_bytes / 1024:.0f} KiB for {page.teams} teams")


if __name__ == "__main__":
    main()
