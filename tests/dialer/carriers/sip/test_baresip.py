"""baresip as a second, independent far end: it auto-answers and echoes our audio back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from dialer.carriers.sip.outcomes import Outcome
from tests.dialer.carriers.sip.harness import Harness
from tests.dialer.carriers.sip.peers import Baresip, dominant_hz, tone

pytestmark = [pytest.mark.sip, pytest.mark.timeout(60)]


async def test_call_connects_audio_both_ways_clean_bye(harness: Harness, tmp_path: Path) -> None:
    home = tmp_path / "baresip"
    home.mkdir()
    peer = Baresip(home)
    await peer.start()
    try:
        trunk = await harness.trunk(None, port=peer.port)
        call = await trunk.invite("bot")
        back: list[bytes] = []
        call.media.on_audio = back.append
        assert await asyncio.wait_for(call.wait_answered(), 10), peer.log()
        assert call.answer is not None and call.answer.codec == "PCMA"
        call.media.send_pcm16(tone(1.5, 600.0))
        await asyncio.sleep(1.0)
        await asyncio.wait_for(call.send_dtmf("7"), 3)
        await asyncio.sleep(0.8)
        ended = await call.hangup()
        assert (ended.outcome, ended.hangup_by) == (Outcome.ANSWERED, "local")
        for _ in range(50):
            if call.bye_result is not None:
                break
            await asyncio.sleep(0.05)
        assert call.bye_result == (200, "OK"), peer.log()
        assert len(back) > 40, f"{len(back)} frames came back\n{peer.log()}"
        loud = [f for f in back if np.abs(np.frombuffer(f, "<i2")).max() > 1000]
        assert loud, "baresip echoed only silence"
        assert abs(dominant_hz(b"".join(loud[:25])) - 600) < 30
        assert peer.log().count("received event: '7' (end=1)") == 1, peer.log()
    finally:
        await peer.stop()
