#!/usr/bin/env bash
# Applies the team's CLI v2 YAML to the Azure ML workspace with `az ml`.
#
#   scripts/apply.sh
#
# The workspace: `az configure --defaults group=<resource group> workspace=<workspace>`
# once, or AZURE_DEFAULTS_GROUP and AZURE_DEFAULTS_WORKSPACE in the environment.
#
# TODO (challenge 07):
# * apply all three data assets (transaction_ts2013 and transaction_ts2014 too);
# * this order does not work: what does each resource need to exist before it
#   is created? Fix the order;
# * the deployment serves the model adventureworks-forecast: on a fresh
#   workspace nothing has registered it yet. Register it first
#   (`az ml model create --file <model YAML> --path <the training job's output>`);
# * take the endpoint name (ohcheck.yaml's `endpoint`) from an argument or a
#   variable, and pass it to the endpoint and to its deployment;
# * run it twice: creating an endpoint or a deployment that exists fails, so
#   update what exists (`az ml online-endpoint show` tells you).
set -euo pipefail
cd "$(dirname "$0")/.."

az ml data create --file data-assets/transaction_ts.yml
az ml environment create --file environment/adventureworks-env.yml
az ml online-deployment create --file endpoints/deployment.yml --all-traffic
az ml online-endpoint create --file endpoints/endpoint.yml
az ml job create --file jobs/train-job.yml
az ml job create --file pipelines/train-deploy.yml
az ml schedule create --file schedules/retrain-schedule.yml
