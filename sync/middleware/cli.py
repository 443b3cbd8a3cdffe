"""``perfume-kiosk middleware serve|status|discrepancies|snapshot-request|sandbox-gateway``.

``serve`` runs the middleware until SIGTERM/SIGINT (clean shutdown); it keeps retrying an
unreachable broker, but a malformed URL or an unusable database is an immediate error.
``status`` prints the per-stream and per-device state as JSON. ``discrepancies list|resolve``
reviews snapshot discrepancies (:mod:`sync.middleware.discrepancies`); a refused resolve
(unknown id, already resolved, an action that does not apply) is one error line and exit
status 2. ``snapshot-request`` asks one device for a snapshot. ``sandbox-gateway`` runs the
sandbox payment gateway (docs/payments.md); ``serve --gateway URL`` serves payment RPC through
it. With ``--status-lines`` both print one JSON line on stdout when ready
(``{"middleware": "ready"}`` once first connected to the broker, its subscriptions sent;
``{"gateway": "ready", "url": ...}`` once listening, so ``--port 0`` works) and ``serve`` one
more at each connection change, for a supervising process (the kiosk's demo,
:mod:`kiosk.childproc`). Every expected failure is a :class:`SyncError` with one clear line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import signal
import socket
import sys
from typing import Any

from sync.broker_url import parse_broker_url
from sync.errors import ConfigError, ProtocolError
from sync.middleware import discrepancies as review
from sync.middleware.db import default_url, is_initialised, migrate, open_database
from sync.middleware.ingest import DEFAULT_GAP_RETRY_S
from sync.middleware.report import read_status
from sync.middleware.service import (
    MiddlewareService,
    ServiceConfig,
    request_snapshot,
    validate_instance,
)
from sync.protocol import DEFAULT_PREFIX, validate_device_id

log = logging.getLogger(__name__)

_PREFIX_RE = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")


def default_instance() -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", socket.gethostname()).strip("-_.") or "middleware"
    return name[:60]


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "middleware", help="the reference POS middleware (ingest side)"
    )
    actions = parser.add_subparsers(dest="middleware_command", required=True, metavar="ACTION")
    serve = actions.add_parser("serve", help="ingest events from the broker until stopped")
    serve.add_argument("--broker", required=True, help="mqtt://host:port or mqtts://host:port")
    _db_argument(serve)
    serve.add_argument("--instance", default=None, help="stable id; client id is mw-<instance>")
    serve.add_argument("--prefix", default=DEFAULT_PREFIX, help="topic prefix (default pk/v1)")
    serve.add_argument("--gap-retry-s", type=float, default=DEFAULT_GAP_RETRY_S)
    serve.add_argument("--batch-max", type=int, default=200, help="messages per transaction")
    serve.add_argument("--ca-file", default=None)
    serve.add_argument("--cert-file", default=None)
    serve.add_argument("--key-file", default=None)
    serve.add_argument("--gateway", default=None, help="payment gateway URL (serves payment RPC)")
    serve.add_argument("--gateway-timeout-s", type=float, default=10.0)
    serve.add_argument(
        "--expiry-threshold-h", type=float, default=23.0, help="void authorizations this old"
    )
    serve.add_argument("--expiry-interval-s", type=float, default=300.0, help="checked this often")
    _status_lines_argument(serve)
    serve.set_defaults(handler=_serve)
    status = actions.add_parser("status", help="print stream and device state as JSON")
    _db_argument(status)
    status.add_argument("--device", default=None, help="only this device id")
    status.set_defaults(handler=_status)
    _register_discrepancies(actions)
    snap = actions.add_parser("snapshot-request", help="ask one device for a snapshot")
    snap.add_argument("--broker", required=True)
    snap.add_argument("--device", required=True)
    snap.add_argument("--prefix", default=DEFAULT_PREFIX)
    snap.set_defaults(handler=_snapshot_request)
    sandbox = actions.add_parser("sandbox-gateway", help="run the sandbox payment gateway")
    sandbox.add_argument("--port", type=int, required=True, help="0: any free port")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--db", default=None, help="SQLite file for its state (default: memory)")
    sandbox.add_argument("--decline-above", type=int, default=None, help="decline amounts > N")
    sandbox.add_argument("--slow-ms", type=int, default=0, help="delay every request")
    sandbox.add_argument("--timeout-rate", type=float, default=0.0, help="share of POSTs that hang")
    sandbox.add_argument("--auth-window-s", type=float, default=None, help="authorization life")
    _status_lines_argument(sandbox)
    sandbox.set_defaults(handler=_sandbox_gateway)


def _register_discrepancies(actions: Any) -> None:
    parser = actions.add_parser("discrepancies", help="list and resolve snapshot discrepancies")
    commands = parser.add_subparsers(dest="discrepancies_command", required=True, metavar="ACTION")
    listing = commands.add_parser("list", help="print discrepancies, one line each or as JSON")
    _db_argument(listing)
    listing.add_argument("--device", default=None, help="only this device id")
    listing.add_argument("--status", choices=review.STATUSES, default=review.OPEN)
    listing.add_argument("--json", action="store_true", help="print a JSON document")
    listing.set_defaults(handler=_discrepancies_list)
    resolve = commands.add_parser("resolve", help="resolve one open discrepancy (once)")
    _db_argument(resolve)
    resolve.add_argument("id", type=int, help="the discrepancy id (see list)")
    resolve.add_argument("--operator", required=True, help="who reviewed it")
    resolve.add_argument("--note", required=True, help="why: what was checked and found")
    resolve.add_argument("--action", choices=review.ACTIONS, default=review.DISMISS)
    resolve.set_defaults(handler=_discrepancies_resolve)


def _db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=None,
        help="sqlite:///PATH or postgresql+psycopg://USER@HOST/DB (default ./middleware.db)",
    )


def _status_lines_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--status-lines",
        action="store_true",
        help="print a JSON line on stdout when ready (and serve: at each connection change)",
    )


def _status_line(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


class _ConnectionLines:
    """``serve --status-lines``: ``ready`` at the first connect, then ``connected`` and
    ``disconnected`` at each change (never the same twice in a row)."""

    def __init__(self, broker_url: str) -> None:
        self.broker_url = broker_url
        self.ready = False
        self.connected = False

    def __call__(self, connected: bool) -> None:
        if connected == self.connected:
            return
        self.connected = connected
        if connected and not self.ready:
            self.ready = True
            _status_line(middleware="ready", broker=self.broker_url)
        elif self.ready:
            _status_line(middleware="connected" if connected else "disconnected")


def _prefix(value: str) -> str:
    if not _PREFIX_RE.fullmatch(value):
        raise ConfigError(f"bad topic prefix {value!r}: e.g. pk/v1 (no wildcards, no '/' ends)")
    return value


def _device(value: str) -> str:
    try:
        return validate_device_id(value)
    except ProtocolError as exc:
        raise ConfigError(str(exc)) from None


def _serve(args: argparse.Namespace) -> int:
    config = ServiceConfig(
        broker_url=args.broker,
        instance=validate_instance(args.instance or default_instance()),
        prefix=_prefix(args.prefix),
        gap_retry_s=args.gap_retry_s,
        batch_max=max(1, args.batch_max),
        ca_file=args.ca_file,
        cert_file=args.cert_file,
        key_file=args.key_file,
        gateway_url=args.gateway,
        gateway_timeout_s=args.gateway_timeout_s,
        expiry_threshold_h=args.expiry_threshold_h,
        expiry_interval_s=args.expiry_interval_s,
    )
    if config.gap_retry_s <= 0:
        raise ConfigError("--gap-retry-s must be positive")
    if not 0 < config.expiry_threshold_h <= 24 or config.expiry_interval_s <= 0:
        raise ConfigError("--expiry-threshold-h must be within (0, 24], --expiry-interval-s > 0")
    parse_broker_url(config.broker_url)  # malformed: an error now; unreachable: retried later
    engine = open_database(args.db or default_url())
    try:
        migrate(engine)
        lines = _ConnectionLines(config.broker_url) if args.status_lines else None
        asyncio.run(_run(engine, config, lines))
    finally:
        engine.dispose()
    return 0


async def _run(engine: Any, config: ServiceConfig, lines: _ConnectionLines | None) -> None:
    service = MiddlewareService(engine, config, on_connection=lines)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await service.start()
    log.info(
        "middleware %s serving %s on %s (database %s)",
        config.instance,
        config.prefix,
        config.broker_url,
        engine.url.render_as_string(hide_password=True),
    )
    try:
        await stop.wait()
        log.info("middleware %s stopping", config.instance)
    finally:
        await service.close()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def _open_existing(url: str | None) -> Any:
    engine = open_database(url or default_url(), create=False)
    if not is_initialised(engine):
        engine.dispose()
        raise ConfigError("not a middleware database (run `middleware serve` on it first)")
    return engine


def _status(args: argparse.Namespace) -> int:
    device = _device(args.device) if args.device is not None else None
    engine = _open_existing(args.db)
    try:
        from sync.middleware.payments.report import read_payments_status

        document = read_status(engine, device).to_json()
        document["payments"] = read_payments_status(engine, device)
    finally:
        engine.dispose()
    print(json.dumps(document, indent=2, sort_keys=True))
    return 0


def _discrepancies_list(args: argparse.Namespace) -> int:
    device = _device(args.device) if args.device is not None else None
    engine = _open_existing(args.db)
    try:
        found = review.list_discrepancies(engine, device_id=device, status=args.status)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps({"discrepancies": [d.to_json() for d in found]}, indent=2))
    else:
        for discrepancy in found:
            print(discrepancy.to_line())
    return 0


def _discrepancies_resolve(args: argparse.Namespace) -> int:
    engine = _open_existing(args.db)
    try:
        done = review.resolve(
            engine, args.id, operator=args.operator, note=args.note, action=args.action
        )
    except review.ReviewError as exc:  # a refusal, not a failure: its own exit status
        print(f"perfume-kiosk: error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(json.dumps(done.to_json(), indent=2))
    return 0


def _snapshot_request(args: argparse.Namespace) -> int:
    asyncio.run(request_snapshot(args.broker, _device(args.device), prefix=_prefix(args.prefix)))
    return 0


def _sandbox_gateway(args: argparse.Namespace) -> int:
    from sync.middleware.payments.sandbox import run_sandbox

    if not 0 <= args.port <= 65535:
        raise ConfigError(f"bad port {args.port}")
    if not 0.0 <= args.timeout_rate <= 1.0 or args.slow_ms < 0:
        raise ConfigError("--timeout-rate must be within 0..1 and --slow-ms >= 0")
    try:
        run_sandbox(
            port=args.port,
            host=args.host,
            db_path=args.db,
            decline_above=args.decline_above,
            slow_ms=args.slow_ms,
            timeout_rate=args.timeout_rate,
            auth_window_s=args.auth_window_s,
            on_ready=(lambda url: _status_line(gateway="ready", url=url))
            if args.status_lines
            else None,
        )
    except OSError as exc:
        raise ConfigError(f"sandbox gateway cannot start: {exc}") from None
    return 0
