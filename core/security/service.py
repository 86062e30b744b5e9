"""One object wiring the security core of a plant: keys, audit, users, sessions, permissions.

``SecurityServices.open(plant_config, engine)`` on a migrated store (``Historian.open`` runs
the migrations) gives the authenticator, the authorizer, the signer, the user administration,
the device identities and a factory for :class:`SafeWriter`. On the first run (empty audit
trail and no users) the installation key is created; afterwards a missing key is an error.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from core.config import PlantConfig
from core.model import now_ns
from core.security.admin import UserAdmin
from core.security.audit import AuditTrail
from core.security.auth import Authenticator
from core.security.authorization import AlarmPermissions, Authorizer
from core.security.checkpoint import CheckpointFile
from core.security.config import (
    SecurityConfig,
    checkpoint_path,
    key_file_path,
    security_config_for,
)
from core.security.events import AuditRecord
from core.security.identities import DeviceIdentities
from core.security.keys import InstallationKeys, load_keys
from core.security.passwords import PasswordHasher
from core.security.roles import AccessPolicy
from core.security.sessions import SessionStore
from core.security.signatures import Signer
from core.security.tables import audit_trail
from core.security.tables import users as users_table
from core.security.users import UserStore
from core.security.writes import (
    R,
    SafeWriter,
    Value,
    WriteResultLike,
    close_interrupted_writes,
)
from core.tags import TagInfo


def _is_first_run(engine: Engine) -> bool:
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(audit_trail)).scalar() or 0
        accounts = conn.execute(select(func.count()).select_from(users_table)).scalar() or 0
    return rows == 0 and accounts == 0


@dataclass(frozen=True, slots=True)
class SecurityServices:
    """The security core of one plant store."""

    config: SecurityConfig
    station: str
    keys: InstallationKeys
    audit: AuditTrail
    hasher: PasswordHasher
    policy: AccessPolicy
    auth: Authenticator
    authorizer: Authorizer
    signer: Signer
    admin: UserAdmin
    identities: DeviceIdentities
    clock: Callable[[], int] = now_ns

    @classmethod
    def open(
        cls,
        plant: PlantConfig,
        engine: Engine,
        *,
        clock: Callable[[], int] = now_ns,
        security: SecurityConfig | None = None,
        create_key: bool | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> SecurityServices:
        """Wire everything; ``create_key`` None creates the key only on the first run."""
        config = security or security_config_for(plant)
        create = _is_first_run(engine) if create_key is None else create_key
        keys = load_keys(config, key_file_path(plant, config), create=create, environ=environ)
        audit = AuditTrail(
            engine,
            keys.audit,
            CheckpointFile(checkpoint_path(plant, config)),
            clock=clock,
            zone=ZoneInfo(plant.plant.timezone),
        )
        user_store, hasher = UserStore(engine), PasswordHasher(config.hashing)
        policy = AccessPolicy({area.name: area.site for area in plant.areas})
        auth = Authenticator(user_store, SessionStore(engine), audit, hasher, config, clock)
        authorizer = Authorizer(user_store, policy, audit, cache_s=config.session_cache_s)
        return cls(
            config=config,
            station=config.station or socket.gethostname(),
            keys=keys,
            audit=audit,
            hasher=hasher,
            policy=policy,
            auth=auth,
            authorizer=authorizer,
            signer=Signer(engine, auth, authorizer, audit, keys.signature),
            admin=UserAdmin(user_store, hasher, authorizer, audit, config, clock),
            identities=DeviceIdentities(engine, keys.device, clock),
            clock=clock,
        )

    @property
    def users(self) -> UserStore:
        """The account store."""
        return self.auth.users

    def close_interrupted_writes(self) -> list[AuditRecord]:
        """At start-up: mark writes cut off by a crash ``UNCONFIRMED`` (never re-sent)."""
        return close_interrupted_writes(self.audit, self.station)

    def alarm_permissions(self) -> AlarmPermissions:
        """The alarm engine's permission checker."""
        return AlarmPermissions(self.authorizer)

    def safe_writer(
        self,
        write: Callable[[R], WriteResultLike],
        *,
        tag_info: Callable[[str], TagInfo | None],
        area_of: Callable[[TagInfo], str],
        is_online: Callable[[str], bool],
        current_value: Callable[[str], Value | None] | None = None,
    ) -> SafeWriter[R]:
        """A :class:`SafeWriter` around a driver's write function."""
        return SafeWriter(
            write,
            self.authorizer,
            self.audit,
            tag_info=tag_info,
            area_of=area_of,
            is_online=is_online,
            current_value=current_value,
        )
