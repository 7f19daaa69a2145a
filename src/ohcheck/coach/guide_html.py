"""A coach guide's page (the pack's coach/challenge-NN.md, or its .ja.md) as a small self-contained HTML page,
for the dashboard's drill-down: served at /guide/<challenge> and written beside a written dashboard.

The Markdown is the pack's, rendered with markdown-it-py (rich depends on it) with raw HTML off: a guide's
text is text, its links are kept. A link to another challenge's guide (`./challenge-04.md`) points at that
guide's page here, so the guide's own Previous / Next links work; every other link is kept as written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ohcheck.errors import UserError
from ohcheck.i18n import language, msg

if TYPE_CHECKING:
    from jinja2 import Template

    from ohcheck.pack import Challenge

_GUIDE_LINK = re.compile(r"^(?:\./)?(challenge-\d\d)(?:\.ja)?\.md(#[^\s]*)?$", re.IGNORECASE)


def guide_markdown(challenge: Challenge, lang: str) -> str:
    """The coach guide's Markdown for `challenge` in `lang` (the English one when it has no translation)."""
    page = challenge.coach_page(lang)
    if page is None or not page.is_file():
        raise UserError(msg("{challenge} has no coach guide in this hack pack.", challenge=challenge.id))
    return page.read_text(encoding="utf-8")


def render_guide(challenge: Challenge, *, back: str, guide_href: Callable[[str], str],
                 known: set[str] | None = None) -> str:
    """The guide as a page in the chosen language. `back`: the link to the dashboard; `guide_href(id)`: the
    link to another challenge's guide page; `known`: the challenges that have a guide page (None: all)."""
    from markupsafe import Markup

    from ohcheck.coach.report import t_html

    lang = language()
    body = _markdown().render(guide_markdown(challenge, lang))
    body = _relink(body, guide_href, known)
    return _template().render(lang=lang, t=t_html, title=challenge.title_in(lang), challenge=challenge.id,
                              body=Markup(body), back=back)


def _relink(html: str, guide_href: Callable[[str], str], known: set[str] | None) -> str:
    from markupsafe import escape

    def swap(match: re.Match[str]) -> str:
        href = match.group(1)
        found = _GUIDE_LINK.match(href.replace("&amp;", "&"))
        target = found.group(1).lower() if found else ""  # the original hack names its pages Challenge-02.md
        if found is None or (known is not None and target not in known):
            return match.group(0)
        return f'href="{escape(guide_href(target) + (found.group(2) or ""))}"'

    return re.sub(r'href="([^"]*)"', swap, html)


@functools.lru_cache(maxsize=1)
def _markdown():  # noqa: ANN202 - markdown_it's type, imported lazily
    from markdown_it import MarkdownIt

    # commonmark with tables; html=False: a raw <script> or <img onerror> in a guide is shown as text.
    # markdown-it's own link check already refuses javascript:, vbscript: and data: (but images) links.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


@functools.lru_cache(maxsize=1)
def _template() -> Template:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("ohcheck", "templates"), undefined=StrictUndefined, autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template("coach_guide.html.j2")
