"""The simulated boiler as an OPC-UA server (asyncua).

Address space (namespace ``urn:controldeck:simulator``, index 2)::

    Objects/Boiler                 ns=2;s=Boiler
        Temperature   Double °C    ns=2;s=Boiler.Temperature
        Setpoint      Double °C    ns=2;s=Boiler.Setpoint     writable, EURange 20..95
        Pressure      Double bar   ns=2;s=Boiler.Pressure
        BurnerOn      Boolean      ns=2;s=Boiler.BurnerOn
        FlowRate      Double m³/h  ns=2;s=Boiler.FlowRate

A write to the setpoint outside 20..95 °C is refused with ``BadOutOfRange``. Security is None
unless a certificate and key are given; then the Basic256Sha256, Aes128_Sha256_RsaOaep and
Aes256_Sha256_RsaPss endpoints (Sign and SignAndEncrypt) are offered too. During a comms-loss or
power-outage fault of the boiler the listener is closed and reopened afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC
from pathlib import Path
from typing import Any

from asyncua import ua
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.server.address_space import AttributeService
from asyncua.server.server import Server
from asyncua.ua.attribute_ids import AttributeIds
from asyncua.ua.status_codes import StatusCodes

from drivers.simulator.boiler_model import (
    SETPOINT_MAX_C,
    SETPOINT_MIN_C,
    BoilerModel,
    BoilerReading,
)

log = logging.getLogger(__name__)

NAMESPACE_URI = "urn:controldeck:simulator"
VARIABLES = (
    ("Temperature", ua.VariantType.Double, "°C"),
    ("Setpoint", ua.VariantType.Double, "°C"),
    ("Pressure", ua.VariantType.Double, "bar"),
    ("BurnerOn", ua.VariantType.Boolean, ""),
    ("FlowRate", ua.VariantType.Double, "m³/h"),
)
SECURE_POLICIES = [
    ua.SecurityPolicyType.Basic256Sha256_Sign,
    ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
    ua.SecurityPolicyType.Aes128Sha256RsaOaep_Sign,
    ua.SecurityPolicyType.Aes128Sha256RsaOaep_SignAndEncrypt,
    ua.SecurityPolicyType.Aes256Sha256RsaPss_Sign,
    ua.SecurityPolicyType.Aes256Sha256RsaPss_SignAndEncrypt,
]


@dataclass(frozen=True, slots=True)
class BoilerServerConfig:
    """Where and how the boiler server listens."""

    host: str = "127.0.0.1"
    port: int = 14840
    update_interval_s: float = 1.0
    certificate: Path | None = None
    private_key: Path | None = None
    allow_security_none: bool = True

    @property
    def endpoint(self) -> str:
        """The endpoint URL clients connect to."""
        return f"opc.tcp://{self.host}:{self.port}"


class _RangeCheckedWrites(AttributeService):
    """Refuses value writes outside a node's engineering range with ``BadOutOfRange``."""

    def __init__(self, base: AttributeService, ranges: dict[ua.NodeId, tuple[float, float]]):
        super().__init__(base._aspace)
        self._ranges = ranges

    def _in_range(self, item: ua.WriteValue) -> bool:
        bounds = self._ranges.get(item.NodeId)
        if bounds is None or item.AttributeId != AttributeIds.Value:
            return True
        value = item.Value.Value.Value if item.Value.Value is not None else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return True  # the type check of the address space answers BadTypeMismatch
        return bounds[0] <= value <= bounds[1]

    async def write(
        self, params: ua.WriteParameters, user: User | None = None
    ) -> list[ua.StatusCode]:
        """Write what is in range, refuse the rest; results in request order."""
        user = user if user is not None else User(role=UserRole.Admin)
        accepted = [item for item in params.NodesToWrite if self._in_range(item)]
        results = iter(await super().write(replace(params, NodesToWrite=accepted), user))
        refused = ua.StatusCode(ua.UInt32(StatusCodes.BadOutOfRange))
        return [next(results) if self._in_range(item) else refused for item in params.NodesToWrite]


class BoilerServer:
    """Runs a :class:`BoilerModel` behind an asyncua server on the caller's event loop."""

    def __init__(
        self,
        model: BoilerModel,
        config: BoilerServerConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.model = model
        self.config = config or BoilerServerConfig()
        self._clock = clock
        self._server: Server | None = None
        self._nodes: dict[str, ua.NodeId] = {}
        self._task: asyncio.Task[None] | None = None
        self._listening = False
        self.last_reading: BoilerReading | None = None

    def node_id(self, name: str) -> ua.NodeId:
        """NodeId of a boiler variable (e.g. ``Temperature``)."""
        return self._nodes[name]

    async def start(self) -> None:
        """Build the address space, start listening and start the update task."""
        server = Server()
        await server.init()
        server.set_endpoint(self.config.endpoint)
        server.set_server_name("ControlDeck simulated boiler")
        await self._configure_security(server)
        index = await server.register_namespace(NAMESPACE_URI)
        await self._build_address_space(server, index)
        setpoint = self._nodes["Setpoint"]
        iserver = server.iserver
        iserver.attribute_service = _RangeCheckedWrites(
            iserver.attribute_service, {setpoint: (SETPOINT_MIN_C, SETPOINT_MAX_C)}
        )
        self._server = server
        await self.update()
        await server.start()
        self._listening = True
        self._task = asyncio.create_task(self._run(), name="boiler-update")
        log.info("simulated boiler listening on %s", self.config.endpoint)

    async def _configure_security(self, server: Server) -> None:
        config = self.config
        if config.certificate is None or config.private_key is None:
            server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
            return
        await server.load_certificate(str(config.certificate))
        await server.load_private_key(str(config.private_key))
        policies = list(SECURE_POLICIES)
        if config.allow_security_none:
            policies.insert(0, ua.SecurityPolicyType.NoSecurity)
        server.set_security_policy(policies)

    async def _build_address_space(self, server: Server, index: int) -> None:
        boiler = await server.nodes.objects.add_object(
            ua.NodeId(ua.String("Boiler"), ua.Int16(index)), "Boiler"
        )
        reading = self.model.step(self._clock())
        initial: dict[str, Any] = _values(reading)
        for name, variant, unit in VARIABLES:
            node_id = ua.NodeId(ua.String(f"Boiler.{name}"), ua.Int16(index))
            node = await boiler.add_variable(node_id, name, ua.Variant(initial[name], variant))
            if unit:
                units = ua.EUInformation(
                    DisplayName=ua.LocalizedText(unit), Description=ua.LocalizedText(unit)
                )
                await node.add_property(index, "EngineeringUnits", units)
            self._nodes[name] = node_id
        setpoint = server.get_node(self._nodes["Setpoint"])
        await setpoint.set_writable(True)
        await setpoint.add_property(
            index, "EURange", ua.Range(Low=SETPOINT_MIN_C, High=SETPOINT_MAX_C)
        )

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.config.update_interval_s)
            try:
                await self.update()
            except Exception:  # one bad tick must not end the simulation
                log.exception("boiler update failed")

    async def update(self) -> BoilerReading:
        """Take the setpoint written by clients, advance the model, publish the readings."""
        server = self._require_server()
        written = server.read_attribute_value(self._nodes["Setpoint"]).Value
        value = written.Value if written is not None else None
        if isinstance(value, float) and SETPOINT_MIN_C <= value <= SETPOINT_MAX_C:
            self.model.set_setpoint(value)
        now = self._clock()
        reading = self.model.step(now)
        stamp = ua.DateTime.fromtimestamp(now, UTC)
        for name, variant, _unit in VARIABLES:
            if name == "Setpoint":
                continue
            value = ua.DataValue(ua.Variant(_values(reading)[name], variant), SourceTimestamp=stamp)
            await server.write_attribute_value(self._nodes[name], value)
        await self._follow_availability(server, reading.reachable)
        self.last_reading = reading
        return reading

    async def _follow_availability(self, server: Server, reachable: bool) -> None:
        if server.bserver is None or reachable == self._listening:
            return
        if reachable:
            await server.bserver.start()
            log.info("simulated boiler back on the network")
        else:
            await server.bserver.stop()
            log.info("simulated boiler off the network (fault)")
        self._listening = reachable

    def _require_server(self) -> Server:
        if self._server is None:
            raise RuntimeError("boiler server not started")
        return self._server

    async def stop(self) -> None:
        """Stop the update task and the server."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._server is not None:
            await self._server.stop()
            self._server = None
        log.info("simulated boiler stopped")


def _values(reading: BoilerReading) -> dict[str, Any]:
    return {
        "Temperature": reading.temperature_c,
        "Setpoint": reading.setpoint_c,
        "Pressure": reading.pressure_bar,
        "BurnerOn": reading.burner_on,
        "FlowRate": reading.flow_m3h,
    }
