"""How much ohcheck adds to Typer's own start-up: `ohcheck --help` vs a bare Typer app's `--help`.

    python benchmarks/cli_startup.py [--runs 21]

Both run in this interpreter's environment, interleaved, in one run of this
script (the machine is shared and noisy: compare ratios, not seconds). Prints
the median of each, and the ratios. The aim: ohcheck adds under 30% to what
Typer itself costs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_TYPER_APP = '''
import typer

app = typer.Typer(help="A bare Typer app with rich help and two commands.", rich_markup_mode="rich")


@app.command()
def hello(
    name: str = typer.Option("world", help="Who to greet."),
    times: float = typer.Option(1.0, min=1.0, help="How many times."),
) -> None:
    """Say hello."""


@app.command()
def bye() -> None:
    """Say goodbye."""


if __name__ == "__main__":
    app()
'''


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare_typer.py"
        bare.write_text(BARE_TYPER_APP)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "bare Typer --help": [sys.executable, str(bare), "--help"],
            "ohcheck --help": [sys.executable, "-m", "ohcheck", "--help"],
            # A subcommand's help costs Typer more (it builds the parameters' help);
            # compare like with like.
            "bare Typer hello --help": [sys.executable, str(bare), "hello", "--help"],
            "ohcheck verify --help": [sys.executable, "-m", "ohcheck", "verify", "--help"],
        }
        for command in commands.values():  # warm the file cache
            _time(command)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                samples[name].append(_time(command))
    median = {name: statistics.median(values) for name, values in samples.items()}
    for name, value in median.items():
        print(f"{name:<26} median {value * 1000:7.1f} ms over {args.runs} runs")
    base = median["bare Typer --help"]
    print(f"bare Typer --help / python -c pass : {base / median['python -c pass']:.1f}x")
    print(f"ohcheck --help / bare Typer --help : {median['ohcheck --help'] / base:.2f}x "
          f"(ohcheck adds {(median['ohcheck --help'] / base - 1) * 100:+.0f}%; aim: under +30%)")
    sub = median["bare Typer hello --help"]
    print(f"ohcheck verify --help / bare Typer hello --help : {median['ohcheck verify --help'] / sub:.2f}x "
          f"(ohcheck adds {(median['ohcheck verify --help'] / sub - 1) * 100:+.0f}%)")


if __name__ == "__main__":
    main()
