"""Reading a YAML file into a pydantic model, with errors a person can act on.

ohcheck.yaml (a team's) and event.yaml (the facilitator's) are both read here:
every problem ends as one sentence naming the file, the line and the key,
never as a validation dump.
"""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ohcheck.errors import ConfigError
from ohcheck.i18n import Msg, msg
from ohcheck.yaml_load import StrictLoader, TeamLoader

M = TypeVar("M", bound=BaseModel)


def load_mapping(text: str, source: str, *, expected: str) -> dict[str, Any]:
    """The YAML text as a mapping; `expected` names the keys it should have, for the message.

    A key given twice is refused (yaml_load.StrictLoader): YAML allows it nowhere, and PyYAML
    would drop the first silently. So is nesting deeper than yaml_load.MAX_DEPTH.
    """
    try:
        data = yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or msg("malformed YAML")  # PyYAML's words, else ours
        raise ConfigError(msg("{where}: this is not valid YAML ({problem}).",
                              where=where_in(source, mark.line + 1 if mark else None), problem=problem)) from None
    except yaml.YAMLError as exc:
        raise ConfigError(msg("{source}: this is not valid YAML ({problem}).", source=source, problem=str(exc))) from None
    if data is None:
        raise ConfigError(msg("{source} is empty.", source=source))
    if not isinstance(data, dict):
        raise ConfigError(msg("{source}: expected keys such as {expected}, found a {kind}.", source=source,
                              expected=expected, kind=type(data).__name__))
    return data


def where_in(source: str, line: int | None) -> str:
    """`ohcheck.yaml, line 3` (or just the file when the line is not known), said in the reader's language."""
    return msg("{source}, line {line}", source=source, line=line) if line else source


def validate(model: type[M], data: dict[str, Any], text: str, source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(explain(exc, text, source)) from None


def explain(exc: ValidationError, text: str, source: str) -> Msg:
    """The first validation error as `file, line N: what is wrong with which key`."""
    first = exc.errors()[0]
    loc = tuple(part for part in first["loc"] if not isinstance(part, str) or not part.startswith("function-"))
    key = key_path(loc)
    where = where_in(source, line_of(text, loc))
    kind = first["type"]
    if kind == "extra_forbidden":
        return msg("{where}: unknown key `{key}` (a typo?).", where=where, key=key)
    if kind == "missing":
        return msg("{where}: the key `{key}` is required.", where=where, key=key)
    # pydantic's words, or a validator's own sentence: a validator's is said in the reader's language
    # when the catalogue has it (its Msg template is the sentence itself).
    raised = (first.get("ctx") or {}).get("error")
    said = raised.args[0] if isinstance(raised, ValueError) and raised.args else None
    if isinstance(said, Msg):  # a validator's sentence with values, kept whole to be said in any language
        problem = said  # validators write their sentences lower-case first, to sit after `key`
    else:
        problem = Msg(lower_first(first["msg"].removeprefix("Value error, ")))
    if not key:
        return msg("{where}: {problem}.", where=where, problem=problem)
    if isinstance(first.get("input"), (dict, list)):  # a whole section is wrong: its value says nothing
        return msg("{where}: in `{key}`, {problem}.", where=where, key=key, problem=problem)
    return msg("{where}: `{key}` {problem} (found {found!r}).", where=where, key=key, problem=problem,
               found=first.get("input"))


def key_path(loc: tuple[Any, ...]) -> str:
    """("teams", 2, "name") as `teams[2].name`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the key (or list item) at `loc` in the YAML text, or of its nearest parent."""
    try:
        node = yaml.compose(text, Loader=TeamLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    line = key_node.start_mark.line + 1
                    node = value_node
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
