"""A team's served forecast against the held-out truth, drawn for the coach's report.

The model is asked where the team serves it: on the local target the team
repo's local endpoint (ohcheck.yaml `local.scoring_url`), on azure the online
endpoint through the azure target (with its key, which the target registers
with the redactor so that no note can show it). The truth is what the checks
judge on: the last 10% of data/mlops_forecast_data.csv in the team repo
(checks/_forecasting.py `holdout_split`).

The scoring contract forecasts the n days after the model's training data. If
the served model's training run logged `train_end` (challenge 04's train.py
does), the forecast is placed on its real dates and n is chosen to reach the
end of the held-out days (at most the contract's 366); otherwise the forecast
is drawn from the first held-out day and the note says it was assumed.

Whatever goes wrong — no repo, no endpoint, a 500, a refused key — becomes
the one line of `ForecastPlot.note`; it is never an error for the whole report.

The note and the plot's labels are said in the coach's language (ohcheck.i18n);
the labels stay English when matplotlib has no font for the language's script,
so a plot never shows empty boxes.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ohcheck.errors import UserError
from ohcheck.event.model import LoadedEvent, Team
from ohcheck.i18n import framework, language, msg, t
from ohcheck.redaction import Redactor
from ohcheck.targets.base import Endpoint, NotOnThisTarget, Target, TargetError

if TYPE_CHECKING:
    import pandas as pd

SERIES_CSV = "mlops_forecast_data.csv"
TRAIN_FRACTION = 0.9  # the checks' split (checks/_forecasting.py): the last 10% is held out
MAX_DAYS = 366  # the scoring contract's longest forecast
CONTEXT_DAYS = 28  # training days drawn before the held-out ones, to show the level the model saw
SCORE_TIMEOUT = 60.0
# Fonts matplotlib may have with Japanese glyphs (its own DejaVu Sans has none), in order of preference.
JAPANESE_FONTS = ("Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAGothic", "Hiragino Sans", "Yu Gothic",
                  "Meiryo", "TakaoGothic", "VL Gothic")


@dataclass(frozen=True)
class ForecastPlot:
    """What the report shows: the image (a data: URI) when one was drawn, and one line either way."""

    note: str
    image: str | None = None  # data:image/png;base64,...
    served: str = ""  # the model the endpoint serves, "name:version", when known
    days: int = 0  # held-out days the forecast covers
    rmse: float | None = None
    mae: float | None = None


class _NotDrawn(Exception):
    """Why there is no plot, in one sentence (already said in the chosen language)."""


def forecast_plot(loaded: LoadedEvent, team: Team) -> ForecastPlot:
    """The team's forecast against the held-out truth, or a one-line reason why there is none."""
    redactor = Redactor()
    try:
        return _draw(loaded, team, redactor)
    except _NotDrawn as exc:
        return ForecastPlot(note=redactor.text(t("No forecast plot: {reason}.", reason=str(exc))))
    except UserError as exc:  # its message may be a Msg: said in the chosen language, its full stop left to ours
        reason = framework().say(exc.message).rstrip(".。")
        return ForecastPlot(note=redactor.text(t("No forecast plot: {reason}.", reason=reason)))
    except TargetError as exc:
        return ForecastPlot(note=redactor.text(t("No forecast plot: the target could not answer ({problem}).",
                                                 problem=str(exc))))
    except Exception as exc:  # noqa: BLE001 - a plot never takes the whole report down
        reason = str(exc).splitlines()[0] if str(exc) else ""
        problem = type(exc).__name__ + (": " + reason if reason else "")
        return ForecastPlot(note=redactor.text(t("No forecast plot: the model could not be asked ({problem}).",
                                                 problem=problem)))


def _draw(loaded: LoadedEvent, team: Team, redactor: Redactor) -> ForecastPlot:
    from ohcheck.coach.collect import team_repo
    from ohcheck.config import CONFIG_NAME, load_config, with_overrides
    from ohcheck.targets import open_target

    repo = team_repo(loaded, team)
    config = with_overrides(load_config(repo / CONFIG_NAME), target=team.target)
    if team.workspace is not None:  # the event names the workspace, as for collect
        config = config.model_copy(update={"azure": config.azure.model_copy(update={
            "subscription_id": team.workspace.subscription_id,
            "resource_group": team.workspace.resource_group,
            "workspace": team.workspace.name,
        })})
    series = _series(repo / config.paths.data / SERIES_CSV, f"{config.paths.data}/{SERIES_CSV}")
    cut = int(len(series) * TRAIN_FRACTION)
    train, held_out = series.iloc[:cut], series.iloc[cut:]
    if held_out.empty:
        raise _NotDrawn(t("{path} is too short to hold any day out", path=f"{config.paths.data}/{SERIES_CSV}"))

    target = open_target(config, repo, redactor)
    try:
        endpoint = target.endpoint(config.endpoint)
        if endpoint is None:
            where = (t("nothing answers at {url}", url=target.can.serves_at) if target.can.serves_at
                     else t("there is no online endpoint {endpoint}", endpoint=config.endpoint))
            raise _NotDrawn(t("the model is not reachable: {where}", where=where))
        served = _served(endpoint)
        train_end = _train_end(target, served) if served else None
        first, last = _day(held_out.index[0]), _day(held_out.index[-1])
        if train_end is not None:
            # Day i of the forecast is train_end + i: ask for enough days to reach the last held-out one.
            n = min(MAX_DAYS, (last - train_end).days)
            if n < 1:
                raise _NotDrawn(t("{model} was trained on data up to {end}, past the held-out days "
                                  "({first} … {last}): there is nothing left to compare",
                                  model=served, end=train_end, first=first, last=last))
            start = train_end + dt.timedelta(days=1)
        else:
            n = min(MAX_DAYS, len(held_out))
            start = first
        forecasts = _score(target, endpoint, n)
    finally:
        target.close()

    dates = [start + dt.timedelta(days=i) for i in range(n)]
    truth = {_day(d): float(v) for d, v in held_out.items()}
    pairs = [(d, f, truth[d]) for d, f in zip(dates, forecasts) if d in truth and math.isfinite(truth[d])]
    if not pairs:
        raise _NotDrawn(t("the forecast ({start} … {end}) does not reach the held-out days ({first} … {last})",
                          start=dates[0], end=dates[-1], first=first, last=last))
    residuals = [f - t for _, f, t in pairs]
    rmse = math.sqrt(sum(r * r for r in residuals) / len(residuals))
    mae = sum(abs(r) for r in residuals) / len(residuals)
    image = _png(team.name, served, train.iloc[-CONTEXT_DAYS:], held_out, pairs)

    model = served or t("the served model")
    covered = t("{days} of the {total} held-out days ({first} … {last})", days=len(pairs), total=len(held_out),
                first=first, last=last)
    if train_end is not None:
        placed = t("placed on its dates: {model} was trained on data up to {end}", model=model, end=train_end)
        if len(pairs) < len(held_out):
            placed += t("; the scoring contract forecasts at most {days} days", days=MAX_DAYS)
    else:
        if served:
            why = t("its training run logged no train_end")
        else:
            why = t("the endpoint does not say which model it serves")
        placed = t("drawn from the first held-out day ({why}, so the forecast is assumed to start there)", why=why)
    note = t("Forecast of {model} for {covered}, {placed}. RMSE {rmse:,.0f}, MAE {mae:,.0f} on those days.",
             model=model, covered=covered, placed=placed, rmse=rmse, mae=mae)
    return ForecastPlot(note=redactor.text(note), image=image, served=served, days=len(pairs), rmse=rmse, mae=mae)


def _series(path: Path, label: str) -> "pd.Series":
    """The team's daily series, sorted by day; _NotDrawn if it is missing or unreadable."""
    import pandas as pd  # imported lazily: slow to import

    if not path.is_file():
        raise _NotDrawn(t("the team repo has no {path} to compare the forecast with", path=label))
    try:
        frame = pd.read_csv(path)
        dates = pd.to_datetime(frame["TransactionDate"], format="%Y-%m-%d")
        values = pd.to_numeric(frame["PaidAmount"], errors="coerce")
    except (KeyError, ValueError, pd.errors.ParserError, UnicodeDecodeError):
        raise _NotDrawn(t("{path} is not the TransactionDate,PaidAmount series the checks read", path=label)) from None
    return pd.Series(values.to_numpy(), index=pd.DatetimeIndex(dates)).sort_index()


def _served(endpoint: Endpoint) -> str:
    """The model the deployment(s) taking the most traffic serve, "name:version" ("" if not one)."""
    deployments = list(endpoint.deployments)
    if endpoint.traffic:
        top = max(endpoint.traffic.values())
        deployments = [d for d in deployments if top > 0 and endpoint.traffic.get(d.name, 0) == top] or deployments
    models = {d.model.removeprefix("azureml:").strip() for d in deployments if d.model}
    return models.pop() if len(models) == 1 else ""


def _train_end(target: Target, served: str) -> dt.date | None:
    """The last training day the served model's run logged (param train_end), if it did."""
    name, _, version = served.partition(":")
    try:
        found = next((v for v in target.models(name) if v.version == version), None)
        run = target.run(found.job_name) if found and found.job_name else None
    except (TargetError, NotOnThisTarget):
        return None  # the lineage is out of reach: draw from the first held-out day instead
    value = run.params.get("train_end") if run else None
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _score(target: Target, endpoint: Endpoint, n: int) -> list[float]:
    from ohcheck.scoring import forecasts_in

    key = None
    if target.can.endpoint_auth and endpoint.auth_mode in ("key", ""):
        try:
            key = target.endpoint_key(endpoint.name)  # registered with the redactor by the target
        except NotOnThisTarget:
            key = None
    try:
        reply = target.score(endpoint, {"data": [n]}, key=key, timeout=SCORE_TIMEOUT)
    except OSError as exc:  # requests' connection errors and timeouts are OSErrors
        raise _NotDrawn(t("the model is not reachable at {url} ({kind})", url=endpoint.scoring_uri,
                          kind=type(exc).__name__)) from None
    request = '{"data": [' + str(n) + "]}"
    if reply.status != 200:
        raise _NotDrawn(t("{endpoint} answered HTTP {status} to {request}", endpoint=endpoint.name,
                          status=reply.status, request=request))
    values, problem = forecasts_in(reply.body, n)
    if values is None:
        raise _NotDrawn(t("{endpoint}'s reply to {request} is not usable: {problem}", endpoint=endpoint.name,
                          request=request, problem=framework().say(problem)))
    return values


def _day(value: Any) -> dt.date:
    return value.date() if hasattr(value, "date") else value


def _png(team: str, served: str, context: "pd.Series", held_out: "pd.Series",
         pairs: list[tuple[dt.date, float, float]]) -> str:
    """The plot as a PNG data: URI, its labels in the chosen language when matplotlib can draw it."""
    # Imported lazily (matplotlib takes a while to import); the Figure API with the Agg
    # canvas needs no display and leaves pyplot's global state alone.
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    families = _font_families(language())
    said = framework() if families else framework("en")  # no font for the script: English, never empty boxes
    labels = {
        "context": said.say(msg("the {days} training days before", days=len(context))),
        "truth": said.say(msg("held-out truth")),
        "forecast": said.say(msg("forecast of {model}", model=served) if served else msg("forecast")),
        "y": said.say(msg("PaidAmount per day")),
        "title": said.say(msg("{team}: forecast against the held-out days", team=team)),
    }
    with rc_context({"font.family": families} if families else {}):
        figure = Figure(figsize=(9, 3.6), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        axes.plot([_day(d) for d in context.index], context.to_numpy(dtype=float), color="#9aa0a6", linewidth=1,
                  label=labels["context"])
        axes.plot([_day(d) for d in held_out.index], held_out.to_numpy(dtype=float), color="#1f1f1f",
                  linewidth=1.6, marker="o", markersize=2.5, label=labels["truth"])
        axes.plot([d for d, _, _ in pairs], [f for _, f, _ in pairs], color="#d93025", linewidth=1.6,
                  label=labels["forecast"])
        locator = AutoDateLocator()
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(_japanese_dates(locator) if families else ConciseDateFormatter(locator))
        axes.set_ylabel(labels["y"])
        axes.set_title(labels["title"], fontsize=11)
        axes.grid(True, alpha=0.3)
        axes.legend(loc="best", fontsize=8)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _japanese_dates(locator: Any) -> Any:
    """The date axis as Japanese writes it: 2014年, 2月, 8日 (the English one says Feb and 2014-Feb)."""
    from matplotlib.dates import ConciseDateFormatter

    class Japanese(ConciseDateFormatter):
        def format_ticks(self, values: Any) -> list[str]:
            return [_no_leading_zero(label) for label in super().format_ticks(values)]

        def get_offset(self) -> str:
            return _no_leading_zero(super().get_offset())

    return Japanese(locator, formats=["%Y年", "%m月", "%d日", "%H:%M", "%H:%M", "%S.%f"],
                    zero_formats=["", "%Y年", "%m月", "%m月%d日", "%H:%M", "%H:%M"],
                    offset_formats=["", "%Y年", "%Y年%m月", "%Y年%m月%d日", "%Y年%m月%d日", "%Y年%m月%d日 %H:%M"])


def _no_leading_zero(label: str) -> str:
    return re.sub(r"(?<!\d)0(\d[月日])", r"\1", label)


def _font_families(lang: str) -> list[str]:
    """The font families for a plot in `lang`: [] for English (matplotlib's default), else DejaVu Sans for the
    Latin text and a font with the language's glyphs after it; [] too when this machine has none."""
    if lang != "ja":
        return []
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in JAPANESE_FONTS if name in installed), None)
    return ["DejaVu Sans", found] if found else []
