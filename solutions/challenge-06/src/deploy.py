"""The deploy step: serve the version the register step registered, with all the traffic.

    python deploy.py --model-info DIR --endpoint NAME [--deployment blue]

DIR/model.json (written by the register step) names the model version; when the
evaluate step kept the champion (`"promoted": false`) there is nothing to deploy:
the endpoint already serves it. Inside an
Azure ML job this updates the online endpoint's deployment to that version and
routes 100% of the traffic to it. Run by `ohcheck pipeline run` (the local
target), it restarts the local endpoint, `ohcheck serve`, on that version.
"""

import argparse
import json
import os
import subprocess
from pathlib import Path


def in_azure_ml() -> bool:
    """Inside an Azure ML job, Azure points MLflow at the workspace."""
    return os.environ.get("MLFLOW_TRACKING_URI", "").startswith("azureml:")


def deploy_azure(name: str, version: str, endpoint: str, deployment: str) -> None:
    from register import workspace_client

    ml_client = workspace_client()
    current = ml_client.online_deployments.get(name=deployment, endpoint_name=endpoint)
    current.model = f"azureml:{name}:{version}"
    ml_client.online_deployments.begin_create_or_update(current).result()
    live = ml_client.online_endpoints.get(endpoint)
    live.traffic = {deployment: 100}
    ml_client.online_endpoints.begin_create_or_update(live).result()


def deploy_local(version: str) -> None:
    # The local target's endpoint is `ohcheck serve`: restart it on the new version.
    subprocess.run(["ohcheck", "serve", "--detach", "--replace", "--model-version", version], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-info", type=Path, required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--deployment", default="blue")
    args = parser.parse_args()
    info = json.loads((args.model_info / "model.json").read_text())
    if in_azure_ml():
        if not info.get("promoted", True):
            print(f"{args.endpoint}: the champion {info['name']}:{info['version']} stays; nothing to deploy")
            return
        deploy_azure(info["name"], info["version"], args.endpoint, args.deployment)
    else:
        deploy_local(info["version"])  # cheap, and the local server may not be running: serve the champion
    print(f"{args.endpoint}: deployment {args.deployment} serves {info['name']}:{info['version']}")


if __name__ == "__main__":
    main()
