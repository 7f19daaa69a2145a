"""Adventure Works data: the generator's format, the transform, the sources, and bad input."""

from __future__ import annotations

import filecmp
import io
import json
import zipfile

import pandas as pd
import pytest

from ohcheck.data import COLUMNS, prepare, read_transaction_history, to_daily_series
from ohcheck.data_generator import generate_transaction_history

from ..scripted_server import Reply, scripted_server


@pytest.fixture(scope="module")
def synthetic() -> bytes:
    return generate_transaction_history(seed=0)


def test_the_generator_writes_exactly_the_transaction_history_format(synthetic):
    lines = synthetic.split(b"\r\n")
    assert lines[-1] == b"" and b"\n" not in lines[0]  # CRLF line endings, nothing else
    rows = [line.decode("ascii").split("\t") for line in lines[:-1]]
    assert {len(row) for row in rows} == {9}
    assert rows[0][0] == "100000" and not rows[0][0].isalpha()  # no header
    assert [int(r[0]) for r in rows[:3]] == [100000, 100001, 100002]
    assert {r[5] for r in rows} == {"W", "S", "P"}
    assert rows[0][4] == "2013-07-31 00:00:00" and rows[-1][4].startswith("2014-08-0")
    assert all(r[4] == r[8] for r in rows[:1000])
    assert all(r[7] == "0" for r in rows if r[5] == "W")
    assert 90_000 < len(rows) < 130_000


def test_the_generator_is_deterministic_by_seed(synthetic):
    assert generate_transaction_history(seed=0) == synthetic
    assert generate_transaction_history(seed=1) != synthetic


def test_the_synthetic_series_has_the_real_ones_shape(synthetic):
    daily = to_daily_series(read_transaction_history(io.BytesIO(synthetic)))
    assert (daily.index[0], daily.index[-1], len(daily)) == (pd.Timestamp("2013-07-31"), pd.Timestamp("2014-05-31"), 305)
    assert 400 < daily.mean() < 1000
    by_day = daily.groupby(daily.index.day_of_week).mean()
    assert by_day[[5, 6]].max() < 0.7 * by_day[[0, 1, 2, 3, 4]].min(), "weekends are low"
    assert daily.min() > 0


def test_prepare_on_the_real_file_gives_the_hacks_series_exactly(tmp_path, shared_data):
    report = prepare(str(shared_data / "TransactionHistory.csv"), tmp_path)
    assert report.history_rows == 113_443 and not report.synthetic
    assert report.rows == {"all": 305, "2013": 154, "2014": 151}
    assert report.first == {"all": "2013-07-31", "2013": "2013-07-31", "2014": "2014-01-01"}
    assert report.last == {"all": "2014-05-31", "2013": "2013-12-31", "2014": "2014-05-31"}
    for path in report.files.values():
        assert filecmp.cmp(path, shared_data / path.name, shallow=False), path.name


def _zip_of(payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("AdventureWorks-oltp-install-script/instawdb.sql", "-- install script")
        archive.writestr("AdventureWorks-oltp-install-script/TransactionHistory.csv", payload)
    return buffer.getvalue()


def test_prepare_reads_the_install_script_zip(tmp_path, synthetic):
    (tmp_path / "aw.zip").write_bytes(_zip_of(synthetic))
    report = prepare(str(tmp_path / "aw.zip"), tmp_path / "out")
    assert report.rows["all"] == 305
    assert (tmp_path / "out" / "TransactionHistory.csv").read_bytes() == synthetic


def test_prepare_downloads_from_a_url(tmp_path, synthetic):
    with scripted_server(Reply(200, _zip_of(synthetic), {"Content-Type": "application/zip"})) as server:
        seen = []
        report = prepare(server.url + "/aw.zip", tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert report.source.endswith("/aw.zip") and not report.synthetic
    assert report.rows["2013"] == 154
    assert seen and seen[-1][0] == seen[-1][1]


def test_auto_falls_back_to_the_generator_and_says_so(tmp_path, monkeypatch):
    import ohcheck.data

    with scripted_server(Reply(503, b"down")) as server:
        monkeypatch.setattr(ohcheck.data, "OFFICIAL_ZIP_URL", server.url + "/aw.zip")
        report = prepare("auto", tmp_path)
    assert report.synthetic
    assert "Could not download the official Adventure Works data (HTTP 503 from 127.0.0.1)" in report.note
    assert "offline generator" in report.note
    assert report.rows["all"] == 305


def test_data_prepare_cli_with_json(cli, tmp_path):
    result = cli("data", "prepare", "--source", "synthetic", "--seed", "3", "--out", tmp_path / "d", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["synthetic"] and document["files"]["2014"]["rows"] == 151
    assert document["source"] == "synthetic (offline generator, seed 3)"


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"a,b,c\n1,2,3\n", "is not in the TransactionHistory format"),
        (b"\x00\x01\x02\xff\xfe\x00garbage" * 10, "is not"),
        (b"", "has no rows"),
    ],
)
def test_a_bad_source_is_one_sentence_and_the_output_is_untouched(cli, tmp_path, content, expected):
    (tmp_path / "bad.csv").write_bytes(content)
    out = tmp_path / "data"
    out.mkdir()
    (out / "mlops_forecast_data.csv").write_text("our earlier file\n")
    result = cli("data", "prepare", "--source", tmp_path / "bad.csv", "--out", out)
    assert result.exit_code == 2
    assert expected in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["mlops_forecast_data.csv"]
    assert (out / "mlops_forecast_data.csv").read_text() == "our earlier file\n"


def test_a_zip_without_the_file_and_a_missing_path_are_clear(cli, tmp_path):
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("readme.txt", "hello")
    result = cli("data", "prepare", "--source", tmp_path / "other.zip", "--out", tmp_path / "d")
    assert result.exit_code == 2 and "holds no TransactionHistory.csv" in result.stderr
    result = cli("data", "prepare", "--source", tmp_path / "nope.csv", "--out", tmp_path / "d")
    assert result.exit_code == 2 and "neither `auto`, `synthetic`, a URL, nor an existing file" in result.stderr


def test_an_explicit_url_that_fails_is_an_error_not_a_fallback(cli, tmp_path):
    with scripted_server(Reply(404, b"no")) as server:
        result = cli("data", "prepare", "--source", server.url + "/missing.zip", "--out", tmp_path / "d")
    assert result.exit_code == 2
    assert "Could not download http://127.0.0.1:" in result.stderr and "HTTP 404 from 127.0.0.1" in result.stderr
    assert not (tmp_path / "d").exists()


def test_columns_are_the_install_scripts():
    assert COLUMNS[4] == "TransactionDate" and COLUMNS[6:8] == ("Quantity", "ActualCost") and len(COLUMNS) == 9
