"""The broker URL's check, apart from the MQTT client: ``kiosk.config`` checks a machine's file
before its first frame, and importing :mod:`sync.mqtt` there would load paho and asyncio
(``tests/kiosk/test_app_start.py``). :mod:`sync.mqtt` re-exports it."""

from __future__ import annotations

from urllib.parse import urlsplit

from sync.errors import ConfigError


def parse_broker_url(url: str) -> tuple[bool, str, int]:
    """``mqtt://host[:port]`` or ``mqtts://host[:port]`` -> (tls, host, port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigError(f"bad broker URL {url!r}: expected mqtt://host:port") from None
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl") or not parts.hostname:
        raise ConfigError(f"bad broker URL {url!r}: expected mqtt://host:port or mqtts://...")
    tls = parts.scheme in ("mqtts", "ssl")
    return tls, parts.hostname, port or (8883 if tls else 1883)
