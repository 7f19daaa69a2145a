#!/usr/bin/env bash
# Applies the team's CLI v2 YAML to the Azure ML workspace with `az ml`, in an
# order that works: what a resource uses exists before it is created.
#
#   scripts/apply.sh [endpoint-name]
#
# 1. the data assets and the environment: the jobs, the schedule and the
#    deployment use them;
# 2. the model the deployment serves: a fresh workspace has none, so the
#    training job runs (the script waits for it) and its output is registered
#    as adventureworks-forecast;
# 3. the online endpoint, then its deployment (with all the traffic);
# 4. the pipeline job (it registers its components itself) and the schedule
#    that submits that pipeline.
#
# The workspace: `az configure --defaults group=<resource group> workspace=<workspace>`
# once, or AZURE_DEFAULTS_GROUP and AZURE_DEFAULTS_WORKSPACE in the environment
# (the same two settings; a CI job sets them).
# The endpoint: the first argument, else $ENDPOINT_NAME, else the name in
# endpoints/endpoint.yml. Use ohcheck.yaml's `endpoint`.
#
# Run it again at will: data assets and environments get a new version, an
# endpoint or deployment that exists is updated (creating one that exists fails).
set -euo pipefail
cd "$(dirname "$0")/.."

ENDPOINT="${1:-${ENDPOINT_NAME:-}}"
if [[ -z "$ENDPOINT" ]]; then
  ENDPOINT="$(sed -n 's/^name:[[:space:]]*//p' endpoints/endpoint.yml | head -n 1)"
fi
DEPLOYMENT="$(sed -n 's/^name:[[:space:]]*//p' endpoints/deployment.yml | head -n 1)"
echo "Applying the YAML; endpoint ${ENDPOINT}, deployment ${DEPLOYMENT}."

# 1. What the others use.
az ml data create --file data-assets/transaction_ts.yml
az ml data create --file data-assets/transaction_ts2013.yml
az ml data create --file data-assets/transaction_ts2014.yml
az ml environment create --file environment/adventureworks-env.yml

# 2. The model the deployment serves: trained by the command job, registered from its output.
JOB="$(az ml job create --file jobs/train-job.yml --query name --output tsv)"
az ml job stream --name "$JOB"
az ml model create --file models/adventureworks-forecast.yml --path "azureml://jobs/${JOB}/outputs/model"

# 3. The endpoint, then its deployment.
if az ml online-endpoint show --name "$ENDPOINT" >/dev/null 2>&1; then
  az ml online-endpoint update --file endpoints/endpoint.yml --name "$ENDPOINT"
else
  az ml online-endpoint create --file endpoints/endpoint.yml --name "$ENDPOINT"
fi
if az ml online-deployment show --name "$DEPLOYMENT" --endpoint-name "$ENDPOINT" >/dev/null 2>&1; then
  az ml online-deployment update --file endpoints/deployment.yml --endpoint-name "$ENDPOINT"
else
  az ml online-deployment create --file endpoints/deployment.yml --endpoint-name "$ENDPOINT" --all-traffic
fi

# 4. The pipeline and the schedule.
az ml job create --file pipelines/train-deploy.yml --set inputs.endpoint="$ENDPOINT"
az ml schedule create --file schedules/retrain-schedule.yml
