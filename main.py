"""ControlDeck entry point: ``python main.py ...`` is the same as ``controldeck ...``.

This is the composition root: the only place that knows the core, the drivers and the HMI
together. ``core`` receives the driver factory; the GUI is imported only when it is wanted.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to the simulator, the HMI or the core command line."""
    args = list(sys.argv[1:] if argv is None else argv)
    from core.cli.main import main as core_main
    from drivers.registry import build_drivers

    return core_main(args, driver_factory=build_drivers)


if __name__ == "__main__":
    sys.exit(main())
