"""Messages: English sentences with named fields that can be said again in another language.

The lowest layer of ohcheck's language support (see ohcheck.i18n for which language and the
catalogues): a `Msg` is its English text as a str, plus the template and the values it was made
from. It knows no catalogue files, so modules below i18n (yaml_load) can build messages too.
Rendering in another language takes any catalogue with a `say(message)` (i18n.Catalogue).
"""

from __future__ import annotations

import gettext
import string
from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT = "en"
SEPARATORS = {"en": ("; ", ", "), "ja": ("。", "、")}  # (between sentences, between names)

_FORMATTER = string.Formatter()


# -- messages --------------------------------------------------------------------------------------


class Msg(str):
    """An English sentence that can be said again in another language.

    `template` is the English, with named fields; `values` holds each field's
    value already formatted (a str), or a nested message (dict), or a list of
    them. Built with `msg(template, **args)`.
    """

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, values: Mapping[str, Any] | None = None) -> "Msg":
        values = dict(values or {})
        text = render(template, values, "en", None) if values else template
        self = super().__new__(cls, text)
        self.template = template
        self.values = values
        return self

    def source(self) -> dict[str, Any]:
        """What a store keeps to say this message again: the template and the formatted values."""
        return {"template": self.template, "values": self.values}

    @classmethod
    def from_source(cls, source: Mapping[str, Any]) -> "Msg":
        return cls(str(source.get("template", "")), dict(source.get("values") or {}))

    def __reduce__(self) -> Any:  # copy/pickle keep the template
        return (Msg, (self.template, self.values))


def msg(template: str, /, **args: Any) -> Msg:
    """A message: an English template with named fields (str.format syntax) and their values.

    A field's value may be a Msg (said in the reader's language too) or a list
    of values (joined: "; " between sentences, ", " between names in English).
    Format specs apply in English and are done once, here: `{rmse:.4g}`.
    """
    if not args:
        return Msg(template)
    values: dict[str, Any] = {}
    for _literal, name, spec, conversion in _FORMATTER.parse(template):
        if name is None or name in values:
            continue
        if name == "" or name.isdigit():
            raise ValueError(f"message template {template!r} has a positional field: name it")
        value, _ = _FORMATTER.get_field(name, (), args)
        values[name] = _freeze(value, spec or "", conversion)
    return Msg(template, values)


# English's plural rule, as gettext has it (one form for n == 1, the other for every other n).
_ENGLISH_PLURALS = gettext.NullTranslations()


def msg_n(singular: str, plural: str, n: Any, /, **args: Any) -> Msg:
    """A message whose English has two forms by the number `n`: "1 team" / "{count} teams".

    gettext's `ngettext` picks the English form; the message keeps that form's template, so
    stores and catalogues see the same template as a plain `msg` of it would. Each form is
    a catalogue key of its own (Japanese says both alike: "1チーム", "{count}チーム"), and the
    catalogue test collects both. Fields a form does not name are left out (as in `msg`).
    """
    return msg(_ENGLISH_PLURALS.ngettext(singular, plural, n), **args)


def _freeze(value: Any, spec: str, conversion: str | None) -> Any:
    if isinstance(value, Msg):
        return value.source()
    if isinstance(value, (list, tuple)) and not conversion:
        return [_freeze(v, spec, None) for v in value]
    if conversion:
        value = _FORMATTER.convert_field(value, conversion)
    return format(value, spec)


def comma_list(items: Sequence[Any]) -> Msg:
    """Messages (or names) as one, joined with ", " in English and "、" in Japanese.

    A list field joins sentences with "; " (a clause each); this is for a run of short
    phrases that read as one list: "deployment blue is Failed, deployment green is Creating".
    """
    if not items:
        return Msg("")
    joined = as_msg(items[0])
    for item in items[1:]:
        joined = msg("{earlier}, {later}", earlier=joined, later=as_msg(item))
    return joined


def as_msg(value: Any) -> Msg:
    """Anything a check raised or returned, as a message (plain text stays as it is, untranslated)."""
    if isinstance(value, Msg):
        return value
    return Msg("" if value is None else str(value))


def render(template: str, values: Mapping[str, Any], lang: str, catalogue: Any) -> str:
    """Fill `template`'s fields with formatted values (specs were applied when the message was made)."""
    out = []
    for literal, name, _spec, _conversion in _FORMATTER.parse(template):
        out.append(literal)
        if name is None:
            continue
        out.append(_say_value(values.get(name, "{" + name + "}"), lang, catalogue))
    return "".join(out)


def _say_value(value: Any, lang: str, catalogue: Any) -> str:
    if isinstance(value, Mapping):
        nested = Msg.from_source(value)
        return catalogue.say(nested) if catalogue else str(nested)
    if isinstance(value, list):
        sentences, names = SEPARATORS.get(lang, SEPARATORS[DEFAULT])
        if any(isinstance(v, Mapping) for v in value):
            # Sentences: a Japanese one may end in 。 already; one full stop between two, not two.
            return sentences.join(_say_value(v, lang, catalogue).rstrip("。") for v in value)
        return names.join(_say_value(v, lang, catalogue) for v in value)
    return str(value)
