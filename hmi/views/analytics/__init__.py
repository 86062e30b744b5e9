"""The analytics views: Energy & CO2e, Forecast, Anomalies, Health & RUL and the Model Center.

Every view computes through :mod:`core.analytics` in the worker pool and shows the core's
figures unchanged; :mod:`.builders` is how the main window builds them, :mod:`.nav` their
navigation entries, :mod:`.tour` their part of the screenshot tour.
"""
