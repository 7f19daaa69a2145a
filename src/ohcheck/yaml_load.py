"""PyYAML's safe loader with the two guards a file written by a person needs.

* **Depth.** PyYAML composes a document recursively: a file nested a few
  hundred levels deep (`[[[[...`) ends in Python's RecursionError, which no
  caller expects. Nesting deeper than MAX_DEPTH is refused here as a YAML
  error with its line, like any other syntax error. No Azure ML, GitHub or
  ohcheck file comes near it (the deepest YAML under azureml-examples' cli/ has 10 levels).
* **Duplicate keys.** YAML says a mapping's keys are unique, PyYAML keeps the
  last one silently: `teams:` twice in event.yaml would drop every team of the
  first. `StrictLoader` refuses a repeated key, naming its line and the line it
  first appeared on. This is the usual PyYAML recipe (a SafeLoader whose
  construct_mapping checks); ruamel.yaml refuses duplicates too, but would be a
  second YAML library and parser beside the PyYAML every other reader (and
  azure-ai-ml) uses, with its own errors and marks.

ohcheck's own files (ohcheck.yaml, event.yaml, the pack's catalogues and solve
manifests) are read with StrictLoader. A team's Azure ML YAML is read with
`TeamLoader` (depth only): azure-ai-ml loads it with plain `yaml.safe_load`
(azure/ai/ml/_utils/utils.py, load_yaml), which keeps the last of two keys,
so `az ml` accepts such a file and ohcheck must not refuse it; `duplicate_keys`
finds them so a check can warn.

Only PyYAML and the standard library: read on every command.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

MAX_DEPTH = 100  # levels of nested mappings and lists


class _DepthGuard:
    """Refuses nesting deeper than MAX_DEPTH before Python's own recursion limit is reached."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self._depth >= MAX_DEPTH:
            from ohcheck.messages import msg

            mark = self.peek_event().start_mark  # type: ignore[attr-defined]
            raise yaml.composer.ComposerError(
                None, None, msg("nested deeper than {limit} levels", limit=MAX_DEPTH), mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


class TeamLoader(_DepthGuard, yaml.SafeLoader):
    """yaml.SafeLoader as azure-ai-ml reads a file (the last of two equal keys wins), with the depth guard."""


class StrictLoader(TeamLoader):
    """TeamLoader that refuses a key given twice in one mapping (the error's mark is the second one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            repeated = next(iter(_repeated(node)), None)
            if repeated is not None:
                from ohcheck.messages import msg

                raise yaml.constructor.ConstructorError(
                    None, None, msg("the key `{key}` is given twice, first on line {first}", key=repeated.key,
                                    first=repeated.first_line), repeated.mark)
        return super().construct_mapping(node, deep=deep)


@dataclass(frozen=True)
class Repeated:
    key: str  # as written
    line: int  # 1-based, of the second one
    first_line: int
    mark: Any  # PyYAML's mark of the second one


def _repeated(node: yaml.MappingNode) -> list[Repeated]:
    """Keys written twice in this mapping (not its children); merge keys (`<<:`) may be overridden, as YAML says."""
    seen: dict[tuple[str, str], Any] = {}
    found = []
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        # The key as PyYAML will construct it: `on` and `true` are both True in YAML 1.1, `1` and `"1"` differ.
        resolved = key_node.tag
        if resolved == "tag:yaml.org,2002:bool":
            value = str(key_node.value.lower() in ("yes", "true", "on", "y"))
        else:
            value = key_node.value
        identity = (resolved, value)
        if identity in seen:
            first = seen[identity]
            found.append(Repeated(key_node.value, key_node.start_mark.line + 1, first.start_mark.line + 1,
                                  key_node.start_mark))
        else:
            seen[identity] = key_node
    return found


def duplicate_keys(root: yaml.Node | None) -> list[Repeated]:
    """Every key given twice in any mapping of a composed document, in the order of the file."""
    found: list[Repeated] = []
    stack = [root] if root is not None else []
    while stack:  # a loop, not recursion: the document may be as deep as MAX_DEPTH
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            found += _repeated(node)
            stack.extend(value for pair in reversed(node.value) for value in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return sorted(found, key=lambda r: r.line)


def strict_load(text: str) -> Any:
    """ohcheck's own YAML (yaml.YAMLError on a syntax error, nesting too deep, or a key given twice)."""
    return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - StrictLoader is a SafeLoader


def team_load(text: str) -> Any:
    """A team's YAML as azure-ai-ml reads it, nesting too deep refused (yaml.YAMLError)."""
    return yaml.load(text, Loader=TeamLoader)  # noqa: S506 - TeamLoader is a SafeLoader


def team_compose(text: str) -> yaml.Node | None:
    """A team's YAML as nodes, with their lines (yaml.YAMLError as team_load)."""
    return yaml.compose(text, Loader=TeamLoader)


def team_parse(text: str) -> tuple[Any, yaml.Node | None]:
    """A team's YAML as data and as nodes (for lines), in one pass (yaml.YAMLError as team_load)."""
    loader = TeamLoader(text)
    try:
        root = loader.get_single_node()
        return (loader.construct_document(root) if root is not None else None), root
    finally:
        loader.dispose()
