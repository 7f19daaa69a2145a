"""`ohcheck --help` stays fast: heavy libraries are imported only by the commands that need them."""

from __future__ import annotations

import subprocess
import sys

import pytest

# What ohcheck itself uses and must not import at start-up. (Typer may import
# pydantic for its own parameter handling; that is Typer's cost, measured by
# benchmarks/cli_startup.py against a bare Typer app.)
HEAVY = {"azure", "mlflow", "pandas", "numpy", "statsmodels", "sqlalchemy", "requests", "jinja2", "yaml", "tenacity"}


@pytest.mark.parametrize("command", ["", "verify", "data prepare", "init", "selftest", "list", "serve", "doctor"])
def test_help_imports_no_heavy_library(command):
    args = command.split() + ["--help"]
    code = (
        "import sys\n"
        "from ohcheck.cli.app import app\n"
        "try:\n"
        f"    app({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('\\n'.join(sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {line.split(".")[0] for line in done.stderr.split()}
    assert "Usage" in done.stdout
    assert not loaded & HEAVY, sorted(loaded & HEAVY)
