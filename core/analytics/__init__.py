"""Analytics: pure functions over numpy arrays (energy, baselines, anomaly detection, benchmarks)."""
