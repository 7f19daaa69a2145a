"""`ohcheck event init`: a commented event.yaml to fill in, which `ohcheck event validate` accepts as it is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ohcheck.atomic import write_atomic
from ohcheck.errors import UserError
from ohcheck.i18n import msg, template_in

LANGUAGES = ("en", "ja")
# The region the Japanese seed hack ran in; an English event gets the most common one.
_REGION = {"en": "eastus", "ja": "japaneast"}


def render_example(*, language: str = "en", today: dt.date | None = None) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    if language not in LANGUAGES:
        raise UserError(msg("Unknown language {language!r}: choose en or ja.", language=language))
    starts = (today or dt.date.today()) + dt.timedelta(days=14)  # a date to overwrite, but a valid one
    env = Environment(loader=PackageLoader("ohcheck", "templates"), undefined=StrictUndefined,
                      keep_trailing_newline=True, autoescape=False)
    return template_in(env, "event.yaml.j2", language).render(
        starts=starts.isoformat(), ends=(starts + dt.timedelta(days=2)).isoformat(),
        language=language, region=_REGION[language])



def write_example(path: Path, *, language: str = "en", force: bool = False) -> Path:
    """Write the example to `path`; never over an existing file unless `force`."""
    text = render_example(language=language)
    if path.is_dir():
        raise UserError(msg("{path} is a folder: name the file to write, e.g. {example}.", path=path,
                            example=path / "event.yaml"))
    if path.exists() and not force:
        raise UserError(msg("{path} already exists; it was left as it is.", path=path),
                        hint=msg("Edit it, or pass --force to replace it."))
    if not path.parent.exists():
        raise UserError(msg("The folder {folder} does not exist.", folder=path.parent))
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise UserError(msg("Cannot write {path}: {error}.", path=path, error=exc.strerror or exc)) from None
    return path
