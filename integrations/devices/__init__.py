"""Branch devices (receipt printers, ticket machines, card dispensers, product lockers) over MQTT.

Two paths behind the one `DevicesApi` the journeys already call (`integrations.clients.branch`):

- `LOBBY_MQTT_URL` set: `MqttDevicesClient` over a `DeviceLink` to a real broker (Debian's mosquitto in
  production and in the tests), with the topic scheme of `topics.py` and per-device accounts (`broker.py`).
- not set (the default, and what `make run` uses): the sandbox bank's device routes over HTTP, as before.

Why the sandbox path is the embedded default and not an in-process broker: the default must be the most
reliable thing that needs nothing installed. The sandbox already models each device (stock, paper, jams)
in the same database the demo journeys use, has been exercised by every journey test, and costs no second
MQTT implementation whose retained-message, last-will, ACL and QoS behaviour would differ from mosquitto's
in ways a test against it would not catch. MQTT is tested against mosquitto itself; a developer who wants
real devices runs `lobby devices broker-config`, mosquitto, and `lobby devices simulate`.
"""
