"""Modbus TCP/RTU driver: device profiles (register maps), codec, read planner, shared links, writes."""

from drivers.modbus import codec
from drivers.modbus.codec import CodecError, decode, encode
from drivers.modbus.config import DriverConfigError, ModbusDeviceConfig, parse_modbus_sections
from drivers.modbus.driver import ModbusDriver
from drivers.modbus.planner import ReadBlock, plan_reads
from drivers.modbus.points import Point
from drivers.modbus.profile import DEFAULT_PROFILES_DIR, Profile, ProfileError, load_profile

__all__ = [
    "DEFAULT_PROFILES_DIR",
    "CodecError",
    "DriverConfigError",
    "ModbusDeviceConfig",
    "ModbusDriver",
    "Point",
    "Profile",
    "ProfileError",
    "ReadBlock",
    "codec",
    "decode",
    "encode",
    "load_profile",
    "parse_modbus_sections",
    "plan_reads",
]
