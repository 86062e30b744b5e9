"""Build a configured asyncua :class:`Client` for one endpoint: identity, security, user token."""

from __future__ import annotations

import logging

from asyncua import ua
from asyncua.client.client import Client
from asyncua.crypto import security_policies
from asyncua.ua.uaerrors import UaError

from drivers.opcua.config import OpcuaConfig, SecurityMode, SecurityPolicy
from drivers.opcua.logs import install_log_guards
from drivers.opcua.security import ApplicationIdentity, TrustListValidator, default_application_uri

log = logging.getLogger(__name__)

PRODUCT_URI = "urn:controldeck:opcua-client"
WATCHDOG_S = 2.5
"""asyncua's connection probe: a ServerStatus read every so often, which must answer within as
long. asyncua's 1 s default timed out on a busy loop (10,000 notifications/s on 2 loaded cores)
and dropped a healthy connection; a dead one is still noticed within ~5 s."""

POLICY_CLASSES: dict[SecurityPolicy, type[security_policies.SecurityPolicy]] = {
    SecurityPolicy.BASIC256SHA256: security_policies.SecurityPolicyBasic256Sha256,
    SecurityPolicy.AES128_SHA256_RSAOAEP: security_policies.SecurityPolicyAes128Sha256RsaOaep,
    SecurityPolicy.AES256_SHA256_RSAPSS: security_policies.SecurityPolicyAes256Sha256RsaPss,
}
MODES: dict[SecurityMode, ua.MessageSecurityMode] = {
    SecurityMode.NONE: ua.MessageSecurityMode.None_,
    SecurityMode.SIGN: ua.MessageSecurityMode.Sign,
    SecurityMode.SIGN_AND_ENCRYPT: ua.MessageSecurityMode.SignAndEncrypt,
}


class SecurityRefused(ConnectionError):
    """The server offers no endpoint with the configured security mode and policy."""


async def build_client(
    config: OpcuaConfig, endpoint: str, identity: ApplicationIdentity | None
) -> Client:
    """A client for ``endpoint``, secured and authenticated as ``config`` says (not connected yet).

    With security, the server's endpoints are fetched to find the matching one, and the
    server certificate is checked against the trust list when the session is created.
    """
    install_log_guards()
    client = Client(endpoint, timeout=config.request_timeout_s, watchdog_intervall=WATCHDOG_S)
    client.name = "ControlDeck"
    client.description = f"ControlDeck {config.name}"
    client.product_uri = PRODUCT_URI
    client.application_uri = identity.application_uri if identity else default_application_uri()
    if config.secure:
        if identity is None:
            raise ValueError("a secured connection needs an application identity")
        await _secure(client, config, identity)
    password = config.resolve_password()
    if config.username and password is not None:
        client.set_user(config.username)
        client.set_password(password.get_secret_value())
    return client


async def _secure(client: Client, config: OpcuaConfig, identity: ApplicationIdentity) -> None:
    client.certificate_validator = TrustListValidator(config.pki_dir)
    try:
        await client.set_security(
            POLICY_CLASSES[config.security_policy],
            str(identity.cert_path),
            str(identity.key_path),
            mode=MODES[config.security_mode],
        )
    except UaError as exc:
        if "No matching endpoints" not in str(exc):
            raise
        raise SecurityRefused(
            f"server offers no {config.security_mode}/{config.security_policy} endpoint; refused"
        ) from None
