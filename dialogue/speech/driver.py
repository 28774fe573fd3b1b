"""``ScriptDriver``: the pipeline step that runs a call's script engine.

It sits after the user-turn processor and before TTS. Final transcriptions become
``Utterance`` events (``text`` "" on a no-match), silence past the state's timeout a
``NoInput``, keypad digits ``Dtmf``, the end of the pipeline ``CustomerHangup``. The
engine's actions become frames:

- ``Say`` -> ``TTSSpeakFrame`` with ``interruptible`` copied (disclosures are False, so
  barge-in never cuts them: pipecat's TTS and output transport keep uninterruptible
  audio through an interruption);
- ``ExpectPhrases`` -> ``ExpectPhrasesFrame`` upstream to the STT (grammar switch) and
  the no-input timer of the state, armed when the bot stops speaking;
- ``EndCall`` -> ``EndWorkerFrame`` after the queued speech (the serializer then hangs
  up through the carrier's REST API);
- anything else (``OfferHandoff``, ``CaptureSlot``, ``Signal``, ``Transition``) -> the
  ``on_action`` hook.

Every turn the engine handled also goes to the call's ``TurnObserver`` (the intent
scorer, ``dialogue.intent.live``) before its actions are applied; slow follow-up work the
observer returns (a handoff request) runs in the background, off the turn's latency.

It also writes transcript rows and per-turn metrics to the ``CallRecorder``, enforces the
maximum call duration, and turns an engine error into a clean end with disposition
``error``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    CancelFrame,
    EndFrame,
    EndWorkerFrame,
    Frame,
    InputDTMFFrame,
    StartFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from dialogue.brain import (
    BrainEvents,
    CallBrain,
    EndCallLike,
    ExpectPhrasesLike,
    SayLike,
    TransitionLike,
    TurnObserver,
)
from dialogue.speech.records import CallRecorder, CallSummary, TranscriptRow, TurnMetrics
from dialogue.speech.vosk_stt import AsrResult, ExpectPhrasesFrame

ActionHook = Callable[[object], Any]
PromptHook = Callable[[str, str], None]  # (prompt id, text) as a prompt is queued


class ScriptDriver(FrameProcessor):
    def __init__(
        self,
        *,
        brain: CallBrain,
        events: BrainEvents,
        recorder: CallRecorder,
        call_id: str,
        call_started_at: float | None = None,
        max_call_s: float = 600.0,
        default_no_input_s: float = 6.0,
        tts_timer: Callable[[], float] | None = None,
        on_action: ActionHook | None = None,
        observer: TurnObserver | None = None,
        on_prompt: PromptHook | None = None,
        recording_path: str | None = None,
        listening: Callable[[], bool] | None = None,
        answer_hold_s: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.brain = brain
        # With answer detection the script starts once a person is heard (or after this
        # long); a machine's verdict switches to the machine's brain (``answered``).
        self._answer_hold_s = answer_hold_s
        self._answer: asyncio.Event | None = None
        self._started = False
        # Whether the customer's audio reaches the bot (False while an agent has the call):
        # no-input timeouts run only then, so the script never re-prompts over an agent.
        self._listening = listening
        self._events = events
        self._recorder = recorder
        self.call_id = call_id
        self._t0 = call_started_at if call_started_at is not None else time.monotonic()
        self._max_call_s = max_call_s
        self._no_input_s = default_no_input_s
        self._tts_timer = tts_timer
        self._on_action = on_action
        self._observer = observer
        self._on_prompt = on_prompt
        self._barge_in = False  # the customer started speaking over the bot this turn
        self._background: set[asyncio.Task[Any]] = set()
        if observer is not None:
            observer.bind(self.handle_event)
        self._recording_path = recording_path
        self._expecting = False
        self._customer_speaking = False
        self._bot_speaking = False
        self._no_input_task: asyncio.Task[None] | None = None
        self._max_task: asyncio.Task[None] | None = None
        # The customer's last turn awaiting the bot's answer, and when the answer could
        # start: the end of speech, or (None) the end of the prompt still playing over it
        # (a prompt that barge-in does not cut), set when that prompt ends.
        self._pending_turn: tuple[AsrResult, float | None] | None = None
        self._greeting_latency: float | None = None
        self._turns = 0
        self._ending = False
        self.disposition: str | None = None
        self.error: str | None = None
        self.finished = False
        self.actions: list[object] = []

    def _now(self) -> float:
        return time.monotonic() - self._t0

    @property
    def elapsed_s(self) -> float:
        """Seconds since the call started (the transcript's time base)."""
        return self._now()

    # -- frames ----------------------------------------------------------------------------

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, StartFrame):
            await self.push_frame(frame, direction)
            self._max_task = self.create_task(self._max_duration(), "max_call_duration")
            if self._answer_hold_s > 0:
                self._answer = asyncio.Event()
                self.create_task(self._start_when_answered(), "answer_hold")
            else:
                await self._start()
            return
        if isinstance(frame, (EndFrame, CancelFrame)):
            if isinstance(frame, EndFrame):
                default = "customer_hangup"
            else:  # the media endpoint cancels with reason "customer_hangup" on a hang-up
                default = frame.reason if isinstance(frame.reason, str) else "cancelled"
            self._finish(default)
            await self._cancel_timers()
            await self.push_frame(frame, direction)
            return
        if isinstance(frame, VADUserStartedSpeakingFrame):
            self._customer_speaking = True
            self._barge_in = self._barge_in or self._bot_speaking
            await self._cancel_no_input()
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self._customer_speaking = False
        elif isinstance(frame, BotStartedSpeakingFrame):
            self._on_bot_started()
        elif isinstance(frame, BotStoppedSpeakingFrame):
            self._bot_speaking = False
            if self._pending_turn is not None and self._pending_turn[1] is None:
                self._pending_turn = (self._pending_turn[0], time.monotonic())
            if direction == FrameDirection.UPSTREAM:
                self._arm_no_input()
        elif isinstance(frame, TranscriptionFrame) and isinstance(frame.result, AsrResult):
            await self.push_frame(frame, direction)
            await self._on_final(frame.result)
            return
        elif isinstance(frame, InputDTMFFrame):
            await self._cancel_no_input()
            await self._feed(self._events.dtmf(str(frame.button.value)))
        await self.push_frame(frame, direction)

    def _on_bot_started(self) -> None:
        if self._bot_speaking:
            return
        self._bot_speaking = True
        now = time.monotonic()
        if self._greeting_latency is None:
            self._greeting_latency = now - self._t0
        if self._pending_turn is not None:
            res, since = self._pending_turn
            self._pending_turn = None
            self._record_turn(res, now - (since if since is not None else now))
        self._cancel_no_input_soon()

    def _cancel_no_input_soon(self) -> None:
        if self._no_input_task is not None:
            self._no_input_task.cancel()
            self._no_input_task = None

    async def _on_final(self, res: AsrResult) -> None:
        j = res.judgement
        if j.reason == "empty":
            self._arm_no_input()
            return
        if self._pending_turn is not None:  # the previous turn got no bot audio
            self._record_turn(self._pending_turn[0], None)
        self._pending_turn = (res, None if self._bot_speaking else res.speech_end)
        self._turns += 1
        self._recorder.transcript(
            self.call_id,
            TranscriptRow(
                speaker="customer",
                text=j.heard,
                confidence=j.confidence,
                start_s=max(0.0, res.speech_start - self._t0),
                end_s=max(0.0, res.speech_end - self._t0),
                state=res.state or self.brain.state,
                matched=j.text if j.accepted else None,
            ),
        )
        await self._cancel_no_input()
        event = self._events.utterance(j.text, j.confidence, j.alternatives if j.accepted else ())
        said = await self._feed(event, heard=j.heard)
        if not said and self._pending_turn is not None and self._pending_turn[0] is res:
            # no spoken answer (waiting for an agent, say): the next prompt is not its reply
            self._pending_turn = None
            self._record_turn(res, None)

    def _record_turn(self, res: AsrResult, response: float | None) -> None:
        self._recorder.turn(
            self.call_id,
            TurnMetrics(
                state=res.state,
                speech_end_s=res.speech_end - self._t0,
                asr_final_latency_s=res.final_latency_s,
                response_latency_s=response,
                tts_s=self._tts_timer() if (self._tts_timer and response is not None) else None,
                accepted=res.accepted,
            ),
        )

    # -- outside control (live handoff, handoff.live) -----------------------------------------

    @property
    def bot_speaking(self) -> bool:
        return self._bot_speaking

    async def handle_event(self, event: object) -> None:
        """Feed an engine event from outside the pipeline (HandoffAccepted, AgentHandBack...)."""
        await self._feed(event)

    async def _start(self) -> None:
        if not self._started:
            self._started = True
            await self._feed(None)

    async def _start_when_answered(self) -> None:
        assert self._answer is not None
        try:
            await asyncio.wait_for(self._answer.wait(), self._answer_hold_s)
        except TimeoutError:
            logger.info("no verdict on who answered yet: the script starts", call_id=self.call_id)
        await self._start()

    async def answered(self, verdict: object, machine: CallBrain | None) -> None:
        """Who answered (``AnswerTap``): None goes on with the script; a machine's brain
        replaces the script's, cutting off anything the bot was saying."""
        if machine is not None and not self._ending:
            if self._started:
                await self.broadcast_interruption()  # type: ignore[no-untyped-call]
            self.brain, self._observer, self._started = machine, None, False
            self._expecting = False
            await self._cancel_no_input()
        if self._answer is not None:
            self._answer.set()
        if machine is not None or self._answer is None:
            await self._start()

    async def end_call(self, disposition: str) -> None:
        """End the call after queued speech, as the engine's ``EndCall`` would."""
        await self._end(disposition)

    # -- the engine -------------------------------------------------------------------------

    async def _feed(self, event: object | None, heard: str | None = None) -> bool:
        """One turn: the event (None: the call's start) into the brain, then the observer
        (the scorer), then the actions out. Whether the bot says something in answer."""
        if self._ending:
            return False
        try:
            actions = list(self.brain.start() if event is None else self.brain.handle(event))
        except Exception as exc:
            logger.exception("script engine failed", call_id=self.call_id)
            self.error = type(exc).__name__
            await self._end("error")
            return False
        barge_in, self._barge_in = self._barge_in, False
        if self._observer is not None:
            try:
                later = self._observer.observe(self.brain, event, actions, barge_in=barge_in)
            except Exception:  # scoring must never end a call
                logger.exception("turn observer failed", call_id=self.call_id)
                later = None
            if later is not None and asyncio.iscoroutine(later):
                task = self.create_task(later, "turn_observer")
                self._background.add(task)
                task.add_done_callback(self._background.discard)
        return await self._apply(actions)

    async def _apply(self, actions: Sequence[object]) -> bool:
        said = False
        for action in actions:
            self.actions.append(action)
            if isinstance(action, SayLike):
                said = True
                frame = TTSSpeakFrame(action.text, append_to_context=False)
                frame.interruptible = bool(action.interruptible)
                if self._on_prompt is not None:
                    self._on_prompt(action.prompt_id, action.text)
                self._recorder.transcript(
                    self.call_id,
                    TranscriptRow(
                        speaker="bot",
                        text=action.text,
                        confidence=None,
                        start_s=self._now(),
                        end_s=self._now(),
                        state=self.brain.state,
                        prompt_id=action.prompt_id,
                    ),
                )
                await self.push_frame(frame)
            elif isinstance(action, ExpectPhrasesLike):
                self._expecting = True
                self._no_input_s = float(action.no_input_timeout_s) or self._no_input_s
                await self.push_frame(
                    ExpectPhrasesFrame(
                        phrases=tuple(action.phrases),
                        free_decoding=bool(action.free_decoding),
                        state=self.brain.state,
                    ),
                    FrameDirection.UPSTREAM,
                )
            elif isinstance(action, EndCallLike):
                await self._end(str(action.disposition))
            else:
                if isinstance(action, TransitionLike):
                    logger.debug("state transition", call_id=self.call_id, to_state=action.to_state)
                if self._on_action is not None:
                    result = self._on_action(action)
                    if asyncio.iscoroutine(result):
                        await result
        if not said and not self._bot_speaking:
            self._arm_no_input()
        return said

    async def _end(self, disposition: str) -> None:
        if self._ending:
            return
        self._ending = True
        self._expecting = False
        self.disposition = self.disposition or disposition
        await self._cancel_no_input()
        await self.push_frame(EndWorkerFrame(reason=disposition))

    # -- timers -----------------------------------------------------------------------------

    def _arm_no_input(self) -> None:
        if not self._expecting or self._ending or self._customer_speaking or self._bot_speaking:
            return
        if self._listening is not None and not self._listening():
            return
        if self._no_input_task is not None:
            self._no_input_task.cancel()
        self._no_input_task = self.create_task(self._no_input(self._no_input_s), "no_input")

    async def _no_input(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self._no_input_task = None
        if self._listening is not None and not self._listening():
            return  # an agent took the call meanwhile
        await self._feed(self._events.no_input())

    async def _cancel_no_input(self) -> None:
        task, self._no_input_task = self._no_input_task, None
        if task is not None:
            await self.cancel_task(task)

    async def _max_duration(self) -> None:
        await asyncio.sleep(self._max_call_s)
        self._max_task = None
        logger.warning("call reached its maximum duration", call_id=self.call_id)
        await self.broadcast_interruption()  # type: ignore[no-untyped-call]
        await self._end("max_duration")

    async def _cancel_timers(self) -> None:
        await self._cancel_no_input()
        task, self._max_task = self._max_task, None
        if task is not None:
            await self.cancel_task(task)

    # -- the end -----------------------------------------------------------------------------

    def _finish(self, default_disposition: str) -> None:
        if self.finished:
            return
        if self._started and not self._ending and not self.brain.ended:
            event = self._events.customer_hangup()
            try:
                actions = self.brain.handle(event)
                if self._observer is not None:
                    self._observer.observe(self.brain, event, actions, barge_in=False)
            except Exception:
                logger.exception("script engine failed on hang-up", call_id=self.call_id)
        self.finish(self.disposition or default_disposition)

    def brain_disposition(self) -> str:
        """The script's disposition when it set one (it knows why the call ended), else
        the pipeline's."""
        engine_disp = getattr(self.brain, "disposition", None)
        return str(engine_disp) if engine_disp else str(self.disposition)

    def finish(self, disposition: str, error: str | None = None) -> None:
        """Write the call summary once (also called by the media endpoint on a crash)."""
        if self.finished:
            return
        self.finished = True
        if self._pending_turn is not None:
            self._record_turn(self._pending_turn[0], None)
            self._pending_turn = None
        self.disposition = self.disposition or disposition
        if self._observer is not None and self._started:  # a call never started is no result
            try:
                self._observer.finished(self.brain, self.brain_disposition())
            except Exception:
                logger.exception("turn observer failed at the end", call_id=self.call_id)
        self._recorder.ended(
            self.call_id,
            CallSummary(
                disposition=self.disposition,
                duration_s=self._now(),
                greeting_latency_s=self._greeting_latency,
                final_state=self.brain.state,
                turns=self._turns,
                error=error or self.error,
                recording_path=self._recording_path,
            ),
        )
