"""The three dependency orders (pipeline steps run locally, a pipeline job's steps, a workflow's jobs): graphlib sorts,
ties keep the file's order, and a cycle says so (the pipeline) or keeps the file's order (the others)."""

from __future__ import annotations

import pytest
import yaml

from checks._az_apply import _in_needs_order
from ohcheck.errors import UserError
from ohcheck.i18n import framework
from ohcheck.pipeline_definition import PipelineDefinition, StepDefinition
from ohcheck.targets.base import Step, in_dependency_order


def _takes(*names: str) -> dict[str, str]:
    return {f"in_{n}": f"${{{{parent.jobs.{n}.outputs.out}}}}" for n in names}


def _pipeline(**takes: tuple[str, ...]) -> PipelineDefinition:
    steps = {name: StepDefinition(name=name, component="", command="true", code="", inputs=_takes(*upstream))
             for name, upstream in takes.items()}
    return PipelineDefinition(source="pipeline.yml", display_name="p", experiment="e", inputs={}, steps=steps)


def test_pipeline_steps_come_after_their_inputs_and_ties_keep_the_file_order() -> None:
    order = _pipeline(register=("train",), prep=(), train=("prep",), report=(), deploy=("register", "train")).order()
    assert [s.name for s in order] == ["prep", "report", "train", "register", "deploy"]


def test_a_pipeline_cycle_names_every_step_it_holds_up() -> None:
    with pytest.raises(UserError) as raised:
        _pipeline(prep=(), b=("a",), a=("b",), deploy=("a",)).order()
    message = raised.value.args[0]
    assert str(message) == "pipeline.yml: the steps a, b, deploy depend on each other in a cycle."
    assert framework("ja").say(message) != str(message)  # said in Japanese too


def test_a_pipeline_jobs_steps_in_dependency_order_and_a_cycle_keeps_the_list_order() -> None:
    steps = [Step(name="deploy", inputs=_takes("train")), Step(name="train", inputs=_takes("prep")),
             Step(name="prep"), Step(name="x", inputs=_takes("y")), Step(name="y", inputs=_takes("x"))]
    assert [s.name for s in in_dependency_order(steps)] == ["prep", "train", "deploy", "x", "y"]


def test_workflow_jobs_one_at_a_time_in_needs_order_else_file_order() -> None:
    jobs = [(name, yaml.compose(yaml.safe_dump({"needs": list(needs)})))
            for name, needs in [("deploy", ["train"]), ("lint", []), ("train", ["lint", "elsewhere"]),
                                ("a", ["b"]), ("b", ["a"])]]
    assert [name for name, _ in _in_needs_order(jobs)] == ["lint", "train", "deploy", "a", "b"]
