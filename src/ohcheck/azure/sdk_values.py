"""Plain values out of azure-ai-ml's objects, read the same way by the azure target and the event tools.

The SDK's states and types are str enums, some of its entities keep the REST API's
camelCase field names beside (or instead of) the snake_case ones, and Azure names one
thing with different case, spaces or underscores in different places.
"""

from __future__ import annotations

import re
from typing import Any


def as_word(value: Any) -> str:
    """An SDK value as its plain word: str() of a str enum gives 'JobStatus.COMPLETED', .value gives 'Completed'."""
    if value is None:
        return ""
    return str(getattr(value, "value", value))


def either_field(obj: Any, *names: str) -> Any:
    """The first of the attributes `names` that is set (not None): some SDK entities keep the REST API's camelCase."""
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


def squeezed(text: str) -> str:
    """`text` lower-cased without anything but letters and digits: 'Standard DSv2 Family' -> 'standarddsv2family'."""
    return re.sub(r"[^a-z0-9]", "", text.lower())
