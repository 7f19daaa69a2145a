"""What every command group shares: one sentence and an exit code for a user error, consoles, JSON.

Only Typer and the standard library at import time (see cli.py on start-up cost).
"""

import functools
import inspect
import logging
import os
from collections.abc import Callable
from typing import Annotated, Any, Optional

import typer

from ohcheck.render import console

from ohcheck.errors import UserError

EXIT_INTERNAL = 4
_NULL = logging.NullHandler()
_LANG_PARAM = "ohcheck_lang"
_CONTEXT_PARAM = "ohcheck_context"  # the parser's context, to ask where --lang's value came from
LangOption = Annotated[
    Optional[str],
    typer.Option(
        "--lang",
        envvar="OHCHECK_LANG",
        show_envvar=False,  # the help says it in its own words, in either language
        metavar="en|ja",
        help="The language to answer in (env: OHCHECK_LANG). Default: `language:` in ohcheck.yaml or "
        "event.yaml, else the system locale.",
    ),
]


def _command(group: typer.Typer, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command whose user errors end in one sentence and an exit code, never a traceback."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*a: Any, **k: Any) -> Any:
            # The Azure SDK logs its own long account of a failure (every credential it tried) as a
            # warning; ohcheck says it in one sentence, so the SDK's goes nowhere unless logging is set up.
            # ohcheck's own log (a crashed check's traceback, for .ohcheck/ohcheck.log) and urllib3's
            # retries likewise: with no handler of their own, Python's last resort printed them on
            # stderr whenever the store's log was not open (--no-store, every coach collect).
            for name in ("azure", "ohcheck", "urllib3"):
                logging.getLogger(name).addHandler(_NULL)
            try:
                from ohcheck import i18n

                from ohcheck.cli.options import forget_team_files

                forget_team_files()  # each command reads the team's files afresh, once
                flag = k.pop(_LANG_PARAM, None)
                context = k.pop(_CONTEXT_PARAM)
                source = context.get_parameter_source(_LANG_PARAM)
                try:
                    i18n.choose(flag, source=i18n.ENV if source is not None and source.name == "ENVIRONMENT"
                                else "--lang")
                except i18n.LanguageError as exc:
                    raise UserError(str(exc)) from None
                return func(*a, **k)
            except UserError as exc:
                _say_error(exc.message, exc.hint)
                raise typer.Exit(exc.exit_code) from None
            except KeyboardInterrupt:
                from ohcheck.i18n import msg

                _say_error(msg("Interrupted."))
                raise typer.Exit(130) from None
            except Exception as exc:  # noqa: BLE001
                if type(exc).__module__.split(".")[0] in {"typer", "click"} or os.environ.get("OHCHECK_DEBUG"):
                    raise
                from ohcheck.i18n import msg

                first = (str(exc).splitlines() or [""])[0]
                _say_error(
                    msg("ohcheck hit an internal error: {kind}: {error}", kind=type(exc).__name__, error=first),
                    msg("Run again with OHCHECK_DEBUG=1 for the traceback, and please report it."),
                )
                raise typer.Exit(EXIT_INTERNAL) from None

        _with_lang_option(wrapper, func)
        from ohcheck.cli.help import LocalisedCommand

        group.command(*args, cls=LocalisedCommand, **kwargs)(wrapper)
        return func

    return decorate


def _with_lang_option(wrapper: Callable[..., Any], func: Callable[..., Any]) -> None:
    """Every command takes --lang: added here, once, rather than in each command's signature (with the
    parser's context, which Typer passes to a parameter of its type)."""
    signature = inspect.signature(func)
    lang = inspect.Parameter(_LANG_PARAM, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=LangOption)
    context = inspect.Parameter(_CONTEXT_PARAM, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)
    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), lang, context])
    wrapper.__annotations__ = {**getattr(func, "__annotations__", {}), _LANG_PARAM: LangOption,
                               _CONTEXT_PARAM: typer.Context}


# Drawing lives in render/; the commands know these by their old short names.
_stderr, _stdout = console.stderr, console.stdout
_labelled, _line, _say = console.labelled, console.line, console.say


def _say_error(message: str, hint: Optional[str] = None) -> None:
    """One sentence (and a hint) on stderr, in the chosen language when the sentence is a message (i18n.msg)."""
    from ohcheck import i18n

    said = i18n.framework()
    console = _stderr()
    _labelled(console, i18n.t("error:"), "bold red", said.say(message))
    if hint:
        _labelled(console, i18n.t("hint:"), "cyan", said.say(hint))


def _say_warning(*sentences: str) -> None:
    """Something the user should know though the command did its work (results shown but not stored): on
    stderr, each sentence in the chosen language."""
    from ohcheck import i18n

    said = i18n.framework()
    _labelled(_stderr(), i18n.t("warning:"), "bold yellow", " ".join(said.say(s) for s in sentences))


_echo_json = console.echo_json
