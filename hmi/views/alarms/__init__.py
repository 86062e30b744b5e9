"""The alarm console: active, shelved and out-of-service lists, journal, KPIs."""
