"""Helpers that write small plant files for core tests."""

from __future__ import annotations

from pathlib import Path

BASE = """
[plant]
name = "Test plant"
timezone = "Europe/Berlin"

[store]
url = "{url}"
flush_interval_s = 0.05
{store_extra}
"""


def write_plant(
    directory: Path, url: str = "sqlite:///plant.db", extra: str = "", store_extra: str = ""
) -> Path:
    """A plant file in ``directory``: store URL, extra ``[store]`` keys, extra TOML appended."""
    path = directory / "plant.toml"
    path.write_text(BASE.format(url=url, store_extra=store_extra) + extra, encoding="utf-8")
    return path
