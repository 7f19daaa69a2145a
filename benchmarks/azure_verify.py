"""How well `ohcheck verify challenge-03 --target azure` hides the latency of Azure.

    python benchmarks/azure_verify.py [--latency 0.1] [--runs 3]

Runs the real verify (the real azure-ai-ml SDK, MLflow's REST client, real
scoring requests) against the tests' fake Azure ML server with a fixed delay
added to every answer, and prints, for one run of this script: the number of
requests made, the wall time of the verify, the sum of the delays of all
requests (what a strictly one-after-another client would wait at least), and
their ratio. Concurrency (criteria in parallel, the latency burst five at a
time) and caching (the workspace, the endpoint and its key read once) should
keep the ratio well below 1. Run from the repository root.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.fake_azureml

from ohcheck.pack import HackPack  # noqa: E402
from ohcheck.kit.team_init import init_repo  # noqa: E402
from ohcheck.verify import verify  # noqa: E402
from tests.fake_azureml import FakeAzureML, seed_passing_workspace  # noqa: E402

import ohcheck.azure.identity as azure_identity  # noqa: E402

TEAM = "bench"


def one_run(fake: FakeAzureML, repo: Path, pack: HackPack) -> tuple[float, int, int]:
    before = len(fake.requests)
    start = time.perf_counter()
    run = verify(pack, pack.challenge("03"), repo, target="azure", store=False)
    wall = time.perf_counter() - start
    if run.summary.failed or run.summary.error:
        bad = [f"{r.criterion} {r.status.value}: {r.message}" for r in run.results if r.status.value != "passed"]
        raise SystemExit("the benchmark's workspace should pass challenge 03:\n" + "\n".join(bad))
    return wall, len(fake.requests) - before, run.summary.passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every answer")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pack = HackPack()
    with tempfile.TemporaryDirectory(prefix="ohcheck-bench-") as tmp:
        with FakeAzureML(Path(tmp) / "fake") as fake:
            os.environ.update(fake.env())
            azure_identity.default_credential = fake.credential
            ws = fake.workspace
            repo = Path(tmp) / "repo"
            repo.mkdir()
            init_repo(repo, team=TEAM, target="azure", subscription_id=ws.subscription_id,
                      resource_group=ws.resource_group, workspace=ws.name)
            from ohcheck.kit.team_init import endpoint_name_for

            seed_passing_workspace(fake, endpoint=endpoint_name_for(TEAM))
            one_run(fake, repo, pack)  # warm-up: imports, MLflow's first use, TLS
            fake.set_latency(args.latency)
            walls, counts = [], []
            for _ in range(args.runs):
                wall, count, passed = one_run(fake, repo, pack)
                walls.append(wall)
                counts.append(count)
    wall = statistics.median(walls)
    requests = round(statistics.median(counts))
    serial = requests * args.latency
    print(f"verify challenge-03 --target azure: {passed} criteria passed")
    print(f"requests per verify          {requests}")
    print(f"added latency per request    {args.latency * 1000:.0f} ms")
    print(f"sum of request latencies     {serial:.2f} s")
    print(f"wall time (median of {args.runs})      {wall:.2f} s")
    print(f"wall time / sum of latencies {wall / serial:.2f}")


if __name__ == "__main__":
    main()
