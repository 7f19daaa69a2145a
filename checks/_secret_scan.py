"""Secret-looking content in a file of the team repo: where, and what kind — never the value.

A workflow is public to everyone who can read the repo, and so is its history:
a client secret committed once stays readable after it is deleted. These are
the few shapes that matter for this hack (an Azure client secret, a service
principal's JSON, a storage key or SAS, a private key, a GitHub token) plus
any YAML key named like a secret whose value is written out instead of read
from `${{ secrets.X }}`. Findings name the line and the kind, so that no
output of ohcheck repeats the secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from ohcheck import Msg, msg

# Shapes of real secrets, whatever the key they sit under (run scripts, comments, JSON).
_SHAPES = (
    (msg("a private key"), re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    # Microsoft Entra client secrets: three characters, a digit, "Q~", then 31-34 more.
    (msg("an Azure client secret"), re.compile(r"(?<![\w~.-])[\w~.-]{3}\dQ~[\w~.-]{31,34}(?![\w~.-])")),
    (msg("a service principal's clientSecret"), re.compile(r"[\"']?clientSecret[\"']?\s*:\s*[\"'](?!\s*\$\{\{)[^\"']+[\"']")),
    (msg("a storage account key"), re.compile(r"AccountKey=[A-Za-z0-9+/]{20,}")),
    (msg("a SAS token"), re.compile(r"[?&]sig=[A-Za-z0-9%+/]{20,}")),
    (msg("a GitHub token"), re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b")),
    (msg("a password on the az login command line"),
     re.compile(r"\baz\s+login\b.*?(?:--password|\s-p)[\s=]+[\"']?(?![$\"'])[^\s\"']{6,}")),
)
# A YAML key that names a secret. `id-token` (the OIDC permission) is not one.
_SECRET_KEY = re.compile(r"(secret|password|passwd|api[-_]?key|access[-_]?key|private[-_]?key|(?<!id-)token$)", re.IGNORECASE)
_READ_FROM_STORE = re.compile(r"\$\{\{.*\}\}|^\$[A-Za-z_{]")  # ${{ secrets.X }}, or a shell variable


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str  # a Msg

    def message(self) -> Msg:
        """`file:line: kind`, in the reader's language."""
        return msg("{path}:{line}: {kind}", path=self.path, line=self.line, kind=self.kind)

    def __str__(self) -> str:
        return str(self.message())


def scan(path: str, text: str, root: yaml.Node | None = None) -> list[Finding]:
    """Secret-looking content of one file; `root` (the composed YAML) adds the secret-named keys."""
    found: dict[tuple[int, str], Finding] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, shape in _SHAPES:
            if shape.search(line):
                found.setdefault((number, kind), Finding(path, number, kind))
    if root is not None:
        for key, line, value in _scalar_entries(root):
            if _SECRET_KEY.search(key) and _written_out(value):
                kind = msg("a value written out under `{name}` (read it from secrets instead)", name=key)
                found.setdefault((line, kind), Finding(path, line, kind))
    return sorted(found.values(), key=lambda f: (f.line, f.kind))


def _written_out(value: str) -> bool:
    value = value.strip()
    if len(value) < 8 or _READ_FROM_STORE.search(value):
        return False
    return value.lower() not in {"true", "false", "null", "none", "write", "read"}


def _scalar_entries(node: yaml.Node):
    """(key, line, value) of every `key: scalar` in a composed YAML document."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if isinstance(value_node, yaml.ScalarNode) and isinstance(key_node, yaml.ScalarNode):
                    yield key_node.value, value_node.start_mark.line + 1, value_node.value
                else:
                    stack.append(value_node)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
