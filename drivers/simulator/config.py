"""The simulator's own configuration (``sim.toml``), validated with pydantic.

See ``resources/plants/sim.toml`` for a commented example with the default ports that
``resources/plants/demo.toml`` connects to: Modbus meters and drives on 127.0.0.1:15020 and up
(one port per device), the OPC-UA boiler on 127.0.0.1:14840, MQTT on 127.0.0.1:1883.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from drivers.simulator.faults import Fault, FaultKind
from drivers.simulator.feeds import merge_feeds, read_feeds_from

NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_\-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModbusDeviceSim(_Strict):
    """One simulated Modbus TCP device: its own server on ``host:port`` answering ``unit``."""

    name: str = Field(pattern=NAME_PATTERN)
    profile: str = Field(min_length=1)
    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)
    unit: int = Field(default=1, ge=0, le=247)
    word_order: Literal["big", "little"] | None = None


class OpcUaBoilerSim(_Strict):
    """The OPC-UA boiler server."""

    enabled: bool = True
    name: str = Field(default="boiler", pattern=NAME_PATTERN)
    host: str = "127.0.0.1"
    port: int = Field(default=14840, ge=1, le=65535)
    update_interval_s: float = Field(default=1.0, gt=0, le=60)
    tau_s: float = Field(default=120.0, gt=0)
    initial_setpoint_c: float = Field(default=60.0, ge=20, le=95)
    certificate: Path | None = None
    private_key: Path | None = None

    @model_validator(mode="after")
    def _certificate_pair(self) -> OpcUaBoilerSim:
        if (self.certificate is None) != (self.private_key is None):
            raise ValueError("give both certificate and private_key, or neither")
        return self


class MqttDeviceCounts(_Strict):
    """How many devices publish in each payload format."""

    zerocraftr: int = Field(default=4, ge=0)
    og_field: int = Field(default=40, ge=0, alias="og-field")
    carbonseed: int = Field(default=3, ge=0)
    tasmota: int = Field(default=3, ge=0)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def total(self) -> int:
        """All MQTT devices."""
        return self.zerocraftr + self.og_field + self.carbonseed + self.tasmota


class MqttSim(_Strict):
    """The MQTT devices and the broker they publish to."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    embedded_broker: bool = True
    interval_s: float = Field(default=5.0, gt=0, le=3600)
    qos: Literal[0, 1] = 0
    connections: int = Field(default=4, ge=1, le=64)
    max_rate: float = Field(default=50_000.0, gt=0)
    sites: int = Field(default=10, ge=1, le=1000)
    client_id_prefix: str = Field(default="cd-sim", pattern=NAME_PATTERN)
    devices: MqttDeviceCounts = MqttDeviceCounts()


class FaultSim(_Strict):
    """One ``[[faults]]`` entry."""

    device: str = Field(min_length=1)
    kind: FaultKind
    start_s: float = Field(ge=0)
    duration_s: float = Field(gt=0)
    channel: str | None = None
    magnitude: float = Field(default=1.0, gt=0)

    def to_fault(self) -> Fault:
        """The signal-layer :class:`Fault`."""
        return Fault(
            self.device, self.kind, self.start_s, self.duration_s, self.channel, self.magnitude
        )


class SupplySim(_Strict):
    """``[supply]``: sub-metering. A meter measures its own load plus that of every simulated
    device whose supply comes through it (``feeds_from``)."""

    plant: Path | None = None
    """A plant file whose ``[energy.feeds_from]`` states the hierarchy (the demo's)."""
    feeds_from: dict[str, Annotated[str, Field(min_length=1)]] = {}
    """device = the meter its supply comes through (a mirror of the plant file's table)."""


class SimulationConfig(_Strict):
    """A whole ``sim.toml``."""

    seed: int = Field(default=1, ge=0)
    utc_offset_s: float = Field(default=0.0, ge=-14 * 3600, le=14 * 3600)
    modbus: list[ModbusDeviceSim] = []
    opcua: OpcUaBoilerSim = OpcUaBoilerSim()
    mqtt: MqttSim = MqttSim()
    faults: list[FaultSim] = []
    supply: SupplySim = SupplySim()

    @model_validator(mode="after")
    def _unique(self) -> SimulationConfig:
        names = [d.name for d in self.modbus]
        if len(set(names)) != len(names):
            raise ValueError(f"modbus device names repeat: {names}")
        endpoints = [(d.host, d.port) for d in self.modbus]
        if self.opcua.enabled:
            endpoints.append((self.opcua.host, self.opcua.port))
        if len(set(endpoints)) != len(endpoints):
            raise ValueError(f"two servers share one host:port: {endpoints}")
        return self

    @classmethod
    def load(cls, path: str | Path) -> SimulationConfig:
        """Read and validate a TOML file (raises ``OSError``, ``tomllib.TOMLDecodeError``,
        ``pydantic.ValidationError``); relative certificate paths resolve against the file."""
        path = Path(path)
        with path.open("rb") as handle:
            document = tomllib.load(handle)
        config = cls.model_validate(document).resolve_paths(path.parent)
        config.feeds_from()  # a missing or contradicting plant file is a configuration error
        return config

    def resolve_paths(self, base: Path) -> SimulationConfig:
        """A copy whose relative file paths are taken relative to ``base``."""
        opcua = self.opcua
        if opcua.certificate is not None and opcua.private_key is not None:
            opcua = opcua.model_copy(
                update={
                    "certificate": base / opcua.certificate,
                    "private_key": base / opcua.private_key,
                }
            )
        supply = self.supply
        if supply.plant is not None:
            supply = supply.model_copy(update={"plant": base / supply.plant})
        return self.model_copy(update={"opcua": opcua, "supply": supply})

    def feeds_from(self) -> dict[str, str]:
        """Child device -> the meter its supply comes through: the plant file's
        ``[energy.feeds_from]`` and ``[supply.feeds_from]`` (raises ``OSError``, ``ValueError``)."""
        plant = self.supply.plant
        from_plant = read_feeds_from(plant) if plant is not None else {}
        return merge_feeds(from_plant, self.supply.feeds_from, str(plant or "sim.toml"))

    def fault_list(self) -> tuple[Fault, ...]:
        """Every configured fault as signal-layer :class:`Fault` objects."""
        return tuple(f.to_fault() for f in self.faults)
