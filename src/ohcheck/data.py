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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ohcheck.atomic import write_atomic
from ohcheck.errors import DataError

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
    source: str  # what the data came from, in words
    synthetic: bool
    history_rows: int
    files: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    first: dict[str, str] = field(default_factory=dict)
    last: dict[str, str] = field(default_factory=dict)
    note: str = ""  # e.g. why we fell back to the generator


def read_transaction_history(source: Path | str | io.BytesIO) -> "pd.DataFrame":
    """Parse TransactionHistory from its CSV, or from the install-script zip holding it."""
    import pandas as pd

    if isinstance(source, io.BytesIO):
        name, raw = HISTORY_FILE, source.getvalue()
    else:
        path = Path(source)
        name = str(path)
        if not path.is_file():
            raise DataError(f"{path} does not exist.")
        raw = _history_from_zip(path).getvalue() if zipfile.is_zipfile(path) else path.read_bytes()
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
        raise DataError(f"{name} is not a TransactionHistory file: {exc}.") from None
    if frame.empty:
        raise DataError(f"{name} has no rows.")
    problem = ""
    try:
        frame["TransactionDate"] = pd.to_datetime(frame["TransactionDate"], format="%Y-%m-%d %H:%M:%S")
        frame["Quantity"] = pd.to_numeric(frame["Quantity"])
        frame["ActualCost"] = pd.to_numeric(frame["ActualCost"])
    except (ValueError, TypeError) as exc:
        problem = str(exc).splitlines()[0]
    if not problem:
        empty = frame[list(COLUMNS)].isna().any()
        if empty.any():
            problem = f"no {empty[empty].index[0]} on some rows"
    if problem:
        raise DataError(
            f"{name} is not in the TransactionHistory format (tab-separated, no header, "
            f"{len(COLUMNS)} columns: {', '.join(COLUMNS)}): {problem}."
        )
    return frame


def _history_from_zip(path: Path) -> io.BytesIO:
    with zipfile.ZipFile(path) as archive:
        members = [m for m in archive.namelist() if Path(m).name.lower() == HISTORY_FILE.lower()]
        if not members:
            raise DataError(f"{path} holds no {HISTORY_FILE}; is it the AdventureWorks OLTP install script?")
        return io.BytesIO(archive.read(members[0]))


def _decode(raw: bytes, name: str) -> str:
    # The install script's CSVs are plain ASCII/UTF-8, but some copies are UTF-16.
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{name} is not text (expected a tab-separated TransactionHistory file).") from None


def to_daily_series(history: "pd.DataFrame") -> "pd.Series":
    """PaidAmount = Quantity x ActualCost, daily mean, interpolated, 2013-07 ... 2014-05."""
    paid = (history["Quantity"] * history["ActualCost"]).rename("PaidAmount")
    paid.index = history["TransactionDate"]
    daily = paid.resample("D").mean().interpolate()
    daily.index.name = "TransactionDate"
    sliced = daily.loc[FIRST_MONTH:LAST_MONTH]
    if sliced.empty:
        raise DataError(
            f"The transactions hold no days between {FIRST_MONTH} and {LAST_MONTH}; "
            "is this the Adventure Works TransactionHistory?"
        )
    return sliced


def split_series(daily: "pd.Series") -> dict[str, "pd.Series"]:
    return {"all": daily, "2013": daily.loc["2013"], "2014": daily.loc["2014"]}


def write_series_files(daily: "pd.Series", out_dir: Path) -> dict[str, Path]:
    """Write the three CSVs; each appears whole or not at all."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for key, part in split_series(daily).items():
        frame = part.reset_index()
        frame["TransactionDate"] = frame["TransactionDate"].dt.strftime("%Y-%m-%d")
        target = out_dir / SERIES_FILES[key]
        write_atomic(target, frame.to_csv(index=False, lineterminator="\n"))
        written[key] = target
    return written


def download(url: str, dest: Path, *, timeout: float = 15.0, progress: Progress | None = None) -> Path:
    """Fetch `url` to `dest` (atomically). Network problems raise ConnectionError(why, in a few words)."""
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
        return f"HTTP {exc.response.status_code} from {host}"
    if isinstance(exc, requests.Timeout):
        return f"{host} did not answer within {timeout:g} s"
    if isinstance(exc, requests.ConnectionError):
        return f"cannot connect to {host} (no network?)"
    return type(exc).__name__


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
    synthetic = source == "synthetic"
    if synthetic:
        payload = generate_transaction_history(seed=seed)
        described = f"synthetic (offline generator, seed {seed})"
    elif source == "auto" or source.startswith(("http://", "https://")):
        url = OFFICIAL_ZIP_URL if source == "auto" else source
        try:
            payload = _fetch_history(url, timeout=timeout, progress=progress)
            described = url
        except ConnectionError as exc:
            if source != "auto":
                raise DataError(f"Could not download {url}: {exc}.") from None
            payload = generate_transaction_history(seed=seed)
            synthetic = True
            described = f"synthetic (offline generator, seed {seed})"
            note = (
                f"Could not download the official Adventure Works data ({exc}); "
                f"used the offline generator instead (seed {seed}): same format, synthetic values."
            )
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise DataError(
                f"The data source {source!r} is neither `auto`, `synthetic`, a URL, nor an existing file."
            )
        payload = _history_from_zip(path).getvalue() if zipfile.is_zipfile(path) else path.read_bytes()
        described = str(path)

    history = read_transaction_history(io.BytesIO(payload))
    daily = to_daily_series(history)
    out_dir = Path(out_dir)
    raw_csv = out_dir / HISTORY_FILE
    if not (raw_csv.is_file() and raw_csv.read_bytes() == payload):
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
        if zipfile.is_zipfile(downloaded):
            return _history_from_zip(downloaded).getvalue()
        return downloaded.read_bytes()
