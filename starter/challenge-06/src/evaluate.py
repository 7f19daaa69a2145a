"""The evaluate step: the new model (challenger) against the registered one (champion).

    python evaluate.py --challenger DIR --data CSV --model-name NAME --decision OUT

TODO (challenge 06):
* the held-out days: the last 10% of the series in CSV (the days the challenger
  did not train on; train.py makes the same split);
* forecast those days with both models: the challenger (DIR/model.pkl) and the
  champion (the newest registered version of NAME — download its files). Each
  model forecasts from the day after its own training data (model.last_day), so
  the champion forecasts further ahead to reach the held-out days;
* log with MLflow: each forecast day by day (`mlflow.log_metric(
  "challenger_forecast", value, step=day)` and "champion_forecast"), both RMSEs
  (challenger_rmse, champion_rmse), params holdout_start and holdout_end
  (YYYY-MM-DD), and the decision: promote only if the challenger's RMSE is lower;
* no registered version yet (no champion): the challenger becomes the first
  champion — promote it, log only challenger_forecast, and record
  champion_version "none" (an MLflow param) and champion_rmse "none";
* write OUT/decision.json for the register step: decision, reason,
  champion_version, champion_rmse, challenger_rmse, holdout, evaluated_by (this
  step's MLflow run id). The register step records it on the model version.
"""


def main() -> None:
    raise SystemExit("evaluate.py is not written yet (challenge 06)")


if __name__ == "__main__":
    main()
