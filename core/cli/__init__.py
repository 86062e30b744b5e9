"""The ``controldeck`` command line (everything but the GUI, the simulator and driver tools)."""
