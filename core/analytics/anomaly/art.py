"""Dual-vigilance fuzzy ART: the category memory of :mod:`.resonance`.

Adaptive resonance theory (Carpenter and Grossberg) clusters without forgetting: each category
is a complement-coded hyperbox ``W`` (``2 * dim`` weights); an input ``x`` (features in [0, 1],
complement-coded as ``[x, 1 - x]``) matches a category by ``|min(x, W)|_1 / |W|_1``. Two
vigilances decide what the input does (dual-vigilance fuzzy ART, DVFA):

- every category matching at least ``rho_ub`` *resonates* and learns (``W <- min(x, W)``, fast
  learning: the box grows just enough to hold ``x``);
- otherwise, when the best match reaches ``rho_lb``, ``x`` becomes a new category of the best
  category's cluster (a new variant of a known pattern);
- otherwise ``x`` founds a new cluster: a pattern never seen, the novelty that ARTime reports.

Memory is bounded: beyond ``capacity`` categories, a new one replaces the category that was
least recently the best match.

As in ARTime (Mark Hampton), the match multiplies the feature similarity (cubed) by an "energy"
similarity of one chosen feature (squared): ``energy`` names the feature whose value alone must
also be close (the latest level of the window), so that a known shape at an unknown level is no
match.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from core.analytics.anomaly.rolling import FloatArray

log = logging.getLogger(__name__)

_MIN_NORM = 1e-3


@dataclass(frozen=True)
class Resonance:
    """What one input did: its best match, that category's energy similarity, and whether it
    founded a new cluster."""

    similarity: float
    energy: float
    new_cluster: bool


class DualVigilanceArt:
    """Categories and clusters of complement-coded inputs of ``dim`` features in [0, 1]."""

    def __init__(
        self,
        dim: int,
        energy: int,
        rho_lb: float = 0.0,
        rho_ub: float = 0.0,
        capacity: int = 2048,
    ) -> None:
        if dim < 1 or not 0 <= energy < dim or capacity < 2:
            raise ValueError("bad ART settings")
        self.capacity = capacity
        self.dim = dim
        self.energy = energy
        self.rho_lb = rho_lb
        self.rho_ub = rho_ub
        self._weights = np.ones((16, 2 * dim))
        self._labels = np.zeros(16, dtype=np.int64)
        self._used = np.zeros(16, dtype=np.int64)
        self._clock = 0
        self._categories = 1
        self._clusters = 1
        self._started = False

    @property
    def categories(self) -> int:
        """Number of categories (the first, all-ones one included)."""
        return self._categories

    def set_vigilance(self, rho_lb: float, rho_ub: float) -> None:
        """New lower and upper vigilances (``rho_lb <= rho_ub`` expected)."""
        self.rho_lb = float(rho_lb)
        self.rho_ub = float(rho_ub)

    def present(self, features: FloatArray, learn: bool = True) -> Resonance:
        """Match ``features`` against the categories and (when ``learn``) learn from them.

        The very first input only starts the memory (similarity 0, no new cluster)."""
        if not self._started:
            self._started = True
            return Resonance(0.0, 0.0, False)
        x = np.concatenate([features, 1.0 - features])
        boxes = np.minimum(x[None, :], self._weights[: self._categories])
        match, energy = self._activation(boxes)
        best = int(np.argmax(match))
        self._clock += 1
        self._used[best] = self._clock
        out = Resonance(float(match[best]), float(energy[best]), False)
        if not learn:
            return out
        resonant = match >= self.rho_ub
        if resonant.any():
            self._weights[: self._categories][resonant] = boxes[resonant]
        elif match[best] >= self.rho_lb:
            self._add(x, int(self._labels[best]))
        else:
            self._clusters += 1
            self._add(x, self._clusters)
            out = Resonance(out.similarity, out.energy, True)
        return out

    def _activation(self, boxes: FloatArray) -> tuple[FloatArray, FloatArray]:
        weights = self._weights[: self._categories]
        norms = np.maximum(weights.sum(axis=1), _MIN_NORM)
        similarity = boxes.sum(axis=1) / norms
        e = (self.energy, self.dim + self.energy)
        energy_norms = np.maximum(weights[:, e[0]] + weights[:, e[1]], _MIN_NORM)
        energy = (boxes[:, e[0]] + boxes[:, e[1]]) / energy_norms
        return similarity**3 * energy**2, energy

    def _add(self, x: FloatArray, label: int) -> None:
        slot = self._categories
        if slot == self.capacity:
            slot = int(np.argmin(self._used[:slot]))
        elif slot == self._weights.shape[0]:
            grown = min(2 * slot, self.capacity)
            self._weights = np.vstack([self._weights, np.zeros((grown - slot, 2 * self.dim))])
            self._labels = np.concatenate([self._labels, np.zeros(grown - slot, dtype=np.int64)])
            self._used = np.concatenate([self._used, np.zeros(grown - slot, dtype=np.int64)])
        self._weights[slot] = x
        self._labels[slot] = label
        self._used[slot] = self._clock
        self._categories = max(self._categories, slot + 1)
