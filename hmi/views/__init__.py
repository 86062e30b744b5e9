"""The views of the main window (overview, trends, alarms, devices, diagnostics, maintenance)."""
