"""``python -m drivers.simulator --config sim.toml``: the simulated plant on its own."""

from __future__ import annotations

import logging
import sys

from drivers.simulator.runner import simulate_main

if __name__ == "__main__":
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    sys.exit(simulate_main(sys.argv[1:]))
