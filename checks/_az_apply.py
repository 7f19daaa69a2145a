"""Which YAML a shell script or a GitHub Actions workflow applies with `az ml`, in which order.

The script is read, never run. What is understood:

* `az ml <group> create|update ... --file X` (also `-f X`, `--file=X`), one
  command per line or several joined with `;`, `&&`, `||`, continued with `\\`;
  after `if`, `then`, `else`, `do`, `!`, `time` or `VAR=value`;
* `X` with variables the script sets (`DIR=endpoints`, `${DIR:-endpoints}`),
  and a loop's variable: `for f in data-assets/*.yml; do az ml data create -f "$f"; done`;
* paths relative to where the command runs: the repo root (where a team runs
  `scripts/apply.sh`), after `cd "$(dirname "$0")/.."` or `cd <folder>`;
  a variable ohcheck cannot know at the start of a path (`$ROOT/x.yml`) is
  taken for the repo root;
* in a workflow: every job's `run:` steps (and azure/cli's `inlineScript:`),
  jobs in the order their `needs:` impose, and a step that runs a script of
  the repo (`bash scripts/apply.sh`) stands for that script's commands.

Here-documents are skipped. Shell functions are not followed: a command
inside a function is read where the function is defined.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import yaml

from ohcheck import msg, user_files
from ohcheck.yaml_load import team_compose

APPLY_VERBS = ("create", "update")
# `az ml <group> create` options that override a field of the file, and that field.
_OVERRIDES = (("--name", "name"), ("-n", "name"), ("--version", "version"), ("-v", "version"),
              ("--endpoint-name", "endpoint_name"), ("-e", "endpoint_name"), ("--path", "path"), ("-p", "path"))


def _known(value: str, key: str) -> str:
    """A value as the loader would get it: a stand-in where the script computes it when it runs."""
    if "$" not in value:
        return value
    if key == "path":
        return "azureml://datastores/workspaceblobstore/paths/set-when-the-script-runs"
    if key == "version":
        return "1"
    return "set-when-the-script-runs"
_SEPARATORS = {";", "&&", "||", "|", "&", "(", ")", ";;", "|&"}
_PREFIXES = {"if", "then", "else", "elif", "do", "while", "until", "!", "time", "{", "}", "exec", "command"}
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
_SUBSTITUTION = re.compile(r"\$\(([^()]*)\)")
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
# $NAME, ${NAME}, ${NAME:-default}, ${NAME:=default}, and the same for a positional argument ($1).
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9])(?::?[-=]([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*|[0-9])")
_LEADING_UNKNOWN = re.compile(r"^(?:\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\$\([^)]*\))/+")
_SCRIPT_RUN = re.compile(r"^(?:bash|sh|source|\.)$")
_MAX_QUOTED_LINES = 50  # how far a quoted string may run on before the line counts as unreadable
_NOT_SH = ("pwsh", "powershell", "python", "cmd")  # workflow shells whose scripts are not read


@dataclass(frozen=True)
class AzCommand:
    """One `az ml <group> create|update --file X` as the script wrote it."""

    source: str  # the script or workflow, relative to the repo root
    line: int  # 1-based, in `source`
    group: str  # data, environment, job, component, online-endpoint, online-deployment, schedule ...
    verb: str  # create or update
    file: str | None  # the --file argument as written (variables expanded where known)
    resolved: str | None  # the file, relative to the repo root, when it exists
    options: dict[str, str] = field(default_factory=dict)  # other --options with a value (--name, --endpoint-name)
    settings: tuple[str, ...] = ()  # every `--set key=value`, in order

    def overrides(self) -> list[dict[str, str]]:
        """What `az ml` lays over the file when it loads it: azure-ai-ml's `params_override`.

        `az ml <group> create` passes --name, --version, --endpoint-name, --path (and every
        --set key=value) to the loader as [{"name": ...}, {"inputs.x": ...}]. A value known only
        when the script runs (`"$ENDPOINT"`) is given as a stand-in of the same shape.
        """
        found = []
        for option, key in _OVERRIDES:
            if self.options.get(option):
                found.append({key: _known(self.options[option], key)})
        for setting in self.settings:
            key, _, value = setting.partition("=")
            if key:
                found.append({key: _known(value, key)})
        return found

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"

    @property
    def shown(self) -> str:
        return f"az ml {self.group} {self.verb} --file {self.file}"


@dataclass
class Source:
    """A script or workflow and the `az ml` commands it runs, in order."""

    path: str
    commands: list[AzCommand] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what could not be read (messages, see ohcheck.i18n)


def read_script(root: Path, relative: str, *, seen: frozenset[str] = frozenset()) -> Source:
    """The `az ml` commands of a shell script of the repo."""
    source = Source(relative)
    try:
        text = user_files.read_text(root / relative)  # a FIFO or a device is refused, not waited on
    except (OSError, UnicodeDecodeError) as exc:
        source.problems.append(msg("{path} cannot be read: {error}", path=relative, error=exc))
        return source
    _Shell(root, relative, source, seen | {relative}).run(text, first_line=1, cwd=root)
    return source


def read_workflow(root: Path, relative: str) -> Source:
    """The `az ml` commands of a GitHub Actions workflow: its jobs' run steps, in dependency order."""
    source = Source(relative)
    try:
        text = user_files.read_text(root / relative)  # a FIFO or a device is refused, not waited on
        document = team_compose(text)  # nesting too deep is a syntax problem, not a RecursionError
    except (OSError, UnicodeDecodeError) as exc:
        source.problems.append(msg("{path} cannot be read: {error}", path=relative, error=exc))
        return source
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        source.problems.append(msg("{path}:{line}: not valid YAML: {problem}", path=relative,
                                   line=mark.line + 1 if mark else 1, problem=exc.problem or exc.context))
        return source
    jobs = _mapping(_get(document, "jobs"))
    default_dir = _scalar(_get(_get(_get(document, "defaults"), "run"), "working-directory"))
    reader = _Shell(root, relative, source, frozenset({relative}))
    default_shell = _scalar(_get(_get(_get(document, "defaults"), "run"), "shell"))
    for _, job in _in_needs_order(jobs):
        job_dir = _scalar(_get(_get(_get(job, "defaults"), "run"), "working-directory")) or default_dir
        job_shell = _scalar(_get(_get(_get(job, "defaults"), "run"), "shell")) or default_shell
        steps = _get(job, "steps")
        for step in steps.value if isinstance(steps, yaml.SequenceNode) else []:
            script = _get(step, "run") or _get(_get(step, "with"), "inlineScript")
            shell = _scalar(_get(step, "shell")) or job_shell or ""
            if not isinstance(script, yaml.ScalarNode) or shell.split(" ")[0] in _NOT_SH:
                continue
            folder = _scalar(_get(step, "working-directory")) or job_dir
            cwd = (root / folder).resolve() if folder else root
            # A block scalar (`run: |`) starts on the line after its key.
            first = script.start_mark.line + (2 if script.style in ("|", ">") else 1)
            reader.run(_without_expressions(script.value), first_line=first, cwd=cwd)
    return source


def _without_expressions(script: str) -> str:
    """GitHub's `${{ expr }}` as shell variables, so that a line with one can still be read."""
    script = re.sub(r"\$\{\{\s*github\.workspace\s*\}\}", "$GITHUB_WORKSPACE", script)
    return re.sub(r"\$\{\{[^}]*\}\}", "$GITHUB_EXPRESSION", script)


class _Shell:
    """Reads a script's commands, tracking its variables, loops and working directory."""

    def __init__(self, root: Path, relative: str, source: Source, seen: frozenset[str]) -> None:
        self.root = root.resolve()
        self.relative = relative
        self.script_dir = (root / relative).parent.resolve()
        self.source = source
        self.seen = seen
        self.variables: dict[str, str] = {}
        self.loops: dict[str, list[str]] = {}

    def run(self, text: str, *, first_line: int, cwd: Path) -> None:
        self.cwd = cwd
        lines = _logical_lines(text)
        index = 0
        while index < len(lines):
            line, logical = lines[index]
            start, index = index, index + 1
            tokens, problem = _tokens(logical)
            # A quoted string may span lines: read on until it closes.
            while problem and index < len(lines) and index - start < _MAX_QUOTED_LINES:
                logical += "\n" + lines[index][1]
                index += 1
                tokens, problem = _tokens(logical)
            if problem:
                self.source.problems.append(msg("{path}:{line}: cannot be read ({problem})", path=self.relative,
                                                line=first_line + line - 1, problem=problem))
                index = start + 1  # the lines after it may still be read
                continue
            for simple in _simple_commands(tokens):
                self._command(simple, first_line + line - 1)

    def _command(self, words: list[str], line: int) -> None:
        while words and words[0] in _PREFIXES:
            words = words[1:]
        if words and words[0] in ("export", "readonly", "local", "declare"):
            words = [w for w in words[1:] if not w.startswith("-")]
            for word in words:
                self._assign(word)
            return
        if len(words) >= 3 and words[0] == "for" and "in" in words[2:]:
            self.loops[words[1]] = self._expand_glob(words[words.index("in", 2) + 1:])
            return
        while words and _ASSIGNMENT.match(words[0]):
            # JOB="$(az ml job create --file x.yml --query name -o tsv)": the command inside runs too.
            for inner in _SUBSTITUTION.findall(words[0]):
                tokens, problem = _tokens(inner)
                for simple in [] if problem else _simple_commands(tokens):
                    self._command(simple, line)
            self._assign(words[0])
            words = words[1:]
        if not words:
            return
        if words[0] == ":" and len(words) > 1:  # : "${VAR:=default}"
            for match in _VARIABLE.finditer(words[1]):
                if match.group(1) and match.group(2) is not None:
                    self.variables.setdefault(match.group(1), match.group(2))
            return
        if words[0] == "cd" and len(words) > 1:
            self.cwd = self._path(words[1], relative_to=self.cwd) or self.cwd
            return
        if words[0] == "cd":
            return
        script = self._script_of(words)
        if script is not None:
            inner = read_script(self.root, script, seen=self.seen)
            self.source.commands += inner.commands
            self.source.problems += inner.problems
            return
        if len(words) >= 4 and words[0] == "az" and words[1] == "ml" and words[3] in APPLY_VERBS:
            self._az(words, line)

    def _assign(self, word: str) -> None:
        match = _ASSIGNMENT.match(word)
        if match:
            self.variables[match.group(1)] = self._expand(match.group(2))

    def _az(self, words: list[str], line: int) -> None:
        group, verb, options, files, settings = words[2], words[3], {}, [], []
        rest = words[4:]
        for index, word in enumerate(rest):
            name, value = None, None
            if word.startswith("--") and "=" in word:
                name, value = word.split("=", 1)
            elif word.startswith("-") and index + 1 < len(rest) and not rest[index + 1].startswith("-"):
                name, value = word, rest[index + 1]
            if name in ("--file", "-f"):
                files.append(value)
            elif name == "--set":
                settings.append(self._expand(value))
            elif name is not None:
                options[name] = self._expand(value)
        if not files:
            return  # `az ml online-endpoint update --name x --traffic blue=100`: applies no YAML
        for written in files:
            for each in self._loop_values(written):
                resolved = self._path(each, relative_to=self.cwd)
                shown = _relative_to(resolved, self.root) if resolved else each
                self.source.commands.append(
                    AzCommand(self.relative, line, group, verb, shown, shown if resolved else None, options,
                              tuple(settings))
                )

    def _loop_values(self, word: str) -> list[str]:
        match = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", word)
        if match and match.group(1) in self.loops:
            return self.loops[match.group(1)]
        return [self._expand(word)]

    def _expand(self, word: str) -> str:
        def value(match: re.Match) -> str:
            name = match.group(1) or match.group(3)
            if name in self.variables:
                return self.variables[name]
            if match.group(2) is not None:
                return self._expand(match.group(2))
            return match.group(0)

        return _VARIABLE.sub(value, word)

    def _path(self, word: str, *, relative_to: Path) -> Path | None:
        """An existing file or folder the word names, or None."""
        word = self._expand(word)
        bases = [relative_to, self.root]
        if word.startswith("$(dirname"):
            bases = [self.script_dir]
        stripped = _LEADING_UNKNOWN.sub("", word)
        if stripped != word:
            bases = bases + [self.root, self.script_dir]
        if "$" in stripped:
            return None
        for base in bases:
            candidate = (base / stripped).resolve()
            if candidate.exists() and (candidate == self.root or self.root in candidate.parents):
                return candidate
        return None

    def _expand_glob(self, words: list[str]) -> list[str]:
        values = []
        for word in words:
            word = self._expand(word)
            if any(c in word for c in "*?["):
                matches = sorted(glob.glob(str(self.cwd / word)))
                values += [_relative_to(Path(m), self.cwd) for m in matches] or [word]
            else:
                values.append(word)
        return values

    def _script_of(self, words: list[str]) -> str | None:
        """The repo script a command runs (`bash scripts/apply.sh`, `./scripts/apply.sh`), if any."""
        candidate = words[1] if _SCRIPT_RUN.match(words[0]) and len(words) > 1 else words[0]
        if not candidate.endswith(".sh"):
            return None
        path = self._path(candidate, relative_to=self.cwd)
        if path is None or not path.is_file():
            return None
        relative = _relative_to(path, self.root)
        return None if relative in self.seen else relative


def _tokens(line: str) -> tuple[list[str], str]:
    """The words and operators of a line, or the reason it cannot be split (an unclosed quote)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer), ""
    except ValueError as exc:
        return [], str(exc)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each logical line: continuations joined, here-documents dropped."""
    lines = text.splitlines()
    found, index = [], 0
    while index < len(lines):
        start, current = index + 1, lines[index]
        while current.endswith("\\") and index + 1 < len(lines):
            index += 1
            current = current[:-1] + " " + lines[index]
        index += 1
        heredoc = _HEREDOC.search(current)
        if heredoc:
            end = heredoc.group(2)
            while index < len(lines) and lines[index].strip() != end:
                index += 1
            index += 1
            current = current[: heredoc.start()]
        found.append((start, current))
    return found


def _simple_commands(tokens: list[str]) -> list[list[str]]:
    commands, current = [], []
    for token in tokens:
        if token in _SEPARATORS or (token and set(token) <= set(";&|()")):
            if current:
                commands.append(current)
            current = []
        else:
            current.append(token)
    if current:
        commands.append(current)
    return commands


def _relative_to(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return os.path.relpath(path, base)


# -- workflow YAML, read through composed nodes so that lines are known -----------------------
def _get(node: Any, key: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _scalar(node: Any) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) and node.value else None


def _mapping(node: Any) -> list[tuple[str, Any]]:
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(k.value, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]


def _in_needs_order(jobs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Jobs so that each comes after the jobs it `needs`; otherwise in file order."""
    names = [name for name, _ in jobs]
    needs = {}
    for name, job in jobs:
        node = _get(job, "needs")
        if isinstance(node, yaml.ScalarNode):
            needs[name] = {node.value}
        elif isinstance(node, yaml.SequenceNode):
            needs[name] = {n.value for n in node.value if isinstance(n, yaml.ScalarNode)}
        else:
            needs[name] = set()
    # graphlib orders them, one job at a time: the first ready one in file order (needs on jobs the
    # file does not have are left out). A cycle: GitHub refuses the workflow anyway; its first job in
    # file order goes next and sorting goes on.
    position = {name: i for i, name in reversed(list(enumerate(names)))}  # a name given twice: its first place
    left = {name: needs[name] & position.keys() for name in sorted(position, key=position.__getitem__)}
    ordered: list[str] = []
    while left:
        sorter = TopologicalSorter({name: wanted & left.keys() for name, wanted in left.items()})
        try:
            sorter.prepare()
        except CycleError:
            pass  # get_ready() still hands out every job the cycle does not hold up
        ready = list(sorter.get_ready())
        while ready:
            name = min(ready, key=position.__getitem__)
            ready.remove(name)
            ordered.append(name)
            del left[name]
            sorter.done(name)
            ready.extend(sorter.get_ready())
        if left:  # a cycle
            ordered.append(next(iter(left)))
            del left[ordered[-1]]
    by_name = dict(jobs)
    return [(n, by_name[n]) for n in ordered]

