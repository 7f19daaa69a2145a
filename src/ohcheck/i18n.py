"""Saying things in the reader's language: which language, and messages that can be said in either.

Which language (first that answers): `--lang`, then OHCHECK_LANG, then the
`language:` of the file the command reads (ohcheck.yaml for a team, event.yaml
for a coach or facilitator), then the system locale (LC_ALL, LC_MESSAGES,
LANG), else English. The command chooses once: `choose` at its start, `adopt` when it has read its
file (cli.options); reading a file never changes the language (a coach's report reads teams' files).

A message is a `Msg`: an English template with named fields and the values of
those fields, already formatted. Its str() is the English sentence, so code
and stores that know nothing of languages keep working; `say(message, lang)`
renders it again from a catalogue's template in another language. Results are
stored with the template and values, so a coach reads a team's results in the
coach's language whatever language the team verified in.

Catalogues are YAML: `messages:` maps an English template to its translation
(and a pack's check catalogues also hold `criteria:` titles and hints by id).
A message without a translation falls back to English. Keyed by the English
template, as gettext does: changing an English sentence orphans its
translation, and the catalogue test says which. (YAML rather than gettext .po
files: the pack is authored as YAML and Markdown, the lookup is a dict, and
the test checks the fields of every translation against the English.)
"""

from __future__ import annotations

import locale
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Messages themselves live a layer below (ohcheck.messages), so that what they need (YAML reading
# for the catalogues) can say things too without an import circle; here they are re-exported.
from ohcheck.messages import _FORMATTER, DEFAULT, SEPARATORS, Msg, as_msg, comma_list, msg, msg_n, render

LANGUAGES = ("en", "ja")
ENV = "OHCHECK_LANG"


class LanguageError(ValueError):
    """A language ohcheck does not speak."""


def normalise(value: str | None, *, where: str = "") -> str | None:
    """'ja', 'JA', 'ja_JP.UTF-8', 'japanese' -> 'ja'; '' or None -> None; anything else is an error."""
    if value is None:
        return None
    text = str(value).strip().lower().replace("-", "_")
    if not text:
        return None
    head = text.split(".")[0].split("_")[0]
    if head in ("japanese",):
        head = "ja"
    if head in ("english", "c", "posix"):
        head = "en"
    if head in LANGUAGES:
        return head
    place = f" in {where}" if where else ""
    raise LanguageError(f"{value!r}{place} is not a language ohcheck speaks: use one of {', '.join(LANGUAGES)}.")


def system_language() -> str | None:
    """The language the system locale asks for, if ohcheck speaks it."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(name)
        if value:
            try:
                return normalise(value.split(":")[0])
            except LanguageError:
                return None
    try:
        found = locale.getlocale()[0]
    except ValueError:
        return None
    try:
        return normalise(found)
    except LanguageError:
        return None


@dataclass
class _Choice:
    explicit: str | None = None  # --lang, or OHCHECK_LANG
    from_file: str | None = None  # ohcheck.yaml / event.yaml


_choice = _Choice()


def choose(flag: str | None, *, source: str = "--lang") -> None:
    """Start of a command: `--lang` if given, else OHCHECK_LANG; a file may still decide later.

    `source` names where `flag` came from (the CLI gives OHCHECK_LANG when its parser read the variable),
    so a wrong value is said to be wrong where the user wrote it."""
    _choice.explicit = normalise(flag, where=source) or normalise(os.environ.get(ENV), where=ENV)
    _choice.from_file = None


def adopt(file_language: str | None) -> None:
    """The language a config or event file names; used when neither --lang nor OHCHECK_LANG chose."""
    _choice.from_file = file_language or _choice.from_file


def language() -> str:
    """The language to speak now."""
    return _choice.explicit or _choice.from_file or system_language() or DEFAULT


# -- translated files --------------------------------------------------------------------------------


def twin_name(name: str, lang: str) -> str:
    """A file's translation beside it: `challenge-03.md` -> `challenge-03.ja.md`, `ohcheck.yaml.j2` -> `ohcheck.yaml.ja.j2`."""
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{lang}.{suffix}" if dot else f"{name}.{lang}"


def template_in(env: Any, name: str, lang: str) -> Any:
    """The Jinja template `name` in `lang`: its twin when the environment has one, else the English."""
    twin = twin_name(name, lang)
    return env.get_template(twin if lang != DEFAULT and twin in env.list_templates() else name)


# -- catalogues ------------------------------------------------------------------------------------


@dataclass
class Catalogue:
    """Translations into one language: messages by English template, criteria by id."""

    lang: str = DEFAULT
    messages: dict[str, str] = field(default_factory=dict)
    criteria: dict[str, dict[str, str]] = field(default_factory=dict)

    def merge(self, data: Mapping[str, Any], *, where: str) -> None:
        for key, value in (data.get("messages") or {}).items():
            self.messages[str(key)] = str(value)
        for cid, entry in (data.get("criteria") or {}).items():
            if not isinstance(entry, Mapping):
                raise ValueError(f"{where}: criteria.{cid} must be a mapping with title and hint")
            self.criteria[str(cid)] = {k: str(v) for k, v in entry.items() if v is not None}

    def title(self, cid: str, english: str) -> str:
        return self.criteria.get(cid, {}).get("title") or english

    def hint(self, cid: str, english: str) -> str:
        if not english:
            return ""
        return self.criteria.get(cid, {}).get("hint") or english

    def say(self, message: Any) -> str:
        """`message` (a Msg, a stored source, or plain text) in this catalogue's language."""
        if isinstance(message, Mapping):
            message = Msg.from_source(message)
        if not isinstance(message, Msg):
            text = "" if message is None else str(message)
            return self.messages.get(text, text) if self.lang != DEFAULT else text
        if self.lang == DEFAULT:
            return str(message)
        template = self.messages.get(message.template)
        if not message.values:  # plain text, or a sentence without fields: nothing to fill in
            return template if template is not None else str(message)
        if template is None:  # untranslated: English, with any nested messages still translated
            return render(message.template, message.values, DEFAULT, self)
        return render(template, message.values, self.lang, self)


def untranslated(catalogue: Catalogue, message: Any) -> list[str]:
    """The templates of `message` (a Msg or a stored source, nested ones too) that `catalogue` cannot say.

    The self-test asks this of every message a run produced: in Japanese, an English fallback is a gap.
    """
    if catalogue.lang == DEFAULT or message is None:
        return []
    if isinstance(message, Msg):
        message = message.source()
    if not isinstance(message, Mapping):
        text = str(message)
        return [text] if text.strip() and text not in catalogue.messages else []
    missing = []
    template = str(message.get("template", ""))
    if template.strip() and template not in catalogue.messages:
        missing.append(template)
    for warning in message.get("warnings") or []:
        missing.extend(untranslated(catalogue, warning))
    for value in (message.get("values") or {}).values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Mapping):
                missing.extend(untranslated(catalogue, item))
    return missing


def load_catalogue(lang: str, files: Iterable[Path]) -> Catalogue:
    """One language's catalogue from YAML files (later files win on the same key)."""
    import yaml

    from ohcheck.yaml_load import strict_load

    catalogue = Catalogue(lang)
    if lang == DEFAULT:
        return catalogue
    for path in files:
        try:
            # A message given twice would lose its first translation without a word: refused (yaml_load).
            data = strict_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"{path} cannot be read as a message catalogue: {exc}") from None
        if not isinstance(data, Mapping):
            raise ValueError(f"{path} is not a message catalogue (a mapping with messages: and criteria:)")
        catalogue.merge(data, where=str(path))
    return catalogue


_FRAMEWORK = Path(__file__).parent / "locale"


def framework_files(lang: str) -> list[Path]:
    """ohcheck's own catalogue (its CLI, runner and reports), not the pack's: locale/<lang>.yaml and locale/<lang>/*.yaml."""
    path = _FRAMEWORK / f"{lang}.yaml"
    return ([path] if path.is_file() else []) + sorted((_FRAMEWORK / lang).glob("*.yaml"))


_cache: dict[str, Catalogue] = {}


def framework(lang: str | None = None) -> Catalogue:
    """ohcheck's own messages in `lang` (default: the language chosen now)."""
    lang = lang or language()
    if lang not in _cache:
        _cache[lang] = load_catalogue(lang, framework_files(lang))
    return _cache[lang]


def t(template: str, /, **args: Any) -> str:
    """A sentence of ohcheck's own, said now in the chosen language."""
    return framework().say(msg(template, **args))


def fields_of(template: str) -> list[str]:
    """The field names of a template, in order (for the catalogue test)."""
    return [name for _l, name, _s, _c in _FORMATTER.parse(template) if name is not None]


__all__: Sequence[str] = (
    "DEFAULT",
    "LANGUAGES",
    "SEPARATORS",
    "Catalogue",
    "LanguageError",
    "Msg",
    "adopt",
    "as_msg",
    "choose",
    "comma_list",
    "framework",
    "language",
    "msg",
    "msg_n",
    "t",
)
