"""Validating a CLI v2 YAML with azure-ai-ml's own loader, offline, and saying where it is wrong.

The loaders (load_job, load_data, ... load_schedule) need no credential and
no network: they check the YAML against the same marshmallow schemas
`az ml` uses, and resolve what is relative to the file (`code: ../src`,
`conda_file: conda.yml`, `component: ../components/train.yml`, a schedule's
`create_job: ../pipelines/x.yml`). They say what is wrong in a nested JSON
dump; this module turns each problem into `file:line: field: message`.

* The line comes from the field's path walked through PyYAML's composed
  nodes: the key's own line, or its nearest parent's when the key is missing
  ("Missing data for required field" points at the mapping that lacks it).
* A problem that names no field (a conda file that does not exist) is put on
  the line of the value it mentions, if one does; else on the file's first
  line of YAML content.
* A union field (`compute`, an input, a trigger) fails once per alternative;
  the alternatives that only say "or give an azureml: reference" are dropped
  and the most specific one is kept.

What the loaders do not check and `az ml data create` needs, a data asset's
local `path:` (relative to its YAML file), is checked here too.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ohcheck import Msg, msg

from ._cli_yaml import KINDS, YamlFile

# Messages the SDK adds to every alternative of a union field, whatever was wrong.
_NOISE = (
    "In order to specify",
    "Not a valid URL",
    "Anonymous assets must be defined inline",
    "If you are trying to configure",
)
_VALIDATION = re.compile(r"Validation for \w+ failed:\s*")
_MISSING_ARGUMENT = re.compile(r"missing \d+ required (?:keyword-only |positional )?arguments?: (.+)")
# A union field that meets an OSError or TypeError in the SDK's own code reports it as
# f"{trace[-1]} from {trace[-3]} {trace[-2]}" (azure/ai/ml/_schema/core/fields.py, UnionField):
# the exception, then the SDK's source line and Python's ^^^ markers. Only the exception's words are the team's.
_TRACEBACK = re.compile(r"^\s*[A-Za-z_][\w.]*(?:Error|Exception): (?:\[Errno \d+\] )?(?P<text>.*?) from "
                        r"(?:\s{2,}|\s*File \").*$", re.DOTALL)
_FIELD_WRAPPERS = ("value", "key")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_DETAIL = re.compile(r"^\(([\w.]+)\) (.+)$", re.MULTILINE)  # marshmallow's Dict(keys=..., values=...) nesting, not YAML keys
_MAX_MESSAGE = 300

Problem = tuple[tuple[str, ...], str]  # (field path, message: the SDK's words, or a Msg of ohcheck's)


def loaders() -> dict[str, Callable[..., Any]]:
    """The loader of each kind (KINDS' `loader`: the function `az ml <group> create` loads the file with).

    azure-ai-ml is imported here, not at module level: it takes 1-2 s.
    """
    import azure.ai.ml
    from azure.ai.ml.entities import _load_functions

    # Loading a pipeline builds schema classes the SDK marks experimental, and each logs a
    # warning to stderr once; they say nothing about the team's YAML.
    logging.getLogger("azure.ai.ml._utils._experimental").setLevel(logging.ERROR)
    found = {}
    for kind in KINDS.values():
        # load_schedule is not exported by azure-ai-ml 1.35: it lives with the other load functions.
        load = getattr(azure.ai.ml, kind.loader, None) or getattr(_load_functions, kind.loader, None)
        if load is not None:
            found[kind.key] = load
    return found


def sdk_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("azure-ai-ml")
    except PackageNotFoundError:
        return "?"


def validate(item: YamlFile, root: Path, load: Callable[..., Any] | None,
             overrides: list[dict[str, str]] | None = None) -> list[Msg]:
    """The file's problems as `file:line: message`, empty when the loader accepts it.

    `overrides` are what the `az ml` command that applies the file passes (--endpoint-name,
    --set ...): the file is loaded with them, as `az` loads it. A file that is not valid YAML
    gets its syntax problem, whatever it was meant to be.
    """
    if item.syntax is not None or load is None:
        syntax = item.syntax
        return [msg("{path}:{line}: not valid YAML: {problem}", path=item.path, line=syntax.line,
                    problem=syntax.problem)] if syntax else []
    problems: list[Problem] = []
    try:
        entity = load(source=str(item.absolute), params_override=list(overrides or []))
        _sdk_validate(entity)
    except Exception as exc:  # noqa: BLE001 - every loader error, whatever its class, is the team's to fix
        problems = problems_of(exc)
    if item.kind == "data":
        problems += _missing_local_path(item)
    if item.kind in ("online_deployment", "kubernetes_online_deployment", "model_batch_deployment",
                     "batch_deployment"):
        problems += _missing_code(item)
    node = _compose(item.text)
    lines = []
    for path, message in problems:
        if not isinstance(message, Msg):  # the SDK's words, with the paths it makes absolute
            message = _relative(message, root)
        line, shown = locate(node, path) if path else _mentioned(node, message)
        if shown:
            lines.append(msg("{path}:{line}: {field}: {problem}", path=item.path, line=line,
                             field=".".join(shown), problem=message))
        else:
            lines.append(msg("{path}:{line}: {problem}", path=item.path, line=line, problem=message))
    return list(dict.fromkeys(lines))


def _sdk_validate(entity: Any) -> None:
    """The checks azure-ai-ml runs on the loaded entity before `az ml` sends it (they raise ValidationException).

    Environment.validate(): an image or a build, not both, nor neither (a conda file alone is refused);
    a deployment's `_validate()`: its name, and its code configuration's (a code folder needs a scoring script).
    """
    from azure.ai.ml.entities import Environment

    if isinstance(entity, Environment):
        entity.validate()
        return
    if type(entity).__name__.endswith("Deployment") and callable(getattr(entity, "_validate", None)):
        entity._validate()
        code = getattr(entity, "code_configuration", None)
        if code is not None and callable(getattr(code, "_validate", None)):
            code._validate()


def problems_of(exc: BaseException) -> list[Problem]:
    """The (field path, message) pairs of a loader's exception."""
    from azure.ai.ml.exceptions import MlException
    from marshmallow import ValidationError

    details = _DETAIL.findall(_ANSI.sub("", str(exc))) if isinstance(exc, MlException) else []
    if isinstance(exc, ValidationError):
        found = _from_messages(exc.messages, ())
    elif details:
        # The SDK's report for a terminal (colours, "1) At least one required parameter is missing",
        # Resolutions ...): what is wrong is under Details, one "(field) message" a line, "(x)" for none.
        found = [(() if field == "x" else tuple(field.split(".")), text.strip()) for field, text in details]
    elif isinstance(exc, TypeError) and _MISSING_ARGUMENT.search(str(exc)):
        # A schedule without `trigger:` reaches the entity's constructor: the SDK raises a bare TypeError.
        names = re.findall(r"'([^']+)'", _MISSING_ARGUMENT.search(str(exc)).group(1))
        found = [((name,), "Missing data for required field.") for name in names]
    else:
        found = _from_text(str(exc), ())
        if not found or not any(m for _, m in found):
            found = [((), f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}")]
    return list(dict.fromkeys((p, _clip(m)) for p, m in found if m))


def _from_messages(value: Any, prefix: tuple[str, ...]) -> list[Problem]:
    if isinstance(value, str):
        return _from_text(value, prefix)
    if isinstance(value, dict):
        found = []
        for key, sub in value.items():
            found += _from_messages(sub, prefix if str(key) == "_schema" else prefix + (str(key),))
        return found
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, str) for v in value):
            return [p for v in value for p in _from_text(v, prefix)]
        return _pick_alternative([_from_messages(v, prefix) for v in value], prefix)
    return [(prefix, str(value))]


def _from_text(text: str, prefix: tuple[str, ...]) -> list[Problem]:
    """A message, or the SDK's "Validation for X failed: {json}" wrapping more of them."""
    traceback = _TRACEBACK.match(text)
    if traceback:
        text = traceback.group("text")
    match = _VALIDATION.search(text)
    if match:
        try:
            dumped, _ = json.JSONDecoder().raw_decode(text, match.end())
        except ValueError:
            dumped = None
        if isinstance(dumped, dict) and "errors" in dumped and "result" in dumped:
            found = []
            for error in dumped.get("errors") or []:
                path = str(error.get("path") or "*")
                where = prefix if path == "*" else prefix + tuple(path.split("."))
                found += _from_text(str(error.get("message") or ""), where)
            return found
        if dumped is not None:
            return _from_messages(dumped, prefix)
    # Pipelines join the alternatives of a component reference with "; ".
    parts = [_unwrap(p.strip()) for p in text.strip().split("; ")]
    kept = [p for p in parts if p and not p.startswith(_NOISE)]
    message = "; ".join(kept) if kept else (parts[0] if parts else "")
    return [(prefix, message.split("\n\n")[0].strip())] if message else []


def _unwrap(part: str) -> str:
    """`['No such file or directory: x']` (a list printed into the message) → its one message."""
    if len(part) > 4 and part[:2] in ("['", '["') and part[-2:] in ("']", '"]'):
        return part[2:-2]
    return part


def _pick_alternative(alternatives: list[list[Problem]], prefix: tuple[str, ...]) -> list[Problem]:
    """The most specific failed alternative of a union field."""
    meaningful = [[(p, m) for p, m in alt if not m.startswith(_NOISE)] for alt in alternatives]
    meaningful = [alt for alt in meaningful if alt] or [alt for alt in alternatives if alt][:1]
    if not meaningful:
        return []
    for alt in meaningful:
        if any("No such file" in m or "Can't find" in m for _, m in alt):
            return alt
    if all(len(alt) == 1 and alt[0][0] == prefix for alt in meaningful):
        return [(prefix, " or ".join(dict.fromkeys(alt[0][1].rstrip(".") for alt in meaningful)) + ".")]
    return min(meaningful, key=lambda alt: (sum(m == "Unknown field." for _, m in alt), len(alt)))


def _missing_local_path(item: YamlFile) -> list[Problem]:
    path = item.get("path")
    if not isinstance(path, str) or not path or re.match(r"^[a-z][a-z0-9+.-]*:", path, re.IGNORECASE):
        return []  # azureml:, https://, wasbs://, abfss:// ... are Azure's to resolve
    local = item.absolute.parent / path
    if not local.exists():
        return [(("path",), msg("{path} does not exist (a data asset's local path is relative to its YAML file)",
                                path=path))]
    # `az ml data create` uploads a uri_file's path as one file and a uri_folder's as a folder:
    # the loader takes either, the upload refuses the other. The rule is azure-ai-ml's own
    # (_data_operations._assert_local_path_matches_asset_type, run by DataOperations.create_or_update);
    # it is said here with the path and the fix instead of its "File path does not match asset type".
    kind = item.get("type") or "uri_folder"
    if kind == "uri_file" and local.is_dir():
        return [(("path",), msg("{path} is a folder, and a uri_file data asset is one file: name the file, "
                                "or make it a uri_folder", path=path))]
    if kind == "uri_folder" and local.is_file():
        return [(("path",), msg("{path} is a file, and a uri_folder data asset is a folder: name the folder, "
                                "or make it a uri_file", path=path))]
    return []


def _missing_code(item: YamlFile) -> list[Problem]:
    """A deployment's `code_configuration.code` folder that is not there.

    The loader keeps it as a string; `az ml online-deployment create` fails only when it uploads it.
    """
    configuration = item.get("code_configuration")
    code = configuration.get("code") if isinstance(configuration, dict) else None
    if not isinstance(code, str) or not code or re.match(r"^[a-z][a-z0-9+.-]*:", code, re.IGNORECASE):
        return []  # azureml:, https:// ... are Azure's to resolve
    if (item.absolute.parent / code).exists():
        return []
    return [(("code_configuration", "code"),
             msg("{path} does not exist (the code folder is relative to the YAML file)", path=code))]


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def locate(node: yaml.Node | None, path: tuple[str, ...]) -> tuple[int, list[str]]:
    """The 1-based line of the field at `path` (or of its nearest parent) and the path as shown."""
    if node is None:
        return 1, [p for p in path if p not in _FIELD_WRAPPERS]
    line = node.start_mark.line + 1
    shown: list[str] = []
    for index, part in enumerate(path):
        rest = [p for p in path[index:] if p not in _FIELD_WRAPPERS]
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part), None)
            if pair is None:
                if part in _FIELD_WRAPPERS:
                    continue
                return line, shown + rest
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            return line, shown + rest
        shown.append(part)
    return line, shown


def _mentioned(node: yaml.Node | None, message: str) -> tuple[int, list[str]]:
    """Where a problem that names no field belongs: the value it mentions, else the first line."""
    if node is None:
        return 1, []
    for path, value, line in _scalars(node, ()):
        if len(value) >= 3 and ("/" in value or "." in value):
            name = PurePosixPath(value).name
            if value in message or (len(name) >= 3 and re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", message)):
                return line, list(path)
    return node.start_mark.line + 1, []


def _scalars(node: yaml.Node, path: tuple[str, ...]):
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield from _scalars(value, path + (key.value,))
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            yield from _scalars(value, path + (str(index),))
    elif isinstance(node, yaml.ScalarNode) and isinstance(node.value, str):
        yield path, node.value, node.start_mark.line + 1


def _relative(message: str, root: Path) -> str:
    """Paths in the SDK's messages are absolute: show them relative to the repo."""
    return message.replace(str(root) + "/", "").replace(str(root), ".")


def _clip(message: str) -> str:
    message = " ".join(_ANSI.sub("", message).split())  # no terminal colour codes
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."
