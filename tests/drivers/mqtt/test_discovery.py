"""Home Assistant discovery end to end: a retained config message announces an entity, the driver
subscribes to its state topic by itself, and the states flow as readings with the unit declared."""

from __future__ import annotations

import json
from pathlib import Path

from drivers.base import LinkState
from drivers.mqtt.config import parse_mqtt_sections
from drivers.mqtt.driver import MqttDriver
from tests.drivers.mqtt.conftest import Publisher, RecordingSink, wait_until
from tests.mosquitto import Mosquitto

CONFIG = {
    # https://www.home-assistant.io/integrations/mqtt/#sensors (discovery example)
    "device_class": "temperature",
    "state_topic": "homeassistant/sensor/sensorBedroom/state",
    "unit_of_measurement": "°C",
    "value_template": "{{ value_json.temperature }}",
    "unique_id": "temp01ae",
    "device": {"identifiers": ["bedroom01ae"], "name": "Bedroom"},
}


def test_discovered_state_topics_are_subscribed_and_flow(broker: Mosquitto, tmp_path: Path) -> None:
    section = {
        "name": "home",
        "host": broker.host,
        "port": broker.port,
        "client_id": "cd-test-discovery",
        # only the discovery prefix is configured: state topics outside it are learned
        "subscribe": [{"topic": "homeassistant/+/+/config", "format": "homeassistant"}],
        "flush_interval_s": 0.02,
    }
    config = parse_mqtt_sections([section], tmp_path, "plant.toml")[0]
    publisher = Publisher(broker)
    publisher.client.publish(
        "homeassistant/sensor/sensorBedroomT/config", json.dumps(CONFIG), qos=1, retain=True
    )
    sink = RecordingSink()
    driver = MqttDriver(config)
    driver.start(sink)
    try:
        wait_until(lambda: driver.status.state is LinkState.ONLINE, what="online")
        wait_until(lambda: any(d.unit == "°C" for d in sink.declared), what="declaration")
        decl = next(d for d in sink.declared if d.unit == "°C")
        assert decl.device_class == "temperature"
        # retained, so it arrives whenever the driver's own subscription reaches the broker
        state = json.dumps({"temperature": 23.2, "humidity": 40})
        publisher.client.publish(CONFIG["state_topic"], state, qos=1, retain=True)
        wait_until(lambda: sink.good_values(decl.name) == [23.2], what="state reading")
        assert "no_subscription" not in sink.reasons()
    finally:
        publisher.close()
        driver.stop()
