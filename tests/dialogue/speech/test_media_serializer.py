from __future__ import annotations

import base64
import json
from types import SimpleNamespace

from pipecat.frames.frames import InputAudioRawFrame, InputDTMFFrame
from pipecat.serializers.twilio import TwilioFrameSerializer

from dialogue.speech.media_serializer import BatchingTwilioSerializer


def _media(payload: bytes) -> str:
    return json.dumps(
        {
            "event": "media",
            "streamSid": "MZ1",
            "media": {"payload": base64.b64encode(payload).decode()},
        }
    )


async def _ready(s: TwilioFrameSerializer) -> TwilioFrameSerializer:
    await s.setup(SimpleNamespace(audio_in_sample_rate=8000))  # type: ignore[arg-type]
    return s


def _params() -> TwilioFrameSerializer.InputParams:
    return TwilioFrameSerializer.InputParams(auto_hang_up=False)


async def test_joins_three_20ms_messages_into_one_frame_with_the_same_audio() -> None:
    batching = await _ready(BatchingTwilioSerializer("MZ1", params=_params(), batch_s=0.06))
    stock = await _ready(TwilioFrameSerializer("MZ1", params=_params()))
    chunks = [bytes((i * 7 + k) % 256 for k in range(160)) for i in range(7)]
    out = [await batching.deserialize(_media(c)) for c in chunks]
    assert [f is not None for f in out] == [False, False, True, False, False, True, False]
    expected = b""
    for c in chunks[:6]:
        frame = await stock.deserialize(_media(c))
        assert isinstance(frame, InputAudioRawFrame)
        expected += frame.audio
    got = b"".join(f.audio for f in out if isinstance(f, InputAudioRawFrame))
    assert got == expected and len(got) == 6 * 160 * 2
    first = out[2]
    assert isinstance(first, InputAudioRawFrame) and first.sample_rate == 8000


async def test_other_events_pass_at_once_and_junk_is_dropped() -> None:
    s = await _ready(BatchingTwilioSerializer("MZ1", params=_params()))
    assert await s.deserialize(_media(bytes(160))) is None  # buffered
    dtmf = await s.deserialize(json.dumps({"event": "dtmf", "dtmf": {"digit": "5"}}))
    assert isinstance(dtmf, InputDTMFFrame)
    assert await s.deserialize("not json") is None
    assert await s.deserialize(json.dumps({"event": "media", "media": {}})) is None


async def test_pausing_customer_flushes_the_samples_that_complete_the_stop() -> None:
    need: list[int | None] = [None]
    s = await _ready(
        BatchingTwilioSerializer("MZ1", params=_params(), batch_s=0.1, flush_at=lambda: need[0])
    )
    assert await s.deserialize(_media(bytes(160))) is None  # speaking: batched as usual
    need[0] = 400  # VAD: 400 more samples of non-speech make a stop
    assert await s.deserialize(_media(bytes(160))) is None  # 320 buffered
    frame = await s.deserialize(_media(bytes(160)))  # 480: out at once, not at 800
    assert isinstance(frame, InputAudioRawFrame) and len(frame.audio) == 3 * 160 * 2
    need[0] = 0  # the stop is due with whatever arrives next
    frame = await s.deserialize(_media(bytes(160)))
    assert isinstance(frame, InputAudioRawFrame) and len(frame.audio) == 160 * 2


async def test_media_payload_fast_path_matches_json() -> None:
    audio = bytes(range(160))
    b64 = base64.b64encode(audio).decode()
    twilio = (
        '{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"2",'
        f'"timestamp":"40","payload":"{b64}"}},"streamSid":"MZ1"}}'
    )
    escaped = twilio.replace("/", "\\/")  # valid JSON too: goes through json.loads
    reordered = json.dumps({"streamSid": "MZ1", "media": {"payload": b64}, "event": "media"})
    stock = await _ready(TwilioFrameSerializer("MZ1", params=_params()))
    want = await stock.deserialize(twilio)
    assert isinstance(want, InputAudioRawFrame)
    for message in (twilio, escaped, reordered, _media(audio)):
        s = await _ready(BatchingTwilioSerializer("MZ1", params=_params(), batch_s=0.02))
        got = await s.deserialize(message)
        assert isinstance(got, InputAudioRawFrame) and got.audio == want.audio, message
