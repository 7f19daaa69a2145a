"""The team's ohcheck.yaml: what it may say, and finding and reading it.

Validation is pydantic's; what ohcheck adds is the error message a team can
act on — the file, the line and the key — instead of a validation dump.
A secret has no place in this file: unknown keys are refused, and there is
no key for one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ohcheck.errors import ConfigError
from ohcheck.i18n import Msg, msg
from ohcheck.targets.registry import NAMES as TARGETS, TargetLiteral
from ohcheck.yaml_model import explain, key_path, line_of, load_mapping, where_in

CONFIG_NAME = "ohcheck.yaml"

# Azure ML online endpoint names: 3-32 characters, a letter first, then letters, digits, hyphens.
_ENDPOINT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,30}[A-Za-z0-9]$")
# The validators' sentences: pydantic carries them as text, yaml_model.explain says them in the reader's language.
_BLANK = msg("must not be blank")
_ENDPOINT_RULE = msg(
    "must be 3-32 characters: a letter first, then letters, digits or hyphens "
    "(Azure ML's rule for online endpoint names)"
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paths(_Section):
    """Where the team's files are, relative to the repo root."""

    data: str = "data"
    train_script: str = "src/train.py"
    score_script: str = "src/score.py"
    model_dir: str = "outputs/model"
    metrics: str = "outputs/metrics.json"
    environment: str = "environment/adventureworks-env.yml"  # the CLI v2 environment YAML
    components: str = "components"  # the pipeline's component YAMLs (challenge 04)
    pipeline: str = "pipelines/train-deploy.yml"  # the pipeline job, CLI v2 YAML (challenge 04)
    pipeline_sdk: str = "pipelines/train_deploy.py"  # the same pipeline with the SDK v2 @pipeline
    schedule: str = "schedules/retrain-schedule.yml"  # the Azure ML schedule (challenge 05)
    workflows: str = ".github/workflows"  # GitHub Actions workflows (challenge 05)
    apply_script: str = "scripts/apply.sh"  # applies the CLI v2 YAML with az ml (challenge 07)


class DataAssets(_Section):
    """Names of the registered data assets (uri_file) made from the three CSVs."""

    all: str = "transaction_ts"
    year2013: str = "transaction_ts2013"
    year2014: str = "transaction_ts2014"


class LocalSettings(_Section):
    tracking_uri: str = "sqlite:///.ohcheck/mlflow.db"
    scoring_url: str = "http://127.0.0.1:5001/score"


class AzureSettings(_Section):
    """The Azure ML workspace: the portal's config.json, or the three names."""

    config_file: str | None = None
    subscription_id: str | None = None
    resource_group: str | None = None
    workspace: str | None = None
    compute_cluster: str = "cpu-cluster"
    compute_instance: str | None = None
    request_timeout: float = Field(default=60.0, gt=0)  # seconds to wait for one answer from Azure


class Config(_Section):
    team: str = Field(min_length=1, max_length=64)
    target: TargetLiteral = "local"
    # The language ohcheck speaks in this repo, unless --lang or OHCHECK_LANG says otherwise.
    language: Literal["en", "ja"] | None = None
    experiment: str = "adventureworks-forecast"
    model: str = "adventureworks-forecast"
    endpoint: str = "adventureworks-forecast"
    environment: str = "adventureworks-env"
    data_assets: DataAssets = DataAssets()
    paths: Paths = Paths()
    local: LocalSettings = LocalSettings()
    azure: AzureSettings = AzureSettings()

    @field_validator("team")
    @classmethod
    def _team_is_a_name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(str(_BLANK))
        return value.strip()

    @field_validator("endpoint")
    @classmethod
    def _endpoint_name(cls, value: str) -> str:
        if not _ENDPOINT_NAME.match(value):
            raise ValueError(str(_ENDPOINT_RULE))
        return value


def find_repo(start: Path | None = None) -> Path | None:
    """The nearest directory at or above `start` holding an ohcheck.yaml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def load_config(path: Path) -> Config:
    """Read and validate an ohcheck.yaml; any problem is one ConfigError sentence."""
    from ohcheck import user_files

    try:
        text = user_files.read_text(path)  # a FIFO or a device is refused, not waited on
    except FileNotFoundError:
        raise ConfigError(
            msg("{path} does not exist.", path=path), hint=msg("Run `ohcheck init` in your team repo to write one.")
        ) from None
    except user_files.NotRegularFile as exc:
        raise ConfigError(exc.sentence) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(msg("Cannot read {path}: {reason}.", path=path, reason=str(exc))) from None
    return parse_config(text, source=str(path))


def parse_config(text: str, *, source: str = CONFIG_NAME) -> Config:
    try:
        data = load_mapping(text, source, expected="`team:` and `target:`")
    except ConfigError as exc:
        if exc.message == f"{source} is empty.":
            raise ConfigError(exc.message, hint=msg("Run `ohcheck init --force` to write a fresh one.")) from None
        raise
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, text, source)) from None
    return config  # its `language:` is the command's to adopt (cli.options), never a side effect of reading


def _explain(exc: ValidationError, text: str, source: str) -> Msg:
    first = exc.errors()[0]
    loc = tuple(first["loc"])
    if first["type"] == "extra_forbidden":
        return msg("{where}: unknown key `{key}` (a typo? see the comments `ohcheck init` writes).",
                   where=where_in(source, line_of(text, loc)), key=key_path(loc))
    if first["type"] == "literal_error" and loc == ("target",):
        return msg("{where}: `target` must be one of {targets}, not {found!r}.",
                   where=where_in(source, line_of(text, loc)), targets=list(TARGETS), found=first.get("input"))
    return explain(exc, text, source)


def with_overrides(config: Config, *, target: str | None = None) -> Config:
    """Apply what the command line and the environment say over ohcheck.yaml."""
    chosen = target or os.environ.get("OHCHECK_TARGET")
    if chosen:
        if chosen not in TARGETS:
            raise ConfigError(msg("Unknown target {target!r}: choose one of {targets}.", target=chosen,
                                  targets=list(TARGETS)))
        config = config.model_copy(update={"target": chosen})
    return config
