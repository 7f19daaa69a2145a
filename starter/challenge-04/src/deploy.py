"""The deploy step: serve the version the register step registered, with all the traffic.

    python deploy.py --model-info DIR --endpoint NAME [--deployment blue]

TODO (challenge 04): read the name and version the register step wrote into
DIR, then
* inside an Azure ML job (MLFLOW_TRACKING_URI starts with azureml:): update the
  endpoint's deployment to `azureml:<name>:<version>` and give it 100% of the
  traffic (MLClient.online_deployments / online_endpoints .begin_create_or_update);
* run by `ohcheck pipeline run` (the local target): restart the local endpoint on
  that version: `ohcheck serve --detach --replace --model-version <version>`.
"""


def main() -> None:
    raise SystemExit("deploy.py is not written yet (challenge 04)")


if __name__ == "__main__":
    main()
