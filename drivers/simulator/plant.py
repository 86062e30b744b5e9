"""Builds the simulated plant's parts from a :class:`SimulationConfig`.

Modbus device servers with their presets, the OPC-UA boiler, the MQTT device families, the
publisher settings and the supply (which meter measures which device); :func:`effective_config`
applies the command-line overrides.
"""

from __future__ import annotations

import logging

from drivers.modbus.profile import load_profile
from drivers.simulator.boiler_model import BoilerModel, BoilerParams
from drivers.simulator.config import SimulationConfig
from drivers.simulator.modbus_devices import ModbusDeviceServer
from drivers.simulator.modbus_sources import source_for
from drivers.simulator.mqtt_devices import DeviceFamily, PublisherSettings
from drivers.simulator.mqtt_families import CarbonseedFamily, Family, ZerocraftrFamily
from drivers.simulator.og_field_family import OgFieldFamily
from drivers.simulator.opcua_boiler import BoilerServer, BoilerServerConfig
from drivers.simulator.supply import Supply, register_families
from drivers.simulator.tasmota_family import TasmotaFamily

log = logging.getLogger(__name__)


def effective_config(
    config: SimulationConfig,
    *,
    seed: int | None = None,
    mqtt_devices: int | None = None,
    interval: float | None = None,
) -> SimulationConfig:
    """``config`` with the command-line overrides applied (``mqtt_devices`` sets og-field's count)."""
    mqtt = config.mqtt
    if mqtt_devices is not None:
        mqtt = mqtt.model_copy(
            update={"devices": mqtt.devices.model_copy(update={"og_field": mqtt_devices})}
        )
    if interval is not None:
        mqtt = mqtt.model_copy(update={"interval_s": interval})
    changed = config.model_copy(
        update={"mqtt": mqtt, "seed": config.seed if seed is None else seed}
    )
    return SimulationConfig.model_validate(
        changed.model_dump(by_alias=True)
    )  # re-check the overrides


def build_supply(config: SimulationConfig) -> Supply:
    """The sub-metering of ``config`` (``[supply]``); loads register as they are built."""
    supply = Supply(config.feeds_from())
    if supply.parents:
        log.info("supply: %d device(s) feed from a meter", len(supply.parents))
    return supply


def build_modbus_servers(
    config: SimulationConfig, t0: float, supply: Supply | None = None
) -> list[ModbusDeviceServer]:
    """One server per ``[[modbus]]`` device, its writable points preset; meters join
    ``supply``."""
    servers = []
    for device in config.modbus:
        profile = load_profile(device.profile)
        if device.word_order is not None:
            profile = profile.with_word_order(device.word_order)
        source, presets = source_for(
            device.name,
            profile,
            seed=config.seed,
            faults=config.fault_list(),
            t0=t0,
            utc_offset_s=config.utc_offset_s,
            supply=supply,
        )
        server = ModbusDeviceServer(
            device.name, profile, source, host=device.host, port=device.port, unit=device.unit
        )
        for name, value in presets.items():
            server.set_written(name, value)
        servers.append(server)
    return servers


def build_boiler(config: SimulationConfig, t0: float) -> BoilerServer | None:
    """The OPC-UA boiler server, or None when disabled."""
    opcua = config.opcua
    if not opcua.enabled:
        return None
    params = BoilerParams(tau_s=opcua.tau_s, initial_setpoint_c=opcua.initial_setpoint_c)
    model = BoilerModel(
        opcua.name, seed=config.seed, params=params, faults=config.fault_list(), t0=t0
    )
    server_config = BoilerServerConfig(
        host=opcua.host,
        port=opcua.port,
        update_interval_s=opcua.update_interval_s,
        certificate=opcua.certificate,
        private_key=opcua.private_key,
    )
    return BoilerServer(model, server_config)


def build_families(
    config: SimulationConfig, t0: float, supply: Supply | None = None
) -> list[DeviceFamily]:
    """The MQTT device families with the configured counts; the devices that feed from a meter
    join ``supply``."""
    counts, seed, faults = config.mqtt.devices, config.seed, config.fault_list()
    families: list[DeviceFamily] = []
    if counts.zerocraftr:
        families.append(ZerocraftrFamily(counts.zerocraftr, seed=seed, faults=faults, t0=t0))
    if counts.og_field:
        families.append(
            OgFieldFamily(counts.og_field, sites=config.mqtt.sites, seed=seed, faults=faults, t0=t0)
        )
    if counts.carbonseed:
        families.append(CarbonseedFamily(counts.carbonseed, seed=seed, faults=faults, t0=t0))
    if counts.tasmota:
        families.append(TasmotaFamily(counts.tasmota, seed=seed, faults=faults, t0=t0))
    if supply is not None:
        register_families(supply, [f for f in families if isinstance(f, Family)])
    return families


def publisher_settings(config: SimulationConfig) -> PublisherSettings:
    """The MQTT publisher settings of ``config``."""
    mqtt = config.mqtt
    return PublisherSettings(
        host=mqtt.host,
        port=mqtt.port,
        interval_s=mqtt.interval_s,
        qos=mqtt.qos,
        connections=mqtt.connections,
        max_rate=mqtt.max_rate,
        client_id_prefix=mqtt.client_id_prefix,
    )
