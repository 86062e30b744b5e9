"""ControlDeck entry point: ``python main.py ...`` is the same as ``controldeck ...``.

This is the composition root: the only place that knows the core, the drivers and the HMI
together. ``core`` receives the driver factory; the GUI and the simulator are imported only
when they are wanted, so the headless commands never load Qt.

- ``controldeck`` (no command), ``controldeck --config plant.toml [--touch] [--kiosk]``: the HMI
  (the built-in demo plant with its simulator when no config is given);
- ``controldeck simulate ...``: the simulated plant;
- every other command: :mod:`core.cli.main`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

GUI_FLAGS = ("--config", "--touch", "--kiosk", "--no-simulator")


def _wants_gui(args: list[str]) -> bool:
    if not args:
        return True
    first = args[0].split("=", 1)[0]
    return first in GUI_FLAGS


def _run_gui(args: list[str]) -> int:
    from pathlib import Path

    from drivers.registry import build_drivers

    parser = argparse.ArgumentParser(prog="controldeck", description="ControlDeck HMI")
    parser.add_argument("--config", type=Path, help="plant file (default: the built-in demo plant)")
    parser.add_argument("--touch", action="store_true", help="touch-panel mode (large targets)")
    parser.add_argument("--kiosk", action="store_true", help="full screen, no window frame")
    parser.add_argument(
        "--no-simulator", action="store_true", help="demo plant without the simulator"
    )
    options = parser.parse_args(args)
    from hmi.app import run_gui

    return run_gui(
        options.config,
        touch=options.touch,
        kiosk=options.kiosk,
        driver_factory=build_drivers,
        simulate=options.config is None and not options.no_simulator,
    )


def _run_simulator(args: list[str]) -> int:
    from core.cli.main import configure_logging
    from drivers.simulator.runner import simulate_main

    configure_logging("INFO")
    return simulate_main(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to the HMI, the simulator or the core command line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if _wants_gui(args):
        return _run_gui(args)
    if args[0] == "simulate":
        return _run_simulator(args[1:])
    if args[0] == "opcua":
        from drivers.opcua.cli import opcua_main

        return opcua_main(args[1:])
    from core.cli.main import main as core_main
    from drivers.registry import build_drivers

    return core_main(args, driver_factory=build_drivers)


if __name__ == "__main__":
    sys.exit(main())
