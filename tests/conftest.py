"""Shared fixtures: the CLI as a user runs it, team repos built from the pack, the real data."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from ohcheck.cli.app import app
from ohcheck.pack import HackPack
from ohcheck.kit.repo_builder import BuiltRepo, build_team_repo

# Where things are, for a test in any folder under tests/: a test names these, never its own file's parents.
TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent  # the repository: the pack, src/, README.md, .ci/
FIXTURES = TESTS / "fixtures"
SNAPSHOTS = TESTS / "snapshots"

# The real Adventure Works file and series, when this checkout has ../shared/data beside it.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@contextlib.contextmanager
def _cwd(path: Path | None) -> Iterator[None]:
    before = Path.cwd()
    if path is not None:
        os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@pytest.fixture(autouse=True)
def _english_unless_asked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts in English whatever this machine's locale, and no test's --lang outlives it."""
    from ohcheck import i18n

    for name in ("OHCHECK_LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    i18n.choose(None)
    yield
    i18n.choose(None)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """The fake Azure ML server on 127.0.0.1, with ohcheck and the SDK pointed at it (tests/fake_session.py)."""
    from .fake_session import pointed_fake

    with pointed_fake(tmp_path, monkeypatch) as server:
        yield server


class Cli:
    """Runs `ohcheck ...` in-process, from a given folder, as a user would type it."""

    def __call__(self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        with _cwd(cwd):
            return runner.invoke(app, [str(a) for a in args], env=env)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def pack() -> HackPack:
    return HackPack()


@pytest.fixture(scope="session")
def _built(tmp_path_factory: pytest.TempPathFactory, pack: HackPack) -> Iterator[dict[str, Path]]:
    """Team repos built once per session (synthetic data), each on the one before; tests get copies.

    A repo another builds on has its cleanup run first (its local endpoint stopped).
    solved-04 and solved-06 leave their local endpoints (`ohcheck serve --detach`)
    running for the session, each on a port of its own.
    """
    root = tmp_path_factory.mktemp("built")
    chain = [
        # name, challenge, solved, built on
        ("starting-01", "01", False, None),
        ("solved-01", "01", True, None),
        ("solved-02", "02", True, "solved-01"),
        ("starting-03", "03", False, "solved-02"),
        ("solved-03", "03", True, "solved-02"),
        ("starting-04", "04", False, "solved-03"),
        ("solved-04", "04", True, "solved-03"),
        ("starting-06", "06", False, "solved-04 moved"),
        ("solved-06", "06", True, "solved-04 moved"),
        ("solved-07", "07", True, "solved-06 moved"),
    ]
    bases = {base for *_, base in chain if base}
    built = {}
    try:
        for name, challenge, solved, base in chain:
            if base and base not in built:  # "<name> moved": a copy on a port of its own; the original keeps serving
                built[base] = _moved(built[base.removesuffix(" moved")], root / base.replace(" ", "-"))
            built[name] = build_team_repo(
                pack, root / name, pack.challenge(challenge), solved=solved, base=built.get(base), team="testers"
            )
            if name in bases:
                built[name].cleanup()
        yield {name: repo.root for name, repo in built.items()}
    finally:
        for repo in built.values():
            repo.cleanup()


def _moved(repo: BuiltRepo, dest: Path) -> BuiltRepo:
    """A copy of a built repo on a port of its own, to build on while the original keeps serving."""
    shutil.copytree(repo.root, dest, symlinks=True)
    port = own_port(dest)
    return BuiltRepo(dest, repo.pack, {**repo.values, "port": str(port)}, repo.through)


@pytest.fixture
def team_repo(_built: dict[str, Path], tmp_path: Path):
    """A fresh copy of a built team repo: team_repo("solved-01"), team_repo("starting-03")...

    A copy of solved-04 still reaches the session's local endpoint (same scoring URL and
    the record of what it serves, .ohcheck/serve.json): never `ohcheck serve --stop` in
    such a copy. `own_port(repo)` gives a copy a port (and a record) of its own.
    """

    def make(name: str) -> Path:
        dest = tmp_path / name
        shutil.copytree(_built[name], dest, symlinks=True)
        for leftover in (dest / ".ohcheck").glob("results.db*"):
            leftover.unlink()  # no results from the build; the MLflow store stays
        return dest

    return make


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "TransactionHistory.csv").is_file():
        pytest.skip("../shared/data/TransactionHistory.csv is not present")
    return SHARED_DATA


def write_pack(root: Path, checks: dict[str, str], titles: dict[str, str] | None = None) -> Path:
    """A small hack pack of our own, for framework behaviour the real pack does not show."""
    (root / "challenges").mkdir(parents=True)
    (root / "checks").mkdir()
    for number, source in checks.items():
        title = (titles or {}).get(number, f"Test challenge {number}")
        ids = [line.split('"')[1] for line in source.splitlines() if line.strip().startswith("@criterion(")]
        criteria = "\n".join(f"- `{i}` criterion {i}" for i in ids)
        (root / "challenges" / f"challenge-{number}.md").write_text(
            f"# Challenge {number} – {title}\n\n## Success Criteria\n\n{criteria}\n", encoding="utf-8"
        )
        (root / "checks" / f"challenge_{number}.py").write_text(source, encoding="utf-8")
    return root


def own_port(repo: Path) -> int:
    """Point a team repo's local scoring URL at a free port of its own."""
    import re

    from ohcheck.kit.repo_builder import free_port

    port = free_port()
    # Not the built repo's server any more: this copy must never stop it.
    (repo / ".ohcheck" / "serve.json").unlink(missing_ok=True)
    config = repo / "ohcheck.yaml"
    config.write_text(re.sub(r"scoring_url: http://127\.0\.0\.1:\d+/score", f"scoring_url: http://127.0.0.1:{port}/score",
                             config.read_text()))
    return port


# Tests that start a browser (the `browser` / `page` fixtures), Azure ML's inference server, child
# processes to signal, or a whole selftest or demo: marked `slow`, so `pytest -m "not slow"` is a quick
# run. Marked here by what they use, so a new browser test is slow without remembering to say so.
_SLOW_FIXTURES = {"browser", "page"}
_SLOW_MODULES = {"test_serve", "test_selftest_and_demo", "test_children", "test_coach_scenario"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)
        name = module.__name__.rpartition(".")[2] if module is not None else ""
        if _SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or name in _SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
