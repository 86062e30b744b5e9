"""Which MQTT version the driver speaks: MQTT 5 by default, 3.1.1 when the broker has no 5.

A broker without MQTT 5 answers the driver's MQTT 5 CONNECT in one of three ways; paho 2.x
reports them differently:

* a CONNACK refusing the version: ``on_connect`` with reason code 0x84 "Unsupported protocol
  version" (paho maps the 3.1.1 return code 1 to it). amqtt 0.12 does this for a CONNECT
  without properties;
* the socket closed without a CONNACK: ``on_disconnect`` before any ``on_connect``, reason
  "Unspecified error" (paho's ``MQTT_ERR_CONN_LOST``), no DISCONNECT packet from the broker;
* no answer at all: amqtt 0.12 reads the MQTT 5 properties (Session Expiry, Receive Maximum)
  as the client id's length and waits for bytes that never come. paho would only notice after
  the keep-alive, so an MQTT 5 attempt gets ``CONNACK_TIMEOUT_S``; then the socket is shut
  down, which paho reports as the second case.

A refused TCP connection or TLS handshake goes to ``on_connect_fail`` and is not a version
problem. When ``protocol`` is not set in the plant file the next attempt uses 3.1.1. A version
refusal is certain; a closed or silent attempt may also be a broker that is down or hung, so
3.1.1 is kept only once a 3.1.1 CONNECT is accepted (then for the rest of the client's life,
logged once) and the attempt after an unanswered 3.1.1 CONNECT goes back to 5. An explicit
``protocol = "5"`` never falls back: the refusal stays in the driver status.
"""

from __future__ import annotations

import logging
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from drivers.mqtt.config import MqttConfig
from drivers.mqtt.connection import connect_kwargs, shut_down

log = logging.getLogger(__name__)

UNSUPPORTED_PROTOCOL_VERSION = 0x84
"""CONNACK reason code of MQTT 5 (and paho's mapping of the 3.1.1 return code 1)."""
CONNECTION_CLOSED = 0x80
"""paho's reason code for a socket closed by the peer (``MQTT_ERR_CONN_LOST``)."""
CONNACK_TIMEOUT_S = 5.0
"""How long an MQTT 5 CONNECT (or a 3.1.1 one tried after it) waits for its CONNACK."""


def protocol_name(client: mqtt.Client) -> str:
    """``"5"`` or ``"3.1.1"``: the version of the client's next or current CONNECT."""
    return "5" if client.protocol == mqtt.MQTTv5 else "3.1.1"


def use_protocol(client: mqtt.Client, config: MqttConfig, v5: bool) -> None:
    """Make the client's following CONNECTs MQTT 5 or 3.1.1, with the configured session.

    paho fixes the version when the client is built and reads it again on every (re)connect
    (its own 3.1.1 -> 3.1 downgrade sets the same attribute), so it is set directly here.
    """
    client._protocol = mqtt.MQTTv5 if v5 else mqtt.MQTTv311
    client._clean_session = config.clean_start
    client._connect_properties = connect_kwargs(config).get("properties") if v5 else None


class ProtocolNegotiation:
    """Falls back from MQTT 5 to 3.1.1 when the broker has no 5 and 5 was only the default.

    Called from paho's callbacks (its network thread): :meth:`attempt_started` from
    ``on_pre_connect``, :meth:`socket_open` as ``on_socket_open``, :meth:`connack` from
    ``on_connect``, :meth:`closed` from ``on_disconnect``; the CONNACK deadline runs on a
    timer thread. :meth:`cancel` when an attempt fails to connect and on stop.
    """

    def __init__(self, config: MqttConfig) -> None:
        self._config = config
        self.may_fall_back = config.protocol == "5" and "protocol" not in config.model_fields_set
        self.fell_back = False
        self.connack_seen = False
        self.unanswered = False
        self._trying_311 = False
        self._certain = False
        self._why = ""
        self._attempt = 0
        self._this_attempt = False
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def attempt_started(self) -> None:
        """A new attempt begins (``on_pre_connect``): no CONNACK yet."""
        with self._lock:
            self._attempt += 1
            self.connack_seen = self.unanswered = self._this_attempt = False
            self._cancel_timer()

    def socket_open(self, client: mqtt.Client, userdata: object, sock: object) -> None:
        """paho's ``on_socket_open`` (TCP and TLS are up): an MQTT 5 CONNECT gets a deadline."""
        with self._lock:
            if protocol_name(client) == "5" or self._trying_311:
                timer = threading.Timer(CONNACK_TIMEOUT_S, self._deadline, (client, self._attempt))
                timer.name = f"mqtt-{self._config.name}-connack"
                timer.daemon = True
                timer.start()
                self._timer = timer

    def _deadline(self, client: mqtt.Client, attempt: int) -> None:
        with self._lock:
            if attempt != self._attempt or self.connack_seen:
                return
            self.unanswered = True
        log.info(
            "mqtt %s: no CONNACK within %g s; closing the attempt",
            self._config.name,
            CONNACK_TIMEOUT_S,
        )
        shut_down(client)

    def connack(self, client: mqtt.Client, reason: ReasonCode) -> bool:
        """A CONNACK arrived; True when it refused MQTT 5 and the next attempt uses 3.1.1."""
        with self._lock:
            self.connack_seen = True
            self._cancel_timer()
        if reason.value == UNSUPPORTED_PROTOCOL_VERSION:
            return self._fall_back(client, f"refused MQTT 5 ({reason})", certain=True)
        if not reason.is_failure and self._trying_311:
            self._confirm(client)
        return False

    def closed(self, client: mqtt.Client, reason: ReasonCode, from_broker: bool) -> bool:
        """An attempt ended before it was online; True when the next one falls back to 3.1.1.

        That is when its CONNACK refused MQTT 5, or when the connection closed after an MQTT 5
        CONNECT without an answer. The next attempt retries the same endpoint.
        """
        with self._lock:
            self._cancel_timer()
        if self._this_attempt:
            return True
        if self.connack_seen or from_broker or reason.value != CONNECTION_CLOSED:
            return False
        if self._trying_311 and not self._certain:  # 3.1.1 unanswered too: down, not old
            self._trying_311 = False
            use_protocol(client, self._config, v5=True)
            return False
        what = "did not answer" if self.unanswered else "closed the connection after"
        return self._fall_back(client, f"{what} an MQTT 5 CONNECT", certain=False)

    def cancel(self) -> None:
        """Cancel a pending CONNACK deadline (the attempt failed or the driver stops)."""
        with self._lock:
            self._attempt += 1
            self._cancel_timer()

    def error(self, client: mqtt.Client, reason: ReasonCode) -> str:
        """The status text of an attempt that ended without a CONNACK (or with a refusal)."""
        where = f"{client.host}:{client.port}"
        v5 = protocol_name(client) == "5"
        hint = ' (a broker without MQTT 5? set protocol = "3.1.1")' if v5 else ""
        if self.connack_seen:
            refused = reason.value == UNSUPPORTED_PROTOCOL_VERSION
            return f"{where} refused the connection: {reason}{hint if refused else ''}"
        if self.unanswered:
            proto = protocol_name(client)
            return (
                f"{where} did not answer the MQTT {proto} CONNECT in {CONNACK_TIMEOUT_S:g} s{hint}"
            )
        return f"{where} closed the connection before CONNACK: {reason}"

    def _fall_back(self, client: mqtt.Client, why: str, *, certain: bool) -> bool:
        if not self.may_fall_back or self.fell_back or protocol_name(client) != "5":
            return False
        self._trying_311 = self._this_attempt = True
        self._certain, self._why = certain, why
        use_protocol(client, self._config, v5=False)
        log.info("mqtt %s: the broker %s; trying MQTT 3.1.1", self._config.name, why)
        return True

    def _confirm(self, client: mqtt.Client) -> None:
        self._trying_311, self.fell_back = False, True
        log.warning(
            "mqtt %s: the broker at %s:%d has no MQTT 5 (it %s); connected with MQTT 3.1.1. "
            "Its in-flight window (Mosquitto: max_inflight_messages, default 20) now bounds the "
            "messages held per commit, and so the throughput: raise it in the broker's "
            "configuration",
            self._config.name,
            client.host,
            client.port,
            self._why,
        )

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
