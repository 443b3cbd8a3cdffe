"""The kiosk's start order: the attract loop is painted first, from a window holding only the
attract screen and before anything of the machine is imported or started; the machine starts
behind it, the other screens are built, the view-model is attached, and only then does READY=1
go to systemd. A shopper's touch before that starts nothing (the attract loop says "one
moment"), and the launch options' copies of the machine's constants stay equal to them. A
configured machine (``run --config``) checks its whole file before Qt starts, yet its first
frame waits for no driver either: the devices open behind it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import KioskApp, build_ui
from kiosk.catalog import Catalog
from kiosk.journey.view import Screen, View
from kiosk.launch import READERS, AppOptions, DemoRequest, demo_catalog_path
from kiosk.sdnotify import SystemdNotifier
from kiosk.ui.screens.attract import AttractScreen
from kiosk.ui.screens.registry import SCREENS, build_screen
from kiosk.ui.startup import first_screens
from kiosk.ui.viewmodel import JourneyViewModel
from tests.support.broker import Broker
from tests.support.loops import run_on_qasync
from tests.support.waiting import until

ROOT = Path(__file__).resolve().parents[2]
WAIT = "One moment, please"
TOUCH = "Touch to discover your scent"
# What the first frame must not wait for: the event loop's modules, the drivers, the sync engine
# and its libraries, the purchase flow, the machine, the demo's services, the other screens and
# the receipt's QR code.
MACHINE_MODULES = (
    "asyncio",
    "qasync",
    "sqlalchemy",
    "paho",
    "alembic",
    "qrcode",
    "PIL",
    "serial",
    "hardware.config",
    "hardware.cardreader",
    "hardware.mdb",
    "hardware.terminal",
    "hardware.dispenser",
    "hardware.scanner",
    "sync.engine",
    "sync.ledger",
    "sync.mqtt",
    "kiosk.purchase.flow",
    "kiosk.journey.journey",
    "kiosk.machine",
    "kiosk.runtime",
    "kiosk.demo",
    "kiosk.ui.screens.browse",
    "kiosk.ui.screens.checkout",
)
# What a configured machine's file check loads of those before its first frame: the [hardware]
# values and their check, with the drivers' option types, none of the drivers.
CONFIG_CHECK = frozenset(
    {
        "hardware.config",
        "hardware.config.loader",
        "hardware.config.model",
        "hardware.dispenser",
        "hardware.dispenser.errors",
        "hardware.dispenser.options",
        "hardware.terminal",
        "hardware.terminal.timings",
    }
)
# ... and never the MQTT client (the broker URL is checked by sync.broker_url, without paho).
BROKER_CLIENT = ("sync.mqtt", "paho", "asyncio")


def drain(sock: socket.socket) -> list[str]:
    lines: list[str] = []
    while True:
        try:
            lines += sock.recv(4096).decode().split("\n")
        except BlockingIOError:
            return lines


def demo_options(data_dir: Path) -> AppOptions:
    return AppOptions(
        catalog=Catalog.load(demo_catalog_path()),
        demo=DemoRequest(data_dir=data_dir, reader="mdb"),
        windowed=True,
    )


def test_a_touch_before_the_machine_runs_starts_nothing_and_ready_waits_for_the_machine(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, listener: tuple[socket.socket, str]
) -> None:
    sock, name = listener
    notifier = SystemdNotifier(name)
    kiosk = KioskApp(qapp, demo_options(tmp_path), notifier)
    at_first_frame: dict[str, Any] = {}
    at_ready: dict[str, Any] = {}

    def on_first_frame(_seconds: float) -> None:
        """The attract loop is painted: a shopper touches it at once."""
        assert kiosk.ui is not None
        attract = kiosk.ui.window.screens[Screen.ATTRACT]
        assert isinstance(attract, AttractScreen)
        at_first_frame["screens"] = set(kiosk.ui.window.screens)
        at_first_frame["runtime"] = kiosk.runtime
        qtbot.mouseClick(attract, Qt.MouseButton.LeftButton)
        at_first_frame["touch"] = attract.touch.text()
        at_first_frame["screen"] = kiosk.ui.vm.view.screen
        at_first_frame["notes"] = drain(sock)

    def on_ready(_seconds: float) -> None:
        assert kiosk.ui is not None and kiosk.runtime is not None
        at_ready["machine"] = kiosk.runtime.machine
        at_ready["journey"] = kiosk.ui.vm.journey
        at_ready["notes"] = drain(sock)  # everything up to READY=1, which comes right after

    kiosk.bridge.firstFrameDidShow.connect(on_first_frame)
    kiosk.bridge.readyDidSend.connect(on_ready)

    async def scenario() -> None:
        runner = asyncio.ensure_future(kiosk.run())
        try:
            await until(lambda: kiosk.machine_started.is_set() or runner.done(), 60, "READY")
            assert not runner.done()
            assert kiosk.ui is not None
            ui, journey = kiosk.ui, kiosk.journey
            # At the first frame: the attract screen alone, no machine, the touch went nowhere.
            assert at_first_frame["screens"] == {Screen.ATTRACT}
            assert at_first_frame["runtime"] is None
            assert at_first_frame["touch"] == WAIT
            assert at_first_frame["screen"] is Screen.ATTRACT
            assert "READY=1" not in at_first_frame["notes"]
            assert "STATUS=showing the attract loop" in at_first_frame["notes"]
            # READY: the machine ran (recovery done) and the journey was attached before it.
            assert at_ready["machine"] is not None and at_ready["journey"] is journey
            assert "STATUS=recovering open transactions" in at_ready["notes"]
            assert "READY=1" not in at_ready["notes"]
            assert "READY=1" in drain(sock)
            # The early touch started no journey and no purchase; the attract loop is back to
            # its own words, every screen is built, and a touch now starts the journey.
            assert journey.view.screen is Screen.ATTRACT and not journey.view.busy
            attract = ui.window.screens[Screen.ATTRACT]
            assert isinstance(attract, AttractScreen) and attract.touch.text() == TOUCH
            assert set(ui.window.screens) == set(SCREENS)
            qtbot.mouseClick(attract, Qt.MouseButton.LeftButton)
            assert ui.vm.view.screen is Screen.BROWSE
            assert ui.window.current is ui.window.screens[Screen.BROWSE]
        finally:
            kiosk.request_stop()
            assert await runner == 0

    try:
        run_on_qasync(qapp, scenario())
    finally:
        notifier.close()


PROBE = """
import importlib, json, sys
from kiosk.cli import build_parser
from kiosk import run

argv = ["run", *json.loads(sys.argv[1]), "--duration", "0.1"]
options = run._options(build_parser("run").parse_args(argv))
startup = importlib.import_module("kiosk.ui.startup")  # as run does
first = startup.show_first_frame(options)
painted, loaded = first.painted, sorted(sys.modules)
app = importlib.import_module("kiosk.app")
status = app.run_app(options, first=first)  # stopped while its machine starts: orderly
print(json.dumps({"status": status, "painted": painted, "modules": loaded}))
"""


def first_frame(*args: str) -> list[str]:
    """In a fresh interpreter, as ``perfume-kiosk run ARGS`` starts: the modules loaded when the
    attract loop is painted (on Qt's own event loop), after a run that stopped in order."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.splitlines()[-1])
    assert report["status"] == 0 and report["painted"]
    assert json.loads(proc.stdout.splitlines()[0])["kiosk"] == "first-frame"
    loaded: list[str] = report["modules"]
    assert "kiosk.ui.screens.attract" in loaded and "PySide6.QtWidgets" in loaded
    return loaded


def among(modules: list[str], roots: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == x or m.startswith(x + ".") for x in roots)]


def test_the_first_frame_waits_for_no_machine_module(tmp_path: Path) -> None:
    """``perfume-kiosk run --demo``: nothing of the machine before the attract loop is painted."""
    loaded = first_frame("--demo", "--windowed", "--data-dir", str(tmp_path / "demo"))
    assert among(loaded, MACHINE_MODULES) == []


@pytest.fixture(scope="module")
def configured_first_frame(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The modules at a configured machine's first frame: ``run --config`` with a ``[kiosk]``
    table on a real Mosquitto and the ``[hardware]`` table ``hardware sim --all`` writes (every
    device a pty path, as a machine's serial ports are)."""
    tmp = tmp_path_factory.mktemp("configured")
    broker = Broker(tmp / "broker")
    broker.start()
    command = [sys.executable, "-m", "kiosk.cli", "hardware", "sim", "--all"]
    command += ["--config-out", str(tmp / "hardware.toml")]
    with (
        (tmp / "sim.err").open("wb") as err,
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=err) as sim,
    ):
        try:
            assert sim.stdout is not None
            urls = json.loads(sim.stdout.readline() or b"{}")  # once the file is written
            assert len(urls) == 4 and all(url.startswith("/dev/") for url in urls.values())
            config = tmp / "kiosk.toml"
            config.write_text(
                f'[kiosk]\ndevice_id = "pk-0001"\ndata_dir = "{tmp / "ledger"}"\n'
                f'broker_url = "{broker.url}"\ncatalog = "{demo_catalog_path()}"\n\n'
                + (tmp / "hardware.toml").read_text()
            )
            return first_frame("--config", str(config), "--windowed")
        finally:
            sim.terminate()  # the with block waits for it
            broker.kill()


def test_a_configured_machines_first_frame_waits_for_no_driver(
    configured_first_frame: list[str],
) -> None:
    """Its file is checked whole before Qt starts (``[hardware]`` included), and the devices
    open behind the first frame: no driver, pyserial, SQLAlchemy or machine module before it."""
    early = among(configured_first_frame, MACHINE_MODULES)
    assert [m for m in early if m not in CONFIG_CHECK] == []
    assert set(configured_first_frame) >= CONFIG_CHECK  # the [hardware] table was checked


def test_a_configured_machines_first_frame_waits_for_no_broker_library(
    configured_first_frame: list[str],
) -> None:
    assert among(configured_first_frame, BROKER_CLIENT) == []
    assert "sync.broker_url" in configured_first_frame  # the broker URL was checked


def test_the_starting_view_model_waits_for_its_journey(qapp: QApplication, qtbot: QtBot) -> None:
    """Without a journey: a preview's touch is silent, a starting kiosk's asks to wait; the
    window takes screens built later and shows the one the view is on."""
    catalog = Catalog.load(demo_catalog_path())
    preview = JourneyViewModel(None)
    assert not preview.starting
    with qtbot.assertNotEmitted(preview.touchedWhileStarting):
        preview.touch()
    ui = build_ui(qapp, catalog=catalog, journey=None, starting=True, screens=first_screens)
    try:
        assert ui.vm.starting and set(ui.window.screens) == {Screen.ATTRACT}
        ui.window.resize(1080, 1920)
        ui.window.show()
        attract = ui.window.screens[Screen.ATTRACT]
        assert isinstance(attract, AttractScreen) and attract.touch.text() == TOUCH
        with qtbot.waitSignal(ui.vm.touchedWhileStarting, timeout=1000):
            qtbot.mouseClick(attract, Qt.MouseButton.LeftButton)
        assert attract.touch.text() == WAIT and ui.vm.view.screen is Screen.ATTRACT
        ui.vm.show(View(screen=Screen.DONE))  # no done screen yet: the attract loop stays
        assert ui.window.current is attract
        done = build_screen(ui.ctx, Screen.DONE)
        ui.window.add_screen(Screen.DONE, done)
        assert ui.window.current is done
        with pytest.raises(ValueError, match="done screen already"):
            ui.window.add_screen(Screen.DONE, build_screen(ui.ctx, Screen.DONE))
    finally:
        ui.close()


def test_the_launch_options_copy_the_machines_constants() -> None:
    """``kiosk.launch`` and ``kiosk.config`` keep a few of the machine's values so that the
    first frame does not import it; they must stay the same."""
    from hardware.config import ReaderKind
    from kiosk import demo
    from kiosk.config import RECEIPT_BASE_URL, KioskConfig
    from kiosk.journey import JourneyConfig

    assert tuple(k.value for k in ReaderKind) == READERS
    assert demo_catalog_path() == demo.demo_catalog_path()
    assert JourneyConfig.receipt_base_url == RECEIPT_BASE_URL
    assert DemoRequest().options() == demo.DemoOptions()
    assert DemoRequest(reader="mdb").options().reader is ReaderKind.MDB
    assert AppOptions(catalog=Catalog.load(demo_catalog_path())).idle_s == KioskConfig.idle_s
