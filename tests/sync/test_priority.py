"""Background threads below the screen's priority (``sync.priority``): a thread lowers only
itself, by the steps asked; the sync engine's ledger and MQTT threads run
``EngineConfig.background_nice`` steps below the thread that started the engine."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sync.engine import EngineConfig, SyncEngine
from sync.ledger import Ledger
from sync.mqtt import BrokerConfig
from sync.priority import MAX_NICE, lower_thread_priority
from tests.support.waiting import until

DEVICE = "pk-prio-0001"


def _nice(native_id: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, native_id)


def _in_a_thread(steps: int) -> tuple[int | None, int]:
    seen: list[tuple[int | None, int]] = []

    def run() -> None:
        now = lower_thread_priority(steps)
        seen.append((now, _nice(threading.get_native_id())))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return seen[0]


def test_a_thread_lowers_itself_only_and_zero_leaves_it() -> None:
    ours = _nice(threading.get_native_id())
    assert _in_a_thread(3) == (min(MAX_NICE, ours + 3), min(MAX_NICE, ours + 3))
    assert _in_a_thread(0) == (None, ours)
    assert _nice(threading.get_native_id()) == ours  # the caller's thread is untouched


async def test_the_engine_runs_its_ledger_and_mqtt_threads_below_the_loop(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path, DEVICE)
    broker = BrokerConfig(url="mqtt://127.0.0.1:1", client_id=DEVICE)  # nothing listens
    engine = SyncEngine(ledger, EngineConfig(broker=broker, background_nice=4))
    loop_nice = _nice(threading.get_native_id())
    await engine.start()
    try:
        ledger_nice = await engine.call_ledger(lambda: _nice(threading.get_native_id()))
        assert ledger_nice == min(MAX_NICE, loop_nice + 4)

        def mqtt_thread() -> threading.Thread | None:
            return next((t for t in threading.enumerate() if t.name == f"mqtt-{DEVICE}"), None)

        await until(lambda: mqtt_thread() is not None, 10, "the MQTT thread")
        thread = mqtt_thread()
        assert thread is not None and thread.native_id is not None
        native_id = thread.native_id
        await until(lambda: _nice(native_id) == min(MAX_NICE, loop_nice + 4), 10, "its nice")
        assert _nice(threading.get_native_id()) == loop_nice
    finally:
        await engine.close()
        ledger.close()
