"""NAB cost profiles: the weights of true positives, false positives and false negatives."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CostProfile:
    """One application profile of NAB's ``config/profiles.json`` (its ``CostMatrix``)."""

    name: str
    tp_weight: float
    fp_weight: float
    fn_weight: float


STANDARD = CostProfile("standard", tp_weight=1.0, fp_weight=0.11, fn_weight=1.0)
REWARD_LOW_FP_RATE = CostProfile("reward_low_FP_rate", tp_weight=1.0, fp_weight=0.22, fn_weight=1.0)
REWARD_LOW_FN_RATE = CostProfile("reward_low_FN_rate", tp_weight=1.0, fp_weight=0.11, fn_weight=2.0)

PROFILES: tuple[CostProfile, ...] = (STANDARD, REWARD_LOW_FP_RATE, REWARD_LOW_FN_RATE)
"""NAB v1.1's three profiles, in the order NAB reports them."""


def load_profiles(path: Path) -> dict[str, CostProfile]:
    """Read a NAB ``profiles.json``: ``{name: {"CostMatrix": {"tpWeight": ...}}}``."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    profiles: dict[str, CostProfile] = {}
    for name, body in raw.items():
        matrix = body["CostMatrix"]
        profiles[name] = CostProfile(
            name=name,
            tp_weight=float(matrix["tpWeight"]),
            fp_weight=float(matrix["fpWeight"]),
            fn_weight=float(matrix["fnWeight"]),
        )
    log.debug("loaded %d NAB profiles from %s", len(profiles), path)
    return profiles
