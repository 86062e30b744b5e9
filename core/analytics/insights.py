"""Plain-language insights computed from the figures, every number traceable to its source.

An :class:`Insight` is one sentence. Its ``template`` names placeholders; each number in the
sentence is a :class:`Figure` — value, unit, decimals and the *source key* it came from (a
store query, an energy total, a forecast point, or the formula that derived it from other
figures) — and is rendered by :meth:`Figure.render` and nothing else. So ``insight.figures``
says where every number of ``insight.text`` came from, and a test can check that the text
contains exactly those numbers.

Builders: :func:`top_consumers`, :func:`baseline_deviations`, :func:`new_anomalies`,
:func:`forecast_peak`; :func:`summarize` runs the ones it has inputs for, most severe first.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.analytics.forecast.result import Forecast
from core.model import NS_PER_S

log = logging.getLogger(__name__)

INFO, NOTICE, WARNING = 0, 1, 2
TIME = "time"
"""Unit of a figure whose value is a timestamp in nanoseconds (rendered in UTC)."""


@dataclass(frozen=True)
class Figure:
    """A number with its unit, display precision and where it came from."""

    value: float
    unit: str
    source: str
    decimals: int = 1

    def render(self) -> str:
        """The figure as it appears in a sentence (``1,234.5 kWh``, ``2024-03-04 14:00 UTC``)."""
        if self.unit == TIME:
            moment = datetime.fromtimestamp(self.value / NS_PER_S, tz=UTC)
            return moment.strftime("%Y-%m-%d %H:%M UTC")
        number = f"{self.value:,.{self.decimals}f}"
        return f"{number} {self.unit}" if self.unit else number


@dataclass(frozen=True)
class Insight:
    """One sentence, its figures (with sources) and the words filled into it."""

    kind: str
    subject: str
    severity: int
    template: str
    figures: dict[str, Figure]
    words: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The sentence, every number rendered from :attr:`figures`."""
        rendered = {name: fig.render() for name, fig in self.figures.items()}
        return self.template.format(**self.words, **rendered)

    @property
    def sources(self) -> dict[str, str]:
        """Figure name -> source key."""
        return {name: fig.source for name, fig in self.figures.items()}


@dataclass(frozen=True)
class AnomalyNote:
    """An anomaly event as insights need it."""

    tag: str
    ts_ns: int
    score: float
    source: str


def top_consumers(kwh: Mapping[str, Figure], period: str, count: int = 3) -> list[Insight]:
    """The largest consumer with its share of the total, then the next ``count - 1``."""
    ranked = sorted(kwh.items(), key=lambda item: item[1].value, reverse=True)
    total_value = sum(fig.value for _, fig in ranked)
    if not ranked or total_value <= 0:
        return []
    unit = ranked[0][1].unit
    total = Figure(total_value, unit, "sum(" + ", ".join(f.source for _, f in ranked) + ")")
    name, top = ranked[0]
    share = Figure(100.0 * top.value / total_value, "%", "top / total")
    insights = [
        Insight(
            "top_consumers",
            name,
            NOTICE,
            "{device} used the most energy in {period}: {top} ({share} of {total}).",
            {"top": top, "share": share, "total": total},
            {"device": name, "period": period},
        )
    ]
    if len(ranked) > 1:
        insights.append(_runners_up(ranked[1:count], period))
    return insights


def _runners_up(ranked: Sequence[tuple[str, Figure]], period: str) -> Insight:
    parts, figures, words = [], {}, {"period": period}
    for k, (name, fig) in enumerate(ranked):
        parts.append(f"{{name{k}}} with {{kwh{k}}}")
        figures[f"kwh{k}"] = fig
        words[f"name{k}"] = name
    template = "Next in {period}: " + ", ".join(parts) + "."
    return Insight("top_consumers", ranked[0][0], INFO, template, figures, words)


def baseline_deviations(
    actual: Mapping[str, Figure],
    baseline: Mapping[str, Figure],
    period: str,
    threshold_pct: float = 10.0,
) -> list[Insight]:
    """One sentence per subject whose value differs from its baseline by ``threshold_pct``
    or more (warning from 25 %), the largest deviation first."""
    insights = []
    for subject in sorted(set(actual) & set(baseline)):
        now, usual = actual[subject], baseline[subject]
        if usual.value == 0:
            continue
        deviation = 100.0 * (now.value - usual.value) / usual.value
        if abs(deviation) < threshold_pct:
            continue
        figure = Figure(abs(deviation), "%", "(actual - baseline) / baseline")
        insights.append(
            Insight(
                "baseline_deviation",
                subject,
                WARNING if abs(deviation) >= 25.0 else NOTICE,
                "{subject} used {actual} in {period}, {deviation} {direction} its baseline of "
                "{baseline}.",
                {"actual": now, "baseline": usual, "deviation": figure},
                {
                    "subject": subject,
                    "period": period,
                    "direction": "above" if deviation > 0 else "below",
                },
            )
        )
    return sorted(insights, key=lambda i: i.figures["deviation"].value, reverse=True)


def new_anomalies(
    notes: Sequence[AnomalyNote], since_ns: int, min_score: float = 0.5
) -> list[Insight]:
    """How many anomalies (score >= ``min_score``) since ``since_ns``, and the strongest."""
    fresh = [n for n in notes if n.ts_ns >= since_ns and n.score >= min_score]
    since = Figure(since_ns, TIME, "query: since")
    if not fresh:
        return [
            Insight("new_anomalies", "", INFO, "No new anomalies since {since}.", {"since": since})
        ]
    strongest = max(fresh, key=lambda n: n.score)
    figures = {
        "count": Figure(len(fresh), "", f"count(score >= {min_score}, ts >= since)", 0),
        "since": since,
        "when": Figure(strongest.ts_ns, TIME, strongest.source),
        "score": Figure(strongest.score, "", strongest.source, 2),
    }
    return [
        Insight(
            "new_anomalies",
            strongest.tag,
            WARNING if strongest.score >= 0.9 else NOTICE,
            "{count} new anomalies since {since}; the strongest on {tag} at {when} "
            "(score {score}).",
            figures,
            {"tag": strongest.tag},
        )
    ]


def forecast_peak(subject: str, result: Forecast, unit: str, source: str) -> Insight:
    """The forecast's highest point with its interval and the backtest figures behind it."""
    ts_ns, peak, lower, upper = result.peak()
    at = f"{source}/forecast[{ts_ns}]"
    figures = {
        "peak": Figure(peak, unit, f"{at}.mean"),
        "when": Figure(ts_ns, TIME, at),
        "level": Figure(100.0 * result.level, "%", f"{source}/level", 0),
        "lower": Figure(lower, unit, f"{at}.lower"),
        "upper": Figure(upper, unit, f"{at}.upper"),
        "mase": Figure(result.metrics.mase, "", f"{source}/backtest.mase", 2),
        "naive": Figure(result.naive_metrics.mase, "", f"{source}/seasonal_naive.mase", 2),
    }
    return Insight(
        "forecast_peak",
        subject,
        INFO,
        "{subject} is forecast to peak at {peak} at {when} ({level} interval {lower} to {upper}); "
        "backtest MASE {mase}, seasonal naive {naive}.",
        figures,
        {"subject": subject},
    )


def summarize(
    period: str,
    *,
    kwh: Mapping[str, Figure] | None = None,
    baseline_kwh: Mapping[str, Figure] | None = None,
    anomalies: Sequence[AnomalyNote] | None = None,
    anomalies_since_ns: int | None = None,
    forecasts: Mapping[str, tuple[Forecast, str, str]] | None = None,
) -> list[Insight]:
    """Every insight the inputs allow, most severe first (stable within a severity).

    ``forecasts`` maps a subject to ``(forecast, unit, source key)``.
    """
    insights: list[Insight] = []
    if kwh:
        insights += top_consumers(kwh, period)
        if baseline_kwh:
            insights += baseline_deviations(kwh, baseline_kwh, period)
    if anomalies is not None and anomalies_since_ns is not None:
        insights += new_anomalies(anomalies, anomalies_since_ns)
    for subject, (result, unit, source) in (forecasts or {}).items():
        insights.append(forecast_peak(subject, result, unit, source))
    log.debug("%d insight(s) for %s", len(insights), period)
    return sorted(insights, key=lambda i: -i.severity)
