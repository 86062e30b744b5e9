"""``[[opcua.nodes]]`` entries: which server variable feeds which tag, and how it is sampled."""

from __future__ import annotations

import re
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_BROWSE_SEGMENT = re.compile(r"^(\d+):(.+)$")


def parse_browse_path(text: str) -> tuple[str, ...]:
    """Split ``0:Objects/2:Boiler/2:Temperature`` into qualified-name segments, checked."""
    segments = tuple(part.strip() for part in text.strip().strip("/").split("/"))
    if not segments or segments == ("",):
        raise ValueError("empty browse path")
    for segment in segments:
        if not _BROWSE_SEGMENT.match(segment):
            raise ValueError(f"segment {segment!r} is not <namespace index>:<browse name>")
    return segments


def check_node_id(text: str) -> str:
    """Validate a NodeId string (``ns=2;s=Boiler.Temperature``, ``i=2258``) with asyncua."""
    from asyncua import ua

    try:
        ua.NodeId.from_string(text)
    except Exception:
        raise ValueError("not a NodeId string (e.g. ns=2;s=Boiler.Temperature, i=2258)") from None
    return text


class OpcuaNodeConfig(BaseModel):
    """One ``[[opcua.nodes]]`` entry: a tag fed by one server variable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tag: str = Field(min_length=1, max_length=200)
    node: str | None = None
    browse_path: str | None = None
    sampling_interval_ms: float = Field(default=250.0, ge=0, le=3_600_000)
    deadband: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    writable: bool = False
    unit: str = ""
    description: str = ""

    @field_validator("node")
    @classmethod
    def _node_id(cls, value: str | None) -> str | None:
        return None if value is None else check_node_id(value)

    @field_validator("browse_path")
    @classmethod
    def _browse_path(cls, value: str | None) -> str | None:
        if value is not None:
            parse_browse_path(value)
        return value

    @model_validator(mode="after")
    def _one_address(self) -> Self:
        if (self.node is None) == (self.browse_path is None):
            raise ValueError("give exactly one of 'node' or 'browse_path'")
        return self

    @property
    def address(self) -> str:
        """The NodeId string or the browse path, as configured."""
        return self.node if self.node is not None else str(self.browse_path)
