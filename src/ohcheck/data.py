"""Adventure Works TransactionHistory: the real loader, the hack's transform, the three CSVs.

The source is Microsoft's AdventureWorks OLTP install script (a zip from the
sql-server-samples releases) holding `TransactionHistory.csv`: tab-separated,
no header, nine columns. The hack's series (hack.md):

1. PaidAmount = Quantity * ActualCost
2. the daily *mean* by TransactionDate, gaps interpolated
3. 2013-07 ... 2014-05
4. mlops_forecast_data.csv (all), ...2013.csv, ...2014.csv: TransactionDate,PaidAmount

Machines without internet get the same files from the offline generator
(`ohcheck.data_generator`), which writes a file in exactly the same format.
pandas is imported inside the functions: this module is imported by the CLI.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ohcheck.atomic import write_atomic
from ohcheck.errors import DataError, writing
from ohcheck.i18n import Msg, msg

if TYPE_CHECKING:
    import pandas as pd

OFFICIAL_ZIP_URL = (
    "https://github.com/Microsoft/sql-server-samples/releases/download/adventureworks/"
    "AdventureWorks-oltp-install-script.zip"
)
HISTORY_FILE = "TransactionHistory.csv"
COLUMNS = (
    "TransactionID",
    "ProductID",
    "ReferenceOrderID",
    "ReferenceOrderLineID",
    "TransactionDate",
    "TransactionType",
    "Quantity",
    "ActualCost",
    "ModifiedDate",
)
SERIES_FILES = {
    "all": "mlops_forecast_data.csv",
    "2013": "mlops_forecast_data2013.csv",
    "2014": "mlops_forecast_data2014.csv",
}
SERIES_COLUMNS = ("TransactionDate", "PaidAmount")
FIRST_MONTH, LAST_MONTH = "2013-07", "2014-05"

Progress = Callable[[int, int | None], None]  # bytes so far, total if known


@dataclass
class PrepareReport:
    source: str  # what the data came from, in words (a message for the generator)
    synthetic: bool
    history_rows: int
    files: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    first: dict[str, str] = field(default_factory=dict)
    last: dict[str, str] = field(default_factory=dict)
    note: str = ""  # e.g. why we fell back to the generator (a message, i18n.Msg)


def read_transaction_history(source: Path | str | io.BytesIO, *, name: str = HISTORY_FILE) -> "pd.DataFrame":
    """Parse TransactionHistory from its CSV, or from the install-script zip holding it.

    `name` says where bytes given as a BytesIO came from, for the messages: the file or URL the user named.
    """
    import pandas as pd

    if isinstance(source, io.BytesIO):
        raw = source.getvalue()
    else:
        path = Path(source)
        name = str(path)
        if not path.is_file():
            raise DataError(msg("{path} does not exist.", path=path))
        raw, name = _history_from_file(path)
    text = _decode(raw, name)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep="\t",
            header=None,
            names=list(COLUMNS),
            dtype={"TransactionType": "string"},
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(msg("{name} is not a TransactionHistory file: {reason}.", name=name, reason=str(exc))) from None
    if frame.empty:
        raise DataError(msg("{name} has no rows.", name=name))
    problem: str | Msg = ""
    try:
        frame["TransactionDate"] = pd.to_datetime(frame["TransactionDate"], format="%Y-%m-%d %H:%M:%S")
        frame["Quantity"] = pd.to_numeric(frame["Quantity"])
        frame["ActualCost"] = pd.to_numeric(frame["ActualCost"])
    except (ValueError, TypeError) as exc:
        problem = str(exc).splitlines()[0]
    if not problem:
        empty = frame[list(COLUMNS)].isna().any()
        if empty.any():
            problem = msg("no {column} on some rows", column=empty[empty].index[0])
    if problem:
        raise DataError(msg(
            "{name} is not in the TransactionHistory format (tab-separated, no header, "
            "{count} columns: {columns}): {problem}.", name=name, count=len(COLUMNS), columns=list(COLUMNS),
            problem=problem,
        ))
    return frame


def _history_from_zip(path: Path) -> io.BytesIO:
    return io.BytesIO(_history_from_file(path)[0])


def _history_from_file(path: Path, shown: str | None = None) -> tuple[bytes, str]:
    """TransactionHistory's bytes from a zip holding it, or the file itself; and the name messages give them
    (`shown`: the file as the user named it, else its path), so a bad source is blamed by its own name."""
    from ohcheck import user_files

    shown = shown or str(path)
    try:
        if not zipfile.is_zipfile(path):
            return user_files.read_bytes(path), shown  # a FIFO or a device is refused, not waited on
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if Path(m).name.lower() == HISTORY_FILE.lower()]
            if not members:
                raise DataError(msg("{path} holds no {file}; is it the AdventureWorks OLTP install script?",
                                    path=shown, file=HISTORY_FILE))
            return archive.read(members[0]), msg("{member} in {path}", member=members[0], path=shown)
    except user_files.NotRegularFile as exc:
        raise DataError(exc.sentence) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:  # torn, or packed unreadably
        raise DataError(msg("{path} is a damaged zip ({reason}): download it again.", path=shown,
                            reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)) from None
    except OSError as exc:
        raise DataError(msg("Cannot read {path}: {reason}.", path=shown, reason=exc.strerror or exc)) from None


def _decode(raw: bytes, name: str) -> str:
    # The install script's CSVs are plain ASCII/UTF-8, but some copies are UTF-16.
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(msg("{name} is not text (expected a tab-separated TransactionHistory file).",
                            name=name)) from None


def to_daily_series(history: "pd.DataFrame") -> "pd.Series":
    """PaidAmount = Quantity x ActualCost, daily mean, interpolated, 2013-07 ... 2014-05."""
    paid = (history["Quantity"] * history["ActualCost"]).rename("PaidAmount")
    paid.index = history["TransactionDate"]
    daily = paid.resample("D").mean().interpolate()
    daily.index.name = "TransactionDate"
    sliced = daily.loc[FIRST_MONTH:LAST_MONTH]
    if sliced.empty:
        raise DataError(msg(
            "The transactions hold no days between {first} and {last}; "
            "is this the Adventure Works TransactionHistory?", first=FIRST_MONTH, last=LAST_MONTH,
        ))
    return sliced


def split_series(daily: "pd.Series") -> dict[str, "pd.Series"]:
    return {"all": daily, "2013": daily.loc["2013"], "2014": daily.loc["2014"]}


def write_series_files(daily: "pd.Series", out_dir: Path) -> dict[str, Path]:
    """Write the three CSVs; each appears whole or not at all."""
    with writing(out_dir / SERIES_FILES["all"]):  # named by a file in it: says which parent is in the way
        out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for key, part in split_series(daily).items():
        frame = part.reset_index()
        frame["TransactionDate"] = frame["TransactionDate"].dt.strftime("%Y-%m-%d")
        target = out_dir / SERIES_FILES[key]
        with writing(target):
            write_atomic(target, frame.to_csv(index=False, lineterminator="\n"))
        written[key] = target
    return written


def download(url: str, dest: Path, *, timeout: float = 15.0, progress: Progress | None = None) -> Path:
    """Fetch `url` to `dest` (atomically). Network problems raise ConnectionError(why, in a few words: a Msg)."""
    import requests

    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            try:
                with requests.get(url, stream=True, timeout=(min(timeout, 10.0), timeout)) as reply:
                    reply.raise_for_status()
                    total = int(reply.headers.get("content-length") or 0) or None
                    done = 0
                    for chunk in reply.iter_content(chunk_size=1 << 16):
                        handle.write(chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, total)
            except requests.RequestException as exc:
                raise ConnectionError(_reason(exc, url, timeout)) from None
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def _reason(exc: Exception, url: str, timeout: float) -> str:
    """Why a download failed, in a few words (requests' own messages run to paragraphs)."""
    import requests
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or url
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return msg("HTTP {status} from {host}", status=exc.response.status_code, host=host)
    if isinstance(exc, requests.Timeout):
        return msg("{host} did not answer within {limit:g} s", host=host, limit=timeout)
    if isinstance(exc, requests.ConnectionError):
        return msg("cannot connect to {host} (no network?)", host=host)
    return type(exc).__name__


def _why(exc: Exception) -> str:
    """A ConnectionError's reason: the message download() raised it with (a Msg), else its text."""
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, Msg) else str(exc)


def prepare(
    source: str,
    out_dir: Path,
    *,
    seed: int = 0,
    progress: Progress | None = None,
    timeout: float = 15.0,
) -> PrepareReport:
    """Get TransactionHistory and write the three series into `out_dir`.

    `source` is `auto` (the official zip; if it cannot be downloaded, the
    generator, said plainly in the report), `synthetic`, a URL, or a path to the
    zip or the CSV. The raw TransactionHistory.csv is kept beside the series.
    Nothing is written until the source has been read and transformed, so a
    bad source leaves `out_dir` as it was.
    """
    from ohcheck.data_generator import generate_transaction_history

    note = ""
    name = HISTORY_FILE  # what the messages call the data: the file or URL given, the generator's file
    synthetic = source == "synthetic"
    if synthetic:
        payload = generate_transaction_history(seed=seed)
        described = msg("synthetic (offline generator, seed {seed})", seed=seed)
    elif source == "auto" or source.startswith(("http://", "https://")):
        url = OFFICIAL_ZIP_URL if source == "auto" else source
        try:
            payload = _fetch_history(url, timeout=timeout, progress=progress)
            described = name = url
        except ConnectionError as exc:
            if source != "auto":
                raise DataError(msg("Could not download {url}: {reason}.", url=url, reason=_why(exc))) from None
            payload = generate_transaction_history(seed=seed)
            synthetic = True
            described = msg("synthetic (offline generator, seed {seed})", seed=seed)
            note = msg(
                "Could not download the official Adventure Works data ({reason}); "
                "used the offline generator instead (seed {seed}): same format, synthetic values.",
                reason=_why(exc), seed=seed,
            )
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise DataError(
                msg("The data source {source!r} is neither `auto`, `synthetic`, a URL, nor an existing file.",
                    source=source)
            )
        payload, name = _history_from_file(path, source)
        described = str(path)

    history = read_transaction_history(io.BytesIO(payload), name=name)
    daily = to_daily_series(history)
    out_dir = Path(out_dir)
    raw_csv = out_dir / HISTORY_FILE
    if not (raw_csv.is_file() and raw_csv.read_bytes() == payload):
        with writing(raw_csv):
            write_atomic(raw_csv, payload)
    files = write_series_files(daily, out_dir)
    parts = split_series(daily)
    return PrepareReport(
        source=described,
        synthetic=synthetic,
        history_rows=len(history),
        files=files,
        rows={k: len(v) for k, v in parts.items()},
        first={k: f"{v.index[0]:%Y-%m-%d}" for k, v in parts.items()},
        last={k: f"{v.index[-1]:%Y-%m-%d}" for k, v in parts.items()},
        note=note,
    )


def _fetch_history(url: str, *, timeout: float, progress: Progress | None) -> bytes:
    with tempfile.TemporaryDirectory(prefix="ohcheck-download-") as tmp:
        downloaded = download(url, Path(tmp) / "source", timeout=timeout, progress=progress)
        return _history_from_file(downloaded, url)[0]
