"""OPC-UA driver (asyncua): subscriptions, browse, writes, certificate trust list."""

from drivers.opcua.config import (
    DriverConfigError,
    OpcuaConfig,
    OpcuaNodeConfig,
    parse_opcua_sections,
)
from drivers.opcua.driver import OpcuaDriver
from drivers.opcua.security import list_rejected, trust_server_certificate

__all__ = [
    "DriverConfigError",
    "OpcuaConfig",
    "OpcuaDriver",
    "OpcuaNodeConfig",
    "list_rejected",
    "parse_opcua_sections",
    "trust_server_certificate",
]
