"""A small real OPC-UA server for the driver tests: a Boiler object on 127.0.0.1.

Run as a subprocess so a test can SIGKILL it and start it again on the same port::

    python tests/drivers/opcua/boiler_server.py --port 4841 [--security none|sign-encrypt|only-none]
        [--cert-dir DIR] [--user NAME:PASSWORD] [--period 0.1]

Address space (namespace ``urn:controldeck:test:boiler``, index 2):

============================  ========  =========  ===========================================
NodeId                        type      access     behaviour
============================  ========  =========  ===========================================
ns=2;s=Boiler                 object
ns=2;s=Boiler.Temperature     Double    read       changes every ``--period`` s, unit degC
ns=2;s=Boiler.Pressure        Double    read       changes every ``--period`` s, unit bar
ns=2;s=Boiler.Setpoint        Double    writable   starts at 60.0
ns=2;s=Boiler.Mode            Int16     writable   starts at 1
ns=2;s=Boiler.Running         Boolean   read       True
ns=2;s=Boiler.FlueGas         Double    read       StatusCode BadSensorFailure
ns=2;s=Boiler.Level           Double    read       StatusCode UncertainLastUsableValue
ns=2;s=Boiler.Serviced        Double    read       fixed source timestamp 2024-01-02T03:04:05.25Z
ns=2;s=Boiler.Burner          object
ns=2;s=Boiler.Burner.Flame    Boolean   read       True
============================  ========  =========  ===========================================

The server certificate lives in ``--cert-dir`` (created on first start, reused on restart).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

from asyncua import Server, ua
from asyncua.crypto import cert_gen
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.server.user_managers import UserManager
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

log = logging.getLogger("boiler_server")

NAMESPACE = "urn:controldeck:test:boiler"
SERVER_URI = "urn:controldeck:test:boiler-server"
SERVICED_AT = datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=UTC)

SECURITY_CHOICES = {
    "none": [ua.SecurityPolicyType.NoSecurity],
    "only-none": [ua.SecurityPolicyType.NoSecurity],
    "sign-encrypt": [
        ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
        ua.SecurityPolicyType.Aes256Sha256RsaPss_SignAndEncrypt,
    ],
}


class PasswordUsers(UserManager):
    """Accepts exactly one username/password pair (and refuses anonymous sessions)."""

    def __init__(self, username: str, password: str) -> None:
        self._username = username
        self._password = password

    def get_user(self, iserver, username=None, password=None, certificate=None):
        if username == self._username and password == self._password:
            return User(role=UserRole.User)
        return None


def ensure_server_certificate(cert_dir: Path) -> tuple[Path, Path]:
    """A self-signed server certificate (DER) and key (PEM) in ``cert_dir``, created once."""
    cert_dir.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = cert_dir / "server_cert.der", cert_dir / "server_key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    key = cert_gen.generate_private_key()
    cert = cert_gen.generate_self_signed_app_certificate(
        key,
        "ControlDeck test boiler",
        {},
        [x509.UniformResourceIdentifier(SERVER_URI), x509.DNSName(socket.gethostname())],
        extended=[ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
    )
    key_path.write_bytes(cert_gen.dump_private_key_as_pem(key))
    cert_path.write_bytes(cert.public_bytes(Encoding.DER))
    return cert_path, key_path


async def add_variable(parent, ns: int, name: str, value, vtype, *, writable: bool = False):
    node = await parent.add_variable(
        ua.NodeId(f"{parent_name(parent)}.{name}", ns), f"{ns}:{name}", value, vtype
    )
    if writable:
        await node.set_writable()
    return node


def parent_name(parent) -> str:
    return str(parent.nodeid.Identifier)


async def add_unit(node, ns: int, unit: str, description: str) -> None:
    info = ua.EUInformation(
        NamespaceUri="http://www.opcfoundation.org/UA/units/un/cefact",
        UnitId=-1,
        DisplayName=ua.LocalizedText(unit),
        Description=ua.LocalizedText(unit),
    )
    await node.add_property(ns, "EngineeringUnits", info)
    await node.write_attribute(
        ua.AttributeIds.Description, ua.DataValue(ua.Variant(ua.LocalizedText(description)))
    )


async def build(server: Server) -> dict[str, object]:
    ns = await server.register_namespace(NAMESPACE)
    boiler = await server.nodes.objects.add_object(ua.NodeId("Boiler", ns), f"{ns}:Boiler")
    nodes = {
        "temperature": await add_variable(boiler, ns, "Temperature", 20.0, ua.VariantType.Double),
        "pressure": await add_variable(boiler, ns, "Pressure", 1.0, ua.VariantType.Double),
        "setpoint": await add_variable(
            boiler, ns, "Setpoint", 60.0, ua.VariantType.Double, writable=True
        ),
        "mode": await add_variable(boiler, ns, "Mode", 1, ua.VariantType.Int16, writable=True),
        "running": await add_variable(boiler, ns, "Running", True, ua.VariantType.Boolean),
        "fluegas": await add_variable(boiler, ns, "FlueGas", 180.0, ua.VariantType.Double),
        "level": await add_variable(boiler, ns, "Level", 0.5, ua.VariantType.Double),
        "serviced": await add_variable(boiler, ns, "Serviced", 7.0, ua.VariantType.Double),
    }
    await add_unit(nodes["temperature"], ns, "degC", "Boiler water temperature")
    await add_unit(nodes["pressure"], ns, "bar", "Boiler pressure")
    burner = await boiler.add_object(ua.NodeId("Boiler.Burner", ns), f"{ns}:Burner")
    await add_variable(burner, ns, "Flame", True, ua.VariantType.Boolean)
    await write_status(nodes["fluegas"], 180.0, ua.StatusCodes.BadSensorFailure)
    await write_status(nodes["level"], 0.5, ua.StatusCodes.UncertainLastUsableValue)
    serviced = ua.DataValue(ua.Variant(7.0, ua.VariantType.Double), SourceTimestamp=SERVICED_AT)
    await nodes["serviced"].write_value(serviced)
    return nodes


async def write_status(node, value: float, code: int) -> None:
    dv = ua.DataValue(
        ua.Variant(value, ua.VariantType.Double),
        StatusCode=ua.StatusCode(code),
        SourceTimestamp=datetime.now(UTC),
    )
    await node.write_value(dv)


async def configure_security(server: Server, args: argparse.Namespace) -> None:
    server.set_security_policy(SECURITY_CHOICES[args.security])
    if args.security == "sign-encrypt":
        cert_path, key_path = ensure_server_certificate(Path(args.cert_dir))
        await server.load_certificate(str(cert_path))
        await server.load_private_key(str(key_path))


async def run(args: argparse.Namespace) -> None:
    users = PasswordUsers(*args.user.split(":", 1)) if args.user else None
    server = Server(user_manager=users)
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{args.port}/boiler")
    server.set_server_name("ControlDeck test boiler")
    await server.set_application_uri(SERVER_URI)
    if users is not None:
        server.set_identity_tokens([ua.UserNameIdentityToken])
    await configure_security(server, args)
    nodes = await build(server)
    async with server:
        sys.stdout.write("READY\n")
        sys.stdout.flush()
        step = 0
        while True:
            await asyncio.sleep(args.period)
            step += 1
            await nodes["temperature"].write_value(60.0 + 5.0 * math.sin(step / 10.0))
            await nodes["pressure"].write_value(1.5 + 0.1 * math.cos(step / 7.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--security", choices=sorted(SECURITY_CHOICES), default="none")
    parser.add_argument("--cert-dir", default=".")
    parser.add_argument("--user", default="")
    parser.add_argument("--period", type=float, default=0.1)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
