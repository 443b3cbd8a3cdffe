"""The tests' broker is the product's local Mosquitto launcher (``sync.localbroker``)."""

from sync.localbroker import Broker, free_port, mosquitto_binary

__all__ = ["Broker", "free_port", "mosquitto_binary"]
