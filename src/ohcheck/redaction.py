"""Keeping secrets out of everything ohcheck writes.

Every Result passes through a Redactor before it is rendered or stored. It
masks the values a target registered as secret during the run (an endpoint
key it read, a token it got) and anything that looks like a credential
(bearer tokens, JWTs, `key=...` pairs, storage connection strings), so a check
that carelessly puts a key into its message still cannot leak it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

MASK = "***"

# Shapes of credentials that may turn up in an SDK message or an HTTP reply.
_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"),  # a JWT
    re.compile(
        r"(?i)\b(api[-_]?key|primary[-_]?key|secondary[-_]?key|access[-_]?token|refresh[-_]?token"
        r"|client[-_]?secret|password|accountkey|sharedaccesskey|sig|authorization)"
        r"(\"?\s*[=:]\s*\"?)([^\s\"',;&}]+)"
    ),
)


class Redactor:
    """Masks registered secret values and credential-shaped text. Thread-safe."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def register(self, value: str | None) -> None:
        """Remember a secret value so that it is masked wherever it appears."""
        # Very short values would mask ordinary words; real keys are long.
        if value and len(value) >= 6:
            with self._lock:
                self._secrets.add(value)

    def text(self, value: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            value = value.replace(secret, MASK)
        for pattern in _PATTERNS:
            value = pattern.sub(_mask_match, value)
        return value

    def strings(self, value: Any) -> Any:
        """Redact the strings inside a value as text, whatever the keys are called.

        For a message's stored fields (ohcheck.i18n): they are the pieces of a
        sentence that `text` has already vetted whole, and a field named `key`
        (a metric's name, say) is not a secret.
        """
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.strings(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.strings(v) for v in value]
        return value

    def value(self, value: Any) -> Any:
        """Redact strings anywhere inside a JSON-like value."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: (MASK if _is_secret_key(k) else self.value(v)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value


def _mask_match(match: re.Match[str]) -> str:
    if match.re.groups >= 3:
        return f"{match.group(1)}{match.group(2)}{MASK}"
    return MASK


_SECRET_KEYS = re.compile(
    r"(?i)^(key|primary_?key|secondary_?key|api_?key|token|access_?token|password|secret|client_?secret"
    r"|authorization|connection_?string)$"
)


def _is_secret_key(key: Any) -> bool:
    return isinstance(key, str) and bool(_SECRET_KEYS.match(key))
