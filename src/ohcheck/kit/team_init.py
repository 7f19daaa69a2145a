"""`ohcheck init`: a commented ohcheck.yaml for a team repo.

The comments are in the team's language: templates/ohcheck.yaml.j2 in English,
its twin ohcheck.yaml.<lang>.j2 (same keys and values, plus `language:`) in
another. The keys and values never change with the language.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ohcheck.atomic import write_atomic
from ohcheck.config import CONFIG_NAME, TARGETS, LocalSettings, parse_config
from ohcheck.errors import ConfigError, UserError, writing
from ohcheck.i18n import DEFAULT, framework, msg, template_in
from ohcheck.azure.workspace_config import WorkspaceRef, find_config_json, read_config_json

DEFAULT_SCORING_URL = LocalSettings().scoring_url


def endpoint_name_for(team: str) -> str:
    """An endpoint name from the team name: Azure wants it unique in the region, 3-32 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", team.lower()).strip("-") or "team"
    name = f"aw-forecast-{slug}"[:32].rstrip("-")
    return name if len(name) >= 3 else "aw-forecast"


def render_config(
    *,
    team: str,
    target: str = "local",
    workspace: WorkspaceRef | None = None,
    scoring_url: str = DEFAULT_SCORING_URL,
    endpoint: str | None = None,
    compute_instance: str | None = None,
    lang: str = DEFAULT,
) -> str:
    """The commented ohcheck.yaml, its comments in `lang`; `event setup` passes the names the event gave the team."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("ohcheck", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    # A JSON string is a valid YAML scalar, whatever the team's name holds.
    env.filters["quoted"] = lambda value: json.dumps(value, ensure_ascii=False)
    text = template_in(env, "ohcheck.yaml.j2", lang).render(
        team=team,
        target=target,
        endpoint=endpoint or endpoint_name_for(team),
        compute_instance=compute_instance,
        scoring_url=scoring_url,
        subscription_id=workspace.subscription_id if workspace else None,
        resource_group=workspace.resource_group if workspace else None,
        workspace=workspace.workspace if workspace else None,
        source=framework(lang).say(workspace.source) if workspace else None,
    )
    parse_config(text)  # what we write must be what we accept
    return text



def init_repo(
    folder: Path,
    *,
    team: str | None = None,
    target: str = "local",
    config_json: Path | None = None,
    subscription_id: str | None = None,
    resource_group: str | None = None,
    workspace: str | None = None,
    force: bool = False,
    scoring_url: str | None = None,
    lang: str = DEFAULT,
) -> tuple[Path, WorkspaceRef | None]:
    """Write `folder`/ohcheck.yaml (its comments in `lang`, and `language: lang` when not English);
    never over an existing one unless `force`."""
    if not folder.is_dir():
        raise UserError(msg("{folder} is not a directory.", folder=folder))
    path = folder / CONFIG_NAME
    if path.exists() and not force:
        raise UserError(
            msg("{path} already exists; it was left as it is.", path=path),
            hint=msg("Edit it, or pass --force to replace it."),
        )
    if target not in TARGETS:
        raise ConfigError(msg("Unknown target {target!r}: choose one of {targets}.", target=target,
                              targets=list(TARGETS)))
    team = (team or folder.resolve().name).strip()
    if not team:
        raise UserError(msg("The team name must not be empty; pass --team."))
    names = (subscription_id, resource_group, workspace)
    ref: WorkspaceRef | None = None
    if any(names):
        if not all(names):
            raise UserError(msg("Name the workspace with all three of --subscription, --resource-group and --workspace."))
        ref = WorkspaceRef(*names, source=msg("the command line"))  # type: ignore[arg-type]
    elif config_json is not None:
        ref = read_config_json(config_json)
    else:
        found = find_config_json(folder)
        ref = read_config_json(found) if found else None
    if scoring_url is not None and not re.match(r"^https?://[^/\s]+(/\S*)?$", scoring_url):
        raise UserError(msg("--scoring-url {url!r} is not an http(s) URL such as {example}.", url=scoring_url,
                            example=DEFAULT_SCORING_URL))
    text = render_config(team=team, target=target, workspace=ref, scoring_url=scoring_url or DEFAULT_SCORING_URL,
                         lang=lang)
    with writing(path):
        write_atomic(path, text)
    return path, ref
