"""``VoskSTTService``: streaming Vosk ASR for one call, grammar mode per script state.

Frames in: ``InputAudioRawFrame`` (decoded only while VAD says the customer speaks, plus
a short pre-roll), ``VADUserStartedSpeakingFrame`` / ``VADUserStoppedSpeakingFrame``,
and ``ExpectPhrasesFrame`` (pushed upstream by the script driver on every state change)
to switch the grammar or turn on free decoding.

Frames out: ``InterimTranscriptionFrame`` while the customer speaks (throttled) and one
``TranscriptionFrame(finalized=True)`` per utterance, forced the moment VAD reports the
stop (pushed *before* the VAD stop frame). Its ``result`` is an ``AsrResult``:

- accepted match: ``text`` is the script author's phrase, ``result.accepted`` is True;
- no-match (weak, not an exact grammar phrase, or low word confidence): ``text`` is ""
  and ``result.accepted`` is False; ``result.judgement.heard`` / ``candidate`` say what
  was heard, for transcripts and logs only;
- nothing decoded (a cough, a click): ``text`` "" and ``result.judgement.reason == "empty"``.

Grammar mode decodes with one recognizer that gives word confidences (Vosk's MBR
result, ``SetWords(True)``): the accept rule needs its 1-best to be an exact grammar
phrase with every word confident. A second, N-best recognizer on the same audio (the
first design) doubled the decoding cost without changing the decisions (bench/
grammar_judge.py: 50.5 % correct, 4.0 % vs 5.0 % wrong intent, same off-topic accepts on
the simulator's Korean reply bank); ``nbest_pass=True`` brings it back for comparison.
Grammar decoding (real-time factor about 0.03) runs on ``recognizers.decode_executor``'s
threads (below the loop's priority), not the event loop: Vosk releases the GIL, so many
calls' decoding uses another core while the loop paces their audio (inline, at 40 calls
it took half the loop and ran the RTP pacer late). A call has one decode in flight: audio
arriving meanwhile joins the next chunk (100 ms, or more when the threads are behind), so
frames never queue behind decoding. The final result (15-25 ms, and what the decode
threads left), which the turn waits for, free decoding (9x the cost) and recognizer
builds (about 20 ms) use the default threads, at the loop's priority. Audio is not passed
on downstream (nothing after the STT needs it). Recognizers are used by one
call at a time; built ones are kept per grammar so a state revisited costs nothing, and
go to the process's ``RecognizerPool`` when the call ends (free ones stay warm).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    InterimTranscriptionFrame,
    StartFrame,
    SystemFrame,
    TranscriptionFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.settings import STTSettings
from pipecat.services.stt_service import STTService
from pipecat.utils.time import time_now_iso8601
from vosk import KaldiRecognizer

from dialogue.speech.grammar import (
    Grammar,
    Judgement,
    UnitSplitter,
    build_grammar,
    judge,
    judge_free,
    may_continue,
)
from dialogue.speech.recognizers import RecognizerPool, decode_executor

CHUNK_S = 0.1  # audio handed to Vosk per call
PREROLL_S = 0.6  # audio kept before VAD start: its 0.2 s confirmation, batching, margin


@dataclass
class ExpectPhrasesFrame(SystemFrame):
    """Switch the recognizer: this state's phrases, or free decoding."""

    phrases: tuple[str, ...] = ()
    free_decoding: bool = False
    state: str = ""


@dataclass(frozen=True)
class AsrResult:
    """The ``result`` of a final ``TranscriptionFrame`` from ``VoskSTTService``."""

    judgement: Judgement
    state: str
    free_decoding: bool
    speech_start: float  # time.monotonic() of the first speech audio (VAD start - start_secs)
    speech_end: float  # time.monotonic() of the end of speech (VAD stop - stop_secs)
    final_at: float  # time.monotonic() when the final was pushed
    decode_s: float  # CPU-side time spent in the final decode

    @property
    def accepted(self) -> bool:
        return self.judgement.accepted

    @property
    def final_latency_s(self) -> float:
        """End of speech -> final result (includes the VAD stop delay)."""
        return self.final_at - self.speech_end


@dataclass
class _Recognizers:
    grammar: Grammar | None
    main: Any  # grammar mode: word confidences (MBR); free mode: the only recognizer
    nbest: Any | None = None  # optional N-best pass (grammar mode, ``nbest_pass``)
    pool_key: tuple[str, int, bool] | None = None


@dataclass
class SttStats:
    utterances: int = 0
    accepted: int = 0
    decode_s: float = 0.0
    unknown_words: dict[str, tuple[str, ...]] = field(default_factory=dict)


class VoskSTTService(STTService):
    """Vosk recognition of one call; the model is shared, the recognizers are not."""

    def __init__(
        self,
        *,
        model: Any,
        vocabulary: UnitSplitter,
        phrases: Sequence[str] = (),
        free_decoding: bool = False,
        min_word_confidence: float = 0.7,
        nbest_pass: bool = False,
        interim_results: bool = True,
        interim_interval_s: float = 0.3,
        max_alternatives: int = 10,
        pool: RecognizerPool | None = None,
        free_model: Callable[[], Any] | None = None,
        incomplete_timeout_s: float = 0.0,
        incomplete_quiet_s: float = 0.2,
        voice_activity: Callable[[], bool] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("ttfs_p99_latency", 0.15)
        kwargs.setdefault("settings", STTSettings(model=None, language=None))
        kwargs.setdefault("audio_passthrough", False)
        super().__init__(**kwargs)
        self._model = model
        self._vocab = vocabulary
        self._min_conf = min_word_confidence
        self._nbest_pass = nbest_pass
        self._interims = interim_results
        self._interim_interval = interim_interval_s
        self._max_alts = max_alternatives
        self._pool = pool
        # VoiceXML's "incomplete timeout": when VAD reports a stop but what was heard so
        # far is not yet a grammar phrase, wait this long for more speech before the
        # final, so a pause between words does not split one reply into two turns.
        # With ``voice_activity`` (VAD hears a voice starting or going on), the wait ends
        # early once the line has been quiet for ``incomplete_quiet_s``: a no-match on a
        # silent line is answered at once, and the full wait is kept for a customer who is
        # already speaking again (VAD confirms a start only after 0.2 s of speech).
        self._incomplete_s = incomplete_timeout_s
        self._incomplete_quiet_s = min(incomplete_quiet_s, incomplete_timeout_s)
        self._voice_activity = voice_activity
        self._voice_at = 0.0  # when voice activity was last seen during a hold
        self._held: tuple[VADUserStoppedSpeakingFrame, FrameDirection, AsrResult] | None = None
        self._utterance = bytearray()  # this utterance's audio, for a re-decode after a pause
        self._hold_task: asyncio.Task[None] | None = None
        # Free decoding's model (stock beams), loaded on first use in the build thread.
        self._free_model = free_model
        self._thread_lock = asyncio.Lock()
        # Held by the worker thread while it decodes: a cancelled call's thread may still
        # be running when the call ends, and its recognizer must not go back to the pool
        # (and be reset) before the thread is done with it.
        self._decoding = threading.Lock()
        self._want: ExpectPhrasesFrame = ExpectPhrasesFrame(tuple(phrases), free_decoding, "")
        self._active: _Recognizers | None = None
        self._active_key: tuple[bool, tuple[str, ...]] | None = None
        self._cache: dict[tuple[bool, tuple[str, ...]], _Recognizers] = {}
        self._building: asyncio.Task[_Recognizers] | None = None
        self._speaking = False
        self._preroll: deque[bytes] = deque()
        self._preroll_bytes = 0
        self._chunk = bytearray()
        self._decoding_task: asyncio.Task[None] | None = None
        self._speech_start = 0.0
        self._last_partial = ""
        self._last_interim_at = 0.0
        self.stats = SttStats()

    def can_generate_metrics(self) -> bool:
        return True

    # -- grammar switching --------------------------------------------------------------

    @property
    def state(self) -> str:
        return self._want.state

    @property
    def unknown_words(self) -> dict[str, tuple[str, ...]]:
        """Phrase -> words this model cannot spell, over every grammar seen in this call."""
        return dict(self.stats.unknown_words)

    def expect(
        self, phrases: Sequence[str], *, free_decoding: bool = False, state: str = ""
    ) -> None:
        """Switch grammar; applied now, or at the end of the utterance in progress."""
        self._want = ExpectPhrasesFrame(tuple(phrases), free_decoding, state)
        if not self._speaking:
            self._schedule_build()

    def _want_key(self) -> tuple[bool, tuple[str, ...]]:
        if self._want.free_decoding:
            return (True, ())
        return (False, tuple(sorted(set(self._want.phrases))))

    def _schedule_build(self) -> None:
        key = self._want_key()
        if key == self._active_key and self._building is None:
            return
        if key in self._cache:
            self._activate(key, self._cache[key])
            return
        if self._building is not None:
            self._building.cancel()
        self._building = asyncio.get_running_loop().create_task(self._build(key))

    async def _build(self, key: tuple[bool, tuple[str, ...]]) -> _Recognizers:
        free, phrases = key
        grammar = None if free else build_grammar(phrases, self._vocab)
        if grammar is not None and grammar.unknown_words:
            self.stats.unknown_words.update(grammar.unknown_words)
            logger.warning(
                "grammar phrases left out: words unknown to the model",
                phrases=len(grammar.unknown_words),
                state=self._want.state,
            )
        recs = await asyncio.to_thread(self._make_recognizers, grammar)
        self._cache[key] = recs
        if key == self._want_key():
            self._activate(key, recs)
        self._building = None
        return recs

    def _make_recognizers(self, grammar: Grammar | None) -> _Recognizers:

        rate = self.sample_rate
        if grammar is None:
            free_key = RecognizerPool.free_key(rate)
            rec = self._pool.take(free_key) if self._pool is not None else None
            if rec is None:
                model = self._free_model() if self._free_model is not None else self._model
                rec = KaldiRecognizer(model, rate)
                rec.SetWords(True)
            return _Recognizers(None, rec, None, free_key)
        key = (grammar.vosk_json(barrier=False), rate, self._nbest_pass)
        if self._pool is not None and not self._nbest_pass:
            main = self._pool.take(key)
            if main is not None:
                return _Recognizers(grammar, main, None, key)
        main = KaldiRecognizer(self._model, rate, grammar.vosk_json())
        main.SetWords(True)
        nbest = None
        if self._nbest_pass:
            nbest = KaldiRecognizer(self._model, rate, grammar.vosk_json())
            nbest.SetWords(True)
            nbest.SetMaxAlternatives(self._max_alts)
        return _Recognizers(grammar, main, nbest, key)

    def _activate(self, key: tuple[bool, tuple[str, ...]], recs: _Recognizers) -> None:
        self._active, self._active_key = recs, key

    async def _ready(self) -> _Recognizers:
        if self._active_key != self._want_key():
            self._schedule_build()
        if self._building is not None:
            await asyncio.shield(self._building)
        assert self._active is not None
        return self._active

    # -- frames ---------------------------------------------------------------------------

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        self._schedule_build()

    async def stop(self, frame: EndFrame) -> None:
        await self._drop_build()
        await super().stop(frame)

    async def cancel(self, frame: CancelFrame) -> None:
        await self._drop_build()
        await super().cancel(frame)

    async def _drop_build(self) -> None:
        if self._building is not None:
            self._building.cancel()
            self._building = None
        if self._decoding_task is not None:
            await self.cancel_task(self._decoding_task)
            self._decoding_task = None
        released = self._release()
        if released:
            await asyncio.to_thread(self._give_when_idle, released)

    def _release(self) -> list[_Recognizers]:
        """This call's recognizers for the pool (the call is over); any may still be busy
        in a worker thread, so they are given back by ``_give_when_idle``."""
        cache, self._cache = self._cache, {}
        self._active = self._active_key = None
        if self._pool is None:
            return []
        return [r for r in cache.values() if r.nbest is None and r.pool_key is not None]

    def _give_when_idle(self, free: list[_Recognizers]) -> None:
        assert self._pool is not None
        with self._decoding:
            for recs in free:
                assert recs.pool_key is not None
                self._pool.give(recs.pool_key, recs.main)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, ExpectPhrasesFrame):
            await super(STTService, self).process_frame(frame, direction)
            self.expect(frame.phrases, free_decoding=frame.free_decoding, state=frame.state)
            return
        if isinstance(frame, VADUserStartedSpeakingFrame):
            if self._held is not None:  # speech went on: the same utterance continues
                await self._resume_held()
                return
            self._on_speech_start(frame.start_secs)
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            # The final goes out before the stop frame, so turn logic sees it first.
            res = await self._decode_final(frame.stop_secs)
            if res is not None and self._should_hold(res):
                self._held = (frame, direction, res)
                self._hold_task = self.create_task(self._hold_then_push(), "incomplete")
                return
            if res is not None:
                await self._push_final(res)
            await super().process_frame(frame, direction)
            return
        elif isinstance(frame, (EndFrame, CancelFrame)) and self._held is not None:
            await self._push_held()
        await super().process_frame(frame, direction)

    def _should_hold(self, res: AsrResult) -> bool:
        """A grammar-mode no-match that is not a whole phrase may be the first half of a
        reply with a pause in it."""
        grammar = self._active.grammar if self._active is not None else None
        if self._incomplete_s <= 0 or res.free_decoding or grammar is None:
            return False
        return may_continue(res.judgement, grammar)

    async def _hold_then_push(self) -> None:
        start = time.monotonic()
        deadline = start + self._incomplete_s
        self._voice_at = 0.0
        while True:
            wake = deadline
            if self._voice_activity is not None:
                wake = min(deadline, max(start, self._voice_at) + self._incomplete_quiet_s)
            now = time.monotonic()
            if now >= wake:
                break
            await asyncio.sleep(wake - now)
        self._hold_task = None
        await self._push_held()

    async def _push_held(self) -> None:
        """The wait is over (or the call ends): the no-match final, then the held stop."""
        held, self._held = self._held, None
        task, self._hold_task = self._hold_task, None
        if task is not None and task is not asyncio.current_task():
            await self.cancel_task(task)
        if held is None:
            return
        frame, direction, res = held
        await self._push_final(res)
        await super().process_frame(frame, direction)

    async def _resume_held(self) -> None:
        """More speech within the wait: decode the utterance again from its start (the
        tentative final reset the recognizer), pause included, and go on listening."""
        task, self._hold_task = self._hold_task, None
        held, self._held = self._held, None
        if task is not None:
            await self.cancel_task(task)
        if held is None:
            return
        recs = await self._ready()
        audio = bytes(self._utterance)
        async with self._thread_lock:
            await asyncio.get_running_loop().run_in_executor(
                decode_executor(), _accept, self._decoding, recs, audio, False
            )
        self._speaking = True

    def _on_speech_start(self, start_secs: float) -> None:
        self._speaking = True
        self._speech_start = (
            time.monotonic() - start_secs - self._preroll_bytes / (2 * max(self.sample_rate, 1))
        )
        self._chunk = bytearray(b"".join(self._preroll))
        self._utterance = bytearray(self._chunk)
        self._preroll.clear()
        self._preroll_bytes = 0
        self._last_partial = ""
        self._last_interim_at = time.monotonic()

    async def run_stt(self, audio: bytes) -> AsyncGenerator[Frame | None, None]:
        if self._held is not None:  # the pause of a held utterance, kept for a re-decode
            self._utterance += audio
            if self._voice_activity is not None and self._voice_activity():
                self._voice_at = time.monotonic()
            yield None
            return
        if not self._speaking:
            self._preroll.append(audio)
            self._preroll_bytes += len(audio)
            limit = int(PREROLL_S * self.sample_rate * 2)
            while self._preroll_bytes > limit and len(self._preroll) > 1:
                self._preroll_bytes -= len(self._preroll.popleft())
            yield None
            return
        self._chunk += audio
        if self._incomplete_s > 0 and not self._want.free_decoding:
            self._utterance += audio  # only grammar no-matches are held and re-decoded
        if len(self._chunk) >= self._chunk_bytes and self._decoding_task is None:
            self._decoding_task = self.create_task(self._decode_chunks(), "decode")
        yield None

    @property
    def _chunk_bytes(self) -> int:
        return int(CHUNK_S * self.sample_rate * 2)

    async def _decode_chunks(self) -> None:
        """Decode the utterance's audio as it comes, one decode at a time: audio that
        arrives meanwhile waits in the chunk and goes in the next (larger) one, so frames
        never queue behind the decode threads (nor does a CancelFrame behind them)."""
        try:
            while self._speaking and len(self._chunk) >= self._chunk_bytes:
                recs = await self._ready()
                data = bytes(self._chunk)
                self._chunk.clear()
                now = time.monotonic()
                want = self._interims and now - self._last_interim_at >= self._interim_interval
                executor = None if recs.grammar is None else decode_executor()
                async with self._thread_lock:  # one thread at a time on a recognizer
                    partial = await asyncio.get_running_loop().run_in_executor(
                        executor, _accept, self._decoding, recs, data, want
                    )
                if partial is not None:
                    self._last_interim_at = now
                    if partial and partial != self._last_partial:
                        self._last_partial = partial
                        frame = InterimTranscriptionFrame(
                            partial, self._user_id, time_now_iso8601()
                        )
                        await self.push_frame(frame)
        finally:
            self._decoding_task = None

    async def _decoded(self) -> None:
        """The chunk decode in flight, if any, is done (its task is not cancelled)."""
        task = self._decoding_task
        if task is not None:
            await asyncio.wait([task])

    async def _decode_final(self, stop_secs: float) -> AsrResult | None:
        """The utterance's final result (the recognizer is reset); None when not speaking."""
        if not self._speaking:
            return None
        self._speaking = False
        speech_end = time.monotonic() - stop_secs
        await self._decoded()  # the audio before the rest of the chunk
        recs = await self._ready()
        data = bytes(self._chunk)
        self._chunk.clear()
        t0 = time.perf_counter()
        if recs.grammar is None:
            async with self._thread_lock:
                result = await asyncio.to_thread(_final_free, self._decoding, recs, data)
            judgement = judge_free(result)
        else:
            async with self._thread_lock:  # the turn waits for it: at the loop's priority
                main, nbest = await asyncio.to_thread(_final_grammar, self._decoding, recs, data)
            judgement = judge(nbest or main, main, recs.grammar, min_confidence=self._min_conf)
        decode_s = time.perf_counter() - t0
        return AsrResult(
            judgement=judgement,
            state=self._want.state,
            free_decoding=recs.grammar is None,
            speech_start=self._speech_start,
            speech_end=speech_end,
            final_at=time.monotonic(),
            decode_s=decode_s,
        )

    async def _push_final(self, res: AsrResult) -> None:
        self._utterance = bytearray()
        self.stats.utterances += 1
        self.stats.accepted += int(res.judgement.accepted)
        self.stats.decode_s += res.decode_s
        res = replace(res, final_at=time.monotonic())
        frame = TranscriptionFrame(
            res.judgement.text, self._user_id, time_now_iso8601(), result=res, finalized=True
        )
        await self.push_frame(frame)
        # A grammar switch asked for mid-utterance applies now.
        if self._active_key != self._want_key():
            self._schedule_build()


# -- in a worker thread: ``lock`` is the call's, held while its recognizers decode --------


def _accept(lock: threading.Lock, recs: _Recognizers, data: bytes, partial: bool) -> str | None:
    """Decode a chunk; the partial result when asked for."""
    with lock:
        recs.main.AcceptWaveform(data)
        if recs.nbest is not None:
            recs.nbest.AcceptWaveform(data)
        if not partial:
            return None
        return str(json.loads(recs.main.PartialResult()).get("partial", ""))


def _final_free(lock: threading.Lock, recs: _Recognizers, data: bytes) -> dict[str, Any]:
    with lock:
        if data:
            recs.main.AcceptWaveform(data)
        out: dict[str, Any] = json.loads(recs.main.FinalResult())
    return out


def _final_grammar(
    lock: threading.Lock, recs: _Recognizers, data: bytes
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    with lock:
        if data:
            recs.main.AcceptWaveform(data)
            if recs.nbest is not None:
                recs.nbest.AcceptWaveform(data)
        main: dict[str, Any] = json.loads(recs.main.FinalResult())
        nbest: dict[str, Any] | None = (
            json.loads(recs.nbest.FinalResult()) if recs.nbest is not None else None
        )
    return main, nbest
