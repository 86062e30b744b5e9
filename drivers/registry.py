"""Building the configured drivers of a plant (the collector's driver factory).

Each protocol validates its own sections; its errors are re-raised as the core's
:class:`~core.config.ConfigError` so the command line reports them the same way (exit 2).
Protocol packages are imported only when the plant uses them.
"""

from __future__ import annotations

import logging
from typing import Any

from core.config import ConfigError, PlantConfig
from drivers.loop import FieldLoop

log = logging.getLogger(__name__)


def _as_config_error(exc: Exception, source: str) -> ConfigError:
    if isinstance(exc, ConfigError):
        return exc
    return ConfigError(
        getattr(exc, "file", source),
        getattr(exc, "key_path", ""),
        getattr(exc, "value", None),
        getattr(exc, "message", str(exc)),
    )


def build_drivers(config: PlantConfig, loop: FieldLoop | None = None) -> list[Any]:
    """Every driver the plant file asks for, not yet started."""
    drivers: list[Any] = []
    field_loop = loop or FieldLoop()
    try:
        if config.mqtt:
            from drivers.mqtt.config import parse_mqtt_sections
            from drivers.mqtt.driver import MqttDriver

            for mqtt_cfg in parse_mqtt_sections(config.mqtt, config.base_dir, config.source):
                drivers.append(MqttDriver(mqtt_cfg))
        if config.modbus:
            from drivers.modbus.config import parse_modbus_sections
            from drivers.modbus.driver import ModbusDriver

            devices = parse_modbus_sections(config.modbus, config.base_dir, config.source)
            drivers.append(ModbusDriver(devices, field_loop))
        if config.opcua:
            from drivers.opcua.config import parse_opcua_sections
            from drivers.opcua.driver import OpcuaDriver

            for ua_cfg in parse_opcua_sections(config.opcua, config.base_dir, config.source):
                drivers.append(OpcuaDriver(ua_cfg, field_loop))
    except ValueError as exc:
        raise _as_config_error(exc, config.source) from exc
    return drivers
