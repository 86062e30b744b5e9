"""``controldeck anomalies --csv FILE`` backend: score a NAB-format CSV."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from core.analytics.anomaly import run_anomalies_cli, score_csv

FIXTURE = Path(__file__).parent / "fixtures" / "ec2_request_latency_excerpt.csv"
LABELLED_WINDOW = (728, 862)  # rows of the excerpt inside NAB's second anomaly window


def test_score_csv_flags_the_labelled_incident() -> None:
    rows = score_csv(FIXTURE)
    assert len(rows) == 1000
    assert rows[0][0] == "2014-03-16 04:21:00"
    scores = [score for _, _, score in rows]
    assert all(0.0 <= s <= 1.0 for s in scores)
    peak = max(range(len(scores)), key=scores.__getitem__)
    assert LABELLED_WINDOW[0] <= peak <= LABELLED_WINDOW[1]


def test_cli_writes_timestamp_value_score_lines() -> None:
    out = io.StringIO()
    assert run_anomalies_cli(FIXTURE, out, "csv") == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "timestamp,value,score"
    assert len(lines) == 1001
    stamp, value, score = lines[1].split(",")
    assert stamp == "2014-03-16 04:21:00"
    assert float(value) == pytest.approx(46.502)
    assert 0.0 <= float(score) <= 1.0


def test_cli_json_and_gaps(tmp_path: Path) -> None:
    path = tmp_path / "gappy.csv"
    path.write_text("timestamp,value\n2024-01-01T00:00:00Z,1.5\n2024-01-01T00:01:00Z,\n")
    out = io.StringIO()
    assert run_anomalies_cli(path, out, "json") == 0
    records = json.loads(out.getvalue())
    assert records[1] == {"timestamp": "2024-01-01T00:01:00Z", "value": None, "score": 0.0}


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        ("timestamp,value\n2024-01-01 00:00:00,1\n", "xml"),
        ("time,reading\n1,2\n", "csv"),
        (None, "csv"),
    ],
    ids=["bad-format", "bad-header", "missing-file"],
)
def test_cli_reports_bad_input(
    tmp_path: Path, content: str | None, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_text(content)
    out = io.StringIO()
    assert run_anomalies_cli(path, out, fmt) == 2
    assert out.getvalue() == ""
    assert "error:" in capsys.readouterr().err
