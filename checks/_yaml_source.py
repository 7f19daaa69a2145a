"""A team's YAML file read with the line of every value, so that messages can say where.

Checks that read workflows and schedules report `file:line: what is wrong`, the
way actionlint does, so a team can jump to the line. PyYAML gives the nodes
(positions) and the values built from them in one pass (ohcheck.yaml_load:
safe loading as the team's tools do, nesting too deep refused as a syntax error).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from ohcheck import msg
from ohcheck.yaml_load import team_parse


class YamlProblem(Exception):
    """The file cannot be read as YAML; the message says where and why."""

    def __init__(self, message: str) -> None:  # a Msg: said in the reader's language
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class YamlFile:
    path: str  # relative to the team repo, as messages show it
    text: str
    data: Any
    root: yaml.Node | None

    def line(self, *keys: str | int) -> int | None:
        """The 1-based line of the value at `keys` (mapping keys and list indexes), or of its nearest parent."""
        node = self.root
        line = None
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if _same_key(key_node, key):
                        node = value_node
                        line = value_node.start_mark.line + 1
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def where(self, *keys: str | int) -> str:
        """`file:line` of the value at `keys` (just the file when there is no such line)."""
        line = self.line(*keys)
        return f"{self.path}:{line}" if line else self.path


def _same_key(node: yaml.Node, key: str | int) -> bool:
    # `on:` is the boolean true in YAML 1.1, which is what PyYAML reads: compare the text as written.
    return isinstance(node, yaml.ScalarNode) and node.value == str(key)


def parse_yaml(path: str, text: str) -> YamlFile:
    """Parse YAML text; a syntax error becomes one YamlProblem sentence with the line and column."""
    try:
        # As the team's tools read it (last of two equal keys wins), nesting too deep refused (yaml_load).
        data, root = team_parse(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        problem = exc.problem or exc.context or "malformed"
        if exc.context and exc.problem and exc.context_mark and exc.context_mark.line != mark.line:
            # "found unexpected end of stream" is where PyYAML gave up; the context says where it began.
            problem = msg("{problem} ({context} at line {line})", problem=problem, context=exc.context,
                          line=exc.context_mark.line + 1)
        raise YamlProblem(msg("{where}: not valid YAML: {problem}", where=where, problem=problem)) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(msg("{where}: not valid YAML: {problem}", where=path, problem=str(exc))) from None
    return YamlFile(path=path, text=text, data=data, root=root)


def read_yaml(repo: Any, relative: str) -> YamlFile:
    """Read and parse a YAML file of the team repo (which must exist)."""
    from ohcheck import user_files

    path = repo.path(relative)
    try:
        text = user_files.read_text(path)  # a FIFO or a device is refused, not waited on
    except user_files.NotRegularFile as exc:
        raise YamlProblem(user_files.NotRegularFile(relative, exc.what).message) from None
    except UnicodeDecodeError:
        raise YamlProblem(msg("{path}: not UTF-8 text", path=relative)) from None
    except OSError as exc:
        raise YamlProblem(msg("{path}: cannot be read ({reason})", path=relative, reason=exc.strerror or exc)) from None
    return parse_yaml(relative, text)
