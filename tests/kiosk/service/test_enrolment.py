"""Enrolling technicians: the provisioning file of a fresh machine, and the middleware's
``service-enrol`` messages over a real Mosquitto broker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.service import (
    EnrolmentError,
    LoginStatus,
    SessionExpiredError,
    TechnicianDidChange,
    hash_pin,
)
from kiosk.service.enrolment import ENROL_LEAF, parse_request
from tests.kiosk.service.rig import FAST, PIN, TECH, enrolment_file, service_rig
from tests.support.broker import Broker
from tests.support.peer import ScriptedMiddleware
from tests.support.waiting import until


async def test_provisioning_file_enrols_the_first_technician_and_is_destroyed(
    tmp_path: Path,
) -> None:
    async with service_rig(tmp_path) as rig:
        assert not rig.config.provisioning_file.exists()  # type: ignore[union-attr]
        assert await rig.menu.enrolled()
        await rig.login()
        enrolled = await rig.audits("technician_enrolled")
        assert [(e.data["technician_id"], e.data["source"]) for e in enrolled] == [
            (TECH, "provisioning")
        ]
        assert "pinHash" not in json.dumps([dict(e.data) for e in enrolled])


async def test_a_provisioning_file_on_an_enrolled_machine_is_destroyed_unused(
    tmp_path: Path,
) -> None:
    async with service_rig(tmp_path) as rig:
        file = rig.config.provisioning_file
        assert file is not None
        enrolment_file(file, tech="intruder", pinHash=hash_pin("905172", FAST))
        await rig.reopen()
        assert not file.exists()
        assert (await rig.menu.login("intruder", "905172")).status is LoginStatus.WRONG_PIN
        assert len(await rig.audits("provisioning_ignored")) == 1


async def test_a_malformed_provisioning_file_enrols_nobody(tmp_path: Path) -> None:
    file = enrolment_file(tmp_path / "enrol.json", one_time_pin="123456")
    async with service_rig(tmp_path, enrol=False, provisioning_file=file) as rig:
        assert not file.exists()
        assert not await rig.menu.enrolled()
        refused = await rig.audits("technician_enrolled")
        assert [(e.data["result"], e.data["reason"]) for e in refused] == [
            ("refused", "pin_too_common")
        ]


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        (b"not json", "not JSON"),
        (b"[1]", "JSON object"),
        (b'{"v":2,"action":"unlock"}', "JSON object"),
        (b'{"v":1,"action":"drop_tables"}', "unknown action"),
        (b'{"v":1,"action":"enrol","technicianId":"t 1","name":"A","oneTimePin":"583920"}',
         "technicianId"),
        (b'{"v":1,"action":"enrol","technicianId":"t1","oneTimePin":"583920"}', "'name'"),
        (b'{"v":1,"action":"enrol","technicianId":"t1","name":"A"}', "exactly one"),
        (b'{"v":1,"action":"enrol","technicianId":"t1","name":"A","oneTimePin":"583920",'
         b'"pinHash":"x"}', "exactly one"),
        (b'{"v":1,"action":"enrol","technicianId":"t1","name":"A","oneTimePin":583920}',
         "digits"),
        (b'{"v":1,"action":"enrol","technicianId":"t1","name":"A","pinHash":"$scrypt$ln=25,'
         b'r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}',
         "pinHash"),
        (b"{" + b'"v":1,' * 1000 + b"}", "too large"),
    ],
)  # fmt: skip
def test_malformed_enrolment_messages_are_refused_in_one_sentence(
    payload: bytes, detail: str
) -> None:
    with pytest.raises(EnrolmentError) as refused:
        parse_request(payload)
    assert detail in refused.value.detail


async def test_middleware_enrols_revokes_and_unlocks_over_mqtt(
    broker: Broker, tmp_path: Path
) -> None:
    async with service_rig(tmp_path, enrol=False, broker_url=broker.url) as rig:
        engine = rig.machine.engine
        await until(lambda: engine.connected, what="device online")
        peer = ScriptedMiddleware(broker.port, auto_ack=False)
        try:

            def send(body: dict[str, object]) -> None:
                peer.send(engine.device_id, ENROL_LEAF, json.dumps({"v": 1, **body}).encode())

            def enrolled(tech: str) -> bool:
                return TechnicianDidChange(tech, "enrolled", "middleware") in rig.seen

            send({"action": "enrol", "technicianId": TECH, "name": "Alex", "oneTimePin": "480375"})
            await until(lambda: enrolled(TECH), what="enrolled")
            first = await rig.menu.login(TECH, "480375")
            assert first.status is LoginStatus.PIN_CHANGE_REQUIRED
            session = first.session
            assert session is not None
            await rig.menu.change_pin(session, "480375", PIN)

            peer.send(engine.device_id, ENROL_LEAF, b'{"v":1,"action":"enrol"}')  # malformed
            send({"action": "revoke", "technicianId": TECH})
            await until(lambda: session.ended is not None, what="revoked")
            with pytest.raises(SessionExpiredError):
                await rig.menu.stock.overview(session)
            await rig.menu.enrolment.wait_idle()
            refused = [e for e in await rig.audits("technician_enrolled")
                       if e.data["result"] == "refused"]  # fmt: skip
            assert [e.data["source"] for e in refused] == ["middleware"]
            # the only technician is gone: the machine needs an enrolment again
            assert (await rig.menu.login(TECH, PIN)).status is LoginStatus.NOT_ENROLLED

            pin_hash = hash_pin("905172", FAST)
            send({"action": "enrol", "technicianId": "t-7", "name": "Sam", "pinHash": pin_hash})
            await until(lambda: enrolled("t-7"), what="second technician enrolled")
            for _ in range(10):
                result = await rig.menu.login("t-7", "111111")
                if result.status is LoginStatus.WRONG_PIN:
                    rig.clock.advance(result.retry_after_s)
            assert rig.menu.gate().locked
            send({"action": "unlock"})
            await until(lambda: not rig.menu.gate().locked, what="unlocked")
            await rig.menu.enrolment.wait_idle()
            assert (await rig.menu.login("t-7", "905172")).status is LoginStatus.OK
            assert len(await rig.audits("lockout_cleared")) == 1
        finally:
            peer.close()
