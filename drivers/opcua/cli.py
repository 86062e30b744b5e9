"""``controldeck opcua rejected|trust``: review server certificates refused by the trust list."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.config import ConfigError, load_config
from drivers.opcua.config import DriverConfigError, OpcuaConfig, parse_opcua_sections
from drivers.opcua.security import list_rejected, trust_server_certificate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="controldeck opcua", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    rejected = verbs.add_parser("rejected", help="server certificates refused so far")
    trust = verbs.add_parser("trust", help="trust a server certificate (a file or a rejected one)")
    for p in (rejected, trust):
        p.add_argument("--config", required=True, type=Path)
        p.add_argument("--server", help="the [[opcua]] name (default: the only one)")
    trust.add_argument("certificate", help="DER/PEM file, or a rejected name or thumbprint prefix")
    return parser


def _server(config_path: Path, name: str | None) -> OpcuaConfig:
    config = load_config(config_path)
    servers = parse_opcua_sections(config.opcua, config.base_dir, config.source)
    chosen = [s for s in servers if name in (None, s.name)]
    if len(chosen) != 1:
        names = ", ".join(s.name for s in servers) or "none"
        raise ConfigError(
            config.source, "opcua", name, f"choose one server with --server ({names})"
        )
    return chosen[0]


def opcua_main(argv: list[str]) -> int:
    """Run the ``opcua`` command; exit 0 ok, 2 bad usage/config, 1 failure."""
    try:
        args = _parser().parse_args(argv)
        server = _server(args.config, args.server)
        if args.verb == "rejected":
            for cert in list_rejected(server.pki_dir):
                sys.stdout.write(
                    f"{cert.name}  {cert.thumbprint[:16]}  {cert.subject}  {cert.application_uri}\n"
                )
            return 0
        path = trust_server_certificate(server.pki_dir, args.certificate)
    except (ConfigError, DriverConfigError) as exc:
        sys.stderr.write(f"controldeck: {exc}\n")
        return 2
    except (OSError, ValueError, KeyError) as exc:
        sys.stderr.write(f"controldeck: {exc}\n")
        return 1
    sys.stdout.write(f"trusted: {path}\n")
    return 0
