"""Model registry ("model center"): sealed model versions, promotion, rollback, retraining.

Typical use::

    registry = ModelRegistry(engine, load_model_key())
    v = registry.register("press1.power", "forecast", fitted, train_start_ns=..., train_end_ns=...,
                          params={...}, metrics={"mase": 0.41}, author="alice")
    registry.promote("press1.power", "forecast", v.version, actor="alice")
    model = registry.load("press1.power", "forecast").model     # authenticated first

Artifacts are joblib bytes with a SHA-256 digest, encrypted with AES-256-GCM; the metadata row
is the associated data, so a changed ciphertext, nonce, digest or metadata column is refused
(:class:`ArtifactTampered`) and never deserialised. The key comes from
``CONTROLDECK_MODEL_KEY`` or the OS keyring, never from the plant file.
"""

from core.analytics.registry.compare import Comparison, MetricDelta, compare_versions
from core.analytics.registry.keys import (
    MODEL_KEY_ENV,
    ModelKey,
    ModelKeyError,
    decode_model_key,
    generate_model_key,
    load_model_key,
    save_model_key_to_keyring,
)
from core.analytics.registry.registry import LoadedModel, ModelRegistry
from core.analytics.registry.retrain import (
    Retrainer,
    RetrainJob,
    RetrainOutcome,
    TrainedModel,
    Trainer,
)
from core.analytics.registry.rows import ModelEvent, ModelNotFound, ModelVersion
from core.analytics.registry.sealing import (
    ArtifactKeyMismatch,
    ArtifactRefused,
    ArtifactTampered,
)
from core.analytics.registry.tables import (
    REGISTRY_TABLES,
    model_artifacts,
    model_events,
    model_versions,
)

__all__ = [
    "MODEL_KEY_ENV",
    "REGISTRY_TABLES",
    "ArtifactKeyMismatch",
    "ArtifactRefused",
    "ArtifactTampered",
    "Comparison",
    "LoadedModel",
    "MetricDelta",
    "ModelEvent",
    "ModelKey",
    "ModelKeyError",
    "ModelNotFound",
    "ModelRegistry",
    "ModelVersion",
    "RetrainJob",
    "RetrainOutcome",
    "Retrainer",
    "TrainedModel",
    "Trainer",
    "compare_versions",
    "decode_model_key",
    "generate_model_key",
    "load_model_key",
    "model_artifacts",
    "model_events",
    "model_versions",
    "save_model_key_to_keyring",
]
