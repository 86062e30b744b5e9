"""Versions, promotion, rollback and comparison in the model center."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LinearRegression

from core.analytics.registry import ModelNotFound, ModelRegistry, ModelVersion
from tests.core.analytics.registry.conftest import T0, FakeClock

SUBJECT, KIND = "press1.power", "forecast"


def register(
    registry: ModelRegistry, mase: float, author: str = "alice", **params: object
) -> ModelVersion:
    model = LinearRegression().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    return registry.register(
        SUBJECT,
        KIND,
        model,
        train_start_ns=T0 - 86_400 * 10**9,
        train_end_ns=T0,
        params={"season": 48, **params},
        metrics={"mase": mase, "smape": 10 * mase},
        author=author,
    )


def test_register_assigns_versions_and_records_metadata(
    registry: ModelRegistry, clock: FakeClock
) -> None:
    first = register(registry, 0.8)
    clock.advance(60)
    second = register(registry, 0.6, author="bob", trees=100)
    assert (first.version, second.version) == (1, 2)
    assert second.author == "bob"
    assert second.created_ns == T0 + 60 * 10**9
    assert second.params == {"season": 48, "trees": 100}
    assert second.metrics == {"mase": 0.6, "smape": 6.0}
    assert second.train_start_ns == T0 - 86_400 * 10**9
    assert len(second.digest) == 64 and second.size > 0
    assert [v.version for v in registry.versions(SUBJECT, KIND)] == [1, 2]
    assert registry.subjects() == [(SUBJECT, KIND)]
    assert registry.active(SUBJECT, KIND) is None


def test_load_returns_the_authenticated_model(registry: ModelRegistry) -> None:
    version = register(registry, 0.5)
    loaded = registry.load(SUBJECT, KIND, version.version)
    assert loaded.version == version
    assert loaded.model.predict([[3.0]])[0] == pytest.approx(7.0)  # type: ignore[attr-defined]
    with pytest.raises(ModelNotFound, match="no active model"):
        registry.load(SUBJECT, KIND)


def test_promote_rollback_stack(registry: ModelRegistry) -> None:
    for mase in (0.9, 0.7, 0.5):
        register(registry, mase)
    registry.promote(SUBJECT, KIND, 1, actor="alice")
    registry.promote(SUBJECT, KIND, 2, actor="alice")
    registry.promote(SUBJECT, KIND, 3, actor="bob")
    assert registry.active(SUBJECT, KIND).version == 3  # type: ignore[union-attr]
    assert registry.load(SUBJECT, KIND).version.version == 3
    assert registry.rollback(SUBJECT, KIND, actor="carol").version == 2
    assert registry.rollback(SUBJECT, KIND, actor="carol").version == 1
    with pytest.raises(ModelNotFound, match="no earlier version"):
        registry.rollback(SUBJECT, KIND, actor="carol")
    assert [v.active for v in registry.versions(SUBJECT, KIND)] == [True, False, False]
    actions = [(e.action, e.version, e.actor) for e in registry.history(SUBJECT, KIND)]
    assert actions[3:] == [
        ("promote", 1, "alice"),
        ("promote", 2, "alice"),
        ("promote", 3, "bob"),
        ("rollback", 2, "carol"),
        ("rollback", 1, "carol"),
    ]


def test_promoting_the_active_version_is_a_no_op(registry: ModelRegistry) -> None:
    register(registry, 0.9)
    register(registry, 0.8)
    registry.promote(SUBJECT, KIND, 1, actor="a")
    registry.promote(SUBJECT, KIND, 2, actor="a")
    registry.promote(SUBJECT, KIND, 2, actor="a")
    assert registry.rollback(SUBJECT, KIND, actor="a").version == 1


def test_compare_two_versions(registry: ModelRegistry) -> None:
    register(registry, 0.9)
    register(registry, 0.6, trees=200)
    comparison = registry.compare(SUBJECT, KIND, 1, 2)
    mase = next(m for m in comparison.metrics if m.name == "mase")
    assert (mase.a, mase.b) == (0.9, 0.6)
    assert mase.delta == pytest.approx(-0.3)
    assert comparison.winner("mase") == "b"
    assert comparison.winner("smape") == "b"
    assert comparison.changed_params == {"trees": (None, 200)}


@pytest.mark.parametrize("version", [0, 7])
def test_unknown_versions(registry: ModelRegistry, version: int) -> None:
    register(registry, 0.9)
    with pytest.raises(ModelNotFound):
        registry.get(SUBJECT, KIND, version)
    with pytest.raises(ModelNotFound):
        registry.promote(SUBJECT, KIND, version, actor="a")
