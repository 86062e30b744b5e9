"""The renderers on hand-made documents: deterministic PDF bytes with the generation time as
creation date, escaping, charts with gaps and many categories, CSV sections that read back."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.graphics import renderPDF

from core.reports.charts import draw_chart, short_label, thinned
from core.reports.csvout import csv_value, read_tables, render_csv
from core.reports.model import Chart, ReportDocument, Section, Series, Text, format_cell, table
from core.reports.pdf import render_pdf
from core.reports.pdf_parts import column_widths, heading
from tests.core.reports.conftest import pdf_text

T0 = 1_767_567_600 * 10**9


def document(
    rows: list[tuple[object, ...]] | None = None, generated_ns: int = T0 + 86_400 * 10**9
) -> ReportDocument:
    cells = rows if rows is not None else [("a & b <c>", 1234.5678, None), ("CO₂ → ü", -2.0, 3)]
    return ReportDocument(
        kind="energy",
        title="Test report",
        plant="Plant <1>",
        timezone="Europe/Berlin",
        start_ns=T0,
        end_ns=T0 + 86_400 * 10**9,
        generated_by="tester",
        generated_ns=generated_ns,
        parameters={"kind": "energy", "notes": ["one", "two"]},
        sections=(
            Section("First", (Text("Body <b>text</b> & more"), table(
                "t1", "Table one", ("name", "value_kwh", "n"), cells, ("", ",.2f", "d"))), 0),
            Section("Second", (Chart("bar", "Bars", ("x", "y", "z"), (Series("s", (1.0, None, 3.0)),)),), 1),
        ),
        summary=(("Energy (kWh)", "1,234.6"),),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("column", "shown"),
    [("co2e_kg", "CO2e (kg)"), ("run_h", "run (h)"), ("availability_pct", "availability (%)"),
     ("pct", "%"), ("nominal_per_h", "nominal per h"), ("kwh", "kWh"), ("avg_per_10min", "avg per 10 min"),
     ("kg_per_unit", "kg per unit"), ("device", "device")],
)  # fmt: skip
def test_headings(column: str, shown: str) -> None:
    assert heading(column) == shown


@pytest.mark.parametrize(
    ("label", "short"),
    [("2026-01-05T07:00+01:00", "01-05 07:00"), ("2026-01-05", "01-05"), ("2026-W02", "2026-W02"),
     ("x" * 40, "x" * 27 + "...")],
)  # fmt: skip
def test_short_labels(label: str, short: str) -> None:
    assert short_label(label) == short


def test_thinned_labels_keep_about_a_dozen() -> None:
    labels = [f"2026-01-{d:02d}" for d in range(1, 32)] * 12
    shown = [s for s in thinned(labels) if s]
    assert 6 <= len(shown) <= 12 and shown[0] == "01-01"


@pytest.mark.parametrize("kind", ["bar", "hbar", "line"])
@pytest.mark.parametrize("count", [1, 3, 400])
def test_charts_draw_with_gaps(kind: str, count: int) -> None:
    values = tuple(None if k % 7 == 3 else float(k) for k in range(count))
    chart = Chart(kind, "Chart", tuple(f"c{k}" for k in range(count)),  # type: ignore[arg-type]
                  (Series("one", values), Series("two", tuple(reversed(values)))), "kWh")  # fmt: skip
    data = renderPDF.drawToString(draw_chart(chart, 480))
    assert data.startswith(b"%PDF")


def test_pdf_is_deterministic_and_dated_by_the_generation_time() -> None:
    first, again = render_pdf(document()), render_pdf(document())
    assert first == again
    later = render_pdf(document(generated_ns=T0 + 2 * 86_400 * 10**9))
    assert later != first
    info = PdfReader(io.BytesIO(first)).metadata
    assert info is not None and info.creation_date == datetime(2026, 1, 5, 23, 0, tzinfo=UTC)
    assert info.title == "Test report" and info.author == "tester"


def test_pdf_text_is_escaped_and_encoded() -> None:
    words = pdf_text(render_pdf(document()))
    assert "a & b <c>" in words and "Body <b>text</b> & more" in words
    assert "1,234.57" in words and "CO? ? ü" in words
    assert "Plant <1> - Test report" in words


def test_format_cell() -> None:
    assert [format_cell(v, s) for v, s in ((None, ",.1f"), (float("nan"), ".1f"), (3, "d"), ("x", ",.1f"), (1234.56, ",.1f"))] == [
        "", "-", "3", "x", "1,234.6",
    ]  # fmt: skip
    assert [csv_value(v) for v in (None, 0.1 + 0.2, 7, "a,b", float("nan"))] == [
        "",
        "0.3",
        "7",
        "a,b",
        "",
    ]


cell_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cell_text, cell_text), min_size=1, max_size=5))
def test_csv_tables_read_back(rows: list[tuple[str, str]]) -> None:
    doc = document([(a, 1.5, b) for a, b in rows])
    tables = read_tables(render_csv(doc))
    assert [(r["name"], r["n"]) for r in tables["t1"]] == [(a, b) for a, b in rows]
    meta = {m["item"]: m["value"] for m in tables["metadata"]}
    assert meta["ControlDeck report"] == "energy" and meta["plant"] == "Plant <1>"
    assert meta["period_from_utc"] == "2026-01-04T23:00:00.000Z"


@given(
    st.lists(st.tuples(st.floats(0.1, 5.0), st.floats(5.0, 60.0)), min_size=1, max_size=12),
    st.floats(200.0, 600.0),
)
def test_column_widths_fill_the_width_and_fit_the_headings(
    columns: list[tuple[float, float]], width: float
) -> None:
    weights, needed = [w for w, _ in columns], [n for _, n in columns]
    widths = column_widths(weights, needed, width)
    assert sum(widths) == pytest.approx(width)
    if sum(needed) <= width:
        assert all(w >= n - 1e-9 for w, n in zip(widths, needed, strict=True))
