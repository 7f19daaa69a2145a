"""Challenges 04-07 on the azure target: the real SDK against the fake Azure ML, as a team runs verify.

For each challenge: a workspace where the team did everything passes every
criterion; then one state per criterion that it is about, which fails it.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from ..checks_helpers import verify_json
from ..fake_azureml import seed_pipeline_workspace
from ..fake_azureml.scoring import default_behaviour
from ..fake_azureml.state import PipelineStep
from ..targets.test_azure_target import ENDPOINT, point_at

MODEL = "adventureworks-forecast"
EXPERIMENT = "adventureworks-forecast"
SCHEDULE = "retrain-adventureworks"  # the name challenge 05's solution gives its schedule


@pytest.fixture
def azure_team(fake, team_repo, cli):  # noqa: F811 - the fixture imported above
    """A copy of a built team repo, checking the fake workspace."""
    return lambda name: point_at(fake, cli, team_repo(name))


def _not_passed(results):
    return [(k, r["status"], r["message"]) for k, r in results.items() if r["status"] != "passed"]


# -- 04: the pipeline ---------------------------------------------------------------------------
@pytest.fixture
def pipeline_seeded(fake):  # noqa: F811
    return seed_pipeline_workspace(fake, endpoint=ENDPOINT)


def test_04_passes_in_a_workspace_where_the_pipeline_ran(cli, fake, azure_team, pipeline_seeded):  # noqa: F811
    repo = azure_team("solved-04")
    code, results = verify_json(cli, repo, "04")
    assert code == 0, _not_passed(results)
    assert results["04.2"]["message"] == (
        f"pipeline job train-register-deploy ({pipeline_seeded['pipeline_job']}): train → register → deploy"
    )
    assert results["04.4"]["message"] == (
        f"{MODEL} version 2 comes from the train step's job {pipeline_seeded['train_job']}"
    )
    assert results["04.5"]["message"] == f"{ENDPOINT} serves {MODEL}:2"
    # 03 still passes: its model now comes from a pipeline's train step.
    code, results = verify_json(cli, repo, "03")
    assert results["03.1"]["status"] == "passed", results["03.1"]["message"]
    assert [r for r in fake.requests if r.method not in ("GET", "POST")] == []


def test_03_1_fails_a_version_registered_from_the_deploy_steps_job(cli, fake, azure_team, pipeline_seeded):  # noqa: F811
    # The deploy step names a job of the experiment that Completed, but it has no model output.
    deploy_job = pipeline_seeded["step_jobs"]["deploy"]
    fake.workspace.add_model_version(MODEL, version="3", job_name=deploy_job,
                                     path=f"azureml://jobs/{deploy_job}/outputs/model", type="custom_model")
    _, results = verify_json(cli, azure_team("solved-04"), "03")
    result = results["03.1"]
    assert result["status"] == "failed", result["message"]
    assert result["message"].endswith(
        f"but holds no model: step deploy of pipeline job {pipeline_seeded['pipeline_job']} (job {deploy_job}) has no "
        "output model (its outputs: none)"), \
        result["message"]


def test_03_1_passes_when_the_newest_model_comes_from_a_pipeline_step(cli, fake, azure_team, pipeline_seeded):  # noqa: F811
    # The service answers GET of a step job with `properties: null`; the SDK then reads the job from
    # run history, which names its experiment by id. 03.1 must see the experiment's name.
    repo = azure_team("solved-04")
    train_job = pipeline_seeded["train_job"]
    code, results = verify_json(cli, repo, "03")
    assert results["03.1"]["status"] == "passed", results["03.1"]["message"]
    assert results["03.1"]["evidence"]["job"] == train_job
    assert any(r.path.endswith(f"/history/v1.0{_ws_id(fake)}/runs/{train_job}") for r in fake.requests)


def test_03_1_fails_when_the_pipeline_step_ran_in_another_experiment(cli, fake, azure_team, pipeline_seeded):  # noqa: F811
    repo = azure_team("solved-04")
    ws = fake.workspace
    other = ws.add_pipeline_job(experiment="sandbox", steps=[
        PipelineStep("train", component="train", outputs=("model",), metrics={"rmse": 400.0})])
    step_job = ws.jobs[other].steps[0].job
    ws.add_model_version(MODEL, version="3", job_name=step_job, path=f"azureml://jobs/{step_job}/outputs/model")
    _, results = verify_json(cli, repo, "03")
    assert results["03.1"]["status"] == "failed", results["03.1"]
    assert results["03.1"]["message"] == (
        f"{MODEL} version 3 comes from job {step_job}, which is not a job of experiment {EXPERIMENT}")


def test_04_is_decided_beside_a_job_the_sdk_cannot_read_and_each_criterion_warns_of_it(cli, fake, azure_team,  # noqa: F811
                                                                                        pipeline_seeded):
    repo = azure_team("solved-04")
    ws = fake.workspace
    bad = ws.add_command_job(experiment=EXPERIMENT)
    ws.jobs[bad].code = "code:1"  # not an ARM id: azure-ai-ml cannot load the job
    code, results = verify_json(cli, repo, "04")
    assert code == 0, _not_passed(results)
    for criterion in ("04.2", "04.3"):  # 04.3 reads the pipeline 04.2 found (shared): warned all the same
        warnings = results[criterion]["evidence"].get("warnings") or []
        assert any(w.startswith(f"job {bad} was left out") for w in warnings), (criterion, warnings)


def _ws_id(fake):
    ws = fake.workspace
    return f"/subscriptions/{ws.subscription_id}/resourceGroups/{ws.resource_group}/providers/Microsoft.MachineLearningServices/workspaces/{ws.name}"


def _drop_deploy(ws, seeded):
    record = ws.jobs[seeded["pipeline_job"]]
    record.steps = [s for s in record.steps if s.name != "deploy"]


def _fail_register(ws, seeded):
    ws.jobs[seeded["pipeline_job"]].status = "Failed"
    ws.jobs[seeded["step_jobs"]["register"]].status = "Failed"


def _unregister(ws, seeded):
    del ws.models[MODEL]["2"]


def _serve_version_1(ws, seeded):
    ws.deployments[ENDPOINT]["blue"].model = f"azureml:{MODEL}:1"


@pytest.mark.parametrize(
    ("criterion", "change", "expected"),
    [
        ("04.2", _drop_deploy, "has train, register and deploy steps; the newest, train-register-deploy"),
        ("04.3", _fail_register, "is Failed: register is Failed"),
        ("04.4", _unregister, f"no version of {MODEL} comes from the train step of pipeline job"),
        ("04.5", _serve_version_1, f"{ENDPOINT} does not serve {MODEL}:2: blue serves {MODEL}:1"),
    ],
)
def test_04_fails_in_the_state_each_criterion_is_about(cli, fake, azure_team, pipeline_seeded, criterion, change,  # noqa: F811
                                                       expected):
    repo = azure_team("solved-04")
    change(fake.workspace, pipeline_seeded)
    _, results = verify_json(cli, repo, "04")
    assert results[criterion]["status"] == "failed", results[criterion]
    assert expected in results[criterion]["message"]


def _rerun(ws, status: str, steps: dict[str, str | None]) -> str:
    """A newer run of challenge 04's pipeline, its steps ending as `steps` says (None: never started)."""
    from ..fake_azureml.seed import DEPLOY_COMMAND, REGISTER_COMMAND, TRAIN_COMMAND

    return ws.add_pipeline_job(
        experiment=EXPERIMENT, display_name="train-register-deploy", status=status,
        inputs={"data": ("uri_file", "azureml:transaction_ts2013@latest"), "endpoint": ENDPOINT},
        steps=[
            PipelineStep("train", component="train_adventureworks_forecast", from_file=True, command=TRAIN_COMMAND,
                         inputs={"data": "${{parent.inputs.data}}"}, outputs={"model": ("uri_folder", None)},
                         status=steps["train"]),
            PipelineStep("register", component="register_adventureworks_forecast", from_file=True,
                         command=REGISTER_COMMAND, inputs={"model": "${{parent.jobs.train.outputs.model}}"},
                         outputs={"model_info": ("uri_folder", None)}, status=steps["register"]),
            PipelineStep("deploy", component="deploy_adventureworks_forecast", from_file=True, command=DEPLOY_COMMAND,
                         inputs={"model_info": "${{parent.jobs.register.outputs.model_info}}",
                                 "endpoint": "${{parent.inputs.endpoint}}"}, status=steps["deploy"]),
        ],
    )


def test_04_judges_a_newest_run_that_failed_and_names_the_older_completed_one(cli, fake, azure_team,  # noqa: F811
                                                                               pipeline_seeded):
    repo = azure_team("solved-04")
    failed = _rerun(fake.workspace, "Failed", {"train": "Completed", "register": "Failed", "deploy": None})
    code, results = verify_json(cli, repo, "04")
    assert code == 1, _not_passed(results)
    assert results["04.2"]["message"] == (
        f"pipeline job train-register-deploy ({failed}) (Failed): train → register → deploy"
    )
    assert results["04.3"]["status"] == "failed"
    assert results["04.3"]["message"] == (
        f"the newest finished pipeline job train-register-deploy ({failed}) is Failed: register is Failed; "
        f"deploy is NotStarted; an older one, train-register-deploy ({pipeline_seeded['pipeline_job']}), "
        "completed, but the newest is the one that counts"
    )
    register_job = fake.workspace.jobs[failed].steps[1].job
    assert results["04.3"]["evidence"]["step_jobs"]["register"] == register_job
    assert [results[c]["status"] for c in ("04.4", "04.5")] == ["skipped"] * 2


def test_04_says_when_the_newest_run_is_still_running_and_judges_the_one_before(cli, fake, azure_team,  # noqa: F811
                                                                                pipeline_seeded):
    repo = azure_team("solved-04")
    running = _rerun(fake.workspace, "Running", {"train": "Running", "register": None, "deploy": None})
    code, results = verify_json(cli, repo, "04")
    assert code == 0, _not_passed(results)
    note = f"; the newest, train-register-deploy ({running}), is still Running: this verdict is on the one before it"
    assert results["04.2"]["message"] == (
        f"pipeline job train-register-deploy ({pipeline_seeded['pipeline_job']}): train → register → deploy{note}"
    )
    assert results["04.3"]["message"].endswith(f"and its 3 steps Completed{note}")


# -- 05: the triggers ---------------------------------------------------------------------------
@pytest.fixture
def triggered(fake, pipeline_seeded):  # noqa: F811
    ws = fake.workspace
    ws.add_schedule(SCHEDULE, cron="0 3 * * 1")
    ws.jobs[pipeline_seeded["pipeline_job"]].tags = {"triggered_by": "github-actions", "github_run_id": "4242"}
    return pipeline_seeded


def test_05_passes_with_a_schedule_in_the_workspace_and_a_job_the_workflow_started(cli, azure_team, triggered):
    repo = azure_team("solved-06")
    code, results = verify_json(cli, repo, "05")
    assert code == 0, _not_passed(results)
    assert SCHEDULE in results["05.5"]["message"]
    assert results["05.6"]["message"] == "pipeline job train-register-deploy (Completed) was started by GitHub Actions run 4242"


def test_05_5_fails_on_a_disabled_schedule_and_05_6_without_a_triggered_job(cli, fake, azure_team, triggered):  # noqa: F811
    repo = azure_team("solved-06")
    fake.workspace.schedules[SCHEDULE].enabled = False
    fake.workspace.jobs[triggered["pipeline_job"]].tags = {}
    _, results = verify_json(cli, repo, "05")
    assert results["05.5"]["status"] == "failed", results["05.5"]
    assert "disabled" in results["05.5"]["message"]
    assert results["05.6"]["status"] == "failed", results["05.6"]


def test_05_5_warns_of_a_schedule_in_the_workspace_firing_every_five_minutes(cli, fake, azure_team, triggered):  # noqa: F811
    repo = azure_team("solved-06")
    fake.workspace.schedules.clear()
    fake.workspace.add_schedule(SCHEDULE, cron="*/5 * * * *")
    _, results = verify_json(cli, repo, "05")
    assert results["05.5"]["status"] == "passed", results["05.5"]
    warnings = results["05.5"]["evidence"]["warnings"]
    assert "the workspace's schedule runs '*/5 * * * *' but schedules/retrain-schedule.yml says '0 3 * * 1'" in warnings[0]
    assert warnings[1].startswith(f"the workspace's schedule {SCHEDULE}: it fires every 5 minutes, more often than hourly")
    # ... and a recurrence every 10 minutes, too.
    fake.workspace.schedules.clear()
    fake.workspace.add_schedule(SCHEDULE, frequency="minute", interval=10)
    _, results = verify_json(cli, repo, "05")
    assert "fires every 10 minutes, more often than hourly" in " ".join(results["05.5"]["evidence"]["warnings"])


# -- 06: retraining and evaluation ------------------------------------------------------------------
def _held_out(repo):
    frame = pd.read_csv(repo / "data" / "mlops_forecast_data.csv", parse_dates=["TransactionDate"])
    series = frame.set_index("TransactionDate")["PaidAmount"]
    return series.iloc[int(len(series) * 0.9):]


def _seed_evaluation(fake, repo, seeded, *, data="transaction_ts", champion_forecast=True,  # noqa: F811
                     champion="2"):
    """Challenge 06 done in the workspace: a retraining pipeline whose challenger beat the champion.

    The challenger trained up to the day before the held-out days, so the endpoint
    (the fake's score.py) forecasts them from day 0; the champion's logged forecasts
    are 2000 off. champion None: there was none (the evaluation records "none" and
    logs no champion forecast).
    """
    ws = fake.workspace
    held_out = _held_out(repo)
    k = len(held_out)
    challenger = default_behaviour({"data": [k]})[1]["result"]
    champion_days = [float(v) + 2000.0 for v in held_out]
    truth = [float(v) for v in held_out]
    rmse = {name: math.sqrt(sum((t - f) ** 2 for t, f in zip(truth, values)) / k)
            for name, values in (("challenger", challenger), ("champion", champion_days))}
    start, end = held_out.index[0].date(), held_out.index[-1].date()
    train_end = (start - dt.timedelta(days=1)).isoformat()
    pipeline = ws.add_pipeline_job(
        experiment=EXPERIMENT,
        display_name="train-register-deploy",
        inputs={"data": ("uri_file", f"azureml:{data}@latest"), "endpoint": ENDPOINT},
        steps=[
            PipelineStep("train", component="train_adventureworks_forecast", from_file=True,
                         command="python train.py --data ${{inputs.data}} --model-output ${{outputs.model}}",
                         inputs={"data": "${{parent.inputs.data}}"}, outputs={"model": ("uri_folder", None)},
                         metrics={"rmse": rmse["challenger"]}, params={"train_end": train_end}),
            PipelineStep("evaluate", component="evaluate_adventureworks_forecast", from_file=True,
                         command="python evaluate.py --challenger ${{inputs.challenger}} --data ${{inputs.data}} "
                                 "--decision ${{outputs.decision}}",
                         inputs={"challenger": "${{parent.jobs.train.outputs.model}}", "data": "${{parent.inputs.data}}"},
                         outputs={"decision": ("uri_folder", None)},
                         params={"holdout_start": start.isoformat(), "holdout_end": end.isoformat(),
                                 "champion_version": champion or "none"},
                         metric_history={"challenger_forecast": challenger,
                                         **({"champion_forecast": champion_days}
                                            if champion_forecast and champion else {})}),
            PipelineStep("register", component="register_adventureworks_forecast", from_file=True,
                         command="python register.py --model ${{inputs.model}} --decision ${{inputs.decision}} "
                                 "--model-info ${{outputs.model_info}}",
                         inputs={"model": "${{parent.jobs.train.outputs.model}}",
                                 "decision": "${{parent.jobs.evaluate.outputs.decision}}"},
                         outputs={"model_info": ("uri_folder", None)}),
            PipelineStep("deploy", component="deploy_adventureworks_forecast", from_file=True,
                         command="python deploy.py --model-info ${{inputs.model_info}} --endpoint ${{inputs.endpoint}}",
                         inputs={"model_info": "${{parent.jobs.register.outputs.model_info}}",
                                 "endpoint": "${{parent.inputs.endpoint}}"}),
        ],
    )
    steps = {s.name: s.job for s in ws.jobs[pipeline].steps}
    ws.models.get(MODEL, {}).pop("3", None)  # seeded again: this evaluation's version replaces the last one
    ws.add_model_version(
        MODEL, version="3", job_name=steps["train"], path=f"azureml://jobs/{steps['train']}/outputs/model",
        type="custom_model",
        tags={"rmse": f"{rmse['challenger']:.4f}", "decision": "promote",
              "reason": f"challenger RMSE {rmse['challenger']:.1f} < champion (version 2) RMSE {rmse['champion']:.1f}"
              if champion else "there is no champion yet",
              "champion_version": champion or "none", "champion_rmse": f"{rmse['champion']:.4f}" if champion else "none",
              "challenger_rmse": f"{rmse['challenger']:.4f}", "holdout": f"{start}..{end}",
              "evaluated_by": steps["evaluate"]},
    )
    ws.deployments[ENDPOINT]["blue"].model = f"azureml:{MODEL}:3"
    return {"pipeline_job": pipeline, "steps": steps, "rmse": rmse}


@pytest.fixture
def evaluated(fake, azure_team, pipeline_seeded):  # noqa: F811
    repo = azure_team("solved-07")
    return repo, _seed_evaluation(fake, repo, pipeline_seeded)


def test_06_passes_when_a_better_challenger_was_promoted_and_is_served(cli, evaluated):
    repo, _ = evaluated
    code, results = verify_json(cli, repo, "06")
    assert code == 0, _not_passed(results)
    assert results["06.1"]["message"].endswith("trains on transaction_ts (2013 + 2014)")
    assert results["06.4"]["message"].startswith("promote is right: challenger RMSE ")
    assert results["06.5"]["message"] == f"{ENDPOINT} serves the champion {MODEL}:3 (promoted)"
    assert results["06.5"]["evidence"]["forecasts_checked"] is True
    assert results["06.5"]["evidence"]["forecasts_from_day"] == 0


def _trained_on_2013(fake, repo, seeded):  # noqa: F811
    ws = fake.workspace
    ws.jobs.pop(seeded["pipeline_job"])
    return _seed_evaluation(fake, repo, seeded, data="transaction_ts2013")


def _no_champion_forecast(fake, repo, seeded):  # noqa: F811
    fake.workspace.jobs.pop(seeded["pipeline_job"])
    return _seed_evaluation(fake, repo, seeded, champion_forecast=False)


def _no_reason(fake, repo, seeded):  # noqa: F811
    del fake.workspace.models[MODEL]["3"].tags["reason"]


def _wrong_decision(fake, repo, seeded):  # noqa: F811
    fake.workspace.models[MODEL]["3"].tags["decision"] = "reject"


def _champion_not_served(fake, repo, seeded):  # noqa: F811
    fake.workspace.deployments[ENDPOINT]["blue"].model = f"azureml:{MODEL}:2"


@pytest.mark.parametrize(
    ("criterion", "change", "expected"),
    [
        ("06.1", _trained_on_2013, "trains on transaction_ts2013 only; it needs transaction_ts (2013 + 2014)"),
        ("06.2", _no_champion_forecast, "the evaluate step logged no champion_forecast"),
        ("06.3", _no_reason, f"{MODEL} version 3 lacks the tag(s) reason"),
        ("06.4", _wrong_decision, "the evaluation decided reject, but challenger RMSE"),
        ("06.5", _champion_not_served, f"{ENDPOINT} does not serve the champion {MODEL}:3: blue serves {MODEL}:2"),
    ],
)
def test_06_fails_in_the_state_each_criterion_is_about(cli, fake, evaluated, criterion, change, expected):  # noqa: F811
    repo, seeded = evaluated
    change(fake, repo, seeded)
    _, results = verify_json(cli, repo, "06")
    assert results[criterion]["status"] == "failed", results[criterion]
    assert expected in results[criterion]["message"]


def test_06_with_an_empty_registry_registers_the_first_model_as_the_champion(cli, fake, azure_team,  # noqa: F811
                                                                               pipeline_seeded):
    repo = azure_team("solved-07")
    fake.workspace.models[MODEL].clear()  # nothing registered before the evaluation ran
    _seed_evaluation(fake, repo, pipeline_seeded, champion=None)
    code, results = verify_json(cli, repo, "06")
    assert code == 0, _not_passed(results)
    assert results["06.2"]["message"].endswith("there was no champion yet: the challenger forecast "
                                               f"{results['06.2']['evidence']['held_out'][0]}.."
                                               f"{results['06.2']['evidence']['held_out'][1]} and becomes the first champion")
    assert results["06.4"]["message"].startswith("promote is right: there was no champion yet, so the challenger (RMSE ")
    assert results["06.5"]["message"] == f"{ENDPOINT} serves the champion {MODEL}:3 (the first one: there was none before)"


def test_06_2_fails_an_evaluation_that_says_no_champion_when_one_was_registered(cli, fake, evaluated):  # noqa: F811
    repo, seeded = evaluated
    fake.workspace.jobs.pop(seeded["pipeline_job"])
    _seed_evaluation(fake, repo, seeded, champion=None)  # versions 1 and 2 are still there
    _, results = verify_json(cli, repo, "06")
    assert results["06.2"]["status"] == "failed", results["06.2"]
    assert results["06.2"]["message"] == (
        f"the evaluate step recorded no champion, but {MODEL} version 2 was registered before it ran: "
        "it is the champion to compare the challenger with"
    )


# -- 07: the resources the YAML describes exist -------------------------------------------------------
def test_07_passes_when_everything_the_yaml_describes_exists(cli, fake, azure_team, pipeline_seeded):  # noqa: F811
    fake.workspace.add_schedule(SCHEDULE, cron="0 3 * * 1")
    repo = azure_team("solved-07")
    code, results = verify_json(cli, repo, "07")
    assert code == 0, _not_passed(results)


def test_07_5_fails_on_a_missing_data_asset_and_errors_when_azure_refuses(cli, fake, azure_team, pipeline_seeded):  # noqa: F811
    fake.workspace.add_schedule(SCHEDULE, cron="0 3 * * 1")
    repo = azure_team("solved-07")
    del fake.workspace.data["transaction_ts2014"]
    _, results = verify_json(cli, repo, "07")
    assert results["07.5"]["status"] == "failed", results["07.5"]
    assert "transaction_ts2014" in results["07.5"]["message"]
    fake.deny(403)
    code, results = verify_json(cli, repo, "07")
    assert results["07.5"]["status"] == "error" and code == 3


def _job_status(kind: str, status: str):
    def change(ws, seeded):
        ws.jobs[seeded["pipeline_job" if kind == "pipeline" else "job_name"]].status = status
    return change


def _deployment_state(state: str):
    def change(ws, seeded):
        ws.deployments[seeded["endpoint"]][seeded["deployment"]].state = state
    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_deployment_state("Failed"), "deployment blue is Failed, not Succeeded"),
        (_deployment_state("Updating"), "deployment blue is still Updating: verify again when it has finished"),
        (_job_status("pipeline", "Failed"), "no pipeline job in adventureworks-forecast completed (the latest, "),
        (_job_status("command", "Canceled"), "no command job in adventureworks-forecast completed (the latest, "),
        (_job_status("pipeline", "Running"), "in adventureworks-forecast is still Running, and none has completed yet"),
    ],
    ids=["deployment-failed", "deployment-updating", "pipeline-failed", "command-canceled", "pipeline-running"],
)
def test_07_5_needs_what_was_applied_to_have_succeeded(cli, fake, azure_team, pipeline_seeded, change, expected):  # noqa: F811
    fake.workspace.add_schedule(SCHEDULE, cron="0 3 * * 1")
    repo = azure_team("solved-07")
    change(fake.workspace, pipeline_seeded)
    _, results = verify_json(cli, repo, "07")
    assert results["07.5"]["status"] == "failed", results["07.5"]
    assert expected in results["07.5"]["message"]
