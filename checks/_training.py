"""What challenges 02 and 03 share: which job is "the training job", and its MLflow run."""

from __future__ import annotations

from pathlib import PurePosixPath

from ohcheck import comma_list, fail, msg


def training_job(ctx):
    """The experiment's newest completed job that ran the training script, else its newest such job."""

    def find():
        experiment = ctx.config.experiment
        script = PurePosixPath(ctx.config.paths.train_script).name
        jobs = ctx.target.jobs(experiment)
        if not jobs:
            fail("experiment {experiment} has no job yet", experiment=experiment)
        training = [j for j in jobs if j.type == "command" and script in j.command]
        if not training:
            kinds = {}
            for j in jobs:
                kind = msg("{type} ({command})", type=j.type, command=j.command[:40] or msg("no command"))
                kinds.setdefault(str(kind), kind)
            fail("none of the {count} job(s) of experiment {experiment} ran {script} as a command job ({kinds})",
                 count=len(jobs), experiment=experiment, script=script,
                 kinds=comma_list([kinds[k] for k in sorted(kinds)]))
        completed = [j for j in training if j.status == "Completed"]
        return (completed or training)[0]

    return ctx.memo("training-job", find)


def training_run(ctx):
    """The training job's MLflow run (its name is the job's name)."""

    def find():
        job = training_job(ctx)
        run = ctx.target.run(job.name)
        if run is None:
            fail("job {job} has no MLflow run: log with MLflow from train.py", job=job.name)
        return run

    return ctx.memo("training-run", find)


def job_label(job) -> str:
    """A job as people know it: its display name (MLflow's run name locally), else its name."""
    return job.display_name or job.name


